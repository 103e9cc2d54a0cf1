using System.Text.RegularExpressions;
using Google.Protobuf;
using Grpc.Core;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Chaos;

/// <summary>What the checker found; every list entry under Violations fails the run.</summary>
internal sealed record CheckResult(
    ulong Height,
    long TransactionsOnChain,
    int Forks,
    int Lost,
    int Duplicated,
    int NonceReuses,
    int Equivocations,
    int Bans,
    int UnhandledExceptions,
    int UnhealthyReports,
    IReadOnlyList<string> Violations);

/// <summary>
/// Checks the chain every validator holds once all faults are healed and all nodes have caught up:
/// the same block at every height on every node; every acknowledged transaction on the chain exactly once, at the
/// height its receipt named, with its receipt served; no (sender, nonce) twice; no equivocation evidence (every key is
/// honest here, so any evidence is a double-sign); no ban of a validator (all are honest); no unhandled exception or
/// critical error in any log except the full-disk stop the fault provoked.
/// </summary>
internal sealed partial class ChainChecker(ChaosCluster cluster, LoadClient load, Action<string> log)
{
    public async Task<CheckResult> CheckAsync(CancellationToken cancellationToken)
    {
        var violations = new List<string>();
        var nodes = cluster.Nodes.Select(n => n.Index).ToList();
        var heights = await Task.WhenAll(nodes.Select(async n =>
            (await load.Client(n).GetStatusAsync(new GetStatusRequest(), deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: cancellationToken)).HeadHeight));
        var height = heights.Min();
        log($"check: heads {string.Join(", ", heights)}; comparing heights 1..{height} on {nodes.Count} nodes");

        var suite = CryptoSuite.Ed25519Sha256;
        var onChain = new Dictionary<ByteString, ulong>();
        var nonces = new Dictionary<(Address, ulong), ulong>();
        var forks = 0;
        var duplicated = 0;
        var nonceReuses = 0;
        var equivocations = 0;
        long transactions = 0;
        for (ulong h = 1; h <= height; h++)
        {
            var blocks = await Task.WhenAll(nodes.Select(n =>
                load.Client(n).GetBlockAsync(new GetBlockRequest { Height = h }, deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: cancellationToken).ResponseAsync));
            if (blocks.Any(b => b.BlockHash != blocks[0].BlockHash))
            {
                forks++;
                violations.Add($"fork at height {h}: " + string.Join(", ", blocks.Select((b, i) => $"node {i} {Convert.ToHexString(b.BlockHash.Span)[..16]}")));
            }
            var block = blocks[0];
            if (block.Block.Evidence.Count > 0)
            {
                equivocations += block.Block.Evidence.Count;
                violations.Add($"height {h} carries {block.Block.Evidence.Count} equivocation evidence item(s) against an honest validator");
            }
            for (var i = 0; i < block.Block.Transactions.Count; i++)
            {
                transactions++;
                var id = block.TxIds[i];
                if (!onChain.TryAdd(id, h))
                {
                    duplicated++;
                    violations.Add($"transaction {Convert.ToHexString(id.Span)[..16]} committed twice (heights {onChain[id]} and {h})");
                }
                var signed = SignedTransaction.Parser.ParseFrom(block.Block.Transactions[i]);
                var body = TransactionBody.Parser.ParseFrom(signed.Body);
                var sender = suite.AddressOf(signed.PublicKey.Span);
                if (!nonces.TryAdd((sender, body.Nonce), h))
                {
                    nonceReuses++;
                    violations.Add($"sender {sender} used nonce {body.Nonce} twice (heights {nonces[(sender, body.Nonce)]} and {h})");
                }
            }
        }

        // Equal block hashes at every height mean equal receipts roots (block h+1 commits h's receipts), so each
        // acknowledged receipt is read back from one node, rotating over the nodes.
        var lost = 0;
        var checkedReceipts = 0;
        foreach (var ack in load.Acknowledged.Values)
        {
            if (!onChain.TryGetValue(ack.TxId, out var at))
            {
                lost++;
                violations.Add($"acknowledged transaction {Convert.ToHexString(ack.TxId.Span)[..16]} (sender {ack.Sender}, nonce {ack.Nonce}, receipt at {ack.Height} from node {ack.Node}) is not on the chain");
                continue;
            }
            if (at != ack.Height)
            {
                violations.Add($"acknowledged transaction {Convert.ToHexString(ack.TxId.Span)[..16]} was acknowledged at height {ack.Height} but is at {at}");
            }
            var node = checkedReceipts++ % nodes.Count;
            try
            {
                var receipt = (await load.Client(node).GetReceiptAsync(new GetReceiptRequest { TxId = ack.TxId }, deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: cancellationToken)).Receipt;
                if (receipt.BlockHeight != at || receipt.Status != ReceiptStatus.Success)
                {
                    violations.Add($"node {node} serves the receipt of {Convert.ToHexString(ack.TxId.Span)[..16]} at height {receipt.BlockHeight} with {receipt.Status}; the chain has it at {at}");
                }
            }
            catch (RpcException ex)
            {
                violations.Add($"node {node} has no receipt for acknowledged transaction {Convert.ToHexString(ack.TxId.Span)[..16]}: {ex.Status.StatusCode}");
            }
        }

        var (bans, unhandled) = ScanLogs(violations);
        return new CheckResult(height, transactions, forks, lost, duplicated, nonceReuses, equivocations, bans, unhandled, UnhealthyReports, violations);
    }

    /// <summary>
    /// Reads every node's log: a ban of a peer (all peers are honest validators here), an unhandled exception, or a
    /// `crit:`/`fail:` line is a violation, except the critical error of a node stopping on the full disk the harness made.
    /// </summary>
    private (int Bans, int Unhandled) ScanLogs(List<string> violations)
    {
        var bans = 0;
        var unhandled = 0;
        foreach (var node in cluster.Nodes)
        {
            var lines = File.ReadAllLines(node.LogFile);
            var inDiskFault = false;
            foreach (var line in lines)
            {
                if (line.StartsWith("=== chaos: filling the data dir", StringComparison.Ordinal))
                {
                    inDiskFault = true;
                }
                else if (line.StartsWith("=== chaos: space freed", StringComparison.Ordinal))
                {
                    inDiskFault = false;
                }
                if (line.Contains("banned peer", StringComparison.Ordinal) || line.Contains("refused peer", StringComparison.Ordinal) && line.Contains("banned", StringComparison.Ordinal))
                {
                    bans++;
                    violations.Add($"node {node.Index} banned an honest validator: {line}");
                }
                else if (line.Contains("Unhandled exception", StringComparison.OrdinalIgnoreCase))
                {
                    unhandled++;
                    violations.Add($"node {node.Index}: {line}");
                }
                else if (line.Contains("HealthCheckService", StringComparison.Ordinal))
                {
                    // A health report, not an error: a node on a halted chain (no quorum during a split or an f+1 kill)
                    // truthfully reports Unhealthy. Counted as a figure.
                    UnhealthyReports++;
                }
                else if (SevereLine().IsMatch(line) && !(inDiskFault && line.Contains("disk full", StringComparison.OrdinalIgnoreCase)))
                {
                    unhandled++;
                    violations.Add($"node {node.Index}: {line}");
                }
            }
        }
        return (bans, unhandled);
    }

    /// <summary>Health reports of Unhealthy or Degraded in all logs (a figure, not a violation).</summary>
    public int UnhealthyReports { get; private set; }

    [GeneratedRegex(@"^\d\d:\d\d:\d\d\.\d{3} (crit|fail): ")]
    private static partial Regex SevereLine();
}
