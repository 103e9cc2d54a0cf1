namespace ShanghaiChain.Core.Crypto;

/// <summary>
/// The known-answer check a native digest passes before the node uses it: the same digests as its managed reference
/// for inputs that cross block boundaries and the no-GC-transition limit, fed in two parts.
/// </summary>
internal static class NativeDigestCheck
{
    public delegate void Reference(ReadOnlySpan<byte> data, Span<byte> destination);

    public delegate void TwoPartHash(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, Span<byte> destination);

    public static bool Agrees(Reference reference, TwoPartHash candidate, int noTransitionLimit)
    {
        Span<byte> expected = stackalloc byte[32];
        Span<byte> actual = stackalloc byte[32];
        var input = new byte[noTransitionLimit + 100];
        for (var i = 0; i < input.Length; i++)
        {
            input[i] = (byte)(i * 31 + 7);
        }
        foreach (var length in (int[])[0, 3, 55, 56, 64, 532, input.Length])
        {
            reference(input.AsSpan(0, length), expected);
            candidate(input.AsSpan(0, length / 2), input.AsSpan(length / 2, length - (length / 2)), actual);
            if (!actual.SequenceEqual(expected))
            {
                return false;
            }
        }
        return true;
    }
}
