using System.Numerics;

namespace ShanghaiChain.Vm.Evm.Precompiles;

/// <summary>0x05: arbitrary-precision modular exponentiation (EIP-198) priced by EIP-2565.</summary>
internal sealed class ModExpPrecompile : Precompile
{
    public override long GasCost(ReadOnlySpan<byte> input)
    {
        var baseLength = ReadLength(input, 0);
        var exponentLength = ReadLength(input, 32);
        var modulusLength = ReadLength(input, 64);

        var maxLength = BigInteger.Max(baseLength, modulusLength);
        var words = (maxLength + 7) / 8;
        var complexity = words * words;

        // The iteration count reads at most the first 32 bytes of the exponent.
        BigInteger iterations;
        var head = ReadHeadOfExponent(input, baseLength, exponentLength);
        var headBits = head.IsZero ? 0 : (int)head.GetBitLength();
        if (exponentLength <= 32)
        {
            iterations = headBits == 0 ? 0 : headBits - 1;
        }
        else
        {
            iterations = 8 * (exponentLength - 32) + (headBits == 0 ? 0 : headBits - 1);
        }
        var cost = complexity * BigInteger.Max(iterations, 1) / 3;
        cost = BigInteger.Max(cost, 200);
        return cost > long.MaxValue ? long.MaxValue : (long)cost;
    }

    public override bool TryRun(ReadOnlySpan<byte> input, out byte[] output)
    {
        var modulusBig = ReadLength(input, 64);
        if (modulusBig.IsZero)
        {
            output = [];
            return true;
        }
        var baseBig = ReadLength(input, 0);
        var exponentBig = ReadLength(input, 32);
        const int limit = int.MaxValue / 4;
        if (baseBig > limit || exponentBig > limit || modulusBig > limit)
        {
            // Unreachable under any real gas limit: pricing grows with every one of these lengths.
            output = [];
            return false;
        }
        var baseLength = (int)baseBig;
        var exponentLength = (int)exponentBig;
        var modulusLength = (int)modulusBig;
        var b = ReadNumber(input, 96, baseLength);
        var e = ReadNumber(input, 96 + (long)baseLength, exponentLength);
        var m = ReadNumber(input, 96 + (long)baseLength + exponentLength, modulusLength);
        output = new byte[modulusLength];
        if (m.IsZero)
        {
            return true;
        }
        var result = BigInteger.ModPow(b, e, m);
        var bytes = result.ToByteArray(isUnsigned: true, isBigEndian: true);
        bytes.CopyTo(output.AsSpan(modulusLength - bytes.Length));
        return true;
    }

    private static BigInteger ReadLength(ReadOnlySpan<byte> input, int offset) => ReadNumber(input, offset, 32);

    private static BigInteger ReadHeadOfExponent(ReadOnlySpan<byte> input, BigInteger baseLength, BigInteger exponentLength)
    {
        var start = 96 + baseLength;
        if (start >= input.Length)
        {
            return BigInteger.Zero;
        }
        var take = (int)BigInteger.Min(exponentLength, 32);
        return ReadNumber(input, (long)start, take);
    }

    /// <summary>A big-endian number at [offset, offset+length) of the input, zero-padded past its end.</summary>
    private static BigInteger ReadNumber(ReadOnlySpan<byte> input, long offset, int length)
    {
        if (length == 0)
        {
            return BigInteger.Zero;
        }
        var buffer = new byte[length];
        if (offset < input.Length)
        {
            var available = (int)Math.Min(length, input.Length - offset);
            input.Slice((int)offset, available).CopyTo(buffer);
        }
        return new BigInteger(buffer, isUnsigned: true, isBigEndian: true);
    }
}
