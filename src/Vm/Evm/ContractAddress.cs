using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Vm.Evm;

/// <summary>Addresses of created contracts: CREATE from (sender, nonce), CREATE2 from (sender, salt, init code hash).</summary>
public static class ContractAddress
{
    /// <summary>keccak256(rlp([sender, nonce]))[12..].</summary>
    public static Address FromNonce(in Address sender, ulong nonce)
    {
        // A private RLP encoding of this one two-item list, to be replaced by src/Core/Rlp once that lands (issue 6).
        Span<byte> buffer = stackalloc byte[1 + 21 + 9];
        var n = 1;
        buffer[n++] = 0x80 + Address.Size;
        sender.WriteTo(buffer.Slice(n, Address.Size));
        n += Address.Size;
        if (nonce == 0)
        {
            buffer[n++] = 0x80;
        }
        else if (nonce < 0x80)
        {
            buffer[n++] = (byte)nonce;
        }
        else
        {
            var length = 8 - (System.Numerics.BitOperations.LeadingZeroCount(nonce) / 8);
            buffer[n++] = (byte)(0x80 + length);
            for (var i = length - 1; i >= 0; i--)
            {
                buffer[n++] = (byte)(nonce >> (8 * i));
            }
        }
        buffer[0] = (byte)(0xc0 + n - 1);
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
