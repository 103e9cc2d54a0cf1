using System.Buffers.Binary;
using System.Text;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Vm.Abi;

/// <summary>Function selectors and event topics: the Keccak-256 of a canonical signature such as <c>transfer(address,uint256)</c>.</summary>
public static class AbiSignature
{
    public static Hash32 Hash(string signature)
    {
        Span<byte> hash = stackalloc byte[Hash32.Size];
        Compute(signature, hash);
        return new Hash32(hash);
    }

    /// <summary>The first four bytes of the hash, as calldata starts with them (big-endian).</summary>
    public static uint Selector(string signature)
    {
        Span<byte> hash = stackalloc byte[Hash32.Size];
        Compute(signature, hash);
        return BinaryPrimitives.ReadUInt32BigEndian(hash);
    }

    private static void Compute(string signature, Span<byte> hash)
    {
        ArgumentNullException.ThrowIfNull(signature);
        Keccak256Hasher.Hash(Encoding.UTF8.GetBytes(signature), hash);
    }
}
