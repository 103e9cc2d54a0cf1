using ShanghaiChain.Chain.Blocks;
using ShanghaiChain.Chain.Execution;
using ShanghaiChain.Chain.Validation;
using ShanghaiChain.Consensus;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Node.Config;
using ShanghaiChain.Node.Peers;
using ShanghaiChain.Storage;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Consensus;

/// <summary>
/// Blocks the engine names by hash: from the pending blocks or the store when this node has them, else fetched from the
/// peers in turn, validated as a proposal, accepted into the pipeline and handed to the engine through the inbox.
/// Also resolves the blocks of a commit the engine decided (pending, or certified by a quorum but never seen here).
/// </summary>
public sealed class BlockFetcher(NodeConfig config, PendingBlocks pending, IChainReader store, BlockValidator validator, ExecutionPipeline execution,
    PeerClients clients, ConsensusInbox inbox, ILogger<BlockFetcher> logger)
{
    private static readonly TimeSpan FetchTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The block if this node has it (to hand to the engine at once); otherwise null, and a fetch from peers starts.</summary>
    public BlockAvailable? Fetch(Hash32 hash)
    {
        if (pending.TryGet(hash, out var block))
        {
            return new BlockAvailable(inbox.NowMs, block.HeaderBytes, block.TransactionBytes, block.Block.Block.Evidence);
        }
        if (store.GetHeightByHash(hash) is { } height && store.GetCommittedBlock(height) is { } committed)
        {
            return new BlockAvailable(inbox.NowMs, committed.Block.Header, [.. committed.Block.Transactions], committed.Block.Evidence);
        }
        _ = FetchFromPeersAsync(hash);
        return null;
    }

    /// <summary>A committed block as the pipeline commits it: the validated pending block, else the certified block decoded.</summary>
    public PendingBlock Resolve(Hash32 hash, Block certified) =>
        pending.TryGet(hash, out var block) ? block : validator.DecodeCertified(certified);

    private async Task FetchFromPeersAsync(Hash32 hash)
    {
        foreach (var url in config.PeerUrls)
        {
            PeerClient? client = null;
            try
            {
                client = clients.For(url);
                using var timeout = new CancellationTokenSource(FetchTimeout);
                if (await client.GetBlockByHashAsync(hash.ToArray(), timeout.Token).ConfigureAwait(false) is not { } found)
                {
                    continue;
                }
                var block = validator.ValidateProposal(found.Header, found.Transactions, found.Evidence, out var reason);
                if (block is null || block.Hash != hash)
                {
                    logger.LogWarning("block {Hash} fetched from {Peer} is invalid: {Reason}", hash, url, block is null ? reason : "wrong hash");
                    continue;
                }
                execution.Accept(block);
                inbox.Post(new BlockAvailable(inbox.NowMs, block.HeaderBytes, block.TransactionBytes, block.Block.Block.Evidence));
                return;
            }
            catch (Exception ex) when (PeerFailures.IsPeerFailure(ex) || ex is OperationCanceledException)
            {
                if (client is not null)
                {
                    clients.Failed(client, ex);
                }
                logger.LogDebug("fetching block {Hash} from {Peer} failed: {Reason}", hash, url, ex.Message);
            }
        }
    }
}
