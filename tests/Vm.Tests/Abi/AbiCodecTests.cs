using System.Text.Json;
using ShanghaiChain.Vm.Abi;

namespace ShanghaiChain.Vm.Tests.Abi;

/// <summary>The examples of the Solidity contract ABI specification, and the checks users rely on.</summary>
public sealed class AbiCodecTests
{
    private static AbiFunction Function(string name, params string[] types) =>
        new(name, [.. types.Select((t, i) => new AbiParameter($"p{i}", AbiType.Parse(t)))], [], "nonpayable");

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    private static string Encoded(AbiFunction f, string json)
    {
        using var doc = JsonDocument.Parse(json);
        return Hex(f.EncodeCall(doc.RootElement));
    }

    [Fact]
    public void Static_arguments_follow_the_selector()
    {
        var baz = Function("baz", "uint32", "bool");
        Assert.Equal("cdcd77c0", Hex(baz.Selector));
        Assert.Equal("cdcd77c0" + new string('0', 62) + "45" + new string('0', 63) + "1", Encoded(baz, "[69, true]"));
        Assert.Equal("a9059cbb", Hex(Function("transfer", "address", "uint256").Selector));
    }

    [Fact]
    public void Dynamic_arguments_go_to_the_tail_behind_offsets()
    {
        var sam = Function("sam", "bytes", "bool", "uint256[]");
        Assert.Equal("a5643bf2" +
            "0000000000000000000000000000000000000000000000000000000000000060" +
            "0000000000000000000000000000000000000000000000000000000000000001" +
            "00000000000000000000000000000000000000000000000000000000000000a0" +
            "0000000000000000000000000000000000000000000000000000000000000004" +
            "6461766500000000000000000000000000000000000000000000000000000000" +
            "0000000000000000000000000000000000000000000000000000000000000003" +
            "0000000000000000000000000000000000000000000000000000000000000001" +
            "0000000000000000000000000000000000000000000000000000000000000002" +
            "0000000000000000000000000000000000000000000000000000000000000003",
            Encoded(sam, """["0x64617665", true, [1, 2, "3"]]"""));

        var f = Function("f", "uint256", "uint32[]", "bytes10", "bytes");
        Assert.Equal("8be65246" +
            "0000000000000000000000000000000000000000000000000000000000000123" +
            "0000000000000000000000000000000000000000000000000000000000000080" +
            "3132333435363738393000000000000000000000000000000000000000000000" +
            "00000000000000000000000000000000000000000000000000000000000000e0" +
            "0000000000000000000000000000000000000000000000000000000000000002" +
            "0000000000000000000000000000000000000000000000000000000000000456" +
            "0000000000000000000000000000000000000000000000000000000000000789" +
            "000000000000000000000000000000000000000000000000000000000000000d" +
            "48656c6c6f2c20776f726c642100000000000000000000000000000000000000",
            Encoded(f, """["0x123", ["0x456", "0x789"], "0x31323334353637383930", "0x48656c6c6f2c20776f726c6421"]"""));
    }

    [Fact]
    public void Nested_dynamic_arrays_encode_and_decode_back()
    {
        var g = Function("g", "uint256[][]", "string[]");
        const string expected = "2289b18c" +
            "0000000000000000000000000000000000000000000000000000000000000040" +
            "0000000000000000000000000000000000000000000000000000000000000140" +
            "0000000000000000000000000000000000000000000000000000000000000002" +
            "0000000000000000000000000000000000000000000000000000000000000040" +
            "00000000000000000000000000000000000000000000000000000000000000a0" +
            "0000000000000000000000000000000000000000000000000000000000000002" +
            "0000000000000000000000000000000000000000000000000000000000000001" +
            "0000000000000000000000000000000000000000000000000000000000000002" +
            "0000000000000000000000000000000000000000000000000000000000000001" +
            "0000000000000000000000000000000000000000000000000000000000000003" +
            "0000000000000000000000000000000000000000000000000000000000000003" +
            "0000000000000000000000000000000000000000000000000000000000000060" +
            "00000000000000000000000000000000000000000000000000000000000000a0" +
            "00000000000000000000000000000000000000000000000000000000000000e0" +
            "0000000000000000000000000000000000000000000000000000000000000003" +
            "6f6e650000000000000000000000000000000000000000000000000000000000" +
            "0000000000000000000000000000000000000000000000000000000000000003" +
            "74776f0000000000000000000000000000000000000000000000000000000000" +
            "0000000000000000000000000000000000000000000000000000000000000005" +
            "7468726565000000000000000000000000000000000000000000000000000000";
        Assert.Equal(expected, Encoded(g, """[[[1, 2], [3]], ["one", "two", "three"]]"""));
        var decoded = AbiCodec.Decode(g.Inputs, Convert.FromHexString(expected[8..]));
        Assert.Equal("""[[["1","2"],["3"]],["one","two","three"]]""", decoded.ToJsonString());
    }

    [Fact]
    public void Tuples_signed_integers_and_addresses_round_trip()
    {
        var abi = ContractAbi.Parse("""
            [{"type":"function","name":"h","stateMutability":"view",
              "inputs":[{"name":"order","type":"tuple","components":[{"name":"who","type":"address"},{"name":"amounts","type":"int64[]"},{"name":"tag","type":"string"}]},{"name":"flag","type":"bool"}],
              "outputs":[]}]
            """);
        var h = abi.GetFunction("h");
        Assert.Equal("h((address,int64[],string),bool)", h.Signature);
        Assert.True(h.IsReadOnly);
        using var args = JsonDocument.Parse("""[{"who":"0x00000000000000000000000000000000000000aa","amounts":[-1, 9223372036854775807],"tag":"x"}, false]""");
        var data = AbiCodec.Encode(h.Inputs, args.RootElement);
        var back = AbiCodec.Decode(h.Inputs, data);
        Assert.Equal("""[{"who":"0x00000000000000000000000000000000000000aa","amounts":["-1","9223372036854775807"],"tag":"x"},false]""", back.ToJsonString());
    }

    [Theory]
    [InlineData("uint8", "256", "does not fit uint8")]
    [InlineData("int8", "-129", "does not fit int8")]
    [InlineData("uint256", "-1", "does not fit uint256")]
    [InlineData("uint256", "1.5", "not an integer")]
    [InlineData("address", "\"0x12\"", "20-byte hex address")]
    [InlineData("bytes4", "\"0x1234\"", "exactly 4 bytes")]
    [InlineData("bool", "1", "true or false")]
    public void Bad_values_are_refused_with_the_parameter_named(string type, string value, string message)
    {
        var f = Function("f", type);
        using var args = JsonDocument.Parse($"[{value}]");
        var error = Assert.Throws<AbiException>(() => f.EncodeCall(args.RootElement));
        Assert.Contains(message, error.Message);
        Assert.StartsWith("p0", error.Message);
    }

    [Fact]
    public void Wrong_argument_counts_and_unknown_functions_are_refused()
    {
        var abi = ContractAbi.Parse("""[{"type":"function","name":"transfer","inputs":[{"name":"to","type":"address"},{"name":"value","type":"uint256"}],"outputs":[{"name":"","type":"bool"}],"stateMutability":"nonpayable"}]""");
        using var one = JsonDocument.Parse("""["0x00000000000000000000000000000000000000aa"]""");
        Assert.Contains("expected 2 value(s)", Assert.Throws<AbiException>(() => abi.GetFunction("transfer").EncodeCall(one.RootElement)).Message);
        Assert.Contains("no function 'mint'", Assert.Throws<AbiException>(() => abi.GetFunction("mint")).Message);
        Assert.Throws<AbiException>(() => AbiCodec.Decode(abi.GetFunction("transfer").Outputs, new byte[5]));
    }

    [Fact]
    public void Logs_decode_indexed_parameters_from_topics()
    {
        var abi = ContractAbi.Parse("""[{"type":"event","name":"Transfer","anonymous":false,"inputs":[{"name":"from","type":"address","indexed":true},{"name":"to","type":"address","indexed":true},{"name":"value","type":"uint256","indexed":false}]}]""");
        var transfer = abi.Events[0];
        Assert.Equal("ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef", Convert.ToHexStringLower(transfer.Topic.ToArray()));
        byte[] Topic(byte b) => [.. new byte[31], b];
        var decoded = AbiCodec.DecodeLog(transfer, [transfer.Topic.ToArray(), Topic(1), Topic(2)], Topic(7));
        Assert.Equal("""{"from":"0x0000000000000000000000000000000000000001","to":"0x0000000000000000000000000000000000000002","value":"7"}""", decoded.ToJsonString());
        Assert.Same(transfer, abi.FindEvent(transfer.Topic.ToArray()));
    }

    [Fact]
    public void Offsets_that_alias_cannot_inflate_decoding_beyond_a_bound_of_the_data_size()
    {
        // string[][]: 1,000 inner arrays that are all the same array of 1,000 offsets to one 4,000-byte string. 68 KB of
        // data used to decode to 4 GB and exhaust memory (a finding of tools/fuzz, target abi).
        static byte[] Word(int value) => [.. new byte[28], (byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value];
        const int Count = 1_000;
        var data = new List<byte>();
        data.AddRange(Word(0x20));
        data.AddRange(Word(Count));
        data.AddRange(Enumerable.Range(0, Count).SelectMany(_ => Word(Count * 32)));
        data.AddRange(Word(Count));
        data.AddRange(Enumerable.Range(0, Count).SelectMany(_ => Word(Count * 32)));
        data.AddRange(Word(4_000));
        data.AddRange(new byte[4_000]);
        var matrix = new[] { new AbiParameter("matrix", AbiType.Parse("string[][]")) };
        var ex = Assert.Throws<AbiException>(() => AbiCodec.Decode(matrix, data.ToArray()));
        Assert.Contains("far more than its own size", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nested_dynamic_arrays_without_aliasing_still_decode()
    {
        var matrix = new[] { new AbiParameter("matrix", AbiType.Parse("string[][]")) };
        using var value = JsonDocument.Parse("""[[["a","bc"],[],["def"]]]""");
        var encoded = AbiCodec.Encode(matrix, value.RootElement);
        Assert.Equal("""[[["a","bc"],[],["def"]]]""", AbiCodec.Decode(matrix, encoded).ToJsonString());
    }
}
