using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Vm.Evm.Conformance;

/// <summary>
/// The few RLP encodings the conformance runner needs (the logs hash), written here only until src/Core/Rlp is
/// merged; replace with it then (issue 6).
/// </summary>
internal static class StandInRlp
{
    public static byte[] EncodeBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 1 && bytes[0] < 0x80)
        {
            return [bytes[0]];
        }
        return [.. Prefix(0x80, bytes.Length), .. bytes];
    }

    /// <summary>An unsigned integer as its minimal big-endian bytes (zero is the empty string).</summary>
    public static byte[] EncodeUInt(in UInt256 value)
    {
        var bytes = value.ToBigEndian();
        var start = 0;
        while (start < bytes.Length && bytes[start] == 0)
        {
            start++;
        }
        return EncodeBytes(bytes.AsSpan(start));
    }

    public static byte[] EncodeList(IEnumerable<byte[]> items)
    {
        var payload = items.SelectMany(i => i).ToArray();
        return [.. Prefix(0xc0, payload.Length), .. payload];
    }

    private static byte[] Prefix(byte offset, int length)
    {
        if (length < 56)
        {
            return [(byte)(offset + length)];
        }
        var lengthBytes = new UInt256((ulong)length).ToBigEndian().SkipWhile(b => b == 0).ToArray();
        return [(byte)(offset + 55 + lengthBytes.Length), .. lengthBytes];
    }

    /// <summary>RLP of a receipt's logs: [[address, [topics...], data], ...].</summary>
    public static byte[] EncodeLogs(IEnumerable<LogEntry> logs) =>
        EncodeList(logs.Select(log => EncodeList(
        [
            EncodeBytes(log.Address.ToArray()),
            EncodeList(log.Topics.Select(t => EncodeBytes(t.ToArray()))),
            EncodeBytes(log.Data),
        ])));
}
