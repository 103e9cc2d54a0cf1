using System.Numerics;
using System.Text;
using System.Text.Json;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Rlp;

namespace ShanghaiChain.Core.Tests.Rlp;

public class RlpConformanceTests
{
    private const string ValidFile = "RLPTests/rlptest.json";
    private const string InvalidFile = "RLPTests/invalidRLPTest.json";
    private const string RandomFile = "RLPTests/RandomRLPTests/example.json";

    public static TheoryData<string> ValidNames => EthereumFixtures.Names(ValidFile);

    public static TheoryData<string> InvalidNames => EthereumFixtures.Names(InvalidFile);

    public static TheoryData<string> RandomNames => EthereumFixtures.Names(RandomFile);

    [Theory]
    [MemberData(nameof(ValidNames))]
    public void Valid_vector_encodes_to_the_expected_bytes_and_decodes_back(string name)
    {
        var vector = EthereumFixtures.Get(ValidFile, name);
        var expected = Hex.Decode(vector.GetProperty("out").GetString()!);
        var input = vector.GetProperty("in");

        Assert.Equal(Hex.Encode(expected), Hex.Encode(RlpTree.Encode(input)));
        Assert.Equal(RlpError.None, RlpCodec.Validate(expected));
        var reader = new RlpReader(expected);
        RlpTree.AssertDecodesTo(input, ref reader);
        Assert.True(reader.TryReadEnd());
    }

    [Theory]
    [MemberData(nameof(InvalidNames))]
    public void Invalid_vector_is_rejected(string name)
    {
        var vector = EthereumFixtures.Get(InvalidFile, name);
        var encoded = Hex.Decode(vector.GetProperty("out").GetString()!);

        Assert.NotEqual(RlpError.None, RlpCodec.Validate(encoded));
    }

    [Theory]
    [MemberData(nameof(RandomNames))]
    public void Random_vector_is_accepted_as_declared(string name)
    {
        var vector = EthereumFixtures.Get(RandomFile, name);
        var encoded = Hex.Decode(vector.GetProperty("out").GetString()!);
        var valid = vector.GetProperty("in").GetString() == "VALID";

        Assert.Equal(valid, RlpCodec.Validate(encoded) == RlpError.None);
    }

    [Fact]
    public void Big_integers_that_fit_256_bits_encode_like_their_byte_strings()
    {
        foreach (var (name, body) in EthereumFixtures.Load(ValidFile))
        {
            var input = body.GetProperty("in");
            if (input.ValueKind != JsonValueKind.String || !input.GetString()!.StartsWith('#'))
            {
                continue;
            }
            var big = BigInteger.Parse(input.GetString()![1..]);
            if (!UInt256.TryFromBigInteger(big, out var value))
            {
                continue;
            }
            var buffer = new byte[RlpCodec.LengthOfUInt256(value)];
            var writer = new RlpWriter(buffer);
            writer.WriteUInt256(value);
            Assert.True(writer.Position == buffer.Length, name);
            Assert.Equal(body.GetProperty("out").GetString()![2..], Hex.Encode(buffer));
            var reader = new RlpReader(buffer);
            Assert.Equal(value, reader.ReadUInt256());
        }
    }
}

/// <summary>The JSON shape of RLPTests inputs: strings (or "#decimal" integers), numbers, nested arrays.</summary>
internal static class RlpTree
{
    public static byte[] Encode(JsonElement input)
    {
        switch (input.ValueKind)
        {
            case JsonValueKind.Array:
            {
                var items = input.EnumerateArray().Select(Encode).ToList();
                var payload = items.Sum(i => i.Length);
                var result = new byte[RlpCodec.LengthOfList(payload)];
                var writer = new RlpWriter(result);
                writer.WriteListHeader(payload);
                foreach (var item in items)
                {
                    writer.WriteEncoded(item);
                }
                Assert.Equal(result.Length, writer.Position);
                return result;
            }
            case JsonValueKind.Number:
                return RlpCodec.EncodeUInt64(input.GetUInt64());
            default:
                return RlpCodec.EncodeString(StringBytes(input));
        }
    }

    public static void AssertDecodesTo(JsonElement expected, ref RlpReader reader)
    {
        if (expected.ValueKind == JsonValueKind.Array)
        {
            Assert.True(reader.NextIsList);
            var items = reader.ReadList();
            foreach (var item in expected.EnumerateArray())
            {
                AssertDecodesTo(item, ref items);
            }
            Assert.True(items.TryReadEnd());
        }
        else if (expected.ValueKind == JsonValueKind.Number)
        {
            Assert.Equal(expected.GetUInt64(), reader.ReadUInt64());
        }
        else
        {
            Assert.Equal(Hex.Encode(StringBytes(expected)), Hex.Encode(reader.ReadString()));
        }
    }

    private static byte[] StringBytes(JsonElement input)
    {
        var text = input.GetString()!;
        return text.StartsWith('#')
            ? BigInteger.Parse(text[1..]).ToByteArray(isUnsigned: true, isBigEndian: true)
            : Encoding.UTF8.GetBytes(text);
    }
}
