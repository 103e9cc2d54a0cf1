using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Vm.Evm.Precompiles;

/// <summary>A native contract at a reserved address: prices its input, then runs with the gas given.</summary>
public abstract class Precompile
{
    /// <summary>The gas the input costs, or long.MaxValue when it cannot be priced.</summary>
    public abstract long GasCost(ReadOnlySpan<byte> input);

    /// <summary>The output, or false when the input is invalid (which consumes all the gas given).</summary>
    public abstract bool TryRun(ReadOnlySpan<byte> input, out byte[] output);

    public CallResult Run(ReadOnlyMemory<byte> input, long gas)
    {
        var cost = GasCost(input.Span);
        if (cost > gas)
        {
            return new CallResult(EvmStatus.OutOfGas, 0, ReadOnlyMemory<byte>.Empty);
        }
        return TryRun(input.Span, out var output)
            ? new CallResult(EvmStatus.Returned, gas - cost, output)
            : new CallResult(EvmStatus.PrecompileFailure, 0, ReadOnlyMemory<byte>.Empty);
    }

    /// <summary>The standard per-word pricing: base + perWord·⌈len/32⌉.</summary>
    protected static long LinearCost(ReadOnlySpan<byte> input, long baseCost, long perWord) =>
        baseCost + perWord * GasCosts.Words(input.Length);
}

/// <summary>The precompiles of the Cancun rules at addresses 0x01..0x0a (0x0a, KZG point evaluation, is out of scope).</summary>
public static class PrecompileSet
{
    public const int Count = 10;

    private static readonly Precompile?[] ByIndex = Build();

    private static Precompile?[] Build()
    {
        var table = new Precompile?[Count + 1];
        table[1] = new EcRecoverPrecompile();
        table[2] = new Sha256Precompile();
        table[3] = new Ripemd160Precompile();
        table[4] = new IdentityPrecompile();
        table[5] = new ModExpPrecompile();
        table[6] = new Bn254AddPrecompile();
        table[7] = new Bn254MulPrecompile();
        table[8] = new Bn254PairingPrecompile();
        table[9] = new Blake2FPrecompile();
        table[10] = new UnsupportedPrecompile();
        return table;
    }

    /// <summary>The addresses 0x01..0x0a, warm from the start of every transaction (EIP-2929); built once.</summary>
    public static IReadOnlyList<Address> Addresses { get; } = [.. Enumerable.Range(1, Count).Select(AddressOf)];

    public static Address AddressOf(int index)
    {
        Span<byte> bytes = stackalloc byte[Address.Size];
        bytes.Clear();
        bytes[^1] = (byte)index;
        return new Address(bytes);
    }

    public static Precompile? Get(in Address address)
    {
        Span<byte> bytes = stackalloc byte[Address.Size];
        address.WriteTo(bytes);
        var last = bytes[^1];
        if (last == 0 || last > Count || bytes[..^1].ContainsAnyExcept((byte)0))
        {
            return null;
        }
        return ByIndex[last];
    }
}

/// <summary>A precompile whose address is reserved but which is not implemented yet: every call fails.</summary>
internal sealed class UnsupportedPrecompile : Precompile
{
    public override long GasCost(ReadOnlySpan<byte> input) => long.MaxValue;

    public override bool TryRun(ReadOnlySpan<byte> input, out byte[] output)
    {
        output = [];
        return false;
    }
}
