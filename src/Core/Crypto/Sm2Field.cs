using System.Runtime.CompilerServices;

namespace ShanghaiChain.Core.Crypto;

/// <summary>
/// An element of the SM2 prime field (p = 2^256 − 2^224 − 2^96 + 2^64 − 1) in Montgomery form (x·2^256 mod p), four
/// 64-bit limbs, least significant first. Arithmetic allocates nothing and uses no <c>BigInteger</c>.
/// </summary>
/// <remarks>
/// Montgomery multiplication needs −p⁻¹ mod 2^64; because p ≡ −1 (mod 2^64) that is 1, so each reduction step's
/// multiplier is the low limb itself. No operation branches on or indexes by an element's value (carries are computed, reductions selected by masks), so
/// signing uses the same arithmetic for secrets.
/// </remarks>
internal readonly struct Sm2Field
{
    public readonly ulong L0, L1, L2, L3;

    public Sm2Field(ulong l0, ulong l1, ulong l2, ulong l3)
    {
        L0 = l0;
        L1 = l1;
        L2 = l2;
        L3 = l3;
    }

    public const ulong P0 = 0xFFFFFFFFFFFFFFFF, P1 = 0xFFFFFFFF00000000, P2 = 0xFFFFFFFFFFFFFFFF, P3 = 0xFFFFFFFEFFFFFFFF;

    /// <summary>2^512 mod p, which turns an integer into Montgomery form.</summary>
    private static readonly Sm2Field R2 = new(0x0000000200000003, 0x00000002FFFFFFFF, 0x0000000100000001, 0x0000000400000002);

    public static readonly Sm2Field Zero;

    /// <summary>1 in Montgomery form (2^256 mod p).</summary>
    public static readonly Sm2Field One = new(0x0000000000000001, 0x00000000FFFFFFFF, 0x0000000000000000, 0x0000000100000000);

    public bool IsZero => (L0 | L1 | L2 | L3) == 0;

    /// <summary>Reads a 32-byte big-endian integer; false when it is not below p.</summary>
    public static bool TryFromBytes(ReadOnlySpan<byte> bigEndian, out Sm2Field element)
    {
        var plain = new Sm2Field(
            System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bigEndian[24..]),
            System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bigEndian[16..]),
            System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bigEndian[8..]),
            System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bigEndian));
        if (!LessThanP(plain))
        {
            element = default;
            return false;
        }
        element = Mul(plain, R2);
        return true;
    }

    /// <summary>A plain integer given as limbs, into Montgomery form; false when it is not below p.</summary>
    public static bool TryFromLimbs(ulong l0, ulong l1, ulong l2, ulong l3, out Sm2Field element)
    {
        var plain = new Sm2Field(l0, l1, l2, l3);
        if (!LessThanP(plain))
        {
            element = default;
            return false;
        }
        element = Mul(plain, R2);
        return true;
    }

    public static bool operator ==(in Sm2Field a, in Sm2Field b) => ((a.L0 ^ b.L0) | (a.L1 ^ b.L1) | (a.L2 ^ b.L2) | (a.L3 ^ b.L3)) == 0;

    public static bool operator !=(in Sm2Field a, in Sm2Field b) => !(a == b);

    public override bool Equals(object? obj) => obj is Sm2Field other && this == other;

    public override int GetHashCode() => HashCode.Combine(L0, L1, L2, L3);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong AddCarry(ulong a, ulong b, ref ulong carry)
    {
        var partial = a + b;
        var carryOut = CarryOf(a, b, partial);
        var sum = partial + carry;
        carry = carryOut + CarryOf(partial, carry, sum);
        return sum;
    }

    /// <summary>The carry out of <paramref name="sum"/> = <paramref name="a"/> + <paramref name="b"/>, from the top bits alone.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong CarryOf(ulong a, ulong b, ulong sum) => ((a & b) | ((a | b) & ~sum)) >> 63;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong SubBorrow(ulong a, ulong b, ref ulong borrow)
    {
        var difference = a - b - borrow;
        borrow = ((~a & b) | (~(a ^ b) & difference)) >> 63;
        return difference;
    }

    /// <summary>
    /// a·b·2^-256 mod p by coarsely integrated operand scanning, written out limb by limb so that the JIT keeps the limbs in
    /// registers (helpers taking them by reference spilled them). Its cost is the serial carry chain: C# has no
    /// add-with-carry, and a branch-free carry formula measured slower than compare-and-select here.
    /// </summary>
    public static Sm2Field Mul(in Sm2Field a, in Sm2Field b)
    {
        ulong t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0, t5, lo, hi, c, m;
        // Round 0: t += a·b0, then add m·p with m = t0 and drop the (now zero) low limb.
        hi = MulHigh(a.L0, b.L0, out lo);
        lo += t0;
        hi += lo < t0 ? 1UL : 0UL;
        t0 = lo;
        c = hi;
        hi = MulHigh(a.L1, b.L0, out lo);
        lo += t1;
        hi += lo < t1 ? 1UL : 0UL;
        lo += c;
        hi += lo < c ? 1UL : 0UL;
        t1 = lo;
        c = hi;
        hi = MulHigh(a.L2, b.L0, out lo);
        lo += t2;
        hi += lo < t2 ? 1UL : 0UL;
        lo += c;
        hi += lo < c ? 1UL : 0UL;
        t2 = lo;
        c = hi;
        hi = MulHigh(a.L3, b.L0, out lo);
        lo += t3;
        hi += lo < t3 ? 1UL : 0UL;
        lo += c;
        hi += lo < c ? 1UL : 0UL;
        t3 = lo;
        c = hi;
        t4 += c;
        t5 = t4 < c ? 1UL : 0UL;
        m = t0;
        hi = MulHigh(m, P0, out lo);
        lo += t0;
        hi += lo < t0 ? 1UL : 0UL;
        c = hi;
        hi = MulHigh(m, P1, out lo);
        lo += t1;
        hi += lo < t1 ? 1UL : 0UL;
        lo += c;
        hi += lo < c ? 1UL : 0UL;
        t0 = lo;
        c = hi;
        hi = MulHigh(m, P2, out lo);
        lo += t2;
        hi += lo < t2 ? 1UL : 0UL;
        lo += c;
        hi += lo < c ? 1UL : 0UL;
        t1 = lo;
        c = hi;
        hi = MulHigh(m, P3, out lo);
        lo += t3;
        hi += lo < t3 ? 1UL : 0UL;
        lo += c;
        hi += lo < c ? 1UL : 0UL;
        t2 = lo;
        c = hi;
        t3 = t4 + c;
        t4 = t5 + (t3 < c ? 1UL : 0UL);
        // Round 1: t += a·b1, then add m·p with m = t0 and drop the (now zero) low limb.
        hi = MulHigh(a.L0, b.L1, out lo);
        lo += t0;
        hi += lo < t0 ? 1UL : 0UL;
        t0 = lo;
        c = hi;
        hi = MulHigh(a.L1, b.L1, out lo);
        lo += t1;
        hi += lo < t1 ? 1UL : 0UL;
        lo += c;
        hi += lo < c ? 1UL : 0UL;
        t1 = lo;
        c = hi;
        hi = MulHigh(a.L2, b.L1, out lo);
        lo += t2;
        hi += lo < t2 ? 1UL : 0UL;
        lo += c;
        hi += lo < c ? 1UL : 0UL;
        t2 = lo;
        c = hi;
        hi = MulHigh(a.L3, b.L1, out lo);
        lo += t3;
        hi += lo < t3 ? 1UL : 0UL;
        lo += c;
        hi += lo < c ? 1UL : 0UL;
        t3 = lo;
        c = hi;
        t4 += c;
        t5 = t4 < c ? 1UL : 0UL;
        m = t0;
        hi = MulHigh(m, P0, out lo);
        lo += t0;
        hi += lo < t0 ? 1UL : 0UL;
        c = hi;
        hi = MulHigh(m, P1, out lo);
        lo += t1;
        hi += lo < t1 ? 1UL : 0UL;
        lo += c;
        hi += lo < c ? 1UL : 0UL;
        t0 = lo;
        c = hi;
        hi = MulHigh(m, P2, out lo);
        lo += t2;
        hi += lo < t2 ? 1UL : 0UL;
        lo += c;
        hi += lo < c ? 1UL : 0UL;
        t1 = lo;
        c = hi;
        hi = MulHigh(m, P3, out lo);
        lo += t3;
        hi += lo < t3 ? 1UL : 0UL;
        lo += c;
        hi += lo < c ? 1UL : 0UL;
        t2 = lo;
        c = hi;
        t3 = t4 + c;
        t4 = t5 + (t3 < c ? 1UL : 0UL);
        // Round 2: t += a·b2, then add m·p with m = t0 and drop the (now zero) low limb.
        hi = MulHigh(a.L0, b.L2, out lo);
        lo += t0;
        hi += lo < t0 ? 1UL : 0UL;
        t0 = lo;
        c = hi;
        hi = MulHigh(a.L1, b.L2, out lo);
        lo += t1;
        hi += lo < t1 ? 1UL : 0UL;
        lo += c;
        hi += lo < c ? 1UL : 0UL;
        t1 = lo;
        c = hi;
        hi = MulHigh(a.L2, b.L2, out lo);
        lo += t2;
        hi += lo < t2 ? 1UL : 0UL;
        lo += c;
        hi += lo < c ? 1UL : 0UL;
        t2 = lo;
        c = hi;
        hi = MulHigh(a.L3, b.L2, out lo);
        lo += t3;
        hi += lo < t3 ? 1UL : 0UL;
        lo += c;
        hi += lo < c ? 1UL : 0UL;
        t3 = lo;
        c = hi;
        t4 += c;
        t5 = t4 < c ? 1UL : 0UL;
        m = t0;
        hi = MulHigh(m, P0, out lo);
        lo += t0;
        hi += lo < t0 ? 1UL : 0UL;
        c = hi;
        hi = MulHigh(m, P1, out lo);
        lo += t1;
        hi += lo < t1 ? 1UL : 0UL;
        lo += c;
        hi += lo < c ? 1UL : 0UL;
        t0 = lo;
        c = hi;
        hi = MulHigh(m, P2, out lo);
        lo += t2;
        hi += lo < t2 ? 1UL : 0UL;
        lo += c;
        hi += lo < c ? 1UL : 0UL;
        t1 = lo;
        c = hi;
        hi = MulHigh(m, P3, out lo);
        lo += t3;
        hi += lo < t3 ? 1UL : 0UL;
        lo += c;
        hi += lo < c ? 1UL : 0UL;
        t2 = lo;
        c = hi;
        t3 = t4 + c;
        t4 = t5 + (t3 < c ? 1UL : 0UL);
        // Round 3: t += a·b3, then add m·p with m = t0 and drop the (now zero) low limb.
        hi = MulHigh(a.L0, b.L3, out lo);
        lo += t0;
        hi += lo < t0 ? 1UL : 0UL;
        t0 = lo;
        c = hi;
        hi = MulHigh(a.L1, b.L3, out lo);
        lo += t1;
        hi += lo < t1 ? 1UL : 0UL;
        lo += c;
        hi += lo < c ? 1UL : 0UL;
        t1 = lo;
        c = hi;
        hi = MulHigh(a.L2, b.L3, out lo);
        lo += t2;
        hi += lo < t2 ? 1UL : 0UL;
        lo += c;
        hi += lo < c ? 1UL : 0UL;
        t2 = lo;
        c = hi;
        hi = MulHigh(a.L3, b.L3, out lo);
        lo += t3;
        hi += lo < t3 ? 1UL : 0UL;
        lo += c;
        hi += lo < c ? 1UL : 0UL;
        t3 = lo;
        c = hi;
        t4 += c;
        t5 = t4 < c ? 1UL : 0UL;
        m = t0;
        hi = MulHigh(m, P0, out lo);
        lo += t0;
        hi += lo < t0 ? 1UL : 0UL;
        c = hi;
        hi = MulHigh(m, P1, out lo);
        lo += t1;
        hi += lo < t1 ? 1UL : 0UL;
        lo += c;
        hi += lo < c ? 1UL : 0UL;
        t0 = lo;
        c = hi;
        hi = MulHigh(m, P2, out lo);
        lo += t2;
        hi += lo < t2 ? 1UL : 0UL;
        lo += c;
        hi += lo < c ? 1UL : 0UL;
        t1 = lo;
        c = hi;
        hi = MulHigh(m, P3, out lo);
        lo += t3;
        hi += lo < t3 ? 1UL : 0UL;
        lo += c;
        hi += lo < c ? 1UL : 0UL;
        t2 = lo;
        c = hi;
        t3 = t4 + c;
        t4 = t5 + (t3 < c ? 1UL : 0UL);
        return Reduce(t0, t1, t2, t3, t4);
    }

    /// <summary>
    /// The 128-bit product a·b as high and low halves. Math.BigMul's out parameter goes through memory (the JIT takes the
    /// address of a stack slot for mulx's second output); mulx for the high half and imul for the low half stay in registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong MulHigh(ulong a, ulong b, out ulong low)
    {
        low = a * b;
        return System.Runtime.Intrinsics.X86.Bmi2.X64.IsSupported ? System.Runtime.Intrinsics.X86.Bmi2.X64.MultiplyNoFlags(a, b) : Math.BigMul(a, b, out _);
    }

    public static Sm2Field Square(in Sm2Field a) => Mul(a, a);

    public static Sm2Field Add(in Sm2Field a, in Sm2Field b)
    {
        ulong carry = 0;
        var r0 = AddCarry(a.L0, b.L0, ref carry);
        var r1 = AddCarry(a.L1, b.L1, ref carry);
        var r2 = AddCarry(a.L2, b.L2, ref carry);
        var r3 = AddCarry(a.L3, b.L3, ref carry);
        return Reduce(r0, r1, r2, r3, carry);
    }

    /// <summary>a − b mod p, without a branch: p is added back under a mask made from the borrow.</summary>
    public static Sm2Field Sub(in Sm2Field a, in Sm2Field b)
    {
        ulong borrow = 0;
        var r0 = SubBorrow(a.L0, b.L0, ref borrow);
        var r1 = SubBorrow(a.L1, b.L1, ref borrow);
        var r2 = SubBorrow(a.L2, b.L2, ref borrow);
        var r3 = SubBorrow(a.L3, b.L3, ref borrow);
        var mask = 0UL - borrow;
        ulong carry = 0;
        r0 = AddCarry(r0, P0 & mask, ref carry);
        r1 = AddCarry(r1, P1 & mask, ref carry);
        r2 = AddCarry(r2, P2 & mask, ref carry);
        r3 = AddCarry(r3, P3 & mask, ref carry);
        return new Sm2Field(r0, r1, r2, r3);
    }

    /// <summary>−a mod p.</summary>
    public static Sm2Field Negate(in Sm2Field a) => Sub(Zero, a);

    /// <summary><paramref name="whenSet"/> where <paramref name="mask"/> is all ones, <paramref name="whenClear"/> where it is zero, without a branch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Sm2Field Select(ulong mask, in Sm2Field whenSet, in Sm2Field whenClear) => new(
        (whenSet.L0 & mask) | (whenClear.L0 & ~mask), (whenSet.L1 & mask) | (whenClear.L1 & ~mask),
        (whenSet.L2 & mask) | (whenClear.L2 & ~mask), (whenSet.L3 & mask) | (whenClear.L3 & ~mask));

    /// <summary>All ones when the element is zero, else zero, without a branch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong ZeroMask()
    {
        var any = L0 | L1 | L2 | L3;
        // (any | −any) has its top bit set exactly when any ≠ 0.
        return ((any | (0UL - any)) >> 63) - 1;
    }

    /// <summary>The plain integer (out of Montgomery form), 32 bytes big-endian.</summary>
    public void WriteBytes(Span<byte> bigEndian)
    {
        var plain = Mul(this, new Sm2Field(1, 0, 0, 0));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bigEndian, plain.L3);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bigEndian[8..], plain.L2);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bigEndian[16..], plain.L1);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bigEndian[24..], plain.L0);
    }

    /// <summary>The plain integer (out of Montgomery form) as limbs, least significant first.</summary>
    public Sm2Field ToPlain() => Mul(this, new Sm2Field(1, 0, 0, 0));

    public static Sm2Field Double(in Sm2Field a) => Add(a, a);

    /// <summary>
    /// a^(p−2) = a⁻¹ (Fermat); zero for zero. A fixed addition chain (256 squarings, 16 multiplications) whose sequence of
    /// operations does not depend on a, so it may invert secrets (the Z of k·G when signing).
    /// </summary>
    public static Sm2Field Invert(in Sm2Field a)
    {
        // p − 2 from the top: 31 ones, a zero, 128 ones, 32 zeros, 62 ones, a zero, a one. xN = a^(2^N − 1).
        var x2 = Mul(Square(a), a);
        var x3 = Mul(Square(x2), a);
        var x6 = Mul(SquareTimes(x3, 3), x3);
        var x12 = Mul(SquareTimes(x6, 6), x6);
        var x24 = Mul(SquareTimes(x12, 12), x12);
        var x30 = Mul(SquareTimes(x24, 6), x6);
        var x31 = Mul(Square(x30), a);
        var x32 = Mul(Square(x31), a);
        var t = Square(x31);
        for (var i = 0; i < 4; i++)
        {
            t = Mul(SquareTimes(t, 32), x32);
        }
        t = SquareTimes(t, 32);
        t = Mul(SquareTimes(t, 31), x31);
        t = Mul(SquareTimes(t, 31), x31);
        t = Square(t);
        return Mul(Square(t), a);
    }

    private static Sm2Field SquareTimes(Sm2Field a, int count)
    {
        for (var i = 0; i < count; i++)
        {
            a = Square(a);
        }
        return a;
    }

    /// <summary>(t4:t3:t2:t1:t0) &lt; 2p to the representative below p.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Sm2Field Reduce(ulong t0, ulong t1, ulong t2, ulong t3, ulong t4)
    {
        ulong borrow = 0;
        var s0 = SubBorrow(t0, P0, ref borrow);
        var s1 = SubBorrow(t1, P1, ref borrow);
        var s2 = SubBorrow(t2, P2, ref borrow);
        var s3 = SubBorrow(t3, P3, ref borrow);
        // Keep the subtraction unless it went below zero (and the fifth limb had nothing to lend); a mask, not a branch.
        var keep = 0UL - (borrow & (t4 ^ 1));
        return new Sm2Field((t0 & keep) | (s0 & ~keep), (t1 & keep) | (s1 & ~keep), (t2 & keep) | (s2 & ~keep), (t3 & keep) | (s3 & ~keep));
    }

    private static bool LessThanP(in Sm2Field x)
    {
        ulong borrow = 0;
        _ = SubBorrow(x.L0, P0, ref borrow);
        _ = SubBorrow(x.L1, P1, ref borrow);
        _ = SubBorrow(x.L2, P2, ref borrow);
        _ = SubBorrow(x.L3, P3, ref borrow);
        return borrow != 0;
    }
}
