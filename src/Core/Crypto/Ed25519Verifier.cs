using System.Buffers;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace ShanghaiChain.Core.Crypto;

/// <summary>
/// Ed25519 verification under the ZIP-215 rule, written for this node; the single verifier here and
/// <see cref="Ed25519BatchVerifier"/> accept exactly the same signatures, so batching can never split validators.
/// </summary>
/// <remarks>
/// The rule (docs/transaction-format.md, "Signature validity"), checked here and nowhere else:
/// <list type="bullet">
/// <item>public key 32 bytes and signature 64 bytes, else refused;</item>
/// <item>A (the key) and R (the signature's first half) decode as points by <see cref="Ed25519Point.TryDecode"/>:
/// non-canonical y and a signed zero x accepted, mixed-order points accepted; else refused;</item>
/// <item>one restriction beyond ZIP-215: A is not one of the 14 encodings of a small-order point (anyone can sign
/// for such a key, s = 0 with a small-order R verifying any message). R of small order is accepted;</item>
/// <item>s (the second half) is canonical, s &lt; ℓ, else refused;</item>
/// <item>k = SHA-512(R bytes ‖ A bytes ‖ domain ‖ message) mod ℓ, hashing the bytes as received;</item>
/// <item>accepted exactly when [8]([s]B − R − [k]A) is the identity (the cofactored equation).</item>
/// </list>
/// Nothing is allocated for messages up to 1 KiB (longer ones borrow a pooled buffer for the hash input).
/// </remarks>
[SkipLocalsInit]
internal static class Ed25519Verifier
{
    public const int PublicKeyLength = 32;
    public const int SignatureLength = 64;

    private const int BaseWidth = 8; // the base point's NAF width: 64 precomputed odd multiples, affine
    private const int KeyWidth = 5; // a key's NAF width: 8 odd multiples computed per verification

    /// <summary>B, 3B, …, 127B in affine Niels form.</summary>
    internal static readonly Ed25519Niels[] BaseTable = BuildBaseTable();

    private static Ed25519Niels[] BuildBaseTable()
    {
        var table = new Ed25519Niels[1 << (BaseWidth - 2)];
        var twice = Ed25519Point.Base.Double().ToCached();
        var current = Ed25519Point.Base;
        for (var i = 0; i < table.Length; i++)
        {
            table[i] = current.ToNiels();
            current = current.Add(twice);
        }
        return table;
    }

    /// <summary>
    /// The 14 encodings that decode to a point of small order (the eight torsion points, plus the non-canonical y + p for
    /// y = 0 and y = 1 and the set sign bit on x = 0). Under the cofactored rule anyone can sign for such a key (s = 0 and R
    /// of small order verify for any message), so they are refused as keys: by verification, single and batched alike,
    /// and by <see cref="IsValidPublicKey"/>. A byte comparison, cheaper than any curve arithmetic.
    /// </summary>
    private static readonly byte[][] s_smallOrderEncodings = SmallOrderEncodings();

    private static byte[][] SmallOrderEncodings()
    {
        // A torsion point of order 8: [ℓ]P for a point P of full order 8ℓ (P found by decoding y = 2, 3, …).
        var order = Ed25519Scalar.Order;
        Ed25519Point torsion = default;
        Span<byte> candidate = stackalloc byte[32];
        for (byte y = 2; ; y++)
        {
            candidate.Clear();
            candidate[0] = y;
            if (Ed25519Point.TryDecode(candidate, out var point))
            {
                torsion = Multiply(point, order);
                if (!torsion.DoubleWithoutT().DoubleWithoutT().IsIdentity)
                {
                    break;
                }
            }
        }
        var found = new List<byte[]>();
        var multiple = Ed25519Point.Identity;
        var p = Convert.FromHexString("EDFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF7F");
        for (var i = 0; i < 8; i++)
        {
            var encoding = new byte[32];
            multiple.Encode(encoding);
            // Every encoding of the same y modulo p: y itself and y + p (when below 2^255), each with either sign bit.
            var plusP = new byte[32];
            var carry = 0;
            for (var b = 0; b < 32; b++)
            {
                var sum = (encoding[b] & (b == 31 ? 0x7F : 0xFF)) + p[b] + carry;
                plusP[b] = (byte)sum;
                carry = sum >> 8;
            }
            foreach (var form in new[] { encoding, plusP })
            {
                if ((form[31] & 0x80) != 0 && form != encoding)
                {
                    continue; // y + p overflowed 2^255
                }
                foreach (var sign in new byte[] { 0, 0x80 })
                {
                    var variant = (byte[])form.Clone();
                    variant[31] = (byte)((variant[31] & 0x7F) | sign);
                    if (Ed25519Point.TryDecode(variant, out var decoded) && decoded.MulByCofactor().IsIdentity &&
                        !found.Exists(f => f.AsSpan().SequenceEqual(variant)))
                    {
                        found.Add(variant);
                    }
                }
            }
            multiple = multiple.Add(torsion.ToCached());
        }
        return [.. found];
    }

    /// <summary>[n]P by the width-5 NAF (start-up and tests only).</summary>
    internal static Ed25519Point Multiply(in Ed25519Point point, in Ed25519Scalar n)
    {
        Span<sbyte> digits = stackalloc sbyte[256];
        var top = n.ToNaf(digits, KeyWidth);
        Span<Ed25519Cached> table = stackalloc Ed25519Cached[1 << (KeyWidth - 2)];
        point.OddMultiples(table);
        var sum = Ed25519Point.Identity;
        for (var i = top - 1; i >= 0; i--)
        {
            sum = sum.Double();
            if (digits[i] > 0) sum = sum.Add(table[digits[i] >> 1]);
            else if (digits[i] < 0) sum = sum.Subtract(table[-digits[i] >> 1]);
        }
        return sum;
    }

    /// <summary>True for the encodings of small-order points (see the list above).</summary>
    public static bool IsSmallOrderEncoding(ReadOnlySpan<byte> publicKey)
    {
        foreach (var encoding in s_smallOrderEncodings)
        {
            if (publicKey.SequenceEqual(encoding))
            {
                return true;
            }
        }
        return false;
    }

    internal static int SmallOrderEncodingCount => s_smallOrderEncodings.Length;

    /// <summary>
    /// A key fit to register (genesis, the node registry, governance, API clients, light clients): 32 bytes, y canonical
    /// (below p), decodable, in the prime-order subgroup ([ℓ]A = identity, so neither small nor mixed order). Canonical
    /// and torsion-free so that one private key has one registrable key: under the cofactored rule a scalar signs for
    /// A + T for each of the eight torsion points T. Not on the hot path (one scalar multiplication).
    /// </summary>
    public static bool IsValidPublicKey(ReadOnlySpan<byte> publicKey)
    {
        if (publicKey.Length != PublicKeyLength || IsSmallOrderEncoding(publicKey))
        {
            return false;
        }
        Span<byte> canonical = stackalloc byte[32];
        if (!Ed25519Point.TryDecode(publicKey, out var point) || !Multiply(point, Ed25519Scalar.Order).IsIdentity)
        {
            return false; // off the curve, or with a torsion component
        }
        Ed25519Field.FromBytes(publicKey).ToBytes(canonical);
        canonical[31] |= (byte)(publicKey[31] & 0x80);
        return canonical.SequenceEqual(publicKey);
    }

    public static bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> domain, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (!Prepare(publicKey, domain, message, signature, out var key, out var r, out var s, out var k))
        {
            return false;
        }
        return Check(key, r, s, k);
    }

    /// <summary>
    /// The checks and decodings before the curve equation: lengths, s &lt; ℓ, A and R decoded, k hashed. False when the
    /// signature is refused already. The batch verifier calls this too, so both apply the same rule.
    /// </summary>
    internal static bool Prepare(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> domain, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature,
        out Ed25519Point key, out Ed25519Point r, out Ed25519Scalar s, out Ed25519Scalar k)
    {
        key = r = default;
        k = default;
        if (!PassesEncodingChecks(publicKey, signature, out s) ||
            !Ed25519KeyCache.TryDecode(publicKey, out key) ||
            !Ed25519Point.TryDecode(signature[..32], out r))
        {
            s = default;
            return false;
        }
        k = Challenge(signature[..32], publicKey, domain, message);
        return true;
    }

    /// <summary>The checks of <see cref="Prepare"/> before any decoding: lengths, s &lt; ℓ, A not of small order.</summary>
    internal static bool PassesEncodingChecks(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> signature, out Ed25519Scalar s)
    {
        s = default;
        return publicKey.Length == PublicKeyLength && signature.Length == SignatureLength &&
            Ed25519Scalar.TryFromCanonicalBytes(signature[32..], out s) &&
            !IsSmallOrderEncoding(publicKey);
    }

    /// <summary>k = SHA-512(R ‖ A ‖ domain ‖ message) mod ℓ.</summary>
    [SkipLocalsInit]
    internal static Ed25519Scalar Challenge(ReadOnlySpan<byte> r, ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> domain, ReadOnlySpan<byte> message)
    {
        var length = 64 + domain.Length + message.Length;
        byte[]? rented = null;
        var input = length <= 1024 ? stackalloc byte[length] : (rented = ArrayPool<byte>.Shared.Rent(length)).AsSpan(0, length);
        try
        {
            r.CopyTo(input);
            publicKey.CopyTo(input[32..]);
            domain.CopyTo(input[64..]);
            message.CopyTo(input[(64 + domain.Length)..]);
            Span<byte> digest = stackalloc byte[64];
            SHA512.HashData(input, digest);
            return Ed25519Scalar.FromWideBytes(digest);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>True when [8]([s]B − [k]A − R) is the identity.</summary>
    [SkipLocalsInit]
    internal static bool Check(in Ed25519Point key, in Ed25519Point r, in Ed25519Scalar s, in Ed25519Scalar k)
    {
        Span<sbyte> sDigits = stackalloc sbyte[256];
        Span<sbyte> kDigits = stackalloc sbyte[256];
        var top = Math.Max(s.ToNaf(sDigits, BaseWidth), k.ToNaf(kDigits, KeyWidth));
        Span<Ed25519Cached> keyTable = stackalloc Ed25519Cached[1 << (KeyWidth - 2)];
        key.Negate().OddMultiples(keyTable);
        var baseTable = BaseTable;
        var sum = Ed25519Point.Identity;
        for (var i = top - 1; i >= 0; i--)
        {
            sum = sum.Double();
            int sd = sDigits[i], kd = kDigits[i];
            if (sd > 0) sum = sum.Add(baseTable[sd >> 1]);
            else if (sd < 0) sum = sum.Subtract(baseTable[-sd >> 1]);
            if (kd > 0) sum = sum.Add(keyTable[kd >> 1]);
            else if (kd < 0) sum = sum.Subtract(keyTable[-kd >> 1]);
        }
        return sum.Subtract(r.ToCached()).MulByCofactor().IsIdentity;
    }
}
