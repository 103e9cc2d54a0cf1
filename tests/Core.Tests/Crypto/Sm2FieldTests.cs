using System.Runtime.Intrinsics;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Tests;
using NumericInteger = System.Numerics.BigInteger;

namespace ShanghaiChain.Core.Tests.Crypto;

/// <summary>The field arithmetic mod p against System.Numerics.BigInteger, on random and extreme elements.</summary>
public class Sm2FieldTests
{
    private static readonly NumericInteger P = NumericInteger.Parse("0FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF", System.Globalization.NumberStyles.HexNumber);
    private static readonly NumericInteger RInverse = NumericInteger.ModPow(NumericInteger.One << 256, P - 2, P);

    private static Sm2Field FromInteger(NumericInteger value)
    {
        var bytes = value.ToByteArray(isUnsigned: true, isBigEndian: false);
        Span<byte> padded = stackalloc byte[32];
        bytes.CopyTo(padded);
        return new Sm2Field(BitConverter.ToUInt64(padded), BitConverter.ToUInt64(padded[8..]), BitConverter.ToUInt64(padded[16..]), BitConverter.ToUInt64(padded[24..]));
    }

    public static IEnumerable<NumericInteger> Elements(int seed)
    {
        NumericInteger[] extremes = [0, 1, 2, P - 1, P - 2, (NumericInteger.One << 255) - 1, (NumericInteger.One << 64) - 1, (NumericInteger.One << 224), P >> 1];
        foreach (var x in extremes)
        {
            yield return x;
        }
        var random = new Random(seed);
        var bytes = new byte[33];
        for (var i = 0; i < 300; i++)
        {
            random.NextBytes(bytes);
            bytes[32] = 0;
            // Some elements with long runs of ones or zeros, where carries travel far.
            if (i % 5 == 0)
            {
                bytes.AsSpan(random.Next(16), random.Next(1, 16)).Fill(i % 10 == 0 ? (byte)0xFF : (byte)0);
                bytes[32] = 0;
            }
            yield return NumericInteger.Remainder(new NumericInteger(bytes), P);
        }
    }

    [Fact]
    public void Multiplication_squaring_addition_subtraction_and_inversion_agree_with_BigInteger()
    {
        var seed = TestSeed.Run;
        var elements = Elements(seed).ToArray();
        for (var i = 0; i < elements.Length; i++)
        {
            var x = elements[i];
            var y = elements[(i * 7 + 3) % elements.Length];
            var a = FromInteger(x);
            var b = FromInteger(y);
            var what = $"x = {x:X}, y = {y:X}, {TestSeed.Describe(seed)}";
            var product = NumericInteger.Remainder(x * y * RInverse, P);
            Assert.True(ToRaw(Sm2Field.Mul(a, b)) == product, "Mul, " + what);
            Assert.True(ToRaw(Sm2Field.MulWide(a, b)) == product, "MulWide, " + what);
            Assert.True(ToRaw(Sm2Field.SquareWide(a)) == NumericInteger.Remainder(x * x * RInverse, P), "SquareWide, " + what);
            Assert.True(ToRaw(Sm2Field.Add(a, b)) == NumericInteger.Remainder(x + y, P), "Add, " + what);
            Assert.True(ToRaw(Sm2Field.Sub(a, b)) == NumericInteger.Remainder(x - y + P, P), "Sub, " + what);
            if (!x.IsZero)
            {
                // In Montgomery form Invert(x·R) = x⁻¹·R: as raw limbs, x⁻¹·R².
                Assert.True(ToRaw(Sm2Field.Invert(a)) == NumericInteger.Remainder(NumericInteger.ModPow(x, P - 2, P) * (NumericInteger.One << 512), P), "Invert, " + what);
            }
        }
    }

    [Fact]
    public void Eight_lane_arithmetic_agrees_with_the_scalar_field_lane_by_lane()
    {
        if (!Sm2FieldX8.IsSupported)
        {
            return;
        }
        var seed = TestSeed.Run;
        var elements = Elements(seed).Select(FromInteger).Select(raw => Sm2Field.Mul(raw, new Sm2Field(1, 0, 0, 0))).ToArray();
        for (var start = 0; start + 16 <= elements.Length; start += 16)
        {
            var a = default(Sm2FieldX8);
            var b = default(Sm2FieldX8);
            for (var lane = 0; lane < 8; lane++)
            {
                a.SetLane(lane, elements[start + lane]);
                b.SetLane(lane, elements[start + 8 + lane]);
            }
            var product = Sm2FieldX8.Mul(a, b);
            var square = Sm2FieldX8.Square(a);
            var sum = Sm2FieldX8.Add(a, b);
            var difference = Sm2FieldX8.Sub(a, b);
            // Chains of operations keep the lanes' invariant (normalized limbs, below 2p).
            var chained = Sm2FieldX8.Mul(Sm2FieldX8.Sub(difference, sum), Sm2FieldX8.Add(product, square));
            var zero = Sm2FieldX8.Sub(a, a).ZeroMask();
            for (var lane = 0; lane < 8; lane++)
            {
                var x = elements[start + lane];
                var y = elements[start + 8 + lane];
                var what = $"lane {lane}, elements {start}, {TestSeed.Describe(seed)}";
                Assert.True(Sm2Field.Mul(x, y) == product.GetLane(lane), "Mul, " + what);
                Assert.True(Sm2Field.Square(x) == square.GetLane(lane), "Square, " + what);
                Assert.True(Sm2Field.Add(x, y) == sum.GetLane(lane), "Add, " + what);
                Assert.True(Sm2Field.Sub(x, y) == difference.GetLane(lane), "Sub, " + what);
                var expected = Sm2Field.Mul(Sm2Field.Sub(Sm2Field.Sub(x, y), Sm2Field.Add(x, y)), Sm2Field.Add(Sm2Field.Mul(x, y), Sm2Field.Square(x)));
                Assert.True(expected == chained.GetLane(lane), "chain, " + what);
                Assert.True(zero.GetElement(lane) == -1, "a − a is zero, " + what);
                Assert.True((product.ZeroMask().GetElement(lane) == -1) == (Sm2Field.Mul(x, y) == Sm2Field.Zero), "zero test, " + what);
            }
        }
    }

    private static NumericInteger ToRaw(in Sm2Field x)
    {
        Span<byte> bytes = stackalloc byte[32];
        BitConverter.TryWriteBytes(bytes, x.L0);
        BitConverter.TryWriteBytes(bytes[8..], x.L1);
        BitConverter.TryWriteBytes(bytes[16..], x.L2);
        BitConverter.TryWriteBytes(bytes[24..], x.L3);
        return new NumericInteger(bytes, isUnsigned: true, isBigEndian: false);
    }
}
