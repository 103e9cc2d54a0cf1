using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Rlp;

namespace ShanghaiChain.Vm.Evm;

/// <summary>Addresses of created contracts: CREATE from (sender, nonce), CREATE2 from (sender, salt, init code hash).</summary>
public static class ContractAddress
{
    /// <summary>keccak256(rlp([sender, nonce]))[12..].</summary>
    public static Address FromNonce(in Address sender, ulong nonce)
    {
        Span<byte> sender20 = stackalloc byte[Address.Size];
        sender.WriteTo(sender20);
        var payload = RlpCodec.LengthOfString(sender20) + RlpCodec.LengthOfUInt64(nonce);
        Span<byte> buffer = stackalloc byte[RlpCodec.LengthOfList(payload)];
        var writer = new RlpWriter(buffer);
        writer.WriteListHeader(payload);
        writer.WriteString(sender20);
        writer.WriteUInt64(nonce);
        var n = writer.Position;
        Span<byte> hash = stackalloc byte[32];
        Keccak256Hasher.Hash(buffer[..n], hash);
        return new Address(hash[12..]);
    }

    /// <summary>keccak256(0xff ++ sender ++ salt ++ keccak256(initCode))[12..] (EIP-1014).</summary>
    public static Address FromSalt(in Address sender, in UInt256 salt, ReadOnlySpan<byte> initCode)
    {
        Span<byte> buffer = stackalloc byte[1 + 20 + 32 + 32];
        buffer[0] = 0xff;
        sender.WriteTo(buffer.Slice(1, 20));
        salt.WriteBigEndian(buffer.Slice(21, 32));
        Keccak256Hasher.Hash(initCode, buffer.Slice(53, 32));
        Span<byte> hash = stackalloc byte[32];
        Keccak256Hasher.Hash(buffer, hash);
        return new Address(hash[12..]);
    }
}
