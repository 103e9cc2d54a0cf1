using Google.Protobuf;
using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Storage.Tests;

/// <summary>
/// The flat account codec writes the protobuf message byte for byte as protobuf does, and reads every form protobuf's
/// parser accepts to the same account.
/// </summary>
public sealed class FlatAccountCodecTests
{
    private static AccountState RandomAccount(Random random)
    {
        Hash32 RandomHash()
        {
            var bytes = new byte[Hash32.Size];
            random.NextBytes(bytes);
            return new Hash32(bytes);
        }
        var nonce = random.Next(4) switch
        {
            0 => 0UL,
            1 => (ulong)random.Next(1, 128),
            2 => ulong.MaxValue - (ulong)random.Next(100),
            _ => (ulong)random.NextInt64(),
        };
        var balanceBytes = new byte[UInt256.Size];
        random.NextBytes(balanceBytes.AsSpan(random.Next(UInt256.Size + 1)));
        return new AccountState(nonce, UInt256.ReadBigEndian(balanceBytes),
            random.Next(2) == 0 ? Hash32.Zero : RandomHash(), random.Next(2) == 0 ? Hash32.Zero : RandomHash());
    }

    private static byte[] WithProtobuf(AccountState account)
    {
        var proto = new Account { Nonce = account.Nonce, Balance = ByteString.CopyFrom(account.Balance.ToBigEndian()) };
        if (!account.CodeHash.IsZero)
        {
            proto.CodeHash = ByteString.CopyFrom(account.CodeHash.ToArray());
        }
        if (!account.StorageRoot.IsZero)
        {
            proto.StorageRoot = ByteString.CopyFrom(account.StorageRoot.ToArray());
        }
        return proto.ToByteArray();
    }

    [Fact]
    public void Encoding_is_protobufs_byte_for_byte_and_decodes_back()
    {
        var random = new Random(3);
        for (var i = 0; i < 5_000; i++)
        {
            var account = RandomAccount(random);
            var encoded = FlatAccountCodec.Encode(account);
            Assert.Equal(Hex.Encode(WithProtobuf(account)), Hex.Encode(encoded));
            Assert.Equal(account, FlatAccountCodec.Decode(encoded));
        }
    }

    [Fact]
    public void Other_valid_forms_read_as_protobuf_reads_them()
    {
        var random = new Random(4);
        for (var i = 0; i < 2_000; i++)
        {
            var account = RandomAccount(random);
            var canonical = WithProtobuf(account);
            // Unknown field 9 (varint) at the end, fields in reverse order, a short balance, a zero nonce written out.
            byte[][] forms =
            [
                [.. canonical, 0x48, 0x05],
                Reversed(canonical),
                [0x08, 0x00, 0x12, 0x01, 0x07],
                [0x12, 0x00],
            ];
            foreach (var form in forms)
            {
                Assert.Equal(FlatAccountCodec.DecodeWithParser(form), FlatAccountCodec.Decode(form));
            }
        }
    }

    [Fact]
    public void Malformed_values_fail_as_protobuf_fails()
    {
        byte[][] malformed = [[0x12, 0x20, 0x01], [0x08], [0x08, 0x80], [0x0a]];
        foreach (var value in malformed)
        {
            Assert.ThrowsAny<InvalidProtocolBufferException>(() => FlatAccountCodec.Decode(value));
        }
    }

    // The message's fields, last field first (protobuf accepts fields in any order).
    private static byte[] Reversed(byte[] canonical)
    {
        var fields = new List<byte[]>();
        var at = 0;
        while (at < canonical.Length)
        {
            var start = at;
            if (canonical[at] == 0x08)
            {
                at++;
                while (canonical[at++] >= 0x80)
                {
                }
            }
            else
            {
                at += 2 + canonical[at + 1];
            }
            fields.Add(canonical[start..at]);
        }
        fields.Reverse();
        return [.. fields.SelectMany(f => f)];
    }
}
