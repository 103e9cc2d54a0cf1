using System.Buffers.Binary;
using System.Collections.Concurrent;

namespace ShanghaiChain.Core.Crypto;

/// <summary>
/// Public keys already decoded, so that a key seen again (a validator's next vote, an account's next transfer, the same
/// sender across a block) costs a lookup instead of a point decoding (an exponentiation, about 6 µs). Decoding is a
/// pure function of the 32 bytes, so a cached point is exactly what decoding would give; keys that do not decode are
/// not cached. Bounded: when full it is emptied and refills with the keys in use.
/// </summary>
internal static class Ed25519KeyCache
{
    private const int Capacity = 16_384;

    private static readonly ConcurrentDictionary<KeyBytes, Ed25519Point> s_points = new();
    private static int s_count;

    /// <summary>The 32 bytes of a key; hashed with the process's random seed (<see cref="HashCode"/>), so that keys
    /// chosen to collide cannot turn lookups into scans.</summary>
    private readonly record struct KeyBytes(ulong W0, ulong W1, ulong W2, ulong W3)
    {
        public override int GetHashCode() => HashCode.Combine(W0, W1, W2, W3);
    }

    public static bool TryDecode(ReadOnlySpan<byte> encoding, out Ed25519Point point)
    {
        if (TryGet(encoding, out point))
        {
            return true;
        }
        if (!Ed25519Point.TryDecode(encoding, out point))
        {
            return false;
        }
        Add(encoding, point);
        return true;
    }

    /// <summary>The decoded point of a key seen before.</summary>
    public static bool TryGet(ReadOnlySpan<byte> encoding, out Ed25519Point point) => s_points.TryGetValue(KeyOf(encoding), out point);

    /// <summary>Remembers a key's point, which must be <see cref="Ed25519Point.TryDecode"/>'s for these bytes.</summary>
    public static void Add(ReadOnlySpan<byte> encoding, in Ed25519Point point)
    {
        if (Interlocked.Increment(ref s_count) > Capacity)
        {
            s_points.Clear();
            Interlocked.Exchange(ref s_count, 0);
        }
        s_points.TryAdd(KeyOf(encoding), point);
    }

    private static KeyBytes KeyOf(ReadOnlySpan<byte> encoding) => new(
        BinaryPrimitives.ReadUInt64LittleEndian(encoding),
        BinaryPrimitives.ReadUInt64LittleEndian(encoding[8..]),
        BinaryPrimitives.ReadUInt64LittleEndian(encoding[16..]),
        BinaryPrimitives.ReadUInt64LittleEndian(encoding[24..]));

    /// <summary>Empties the cache (the benchmark measures decoding of keys never seen).</summary>
    internal static void Clear()
    {
        s_points.Clear();
        Interlocked.Exchange(ref s_count, 0);
    }
}
