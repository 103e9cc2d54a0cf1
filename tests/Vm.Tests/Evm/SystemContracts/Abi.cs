using System.Buffers.Binary;
using System.Text;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Vm.Tests.Evm.SystemContracts;

/// <summary>One ABI argument for <see cref="Abi.Call"/>: a static word or dynamic bytes.</summary>
internal readonly record struct AbiArg(byte[] Data, bool Dynamic)
{
    public static AbiArg Word(ReadOnlySpan<byte> bytes32) => new(bytes32.Length == 32 ? bytes32.ToArray() : throw new ArgumentException("32 bytes"), false);

    public static AbiArg Uint(ulong value)
    {
        var word = new byte[32];
        BinaryPrimitives.WriteUInt64BigEndian(word.AsSpan(24), value);
        return new(word, false);
    }

    public static AbiArg Bytes(byte[] data) => new(data, true);
}

/// <summary>A small test-side ABI encoder (selector, head words, tail bytes) and decoder for return and revert data.</summary>
internal static class Abi
{
    public static byte[] Selector(string signature)
    {
        var hash = new byte[32];
        Keccak256Hasher.Hash(Encoding.ASCII.GetBytes(signature), hash);
        return hash[..4];
    }

    public static byte[] Call(string signature, params AbiArg[] args)
    {
        var head = new List<byte>(Selector(signature));
        var tail = new List<byte>();
        foreach (var arg in args)
        {
            if (arg.Dynamic)
            {
                head.AddRange(Uint((ulong)(32 * args.Length + tail.Count)));
                tail.AddRange(Uint((ulong)arg.Data.Length));
                tail.AddRange(arg.Data);
                tail.AddRange(new byte[(32 - arg.Data.Length % 32) % 32]);
            }
            else
            {
                head.AddRange(arg.Data);
            }
        }
        return [.. head, .. tail];
    }

    private static byte[] Uint(ulong value) => AbiArg.Uint(value).Data;

    public static bool DecodeBool(ReadOnlySpan<byte> output)
    {
        Assert.Equal(32, output.Length);
        Assert.True(output[..31].IndexOfAnyExcept((byte)0) < 0);
        return output[31] == 1;
    }

    /// <summary>The message of Solidity's Error(string) revert data.</summary>
    public static string DecodeErrorReason(ReadOnlySpan<byte> output)
    {
        Assert.True(output.Length >= 68, $"revert data of {output.Length} bytes is not Error(string)");
        Assert.Equal("08c379a0", Convert.ToHexStringLower(output[..4]));
        var length = (int)BinaryPrimitives.ReadUInt64BigEndian(output.Slice(4 + 32 + 24, 8));
        return Encoding.UTF8.GetString(output.Slice(4 + 64, length));
    }

    public static Hash32 Topic(string eventSignature)
    {
        var hash = new byte[32];
        Keccak256Hasher.Hash(Encoding.ASCII.GetBytes(eventSignature), hash);
        return new Hash32(hash);
    }
}
