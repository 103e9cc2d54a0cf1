using System.Text;
using System.Text.Json;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Vm.Abi;
using ShanghaiChain.Vm.Execution;
using ShanghaiChain.Vm.SystemContracts;

namespace ShanghaiChain.Vm.Tests.Abi;

/// <summary>The span reader and writer system contracts use, checked against the JSON codec built on them.</summary>
public sealed class AbiReaderTests
{
    private static AbiFunction Function(string name, params string[] types) =>
        new(name, [.. types.Select((t, i) => new AbiParameter($"p{i}", AbiType.Parse(t)))], [], "nonpayable");

    private static byte[] EncodeCall(AbiFunction function, string json)
    {
        using var arguments = JsonDocument.Parse(json);
        return function.EncodeCall(arguments.RootElement);
    }

    [Fact]
    public void Calldata_encoded_from_JSON_reads_back_with_the_span_reader()
    {
        var verify = Function("sm2VerifyWithId", "bytes32", "bytes32", "bytes", "bytes", "bytes32", "bytes32");
        var x = "0x" + new string('1', 64);
        var s = "0x" + new string('f', 64);
        var calldata = EncodeCall(verify, $$"""["{{x}}", "{{x}}", "0x616c696365", "0x", "{{x}}", "{{s}}"]""");

        Assert.True(AbiReader.TryCreate(calldata, out var selector, out var args));
        Assert.Equal(GmCryptoContract.Sm2VerifyWithIdSelector, selector);
        Assert.True(args.TryBytes(2, out var userId));
        Assert.Equal("alice", Encoding.ASCII.GetString(userId));
        Assert.True(args.TryBytes(3, out var message));
        Assert.True(message.IsEmpty);
        Assert.True(args.TryWord(5, out var word));
        Assert.Equal(s[2..], Convert.ToHexStringLower(word));
        Assert.False(args.TryWord((calldata.Length - 4) / 32, out _));
    }

    [Fact]
    public void Arrays_read_back_as_their_elements()
    {
        var calldata = EncodeCall(Function("f", "uint256[]", "address"), """[[5, 6, 7], "0x00000000000000000000000000000000000000aa"]""");
        Assert.True(AbiReader.TryCreate(calldata, out _, out var args));
        Assert.True(args.TryArray(0, out var count, out var elements));
        Assert.Equal(3, count);
        Assert.True(elements.TryUInt256(2, out var last));
        Assert.Equal(new UInt256(7), last);
        Assert.True(args.TryWord(1, out var address));
        Assert.Equal(0xaa, address[31]);
    }

    [Theory]
    [InlineData(0, "0000000000000000000000000000000000000000000000000000000000000100")]
    [InlineData(0, "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe0")]
    [InlineData(2, "0000000000000000000000000000000000000000000000000000000000000061")]
    [InlineData(4, "0000000000000000000000000000000000000000000000000000000000000100")]
    public void Offsets_and_lengths_past_the_data_are_refused_by_both_readers(int word, string replacement)
    {
        var f = Function("f", "bytes", "uint256[]");
        var data = EncodeCall(f, """["0x0102", [1]]""")[4..];
        Convert.FromHexString(replacement).CopyTo(data, word * 32);

        var reader = new AbiReader(data);
        Assert.False(reader.TryBytes(0, out _) && reader.TryArray(1, out _, out _));
        var error = Assert.Throws<AbiException>(() => AbiCodec.Decode(f.Inputs, data));
        Assert.Contains("past the end of the data", error.Message);
    }

    [Fact]
    public void Revert_reasons_of_system_contracts_decode_as_Solidity_errors()
    {
        var data = AbiWriter.ErrorReason("GmCrypto: unknown function");
        var error = new AbiFunction("Error", [new AbiParameter("reason", AbiType.Parse("string"))], [], "pure");

        Assert.Equal(error.Selector, data[..4]);
        Assert.Equal("""["GmCrypto: unknown function"]""", AbiCodec.Decode(error.Inputs, data.AsSpan(4)).ToJsonString());
        Assert.Equal("execution reverted: GmCrypto: unknown function", RevertReason.Decode(data));
    }

    [Fact]
    public void Selectors_and_topics_are_the_keccak_of_the_signature()
    {
        Assert.Equal(0xa9059cbbu, AbiSignature.Selector("transfer(address,uint256)"));
        Assert.Equal("ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef",
            Convert.ToHexStringLower(AbiSignature.Hash("Transfer(address,address,uint256)").ToArray()));
    }
}
