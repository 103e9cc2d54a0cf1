using System.CommandLine;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Cli;

/// <summary>
/// The regulator's commands: `audit events` (the node's audit trail of governance actions and refusals) and
/// `audit mempool` (what waits in the node's mempool). Each call is signed with --key, which must hold the regulator
/// role. Validated here: the key file and the kind names; the node checks the signature and the role.
/// </summary>
internal static class AuditCommands
{
    private static readonly Dictionary<string, AuditKind> KindNames = Enum.GetValues<AuditKind>()
        .Where(k => k != AuditKind.Unspecified)
        .ToDictionary(NameOf, k => k, StringComparer.Ordinal);

    public static Command Create()
    {
        var audit = new Command("audit", "The regulator's reads: the audit trail and the mempool (signed by an account with the regulator role)");

        var node = CommonOptions.Node();
        var key = KeyOption();
        var after = new Option<ulong>("--after") { Description = "Only events after this sequence number (0: from the start)" };
        var limit = new Option<uint>("--limit") { Description = "At most this many events (1-1000)", DefaultValueFactory = _ => 100 };
        var kinds = new Option<string[]>("--kind") { Description = $"Only events of this kind; repeat for several ({string.Join(", ", KindNames.Keys)})" };
        var events = new Command("events", "The audit trail: proposals, votes, decisions, scheduled epochs, evidence and refused transactions") { node, key, after, limit, kinds };
        events.SetAction(async (parse, cancel) =>
        {
            var request = new ListAuditEventsRequest { AfterSequence = parse.GetValue(after), Limit = parse.GetValue(limit) };
            foreach (var name in parse.GetValue(kinds) ?? [])
            {
                request.Kinds.Add(KindNames.TryGetValue(name, out var kind)
                    ? kind
                    : throw new CliUsageException($"--kind '{name}' is not one of {string.Join(", ", KindNames.Keys)}"));
            }
            var regulator = KeyFile.Load(parse.GetValue(key)!);
            using (var client = await CliClient.ConnectAsync(parse.GetValue(node)!, cancel))
            {
                var response = await client.Audit.ListAuditEventsAsync(request, client.AuditHeaders(regulator, "ListAuditEvents"), cancellationToken: cancel);
                Console.WriteLine($"{response.Events.Count} event(s); the trail holds {response.FirstSequence}..{response.LastSequence}, blocks up to {response.AuditedHeight}");
                foreach (var e in response.Events)
                {
                    var where = e.Height == 0 ? "admission" : $"height {e.Height}";
                    var who = e.Account.IsEmpty ? "" : $" {new Address(e.Account.Span)}";
                    var tx = e.TxId.IsEmpty ? "" : $" tx {Hex.Encode(e.TxId.Span)}";
                    Console.WriteLine($"  {e.Sequence,6}  {DateTimeOffset.FromUnixTimeMilliseconds((long)e.TimeMs):u}  {NameOf(e.Kind),-20} {where}{who}{tx}");
                    Console.WriteLine($"          {e.Detail}");
                }
            }
            return 0;
        });
        audit.Add(events);

        var poolNode = CommonOptions.Node();
        var poolKey = KeyOption();
        var poolLimit = new Option<uint>("--limit") { Description = "At most this many transactions (1-10000)", DefaultValueFactory = _ => 1_000 };
        var mempool = new Command("mempool", "The transactions waiting in the node's mempool, in arrival order") { poolNode, poolKey, poolLimit };
        mempool.SetAction(async (parse, cancel) =>
        {
            var regulator = KeyFile.Load(parse.GetValue(poolKey)!);
            using (var client = await CliClient.ConnectAsync(parse.GetValue(poolNode)!, cancel))
            {
                var response = await client.Audit.ListPendingTransactionsAsync(new ListPendingTransactionsRequest { Limit = parse.GetValue(poolLimit) },
                    client.AuditHeaders(regulator, "ListPendingTransactions"), cancellationToken: cancel);
                Console.WriteLine($"{response.Transactions.Count} of {response.Total} waiting transaction(s)");
                foreach (var tx in response.Transactions)
                {
                    var to = tx.To.IsEmpty ? "(contract creation)" : new Address(tx.To.Span).ToString();
                    Console.WriteLine($"  {Hex.Encode(tx.TxId.Span)}  from {new Address(tx.Sender.Span)} nonce {tx.Nonce} to {to}, gas {tx.GasLimit}, {tx.Size} bytes");
                }
            }
            return 0;
        });
        audit.Add(mempool);
        return audit;
    }

    private static Option<string> KeyOption() => new("--key") { Description = "Key file of an account with the regulator role (signs the request)", Required = true };

    /// <summary>"AUDIT_KIND_PROPOSAL_CREATED" as "proposal_created".</summary>
    private static string NameOf(AuditKind kind) =>
        System.Text.RegularExpressions.Regex.Replace(kind.ToString(), "(?<!^)([A-Z])", "_$1").ToLowerInvariant();
}
