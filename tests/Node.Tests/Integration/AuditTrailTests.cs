using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using ShanghaiChain.Client;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Tests;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Tests.Integration;

/// <summary>
/// The regulator's reads through the real executable: an account the committee grants the regulator role reads the
/// node's audit trail (the grant itself, and a member's contract creation refused at admission for want of the deployer
/// role) and its mempool; anyone else is refused, unsigned, stale or misdirected requests are unauthenticated, and the
/// trail survives a restart without gaps or repeats.
/// </summary>
public sealed class AuditTrailTests : IDisposable
{
    private readonly string _out = Directory.CreateTempSubdirectory("shc-audit-").FullName;

    public void Dispose() => Directory.Delete(_out, recursive: true);

    [Fact]
    public async Task A_regulator_reads_governance_actions_and_refusals_and_nobody_else_can()
    {
        using var chain = new TestChain(CryptoSuite.Ed25519Sha256, fundedAccounts: 1);
        var regulator = KeyFile.Generate(chain.Suite);
        var regulatorKey = Path.Combine(_out, "regulator.json");
        regulator.Save(regulatorKey);
        var memberKey = Path.Combine(_out, "member.json");
        chain.Accounts[0].Save(memberKey);
        var bin = Path.Combine(_out, "CargoRegistry.bin");
        using (var artifact = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(RepositoryPaths.Root, "contracts", "build", "CargoRegistry.json"))))
        {
            File.WriteAllText(bin, artifact.RootElement.GetProperty("bytecode").GetString());
        }
        var node = await chain.StartAsync();

        var grant = await NodeBinary.RunAsync("roles", "grant", regulator.Address.ToString(), "regulator", "--key", chain.Home.OperatorKeyFile, "--node", node.Url);
        Assert.True(grant.ExitCode == 0, grant.Stdout + grant.Stderr);
        var refused = await NodeBinary.RunAsync("contract", "deploy", "--bin", bin, "--key", memberKey, "--node", node.Url, "--gas-limit", "3000000");
        Assert.Contains("lacks the deployer role", refused.Stderr, StringComparison.Ordinal);

        var trail = await WaitForTrailAsync(node.Url, regulatorKey, "refused_at_admission");
        Assert.Contains("proposal_created", trail, StringComparison.Ordinal);
        Assert.Contains($"grant regulator to {regulator.Address}", trail, StringComparison.Ordinal);
        Assert.Contains("voted", trail, StringComparison.Ordinal);
        Assert.Contains("proposal_executed", trail, StringComparison.Ordinal);
        Assert.Contains($"refused_at_admission admission {chain.Accounts[0].Address}", trail, StringComparison.Ordinal);
        Assert.Contains($"{chain.Accounts[0].Address} lacks the deployer role needed to create contracts", trail, StringComparison.Ordinal);
        var onlyRefusals = await NodeBinary.RunAsync("audit", "events", "--kind", "refused_at_admission", "--key", regulatorKey, "--node", node.Url);
        Assert.Contains("1 event(s)", onlyRefusals.Stdout, StringComparison.Ordinal);
        var mempool = await NodeBinary.RunAsync("audit", "mempool", "--key", regulatorKey, "--node", node.Url);
        Assert.True(mempool.ExitCode == 0, mempool.Stderr);
        Assert.Contains("waiting transaction(s)", mempool.Stdout, StringComparison.Ordinal);

        // Anyone else: the member is refused by role, a bad kind by the CLI, and requests that are not signed, signed
        // too long ago, or signed for another method are not authenticated.
        var member = await NodeBinary.RunAsync("audit", "events", "--key", memberKey, "--node", node.Url);
        Assert.Equal(1, member.ExitCode);
        Assert.Contains($"{chain.Accounts[0].Address} does not hold the regulator role", member.Stderr, StringComparison.Ordinal);
        var badKind = await NodeBinary.RunAsync("audit", "events", "--kind", "votes", "--key", regulatorKey, "--node", node.Url);
        Assert.Equal(2, badKind.ExitCode);
        Assert.Contains("--kind 'votes' is not one of", badKind.Stderr, StringComparison.Ordinal);
        using (var channel = GrpcChannel.ForAddress(node.Url))
        {
            var client = new AuditService.AuditServiceClient(channel);
            var unsigned = await Assert.ThrowsAsync<RpcException>(() => client.ListAuditEventsAsync(new ListAuditEventsRequest()).ResponseAsync);
            Assert.Equal(StatusCode.Unauthenticated, unsigned.StatusCode);
            var method = $"/{AuditService.Descriptor.FullName}/ListAuditEvents";
            var stale = SignedRequest.Sign(regulator, "test-chain", method, DateTimeOffset.UtcNow.AddMinutes(-10));
            var old = await Assert.ThrowsAsync<RpcException>(() => client.ListAuditEventsAsync(new ListAuditEventsRequest(), stale).ResponseAsync);
            Assert.Equal(StatusCode.Unauthenticated, old.StatusCode);
            Assert.Contains("from this node's clock", old.Status.Detail, StringComparison.Ordinal);
            var elsewhere = SignedRequest.Sign(regulator, "test-chain", $"/{AuditService.Descriptor.FullName}/ListPendingTransactions", DateTimeOffset.UtcNow);
            var misdirected = await Assert.ThrowsAsync<RpcException>(() => client.ListAuditEventsAsync(new ListAuditEventsRequest(), elsewhere).ResponseAsync);
            Assert.Equal(StatusCode.Unauthenticated, misdirected.StatusCode);
            var otherChain = SignedRequest.Sign(regulator, "another-chain", method, DateTimeOffset.UtcNow);
            Assert.Equal(StatusCode.Unauthenticated,
                (await Assert.ThrowsAsync<RpcException>(() => client.ListAuditEventsAsync(new ListAuditEventsRequest(), otherChain).ResponseAsync)).StatusCode);
            var signed = SignedRequest.Sign(regulator, "test-chain", method, DateTimeOffset.UtcNow);
            var page = await client.ListAuditEventsAsync(new ListAuditEventsRequest { Limit = 2 }, signed);
            Assert.Equal([1UL, 2UL], page.Events.Select(e => e.Sequence));
            var last = page.LastSequence;

            // After a restart the trail is the same: nothing lost, nothing recorded twice, and it goes on from there.
            await node.DisposeAsync();
            node = await chain.StartAsync();
            using var again = GrpcChannel.ForAddress(node.Url);
            var all = await new AuditService.AuditServiceClient(again).ListAuditEventsAsync(new ListAuditEventsRequest(),
                SignedRequest.Sign(regulator, "test-chain", method, DateTimeOffset.UtcNow));
            Assert.Equal(last, all.LastSequence);
            Assert.Equal(Enumerable.Range(1, (int)last).Select(i => (ulong)i), all.Events.Select(e => e.Sequence));
            Assert.Single(all.Events, e => e.Kind == AuditKind.ProposalExecuted);
        }
        await node.DisposeAsync();
    }

    /// <summary>The regulator's listing once it shows <paramref name="kind"/> (blocks are recorded as they commit).</summary>
    private static async Task<string> WaitForTrailAsync(string url, string key, string kind)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var listed = await NodeBinary.RunAsync("audit", "events", "--key", key, "--node", url);
            Assert.True(listed.ExitCode == 0, listed.Stdout + listed.Stderr);
            if (listed.Stdout.Contains(kind, StringComparison.Ordinal) && listed.Stdout.Contains("proposal_executed", StringComparison.Ordinal) ||
                DateTime.UtcNow > deadline)
            {
                return listed.Stdout;
            }
            await Task.Delay(NodeBinary.PollInterval);
        }
    }
}
