using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using ShanghaiChain.Core.Crypto;

namespace ShanghaiChain.Benchmarks;

/// <summary>
/// `sm2-speed [SECONDS]`: SM2 signatures and verifications per second on one core, the node's own beside BouncyCastle's
/// (the references they replaced) and `openssl speed sm2` (OpenSSL's C code), in one sitting, with bytes allocated per operation.
/// </summary>
internal static partial class Sm2Speed
{
    public static int Run(string[] args)
    {
        var seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 3.0;
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
        Console.WriteLine($"command: sm2-speed {seconds.ToString(CultureInfo.InvariantCulture)}   (one thread each; a 150-byte message with the transaction tag)");
        var privateKey = Sm2.GeneratePrivateKey();
        var publicKey = Sm2.DerivePublicKey(privateKey);
        var tag = "shanghaichain.v1.tx\0"u8.ToArray();
        var message = new byte[150];
        new Random(1).NextBytes(message);
        var signature = Sm2.Sign(privateKey, tag, message);
        if (!Sm2.Verify(publicKey, Sm2.DefaultUserId, tag, message, signature) || !Sm2.VerifyReference(publicKey, Sm2.DefaultUserId, tag, message, signature))
        {
            Console.Error.WriteLine("the benchmark's signature does not verify");
            return 1;
        }
        var (opensslSign, opensslVerify) = OpenSslRates(seconds);
        using var signer = new Sm2Signer(privateKey, Sm2.DefaultUserId);
        var signatureBuffer = new byte[64];
        var (oursSign, oursSignBytes, oursSignWall) = Measure(seconds, () =>
        {
            signer.Sign(tag, message, signatureBuffer);
            return true;
        });
        var (oursSignUnprepared, _, _) = Measure(Math.Min(seconds, 2), () => Sm2.Sign(privateKey, tag, message).Length == 64);
        var (referenceSign, referenceSignBytes, _) = Measure(Math.Min(seconds, 2), () => Sm2.SignReference(privateKey, Sm2.DefaultUserId, tag, message).Length == 64);
        var (ours, oursBytes, oursWall) = Measure(seconds, () => Sm2.Verify(publicKey, Sm2.DefaultUserId, tag, message, signature));
        const int batchSize = 64;
        var batch = new Sm2BatchItem[batchSize];
        for (var i = 0; i < batchSize; i++)
        {
            var batchKey = Sm2.GeneratePrivateKey();
            var batchMessage = new byte[150];
            new Random(i).NextBytes(batchMessage);
            batch[i] = new Sm2BatchItem(Sm2.DerivePublicKey(batchKey), batchMessage, Sm2.Sign(batchKey, tag, batchMessage));
        }
        var batchResults = new bool[batchSize];
        var (batches, batchBytes, batchesWall) = Measure(seconds, () =>
        {
            Sm2BatchVerifier.Verify(batch, Sm2.DefaultUserId, tag, batchResults);
            return Array.TrueForAll(batchResults, ok => ok);
        });
        var (reference, referenceBytes, _) = Measure(Math.Min(seconds, 2), () => Sm2.VerifyReference(publicKey, Sm2.DefaultUserId, tag, message, signature));
        Console.WriteLine();
        Console.WriteLine("Rates are per second of CPU time, as openssl speed gives them; the node's wall-clock rates were " +
            $"{oursSignWall:F0} signatures/s, {oursWall:F0} verifications/s and {batchesWall * batchSize:F0} batch verifications/s (lower when other work shares the cores).");
        Console.WriteLine("| implementation | signatures/s | bytes allocated each | verifications/s | µs each | bytes allocated each | sign vs openssl | verify vs openssl |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        Console.WriteLine($"| openssl speed sm2 | {opensslSign:F0} | n/a | {opensslVerify:F0} | {1e6 / opensslVerify:F0} | n/a | 1.00 | 1.00 |");
        Console.WriteLine($"| node (Sm2Signer prepared, Sm2Verifier) | {oursSign:F0} | {oursSignBytes:F0} | {ours:F0} | {1e6 / ours:F0} | {oursBytes:F0} | {oursSign / opensslSign:F2} | {ours / opensslVerify:F2} |");
        Console.WriteLine($"| node batch (Sm2BatchVerifier, {batchSize} signatures, 8 AVX-512 lanes{(Sm2BatchVerifier.IsSupported ? "" : ": not supported here, single verifier")}) | | | {batches * batchSize:F0} | {1e6 / (batches * batchSize):F0} | {batchBytes / batchSize:F0} | | {batches * batchSize / opensslVerify:F2} |");
        Console.WriteLine($"| node Sm2.Sign (key prepared per call) | {oursSignUnprepared:F0} | | | | | {oursSignUnprepared / opensslSign:F2} | |");
        Console.WriteLine($"| BouncyCastle | {referenceSign:F0} | {referenceSignBytes:F0} | {reference:F0} | {1e6 / reference:F0} | {referenceBytes:F0} | {referenceSign / opensslSign:F2} | {reference / opensslVerify:F2} |");
        Console.WriteLine();
        Console.WriteLine($"field multiplication mod p, Montgomery interleaved (Mul): {FieldNanoseconds(FieldOperation.Interleaved):F1} ns; " +
            $"product then special-form reduction (MulWide): {FieldNanoseconds(FieldOperation.Wide):F1} ns; squaring (SquareWide): {FieldNanoseconds(FieldOperation.Square):F1} ns");
        if (Sm2FieldX8.IsSupported)
        {
            Console.WriteLine($"eight field multiplications at once (Sm2FieldX8.Mul, AVX-512 lanes, used by the batch verifier): {LaneMultiplicationNanoseconds():F1} ns per eight");
        }
        return 0;
    }

    private static double LaneMultiplicationNanoseconds()
    {
        var x = Sm2FieldX8.Broadcast(Sm2Field.One);
        var y = Sm2FieldX8.Add(x, x);
        const int count = 2_000_000;
        using var process = Process.GetCurrentProcess();
        var cpuStart = TimeSpan.Zero;
        for (var round = 0; round < 2; round++)
        {
            process.Refresh();
            cpuStart = process.TotalProcessorTime;
            for (var i = 0; i < count; i++)
            {
                x = Sm2FieldX8.Mul(x, y);
            }
        }
        process.Refresh();
        var elapsed = process.TotalProcessorTime - cpuStart;
        GC.KeepAlive(x[0]);
        return elapsed.TotalMilliseconds * 1e6 / count;
    }

    private enum FieldOperation
    {
        Interleaved,
        Wide,
        Square,
    }

    /// <summary>The latency of one field operation in a dependent chain, in CPU time: verification is made of about 3,000 of them.</summary>
    private static double FieldNanoseconds(FieldOperation operation)
    {
        var x = Sm2Field.One;
        var y = Sm2Field.Add(Sm2Field.One, Sm2Field.One);
        const int count = 5_000_000;
        using var process = Process.GetCurrentProcess();
        var cpuStart = TimeSpan.Zero;
        for (var round = 0; round < 2; round++)
        {
            // The first round warms up (tiered compilation), the second is measured in CPU time.
            process.Refresh();
            cpuStart = process.TotalProcessorTime;
            for (var i = 0; i < count; i++)
            {
                x = operation switch
                {
                    FieldOperation.Interleaved => Sm2Field.Mul(x, y),
                    FieldOperation.Wide => Sm2Field.MulWide(x, y),
                    _ => Sm2Field.SquareWide(x),
                };
            }
        }
        process.Refresh();
        var elapsed = process.TotalProcessorTime - cpuStart;
        GC.KeepAlive(x);
        return elapsed.TotalMilliseconds * 1e6 / count;
    }

    /// <summary>
    /// Operations per second of CPU time (user and system, of this process), as <c>openssl speed</c> divides by CPU time
    /// unless told <c>-elapsed</c>: on a machine shared with other work this stays comparable where wall time does not.
    /// The wall-clock rate is returned too.
    /// </summary>
    private static (double PerSecond, double BytesEach, double PerWallSecond) Measure(double seconds, Func<bool> operation)
    {
        for (var i = 0; i < 20; i++)
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
                throw new InvalidOperationException("an operation failed during the benchmark");
            }
            count++;
        }
        var elapsed = watch.Elapsed.TotalSeconds;
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpuStart).TotalSeconds;
        return (count / cpu, (GC.GetAllocatedBytesForCurrentThread() - bytes) / (double)count, count / elapsed);
    }

    /// <summary>OpenSSL's signatures and verifications per second, or NaN when openssl is not installed.</summary>
    private static (double Sign, double Verify) OpenSslRates(double seconds) =>
        OpenSslSpeed.Run("-seconds", Math.Max(1, (int)Math.Round(seconds)).ToString(CultureInfo.InvariantCulture), "sm2") is { } output &&
        SpeedLine().Match(output) is { Success: true } match
            ? (double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), double.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture))
            : (double.NaN, double.NaN);

    // " 256 bits SM2 (CurveSM2)   0.0003s   0.0003s   2886.5   3427.0": signatures then verifications per second.
    [GeneratedRegex(@"SM2 \(CurveSM2\)\s+\S+\s+\S+\s+([0-9.]+)\s+([0-9.]+)")]
    private static partial Regex SpeedLine();
}
