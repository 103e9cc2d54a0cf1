using System.Diagnostics;
using ShanghaiChain.Consensus.Tests.Simulation;
using Xunit.Abstractions;

namespace ShanghaiChain.Consensus.Tests;

public class DiagTests(ITestOutputHelper output)
{
    [Fact]
    public void Diag()
    {
        foreach (var seed in SimulationRunner.Seeds(1, 20))
        {
            var sw = Stopwatch.StartNew();
            var suite = new CountingSuite(ShanghaiChain.Core.Crypto.CryptoSuite.Ed25519Sha256);
            var sc0 = SimScenario.FromSeed(seed);
            var sc = new SimScenario { Seed = seed, Suite = suite, Validators = sc0.Validators, DropRate = sc0.DropRate, DuplicateRate = sc0.DuplicateRate, MaxDelayMs = sc0.MaxDelayMs, Byzantine = sc0.Byzantine, ByzantineValidators = sc0.ByzantineValidators, Crashes = sc0.Crashes, Partitions = sc0.Partitions, HealAtMs = sc0.HealAtMs };
            var sim = new Simulator(sc);
            var c = sim.Run();
            output.WriteLine($"{seed}: {sw.ElapsedMilliseconds}ms simNow={sim.Now} heal={sim.HealAtMs} h={c.HighestCommittedHeight} ev={c.EvidenceCount} viol={c.Violations.Count} signs={suite.Signs} verifies={suite.Verifies} hashes={suite.Hashes} round0={sim.EngineOf(0)?.Round} {sc}");
            foreach (var v in c.Violations.Take(3)) output.WriteLine("   " + v);
        }
    }
}
public class DiagCrypto(ITestOutputHelper output)
{
    [Fact]
    public void DiagVerify()
    {
        var suite = ShanghaiChain.Core.Crypto.CryptoSuite.Ed25519Sha256;
        var (priv, pub) = SimKeys.For(suite, 0);
        var msg = new byte[80];
        var sig = suite.Sign(priv, "d"u8, msg);
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < 2000; i++) suite.Verify(pub, "d"u8, msg, sig);
        output.WriteLine($"verify: {sw.Elapsed.TotalMicroseconds / 2000}us");
        sw.Restart();
        for (var i = 0; i < 2000; i++) suite.Sign(priv, "d"u8, msg);
        output.WriteLine($"sign: {sw.Elapsed.TotalMicroseconds / 2000}us");
        sw.Restart();
        for (var i = 0; i < 2000; i++) suite.Hash(msg);
        output.WriteLine($"hash: {sw.Elapsed.TotalMicroseconds / 2000}us");
    }
}
