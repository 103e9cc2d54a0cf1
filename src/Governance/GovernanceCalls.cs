using System.Buffers.Binary;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Vm.Abi;

namespace ShanghaiChain.Governance;

/// <summary>Calldata for the governance contract's functions (contracts/IGovernance.sol), for the CLI, clients and tests.</summary>
public static class GovernanceCalls
{
    public static byte[] AddValidator(ReadOnlySpan<byte> publicKey, ulong power, string member, bool force) =>
        Call(GovernanceContract.ProposeAddValidator, new AbiTuple().Bytes(publicKey).UInt(power).String(member).Bool(force));

    public static byte[] RemoveValidator(ReadOnlySpan<byte> publicKey, bool force) =>
        Call(GovernanceContract.ProposeRemoveValidator, new AbiTuple().Bytes(publicKey).Bool(force));

    public static byte[] AdmitNode(ReadOnlySpan<byte> publicKey, string name, string member) =>
        Call(GovernanceContract.ProposeAdmitNode, new AbiTuple().Bytes(publicKey).String(name).String(member));

    public static byte[] RevokeNode(ReadOnlySpan<byte> publicKey) => Call(GovernanceContract.ProposeRevokeNode, new AbiTuple().Bytes(publicKey));

    public static byte[] GrantRole(Address account, string role) => Call(GovernanceContract.ProposeGrantRole, new AbiTuple().Address(account).String(role));

    public static byte[] RevokeRole(Address account, string role) => Call(GovernanceContract.ProposeRevokeRole, new AbiTuple().Address(account).String(role));

    public static byte[] SetParameter(string name, UInt256 value) => Call(GovernanceContract.ProposeSetParameter, new AbiTuple().String(name).UInt(value));

    public static byte[] SetCommitteeSeat(string member, ulong weight) => Call(GovernanceContract.ProposeSetCommitteeSeat, new AbiTuple().String(member).UInt(weight));

    public static byte[] AddMember(string name, IReadOnlyList<byte[]> adminKeys)
    {
        // (string, bytes[]): the array's tail is its length, then the offsets of its elements, then their tails.
        var elements = new AbiTuple();
        foreach (var key in adminKeys)
        {
            elements.Bytes(key);
        }
        var encodedElements = elements.Encode();
        var array = new byte[32 + encodedElements.Length];
        AbiWriter.WriteUInt256(array, new UInt256((ulong)adminKeys.Count));
        encodedElements.CopyTo(array, 32);
        var head = new AbiTuple().String(name).UInt(0).Encode();
        // Patch the second head word to point at the array appended after the string's tail.
        var output = new byte[head.Length + array.Length];
        head.CopyTo(output, 0);
        AbiWriter.WriteUInt256(output.AsSpan(32, 32), new UInt256((ulong)head.Length));
        array.CopyTo(output, head.Length);
        return Prefix(GovernanceContract.ProposeAddMember, output);
    }

    /// <summary>Proposes creating (or, with <paramref name="recover"/>, recovering) a cross-chain light client from a serialized LightClientCreate.</summary>
    public static byte[] CrossChainClient(bool recover, string clientId, ReadOnlySpan<byte> create) =>
        Call(GovernanceContract.ProposeCrossChainClient, new AbiTuple().Bool(recover).String(clientId).Bytes(create));

    public static byte[] Vote(ulong id, bool approve) => Call(GovernanceContract.Vote, new AbiTuple().UInt(id).Bool(approve));

    public static byte[] HasRole(Address account, string role) => Call(GovernanceContract.HasRole, new AbiTuple().Address(account).String(role));

    public static byte[] IsAdmittedNode(ReadOnlySpan<byte> publicKey) => Call(GovernanceContract.IsAdmittedNode, new AbiTuple().Bytes(publicKey));

    public static byte[] Registry() => Call(GovernanceContract.RegistrySelector, new AbiTuple());

    private static byte[] Call(uint selector, AbiTuple arguments) => Prefix(selector, arguments.Encode());

    private static byte[] Prefix(uint selector, byte[] arguments)
    {
        var data = new byte[4 + arguments.Length];
        BinaryPrimitives.WriteUInt32BigEndian(data, selector);
        arguments.CopyTo(data, 4);
        return data;
    }
}
