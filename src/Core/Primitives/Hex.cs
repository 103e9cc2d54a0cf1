namespace ShanghaiChain.Core.Primitives;

/// <summary>Lower-case hex encoding; decoding accepts an optional "0x" prefix and either case.</summary>
public static class Hex
{
    public static string Encode(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    public static string EncodePrefixed(ReadOnlySpan<byte> bytes) => "0x" + Convert.ToHexStringLower(bytes);

    public static bool TryDecode(string text, out byte[] bytes)
    {
        var span = text.AsSpan().Trim();
        if (span.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            span = span[2..];
        }
        bytes = [];
        if (span.Length % 2 != 0)
        {
            return false;
        }
        var result = new byte[span.Length / 2];
        if (Convert.FromHexString(span, result, out _, out var written) != System.Buffers.OperationStatus.Done || written != result.Length)
        {
            return false;
        }
        bytes = result;
        return true;
    }

    public static byte[] Decode(string text) =>
        TryDecode(text, out var bytes) ? bytes : throw new FormatException("not a hex string");
}
