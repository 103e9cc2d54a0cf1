using System.Text.Json.Nodes;
using ShanghaiChain.Chain.Blocks;
using ShanghaiChain.Chain.Mempool;
using ShanghaiChain.Chain.Sync;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Governance;
using ShanghaiChain.Node.Peers;
using ShanghaiChain.Storage;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Observability;

/// <summary>
/// What the dashboard shows (docs/dashboard.md), read from the node's own state as JSON: the head and how old it is,
/// block times and transactions per second over the recent blocks, the validators of the epoch in force with the share
/// of recent certificates each signed, peers, the mempool, the recent blocks, and the governance record; and the
/// search over blocks (height or hash), transactions (id) and accounts (address). Read-only; built per request from
/// the committed store (the recent blocks are cached by height, as committed blocks never change).
/// </summary>
public sealed class DashboardState(GenesisFile genesis, IChainReader store, ChainHead head, TransactionPool pool, SyncState sync,
    ValidatorSchedule schedule, TimeProvider time, PeerNetwork? network = null)
{
    /// <summary>Blocks the rates, the participation and the recent list are computed over.</summary>
    public const int RecentBlocks = 50;

    private readonly CryptoSuite _suite = genesis.Suite;
    private readonly Dictionary<ulong, (CommittedBlock Block, BlockHeader Header)> _cache = [];

    public JsonObject Snapshot()
    {
        var tip = head.Tip;
        var now = (ulong)time.GetUtcNow().ToUnixTimeMilliseconds();
        var recent = Recent(tip.Height);
        var epoch = schedule.Current;
        var state = new JsonObject
        {
            ["chainId"] = genesis.ChainId,
            ["suite"] = _suite.Name,
            ["height"] = tip.Height,
            ["headHash"] = tip.Hash.ToString(),
            ["headTimeMs"] = tip.TimestampMs,
            ["headAgeMs"] = tip.Height == 0 || tip.TimestampMs > now ? 0 : now - tip.TimestampMs,
            ["syncing"] = sync.Syncing,
            ["epoch"] = epoch.Epoch,
            ["mempool"] = new JsonObject { ["count"] = pool.Count, ["bytes"] = pool.Bytes },
        };
        var blocks = new JsonArray();
        ulong transactions = 0;
        for (var i = 0; i < recent.Count; i++)
        {
            var (block, header) = recent[i];
            var txs = block.Block.Transactions.Count;
            if (i < recent.Count - 1)
            {
                transactions += (ulong)txs;
            }
            var older = i + 1 < recent.Count ? recent[i + 1].Header.TimestampMs : 0;
            blocks.Add(new JsonObject
            {
                ["height"] = header.Height,
                ["hash"] = _suite.Hash(block.Block.Header.Span).ToString(),
                ["timeMs"] = header.TimestampMs,
                ["intervalMs"] = older == 0 || header.TimestampMs < older ? 0 : header.TimestampMs - older,
                ["transactions"] = txs,
                ["round"] = header.Round,
                ["proposer"] = new Address(header.Proposer.Span).ToString(),
                ["signatures"] = block.Certificate?.Signatures.Count ?? 0,
            });
        }
        state["blocks"] = blocks;
        // Rates over the span between the oldest and the newest recent block (the oldest one's transactions excluded).
        var span = recent.Count > 1 ? recent[0].Header.TimestampMs - recent[^1].Header.TimestampMs : 0;
        state["tps"] = span == 0 ? 0 : Math.Round(transactions * 1000.0 / span, 1);
        state["blockTimeMs"] = recent.Count > 1 ? Math.Round((double)span / (recent.Count - 1), 0) : 0;
        state["validators"] = Validators(epoch, recent);
        state["peers"] = Peers();
        state["governance"] = Governance();
        return state;
    }

    /// <summary>A block by height or hash, a transaction by id, or an account by address; kind "none" when nothing matches.</summary>
    public JsonObject Search(string query)
    {
        var q = query.Trim();
        if (ulong.TryParse(q, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var height))
        {
            return store.GetCommittedBlock(height) is { } block ? BlockResult(block) : None(q);
        }
        var hex = q.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? q[2..] : q;
        if (hex.Length == 40 && Hex.TryDecode(hex, out var addressBytes))
        {
            var address = new Address(addressBytes);
            var account = store.GetAccount(address);
            return new JsonObject
            {
                ["kind"] = "account",
                ["address"] = address.ToString(),
                ["nonce"] = account.Nonce,
                ["balance"] = account.Balance.ToString(),
                ["roles"] = GovernanceReader.Registry(store) is null ? null : GovernanceReader.PermissionsOf(store, address).ToString(),
            };
        }
        if (hex.Length == 64 && Hex.TryDecode(hex, out var hashBytes))
        {
            var hash = new Hash32(hashBytes);
            if (store.GetReceipt(hash) is { } receipt)
            {
                return new JsonObject
                {
                    ["kind"] = "transaction",
                    ["id"] = hash.ToString(),
                    ["height"] = receipt.BlockHeight,
                    ["status"] = receipt.Status.ToString(),
                    ["sender"] = new Address(receipt.Sender.Span).ToString(),
                    ["gasUsed"] = receipt.GasUsed,
                    ["error"] = receipt.ErrorMessage,
                };
            }
            if (pool.TryGet(hash, out var pending))
            {
                return new JsonObject { ["kind"] = "pending transaction", ["id"] = hash.ToString(), ["sender"] = pending.Sender.ToString(), ["nonce"] = pending.Nonce };
            }
            if (store.GetHeightByHash(hash) is { } byHash && store.GetCommittedBlock(byHash) is { } block)
            {
                return BlockResult(block);
            }
        }
        return None(q);
    }

    private static JsonObject None(string query) => new() { ["kind"] = "none", ["query"] = query };

    private JsonObject BlockResult(CommittedBlock block)
    {
        var header = BlockHeader.Parser.ParseFrom(block.Block.Header);
        return new JsonObject
        {
            ["kind"] = "block",
            ["height"] = header.Height,
            ["hash"] = _suite.Hash(block.Block.Header.Span).ToString(),
            ["timeMs"] = header.TimestampMs,
            ["transactions"] = new JsonArray([.. block.Block.Transactions.Select(t => (JsonNode)_suite.Hash(t.Span).ToString())]),
            ["proposer"] = new Address(header.Proposer.Span).ToString(),
            ["epoch"] = header.Epoch,
            ["round"] = header.Round,
        };
    }

    /// <summary>The recent committed blocks, newest first.</summary>
    private List<(CommittedBlock Block, BlockHeader Header)> Recent(ulong top)
    {
        var result = new List<(CommittedBlock, BlockHeader)>(RecentBlocks);
        lock (_cache)
        {
            for (var h = top; h >= 1 && result.Count < RecentBlocks; h--)
            {
                if (!_cache.TryGetValue(h, out var entry))
                {
                    if (store.GetCommittedBlock(h) is not { } block)
                    {
                        break;
                    }
                    entry = (block, BlockHeader.Parser.ParseFrom(block.Block.Header));
                    _cache[h] = entry;
                }
                result.Add(entry);
            }
            foreach (var old in _cache.Keys.Where(h => h + RecentBlocks <= top).ToList())
            {
                _cache.Remove(old);
            }
        }
        return result;
    }

    private JsonArray Validators(EpochInfo epoch, List<(CommittedBlock Block, BlockHeader Header)> recent)
    {
        // Participation: the share of this epoch's recent certificates each validator signed.
        var signedBy = new int[epoch.Validators.Count];
        var certificates = 0;
        foreach (var (block, header) in recent)
        {
            if (header.Epoch != epoch.Epoch || block.Certificate is null)
            {
                continue;
            }
            certificates++;
            foreach (var signature in block.Certificate.Signatures)
            {
                if (signature.ValidatorIndex < signedBy.Length)
                {
                    signedBy[signature.ValidatorIndex]++;
                }
            }
        }
        var validators = new JsonArray();
        for (var i = 0; i < epoch.Validators.Count; i++)
        {
            var v = epoch.Validators.Validators[i];
            validators.Add(new JsonObject
            {
                ["index"] = i,
                ["address"] = v.Address.ToString(),
                ["power"] = v.VotingPower,
                ["signed"] = signedBy[i],
                ["of"] = certificates,
            });
        }
        return validators;
    }

    private JsonArray Peers()
    {
        var peers = new JsonArray();
        foreach (var peer in network?.Snapshot() ?? [])
        {
            peers.Add(new JsonObject
            {
                ["node"] = peer.Identity[..Math.Min(16, peer.Identity.Length)],
                ["validator"] = peer.ValidatorAddress?.ToString(),
                ["outbound"] = peer.Outbound,
                ["head"] = peer.HeadHeight,
                ["sinceMs"] = (ulong)peer.Since.ToUnixTimeMilliseconds(),
            });
        }
        return peers;
    }

    private JsonObject? Governance()
    {
        if (GovernanceReader.Registry(store) is not { } registry)
        {
            return null;
        }
        GovernanceRules.Advance(registry, store.HeadHeight + 1);
        var total = GovernanceReader.ProposalCount(store);
        var proposals = new JsonArray();
        for (var id = total; id >= 1 && proposals.Count < 10; id--)
        {
            if (GovernanceReader.Proposal(store, id, store.HeadHeight) is { } p)
            {
                proposals.Add(new JsonObject
                {
                    ["id"] = p.Id,
                    ["action"] = GovernanceRules.Describe(p.Action, p.Force),
                    ["status"] = GovernanceReader.StatusName(p.Status),
                    ["proposer"] = p.ProposerMember,
                    ["votes"] = p.Votes.Count,
                });
            }
        }
        return new JsonObject
        {
            ["members"] = registry.Members.Count,
            ["committee"] = registry.Committee.Count,
            ["admittedNodes"] = registry.Nodes.Count,
            ["proposals"] = total,
            ["recentProposals"] = proposals,
            ["scheduledEpochEnd"] = registry.PendingValidators?.LastHeightOfEpoch,
            ["transactionPolicy"] = registry.MembersOnly ? "members" : "open",
        };
    }
}
