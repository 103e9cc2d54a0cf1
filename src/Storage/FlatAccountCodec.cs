using Google.Protobuf;
using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Storage;

/// <summary>
/// The flat `accounts` family's value: the protobuf `Account` message (proto/shanghaichain/v1/types.proto), written and
/// read without protobuf's objects on the commit path, where every changed account is read and written once per block.
/// <see cref="Encode"/> gives exactly the bytes protobuf writes for the message (fields in number order, empty fields
/// left out, the balance always 32 bytes). <see cref="Decode"/> reads that canonical form directly and hands anything
/// else (unknown fields, other orders or lengths, as another protobuf writer might produce) to protobuf's parser, so
/// both paths give the same account for every input the parser accepts.
/// </summary>
internal static class FlatAccountCodec
{
    private const byte NonceTag = 0x08, BalanceTag = 0x12, CodeHashTag = 0x1a, StorageRootTag = 0x22;

    public static byte[] Encode(AccountState account)
    {
        var nonceLength = account.Nonce == 0 ? 0 : 1 + VarintLength(account.Nonce);
        var length = nonceLength + 2 + UInt256.Size + (account.CodeHash.IsZero ? 0 : 2 + Hash32.Size) +
            (account.StorageRoot.IsZero ? 0 : 2 + Hash32.Size);
        var value = new byte[length];
        var at = 0;
        if (account.Nonce != 0)
        {
            value[at++] = NonceTag;
            for (var rest = account.Nonce; ; rest >>= 7)
            {
                if (rest < 0x80)
                {
                    value[at++] = (byte)rest;
                    break;
                }
                value[at++] = (byte)(rest | 0x80);
            }
        }
        value[at++] = BalanceTag;
        value[at++] = UInt256.Size;
        account.Balance.WriteBigEndian(value.AsSpan(at, UInt256.Size));
        at += UInt256.Size;
        if (!account.CodeHash.IsZero)
        {
            value[at++] = CodeHashTag;
            value[at++] = Hash32.Size;
            account.CodeHash.WriteTo(value.AsSpan(at, Hash32.Size));
            at += Hash32.Size;
        }
        if (!account.StorageRoot.IsZero)
        {
            value[at++] = StorageRootTag;
            value[at++] = Hash32.Size;
            account.StorageRoot.WriteTo(value.AsSpan(at, Hash32.Size));
        }
        return value;
    }

    public static AccountState Decode(byte[] value) => TryDecodeCanonical(value, out var account) ? account : DecodeWithParser(value);

    /// <summary>The protobuf parser's reading (throws <see cref="InvalidProtocolBufferException"/> on malformed input).</summary>
    internal static AccountState DecodeWithParser(byte[] value)
    {
        var proto = Account.Parser.ParseFrom(value);
        return new AccountState(
            proto.Nonce,
            UInt256.ReadBigEndian(proto.Balance.Span),
            proto.CodeHash.IsEmpty ? Hash32.Zero : new Hash32(proto.CodeHash.Span),
            proto.StorageRoot.IsEmpty ? Hash32.Zero : new Hash32(proto.StorageRoot.Span));
    }

    // Exactly the layout Encode writes (every field it writes is 32 bytes long); false for anything else.
    private static bool TryDecodeCanonical(ReadOnlySpan<byte> value, out AccountState account)
    {
        account = AccountState.Empty;
        var at = 0;
        ulong nonce = 0;
        if (value.Length > 0 && value[0] == NonceTag)
        {
            at = 1;
            for (var shift = 0; ; shift += 7)
            {
                if (at >= value.Length || shift > 63)
                {
                    return false;
                }
                var b = value[at++];
                nonce |= (ulong)(b & 0x7f) << shift;
                if (b < 0x80)
                {
                    break;
                }
            }
            // A zero nonce is left out, and a varint never ends in a zero byte after the first: both are not canonical.
            if (nonce == 0 || at - 1 != VarintLength(nonce))
            {
                return false;
            }
        }
        if (!TryReadField(value, ref at, BalanceTag, out var balance))
        {
            return false;
        }
        var codeHash = Hash32.Zero;
        var storageRoot = Hash32.Zero;
        if (at < value.Length && value[at] == CodeHashTag)
        {
            if (!TryReadField(value, ref at, CodeHashTag, out var code) || (codeHash = new Hash32(code)).IsZero)
            {
                return false;
            }
        }
        if (at < value.Length && value[at] == StorageRootTag)
        {
            if (!TryReadField(value, ref at, StorageRootTag, out var root) || (storageRoot = new Hash32(root)).IsZero)
            {
                return false;
            }
        }
        if (at != value.Length)
        {
            return false;
        }
        account = new AccountState(nonce, UInt256.ReadBigEndian(balance), codeHash, storageRoot);
        return true;
    }

    private static bool TryReadField(ReadOnlySpan<byte> value, ref int at, byte tag, out ReadOnlySpan<byte> field)
    {
        field = default;
        if (at + 2 + Hash32.Size > value.Length || value[at] != tag || value[at + 1] != Hash32.Size)
        {
            return false;
        }
        field = value.Slice(at + 2, Hash32.Size);
        at += 2 + Hash32.Size;
        return true;
    }

    private static int VarintLength(ulong value)
    {
        var length = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            length++;
        }
        return length;
    }
}
