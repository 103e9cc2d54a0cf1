using System.Buffers.Binary;
using System.Text;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Vm.Evm.SystemContracts;

namespace ShanghaiChain.Governance;

/// <summary>What an account may do, as one storage word per account (docs/governance.md, "Storage").</summary>
[Flags]
public enum Permission : uint
{
    None = 0,
    Admin = 1,
    Member = 2,
    Deployer = 4,
    Regulator = 8,
    /// <summary>The account is an admin key of a member organisation: it may propose, and vote if the member is seated.</summary>
    MemberAdmin = 16,
}

/// <summary>
/// Where the governance contract keeps its state in its own storage. Slots are Keccak-256 of a domain string (and a
/// key), as Solidity places mappings, so they never collide with each other. The registry and each proposal are
/// protobuf messages stored as blobs (<see cref="SlotBlob"/>); beside them, one word per account (its
/// <see cref="Permission"/> flags) and one per admitted node key give Solidity and the executor single-read lookups.
/// </summary>
public static class GovernanceLayout
{
    /// <summary>0x0000000000000000000000000000000000001002.</summary>
    public static readonly Address Address = SystemContractRegistry.AddressOf(0x02);

    /// <summary>
    /// 0x…1003, the cross-chain contract (src/Relay, which governance may not reference): a passed cross-chain client
    /// proposal is executed as a call into it.
    /// </summary>
    public static readonly Address CrossChainAddress = SystemContractRegistry.AddressOf(0x03);

    /// <summary>The <c>GovernanceRegistry</c> blob.</summary>
    public static readonly UInt256 RegistrySlot = Named("registry");

    /// <summary>The number of proposals made (ids run from 1).</summary>
    public static readonly UInt256 ProposalCountSlot = Named("proposal-count");

    /// <summary><see cref="PolicyPresent"/> | (<see cref="PolicyMembersOnly"/> when only members may send).</summary>
    public static readonly UInt256 PolicySlot = Named("policy");

    /// <summary>The last height of the current epoch when a validator change is scheduled, else zero.</summary>
    public static readonly UInt256 PendingEpochEndSlot = Named("pending-epoch-end");

    public const ulong PolicyPresent = 2;
    public const ulong PolicyMembersOnly = 1;

    public static UInt256 ProposalSlot(ulong id)
    {
        Span<byte> key = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(key, id);
        return Keyed("proposal", key);
    }

    public static UInt256 PermissionSlot(in Address account)
    {
        Span<byte> key = stackalloc byte[Address.Size];
        account.WriteTo(key);
        return Keyed("permissions", key);
    }

    public static UInt256 NodeSlot(ReadOnlySpan<byte> publicKey) => Keyed("node", publicKey);

    private static UInt256 Named(string name) => Keyed(name, []);

    private static UInt256 Keyed(string domain, ReadOnlySpan<byte> key)
    {
        var prefix = Encoding.ASCII.GetBytes("shanghaichain.governance." + domain);
        Span<byte> digest = stackalloc byte[32];
        Keccak256Hasher.Hash(prefix, key, digest);
        return UInt256.ReadBigEndian(digest);
    }
}
