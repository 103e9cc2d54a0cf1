using BenchmarkDotNet.Attributes;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Transactions;

namespace ShanghaiChain.Benchmarks;

/// <summary>
/// Admission cost of one transaction on one core: decode, field checks, signature verification and id hash,
/// for each crypto suite. Ops/s of this benchmark is the per-core admission rate.
/// </summary>
[MemoryDiagnoser]
public class TransactionBenchmarks
{
    private const string ChainId = "bench";
    private TransactionValidator _validator = null!;
    private byte[][] _transactions = null!;
    private int _next;

    [Params(CryptoSuite.Ed25519Sha256Name, CryptoSuite.Sm2Sm3Name)]
    public string Suite { get; set; } = CryptoSuite.Ed25519Sha256Name;

    [GlobalSetup]
    public void Setup()
    {
        var suite = CryptoSuite.FromName(Suite);
        _validator = new TransactionValidator(ChainId, suite, new ChainParameters());
        var key = KeyFile.Generate(suite);
        _transactions = Enumerable.Range(0, 256)
            .Select(i => TransactionSigner.Sign(TransactionSigner.Transfer(ChainId, (ulong)i, Address.Zero, new UInt256(1), 21_000, 100), key))
            .ToArray();
    }

    [Benchmark(Description = "decode + verify")]
    public bool DecodeAndVerify() => _validator.Validate(_transactions[_next++ & 255]).IsValid;

    [Benchmark(Description = "decode only (no signature)")]
    public bool DecodeOnly() => _validator.Validate(_transactions[_next++ & 255], checkSignature: false).IsValid;
}
