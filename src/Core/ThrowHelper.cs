using System.Diagnostics.CodeAnalysis;

namespace ShanghaiChain.Core;

/// <summary>Throws kept out of line so that hot callers stay small and inlinable.</summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    public static void ThrowArgument(string message) => throw new ArgumentException(message);

    [DoesNotReturn]
    public static void ThrowOverflow(string message) => throw new OverflowException(message);

    [DoesNotReturn]
    public static void ThrowFormat(string message) => throw new FormatException(message);
}
