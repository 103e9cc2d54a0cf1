using System.Diagnostics;
using System.Globalization;
using ShanghaiChain.Core.Crypto;

namespace ShanghaiChain.Benchmarks;

/// <summary>
/// `ed25519-speed [SECONDS]`: Ed25519 verifications per second on one core, in one sitting: libsodium's single
/// verification (the rate the one-at-a-time bound is made of), the node's own single verification (ZIP-215) and its batch
/// of 64, with the target (batch ≥ 2× libsodium single) printed beside the figure. The last line, `V=…`, is read by
/// tools/bench-four.sh.
/// </summary>
internal static class Ed25519Speed
{
    private const int BatchSize = 64;

    public static int Run(string[] args)
    {
        var seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 3.0;
        var suite = CryptoSuite.Ed25519Sha256;
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
        Console.WriteLine($"command: ed25519-speed {seconds.ToString(CultureInfo.InvariantCulture)}   (one thread; 150-byte messages with the transaction tag; 20,480 distinct keys, batches of {BatchSize})");
        var tag = SigningDomain.Transaction.ToArray();
        // More distinct keys than the node's key cache holds (Ed25519KeyCache, 16,384), cycled through: every key is
        // decoded afresh, as for signers a node has not seen. A second batch row reuses 64 keys (cache hits).
        const int Distinct = 20_480;
        var pool = new SignatureCheck[Distinct];
        var random = new Random(1);
        Parallel.For(0, Distinct, i =>
        {
            var secret = new byte[32];
            var message = new byte[150];
            lock (random)
            {
                random.NextBytes(secret);
                random.NextBytes(message);
            }
            pool[i] = new SignatureCheck(suite.DerivePublicKey(secret), message, suite.Sign(secret, tag, message));
        });
        var items = pool[..BatchSize];
        var one = items[0];
        var next = 0;
        // Single verifications rotate through the pool, as a block's transactions would.
        var (libsodium, libsodiumBytes, _) = Measure(seconds, 1, () =>
        {
            var item = pool[next++ % Distinct];
            return Ed25519Sha256Suite.VerifyReference(item.PublicKey.Span, tag, item.Message.Span, item.Signature.Span);
        });
        var (ours, oursBytes, _) = Measure(seconds, 1, () =>
        {
            var item = pool[next++ % Distinct];
            return suite.Verify(item.PublicKey.Span, tag, item.Message.Span, item.Signature.Span);
        });
        var (zip215, zip215Bytes, _) = Measure(seconds, 1, () =>
        {
            var item = pool[next++ % Distinct];
            return Ed25519Verifier.Verify(item.PublicKey.Span, tag, item.Message.Span, item.Signature.Span);
        });
        var results = new bool[BatchSize];
        var (batch, batchBytes, batchWall) = Measure(seconds, BatchSize, () =>
        {
            var start = next++ % (Distinct / BatchSize) * BatchSize;
            Ed25519BatchVerifier.Verify(pool.AsSpan(start, BatchSize), tag, results);
            return Array.TrueForAll(results, ok => ok);
        });
        var (batchSeen, _, _) = Measure(Math.Min(seconds, 2), BatchSize, () =>
        {
            Ed25519BatchVerifier.Verify(items, tag, results);
            return Array.TrueForAll(results, ok => ok);
        });
        // One damaged signature per batch: the cost of finding it by bisection.
        var damaged = (SignatureCheck[])items.Clone();
        var badSignature = damaged[17].Signature.ToArray();
        badSignature[32] ^= 1; // s changed, still canonical: only the curve equation fails
        damaged[17] = damaged[17] with { Signature = badSignature };
        var (withBad, _, _) = Measure(Math.Min(seconds, 2), BatchSize, () =>
        {
            Ed25519BatchVerifier.Verify(damaged, tag, results);
            return !results[17] && results[16];
        });
        Console.WriteLine();
        Console.WriteLine($"Rates are per second of CPU time of this process (one thread); the batch's wall-clock rate was {batchWall:F0}/s.");
        Console.WriteLine("| verifier | verifications/s per core | µs each | bytes allocated each | vs libsodium single |");
        Console.WriteLine("|---|---|---|---|---|");
        Console.WriteLine($"| libsodium single (NSec, cofactorless, refuses small-order points) | {libsodium:F0} | {1e6 / libsodium:F1} | {libsodiumBytes:F0} | 1.00 |");
        Console.WriteLine($"| node single (suite Verify: libsodium's acceptance, else Ed25519Verifier; ZIP-215) | {ours:F0} | {1e6 / ours:F1} | {oursBytes:F0} | {ours / libsodium:F2} |");
        Console.WriteLine($"| node's own single verifier alone (Ed25519Verifier, ZIP-215; what a refused signature costs on top) | {zip215:F0} | {1e6 / zip215:F1} | {zip215Bytes:F0} | {zip215 / libsodium:F2} |");
        Console.WriteLine($"| node batch of {BatchSize} (Ed25519BatchVerifier, ZIP-215), keys not seen before | {batch:F0} | {1e6 / batch:F1} | {batchBytes:F0} | {batch / libsodium:F2} |");
        Console.WriteLine($"| node batch of {BatchSize}, the same 64 keys again (decoded keys cached) | {batchSeen:F0} | {1e6 / batchSeen:F1} | | {batchSeen / libsodium:F2} |");
        Console.WriteLine($"| node batch of {BatchSize} with one bad signature (found by bisection) | {withBad:F0} | {1e6 / withBad:F1} | | {withBad / libsodium:F2} |");
        Console.WriteLine();
        Console.WriteLine($"field (2^255 − 19, 51-bit limbs): multiplication {FieldNanoseconds(square: false):F1} ns, squaring {FieldNanoseconds(square: true):F1} ns (dependent chains); " +
            $"point decoding {OperationMicroseconds(() => Ed25519Point.TryDecode(one.PublicKey.Span, out _)):F2} µs");
        var point = Ed25519Point.Base.Double();
        var cached = Ed25519Point.Base.ToCached();
        Console.WriteLine($"point addition {OperationMicroseconds(() => { point = point.Add(cached); return true; }) * 1000:F0} ns, doubling {OperationMicroseconds(() => { point = point.Double(); return true; }) * 1000:F0} ns, " +
            $"preparing a signature (checks, two decodings, SHA-512) {OperationMicroseconds(() => Ed25519Verifier.Prepare(one.PublicKey.Span, tag, one.Message.Span, one.Signature.Span, out _, out _, out _, out _)):F2} µs");
        var ratio = batch / libsodium;
        Console.WriteLine($"target: batch of {BatchSize} ≥ 2.00× libsodium single; measured {ratio:F2}× with keys not seen before ({(ratio >= 2 ? "met" : "NOT met")}), {batchSeen / libsodium:F2}× with keys seen before");
        // V, the one-at-a-time rate the four-validator bound is made of: the faster single verifier, so that a slow
        // single verifier of ours cannot lower the bound.
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"V={Math.Max(libsodium, ours):F0} libsodium={libsodium:F0} single={ours:F0} batch64={batch:F0} batch64seen={batchSeen:F0}"));
        return 0;
    }

    /// <summary>The latency of one field operation in a dependent chain, in CPU time.</summary>
    private static double FieldNanoseconds(bool square)
    {
        var x = Ed25519Field.FromSmall(3);
        var y = Ed25519Field.FromSmall(5);
        const int count = 5_000_000;
        using var process = Process.GetCurrentProcess();
        var cpuStart = TimeSpan.Zero;
        for (var round = 0; round < 2; round++)
        {
            // The first round warms up (tiered compilation), the second is measured.
            process.Refresh();
            cpuStart = process.TotalProcessorTime;
            for (var i = 0; i < count; i++)
            {
                x = square ? Ed25519Field.Square(x) : Ed25519Field.Mul(x, y);
            }
        }
        process.Refresh();
        GC.KeepAlive(x.L0);
        return (process.TotalProcessorTime - cpuStart).TotalMilliseconds * 1e6 / count;
    }

    private static double OperationMicroseconds(Func<bool> operation)
    {
        var (perSecond, _, _) = Measure(0.5, 1, () =>
        {
            operation();
            return true;
        });
        return 1e6 / perSecond;
    }

    /// <summary>Verifications per second of CPU time, bytes allocated per verification, and the wall-clock rate.</summary>
    private static (double PerSecond, double BytesEach, double PerWallSecond) Measure(double seconds, int perCall, Func<bool> operation)
    {
        for (var i = 0; i < 50; i++)
        {
            operation();
        }
        long count = 0;
        var bytes = GC.GetAllocatedBytesForCurrentThread();
        using var process = Process.GetCurrentProcess();
        var cpuStart = process.TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed.TotalSeconds < seconds)
        {
            if (!operation())
            {
                throw new InvalidOperationException("a verification gave the wrong verdict during the benchmark");
            }
            count += perCall;
        }
        var elapsed = watch.Elapsed.TotalSeconds;
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpuStart).TotalSeconds;
        return (count / cpu, (GC.GetAllocatedBytesForCurrentThread() - bytes) / (double)count, count / elapsed);
    }
}
