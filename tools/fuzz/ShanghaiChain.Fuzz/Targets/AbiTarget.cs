using System.Text.Json;
using ShanghaiChain.Vm.Abi;
using ShanghaiChain.Vm.Execution;

namespace ShanghaiChain.Fuzz.Targets;

/// <summary>
/// ABI decoding of data returned by contracts (call output, revert data, logs), which the CLI and API decode for users. The
/// first byte picks what the rest is decoded as: one of six parameter lists (static, dynamic, arrays, tuples, nested
/// arrays) through AbiCodec.Decode, revert data through RevertReason.Decode, or an event log (topics then data) through
/// AbiCodec.DecodeLog. Refusal is AbiException.
/// </summary>
internal sealed class AbiTarget : FuzzTarget
{
    internal static readonly AbiParameter[][] Lists =
    [
        [P("amount", "uint256"), P("to", "address"), P("ok", "bool")],
        [P("data", "bytes"), P("text", "string")],
        [P("small", "uint8[]"), P("pair", "bytes32[2]")],
        [new AbiParameter("items", AbiType.Parse("tuple[]", [P("id", "uint64"), P("payload", "bytes")]))],
        [P("signed", "int8"), P("wide", "int256"), P("tag", "bytes4")],
        [P("matrix", "string[][]"), P("fixed", "uint16[3][]")],
    ];

    private static readonly AbiEvent Transfer = new("Transfer", [P("from", "address", true), P("to", "address", true), P("value", "uint256"), P("memo", "string")], false);

    public override string Name => "abi";

    public override string Description => "selector byte + data -> AbiCodec.Decode (six parameter lists), RevertReason.Decode, AbiCodec.DecodeLog";

    public override void Run(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return;
        }
        var mode = input[0] % (Lists.Length + 2);
        var data = input[1..];
        try
        {
            if (mode < Lists.Length)
            {
                AbiCodec.Decode(Lists[mode], data).ToJsonString();
            }
            else if (mode == Lists.Length)
            {
                RevertReason.Decode(data);
            }
            else
            {
                var topicCount = Math.Min(data.IsEmpty ? 0 : data[0] % 5, (data.Length - 1) / AbiReader.WordSize);
                var topics = new List<byte[]>();
                for (var i = 0; i < topicCount; i++)
                {
                    topics.Add(data.Slice(1 + i * AbiReader.WordSize, AbiReader.WordSize).ToArray());
                }
                var logData = data.IsEmpty ? data : data[(1 + topicCount * AbiReader.WordSize)..];
                AbiCodec.DecodeLog(Transfer, topics, logData).ToJsonString();
            }
        }
        catch (AbiException)
        {
        }
    }

    public override IEnumerable<(string Name, byte[] Data)> Seeds()
    {
        string[] arguments =
        [
            """["1000","0x00000000000000000000000000000000000000c0",true]""",
            """["0x0102ff","hello, 世界"]""",
            """[["1","2","255"],["0x0000000000000000000000000000000000000000000000000000000000000001","0x00000000000000000000000000000000000000000000000000000000000000ff"]]""",
            """[[["7","0xdeadbeef"],["8","0x"]]]""",
            """["-128","-1","0x01020304"]""",
            """[[["a","bc"],[]],[["1","2","3"]]]""",
        ];
        for (var i = 0; i < Lists.Length; i++)
        {
            yield return ($"list-{i}", [(byte)i, .. AbiCodec.Encode(Lists[i], arguments[i])]);
        }
        var error = new AbiFunction("Error", [P("message", "string")], [], "pure");
        using (var message = JsonDocument.Parse("""["insufficient balance"]"""))
        {
            yield return ("revert-error-string", [(byte)Lists.Length, .. error.EncodeCall(message.RootElement)]);
        }
        yield return ("revert-panic", [(byte)Lists.Length, 0x4e, 0x48, 0x7b, 0x71, .. new byte[31], 0x11]);
        var from = new byte[32];
        from[31] = 1;
        var to = new byte[32];
        to[31] = 2;
        var payload = AbiCodec.Encode([P("value", "uint256"), P("memo", "string")], """["5","gift"]""");
        yield return ("log-transfer", [(byte)(Lists.Length + 1), 3, .. Transfer.Topic.ToArray(), .. from, .. to, .. payload]);
    }

    private static AbiParameter P(string name, string type, bool indexed = false) => new(name, AbiType.Parse(type), indexed);
}
