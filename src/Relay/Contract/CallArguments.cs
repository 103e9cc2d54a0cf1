using System.Text;
using Google.Protobuf;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Vm.Abi;

namespace ShanghaiChain.Relay.Contract;

/// <summary>
/// Reads the cross-chain contract's ABI arguments. Validated here: every word is in range for its type, identifiers are
/// 1 to <see cref="MaxIdentifierBytes"/> bytes of <c>[a-z0-9.-]</c> (client and channel ids name storage paths and
/// events), and protobuf arguments decode.
/// </summary>
internal static class CallArguments
{
    public const int MaxIdentifierBytes = 64;
    public const int MaxVersionBytes = 128;

    public static bool TryUInt64(AbiReader args, int index, out ulong value)
    {
        value = 0;
        if (!args.TryUInt256(index, out var word) || !word.IsUInt64)
        {
            return false;
        }
        value = word.U0;
        return true;
    }

    public static bool TryBool(AbiReader args, int index, out bool value)
    {
        value = false;
        if (!args.TryUInt256(index, out var word) || !(word.IsZero || word == UInt256.One))
        {
            return false;
        }
        value = !word.IsZero;
        return true;
    }

    public static bool TryAddress(AbiReader args, int index, out Address value)
    {
        value = default;
        if (!args.TryWord(index, out var word) || word[..12].ContainsAnyExcept((byte)0))
        {
            return false;
        }
        value = new Address(word[12..]);
        return true;
    }

    public static bool TryIdentifier(AbiReader args, int index, out string value)
    {
        value = "";
        if (!args.TryBytes(index, out var bytes) || !IsIdentifier(bytes))
        {
            return false;
        }
        value = Encoding.ASCII.GetString(bytes);
        return true;
    }

    public static bool TryVersion(AbiReader args, int index, out string value)
    {
        value = "";
        if (!args.TryBytes(index, out var bytes) || bytes.Length > MaxVersionBytes)
        {
            return false;
        }
        try
        {
            value = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    /// <summary>Decodes a protobuf argument; false when it is missing or malformed.</summary>
    public static bool TryMessage<T>(AbiReader args, int index, MessageParser<T> parser, out T message) where T : class, IMessage<T>
    {
        message = null!;
        if (!args.TryBytes(index, out var bytes))
        {
            return false;
        }
        try
        {
            message = parser.ParseFrom(bytes);
            return true;
        }
        catch (InvalidProtocolBufferException)
        {
            return false;
        }
    }

    public static bool IsIdentifier(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length is 0 or > MaxIdentifierBytes)
        {
            return false;
        }
        foreach (var b in bytes)
        {
            if (!(b is >= (byte)'a' and <= (byte)'z' || b is >= (byte)'0' and <= (byte)'9' || b is (byte)'-' or (byte)'.'))
            {
                return false;
            }
        }
        return true;
    }
}
