using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Digests;

namespace ShanghaiChain.Core.Crypto;

/// <summary>
/// A 32-byte hash function as a type parameter: generic code written over <c>THasher : struct, IHasher</c>
/// is compiled once per hasher by the JIT, so the trie and Merkle code exist once for SHA-256, SM3 and Keccak-256.
/// </summary>
public interface IHasher
{
    /// <summary>Hashes <paramref name="data"/> into the first 32 bytes of <paramref name="destination"/>.</summary>
    static abstract void Hash(ReadOnlySpan<byte> data, Span<byte> destination);

    /// <summary>Hashes the concatenation of two inputs without copying them together.</summary>
    static abstract void Hash(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, Span<byte> destination);
}

/// <summary>
/// SHA-256 (FIPS 180-4), the hash of the ed25519-sha256 suite. On Linux it calls OpenSSL's low-level functions
/// directly (<see cref="NativeSha256"/>, several times faster for the small inputs of tries and ids); elsewhere
/// <see cref="SHA256"/>. Both give the same digests.
/// </summary>
public readonly struct Sha256Hasher : IHasher
{
    /// <summary>True when the OpenSSL fast path is in use (see <see cref="NativeSha256"/>).</summary>
    public static bool UsesNativeLibrary => NativeSha256.Available;

    public static void Hash(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        if (NativeSha256.Available)
        {
            NativeSha256.Hash(data, destination);
            return;
        }
        SHA256.HashData(data, destination);
    }

    public static void Hash(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, Span<byte> destination)
    {
        if (NativeSha256.Available)
        {
            NativeSha256.Hash(first, second, destination);
            return;
        }
        // Small inputs (domain tag + body, trie nodes) are joined on the stack: one call instead of an incremental object.
        var length = first.Length + second.Length;
        if (length <= 1024)
        {
            Span<byte> joined = stackalloc byte[length];
            first.CopyTo(joined);
            second.CopyTo(joined[first.Length..]);
            SHA256.HashData(joined, destination);
            return;
        }
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(first);
        hash.AppendData(second);
        hash.GetHashAndReset(destination);
    }
}

/// <summary>SM3 (GB/T 32905), the hash of the sm2-sm3 suite: OpenSSL's where available, else BouncyCastle's (<see cref="NativeSm3"/>).</summary>
public readonly struct Sm3Hasher : IHasher
{
    public static void Hash(ReadOnlySpan<byte> data, Span<byte> destination) => Hash(data, [], destination);

    public static void Hash(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, Span<byte> destination)
    {
        if (NativeSm3.Available)
        {
            NativeSm3.Hash(first, second, destination);
        }
        else
        {
            NativeSm3.HashManaged(first, second, destination);
        }
    }
}

/// <summary>Keccak-256 (the pre-standard SHA-3 padding Ethereum uses). Only for EVM semantics and conformance mode.</summary>
public readonly struct Keccak256Hasher : IHasher
{
    public static void Hash(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        var digest = new KeccakDigest(256);
        digest.BlockUpdate(data);
        digest.DoFinal(destination);
    }

    public static void Hash(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, Span<byte> destination)
    {
        var digest = new KeccakDigest(256);
        digest.BlockUpdate(first);
        digest.BlockUpdate(second);
        digest.DoFinal(destination);
    }
}
