using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using static ShanghaiChain.Core.Crypto.Sm2Curve;

namespace ShanghaiChain.Core.Crypto;

/// <summary>
/// SM2 signature verification (GM/T 0003.2) on sm2p256v1, written for this node: field arithmetic in
/// <see cref="Sm2Field"/>, points in Jacobian coordinates, u1·G + u2·P by interleaved wNAF, SM3 through
/// <see cref="Sm3Hasher"/>, nothing allocated. BouncyCastle's verifier stays as the reference the tests compare with.
/// </summary>
/// <remarks>
/// What is validated here: the signature is 64 bytes with 1 ≤ r, s &lt; n; the public key is 65 bytes 04‖x‖y with
/// x, y &lt; p on the curve (so never the point at infinity); t = r + s mod n is not zero; the sum point is not at infinity.
/// </remarks>
internal static class Sm2Verifier
{
    // The group order n, least significant limb first.
    private const ulong N0 = 0x53BBF40939D54123, N1 = 0x7203DF6B21C6052B, N2 = 0xFFFFFFFFFFFFFFFF, N3 = 0xFFFFFFFEFFFFFFFF;

    public static bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> userId, ReadOnlySpan<byte> domainTag, ReadOnlySpan<byte> message,
        ReadOnlySpan<byte> signature)
    {
        if (!Prepare(publicKey, userId, domainTag, message, signature, out var key, out var s, out var t, out var candidate))
        {
            return false;
        }
        var sum = ShamirSum(s, t, key);
        return !sum.IsInfinity && Matches(candidate, sum.X, sum.Z);
    }

    /// <summary>
    /// Everything of a verification but s·G + t·P: the checks on lengths, ranges and the key, e, t = r + s, and the
    /// candidate (r − e) mod n that x1 must equal. False when the signature is refused already.
    /// </summary>
    internal static bool Prepare(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> userId, ReadOnlySpan<byte> domainTag, ReadOnlySpan<byte> message,
        ReadOnlySpan<byte> signature, out AffinePoint key, out Scalar256 s, out Scalar256 t, out Scalar256 candidate)
    {
        key = default;
        s = t = candidate = default;
        if (signature.Length != 64 || publicKey.Length != 65 || publicKey[0] != 0x04 || userId.Length > 8191)
        {
            return false;
        }
        var r = Scalar(signature[..32]);
        s = Scalar(signature[32..]);
        if (IsZero(r) || IsZero(s) || !LessThanN(r) || !LessThanN(s))
        {
            return false;
        }
        if (!Sm2Field.TryFromBytes(publicKey[1..33], out var px) || !Sm2Field.TryFromBytes(publicKey[33..65], out var py) || !OnCurve(px, py))
        {
            return false;
        }
        key = new AffinePoint(px, py);
        Span<byte> e = stackalloc byte[32];
        MessageDigest(publicKey, userId, domainTag, message, e);
        t = AddModN(r, s);
        if (IsZero(t))
        {
            return false;
        }
        candidate = SubModN(r, ReduceModN(Scalar(e)));
        return true;
    }

    /// <summary>
    /// Whether the sum point (X, Z) (Jacobian, not at infinity) has x1 ≡ candidate (mod n). x1 = X/Z² is below p, so it
    /// can only be c = candidate or c + n (when that is still below p): compare c·Z² with X instead of inverting Z.
    /// </summary>
    internal static bool Matches(in Scalar256 candidate, in Sm2Field x, in Sm2Field z)
    {
        var z2 = Sm2Field.Square(z);
        if (Sm2Field.TryFromLimbs(candidate.L0, candidate.L1, candidate.L2, candidate.L3, out var c) && Sm2Field.Mul(c, z2) == x)
        {
            return true;
        }
        ulong carry = 0;
        var plusN = AddN(candidate, ref carry);
        return carry == 0 && Sm2Field.TryFromLimbs(plusN.L0, plusN.L1, plusN.L2, plusN.L3, out var c2) && Sm2Field.Mul(c2, z2) == x;
    }

    /// <summary>(a − b) mod n for a, b &lt; n.</summary>
    private static Scalar256 SubModN(in Scalar256 a, in Scalar256 b)
    {
        ulong borrow = 0;
        var difference = new Scalar256(Sm2Field.SubBorrow(a.L0, b.L0, ref borrow), Sm2Field.SubBorrow(a.L1, b.L1, ref borrow),
            Sm2Field.SubBorrow(a.L2, b.L2, ref borrow), Sm2Field.SubBorrow(a.L3, b.L3, ref borrow));
        if (borrow == 0)
        {
            return difference;
        }
        ulong carry = 0;
        return AddN(difference, ref carry);
    }

    /// <summary>x + n, the carry out in <paramref name="carry"/>.</summary>
    private static Scalar256 AddN(in Scalar256 x, ref ulong carry) => new(
        Sm2Field.AddCarry(x.L0, N0, ref carry), Sm2Field.AddCarry(x.L1, N1, ref carry),
        Sm2Field.AddCarry(x.L2, N2, ref carry), Sm2Field.AddCarry(x.L3, N3, ref carry));

    /// <summary>Whether a 65-byte uncompressed key is a point of the curve (not infinity, coordinates below p).</summary>
    public static bool IsValidPublicKey(ReadOnlySpan<byte> publicKey) =>
        publicKey.Length == 65 && publicKey[0] == 0x04 && Sm2Field.TryFromBytes(publicKey[1..33], out var x) &&
        Sm2Field.TryFromBytes(publicKey[33..65], out var y) && OnCurve(x, y);

    /// <summary>e = SM3(Z ‖ tag ‖ message).</summary>
    private static void MessageDigest(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> userId, ReadOnlySpan<byte> domainTag,
        ReadOnlySpan<byte> message, Span<byte> e)
    {
        var prefixLength = 32 + domainTag.Length;
        var prefix = prefixLength <= 256 ? stackalloc byte[prefixLength] : new byte[prefixLength];
        UserHash(publicKey, userId, prefix[..32]);
        domainTag.CopyTo(prefix[32..]);
        Sm3Hasher.Hash(prefix, message, e);
    }

    /// <summary>Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA) of GM/T 0003.2 for a 65-byte uncompressed key.</summary>
    public static void UserHash(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> userId, Span<byte> z)
    {
        var zLength = 2 + userId.Length + (6 * 32);
        var zInput = zLength <= 512 ? stackalloc byte[zLength] : new byte[zLength];
        BinaryPrimitives.WriteUInt16BigEndian(zInput, (ushort)(userId.Length * 8));
        userId.CopyTo(zInput[2..]);
        var at = 2 + userId.Length;
        ABytes.CopyTo(zInput[at..]);
        BBytes.CopyTo(zInput[(at + 32)..]);
        GxBytes.CopyTo(zInput[(at + 64)..]);
        GyBytes.CopyTo(zInput[(at + 96)..]);
        publicKey[1..65].CopyTo(zInput[(at + 128)..]);
        Sm3Hasher.Hash(zInput, z);
    }

    /// <summary>Window of the base point's signed digits: a table of 32 odd multiples of G, in affine form, built once.</summary>
    private const int BaseWindow = 7;

    /// <summary>Window of the public key's signed digits: 8 odd multiples of P, built per verification.</summary>
    private const int KeyWindow = 5;

    private static readonly AffinePoint[] s_baseTable = BuildBaseTable();

    /// <summary>
    /// u1·G + u2·P by interleaved width-w NAF: one doubling per bit, and an addition only at the scalars' non-zero signed
    /// digits (about one in w+1), from a fixed table of G's odd multiples and a per-call table of P's.
    /// </summary>
    private static JacobianPoint ShamirSum(in Scalar256 u1, in Scalar256 u2, in AffinePoint p)
    {
        Span<sbyte> digits1 = stackalloc sbyte[257];
        Span<sbyte> digits2 = stackalloc sbyte[257];
        var length1 = Wnaf(u1, BaseWindow, digits1);
        var length2 = Wnaf(u2, KeyWindow, digits2);
        Span<JacobianPoint> keyTable = stackalloc JacobianPoint[1 << (KeyWindow - 2)];
        keyTable[0] = ToJacobian(p);
        var twice = keyTable[0];
        DoublePoint(ref twice);
        for (var i = 1; i < keyTable.Length; i++)
        {
            keyTable[i] = keyTable[i - 1];
            AddJacobian(ref keyTable[i], twice);
        }
        var accumulator = default(JacobianPoint);
        for (var bit = Math.Max(length1, length2) - 1; bit >= 0; bit--)
        {
            if (!accumulator.IsInfinity)
            {
                DoublePoint(ref accumulator);
            }
            if (digits1[bit] != 0)
            {
                var entry = s_baseTable[Math.Abs(digits1[bit]) >> 1];
                AddAffine(ref accumulator, digits1[bit] > 0 ? entry : entry with { Y = Sm2Field.Sub(Sm2Field.Zero, entry.Y) });
            }
            if (digits2[bit] != 0)
            {
                var entry = keyTable[Math.Abs(digits2[bit]) >> 1];
                if (digits2[bit] < 0)
                {
                    entry.Y = Sm2Field.Sub(Sm2Field.Zero, entry.Y);
                }
                AddJacobian(ref accumulator, entry);
            }
        }
        return accumulator;
    }

    /// <summary>
    /// The width-<paramref name="window"/> non-adjacent form of <paramref name="k"/>, least significant digit first: odd
    /// digits below 2^(w−1) in absolute value, each followed by at least w−1 zeros. Returns the number of digits.
    /// </summary>
    private static int Wnaf(in Scalar256 k, int window, Span<sbyte> digits)
    {
        Span<ulong> value = [k.L0, k.L1, k.L2, k.L3, 0];
        digits.Clear();
        var length = 0;
        var modulus = 1L << window;
        var half = modulus >> 1;
        while ((value[0] | value[1] | value[2] | value[3] | value[4]) != 0)
        {
            if ((value[0] & 1) != 0)
            {
                var digit = (long)(value[0] & (ulong)(modulus - 1));
                if (digit >= half)
                {
                    digit -= modulus;
                }
                digits[length] = (sbyte)digit;
                // value -= digit (adding back |digit| when it is negative), which clears the low w bits.
                if (digit > 0)
                {
                    ulong borrow = 0;
                    for (var i = 0; i < value.Length; i++)
                    {
                        value[i] = Sm2Field.SubBorrow(value[i], i == 0 ? (ulong)digit : 0, ref borrow);
                    }
                }
                else
                {
                    ulong carry = 0;
                    for (var i = 0; i < value.Length; i++)
                    {
                        value[i] = Sm2Field.AddCarry(value[i], i == 0 ? (ulong)(-digit) : 0, ref carry);
                    }
                }
            }
            length++;
            for (var i = 0; i < value.Length - 1; i++)
            {
                value[i] = (value[i] >> 1) | (value[i + 1] << 63);
            }
            value[^1] >>= 1;
        }
        return length;
    }

    /// <summary>G, 3G, 5G, … in affine form, for the base point's digits.</summary>
    private static AffinePoint[] BuildBaseTable()
    {
        var table = new AffinePoint[1 << (BaseWindow - 2)];
        var current = ToJacobian(G);
        var twice = current;
        DoublePoint(ref twice);
        for (var i = 0; i < table.Length; i++)
        {
            var zInverse = Sm2Field.Invert(current.Z);
            var zInverse2 = Sm2Field.Square(zInverse);
            table[i] = new AffinePoint(Sm2Field.Mul(current.X, zInverse2), Sm2Field.Mul(current.Y, Sm2Field.Mul(zInverse2, zInverse)));
            AddJacobian(ref current, twice);
        }
        return table;
    }

    /// <summary>A plain 256-bit integer, least significant limb first (scalars mod n are not in Montgomery form).</summary>
    internal readonly record struct Scalar256(ulong L0, ulong L1, ulong L2, ulong L3)
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Bit(int index) => (((index >> 6) switch { 0 => L0, 1 => L1, 2 => L2, _ => L3 }) >> (index & 63) & 1) != 0;
    }

    private static Scalar256 Scalar(ReadOnlySpan<byte> bigEndian) => new(
        BinaryPrimitives.ReadUInt64BigEndian(bigEndian[24..]), BinaryPrimitives.ReadUInt64BigEndian(bigEndian[16..]),
        BinaryPrimitives.ReadUInt64BigEndian(bigEndian[8..]), BinaryPrimitives.ReadUInt64BigEndian(bigEndian));

    private static bool IsZero(in Scalar256 x) => (x.L0 | x.L1 | x.L2 | x.L3) == 0;

    private static bool LessThanN(in Scalar256 x)
    {
        var (_, borrow) = SubN(x);
        return borrow != 0;
    }

    /// <summary>x mod n for x &lt; 2^256 (at most one subtraction: 2n &gt; 2^256).</summary>
    private static Scalar256 ReduceModN(in Scalar256 x)
    {
        var (difference, borrow) = SubN(x);
        return borrow != 0 ? x : difference;
    }

    /// <summary>(a + b) mod n for a, b &lt; n.</summary>
    private static Scalar256 AddModN(in Scalar256 a, in Scalar256 b)
    {
        ulong carry = 0;
        var sum = new Scalar256(Sm2Field.AddCarry(a.L0, b.L0, ref carry), Sm2Field.AddCarry(a.L1, b.L1, ref carry),
            Sm2Field.AddCarry(a.L2, b.L2, ref carry), Sm2Field.AddCarry(a.L3, b.L3, ref carry));
        var (difference, borrow) = SubN(sum);
        return carry != 0 || borrow == 0 ? difference : sum;
    }

    private static (Scalar256 Difference, ulong Borrow) SubN(in Scalar256 x)
    {
        ulong borrow = 0;
        var difference = new Scalar256(Sm2Field.SubBorrow(x.L0, N0, ref borrow), Sm2Field.SubBorrow(x.L1, N1, ref borrow),
            Sm2Field.SubBorrow(x.L2, N2, ref borrow), Sm2Field.SubBorrow(x.L3, N3, ref borrow));
        return (difference, borrow);
    }
}
