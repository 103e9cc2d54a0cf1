using Grpc.Core;
using ShanghaiChain.Consensus;
using ShanghaiChain.Core.Blocks;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Merkle;
using ShanghaiChain.Core.Transactions;
using ShanghaiChain.Node.Config;
using ShanghaiChain.Node.Consensus;
using ShanghaiChain.Node.Hosting;
using ShanghaiChain.Node.Pipeline;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Peers;

/// <summary>
/// Follows the chain from peers on a node that does not produce blocks: fetches committed blocks with their
/// certificates, verifies each (certificate against the validator set, parent link, transaction root, every
/// transaction's signature), and hands it to the committer, which also checks the parent's state and receipts
/// roots. A peer that sends anything invalid is dropped and the next one tried, with capped backoff.
/// </summary>
public sealed class BlockSyncService(
    NodeConfig config,
    GenesisFile genesis,
    PeerClients clients,
    BlockCommitter committer,
    CommittedBlockVerifier verifier,
    SyncState syncState,
    IHostApplicationLifetime lifetime,
    ILogger<BlockSyncService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await lifetime.WaitForStartedAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        var peers = config.PeerUrls;
        if (peers.Count == 0)
        {
            logger.LogWarning("this node has no validator key and no peers: it will not advance (set p2p.peers)");
            return;
        }
        var backoff = TimeSpan.FromMilliseconds(100);
        for (var attempt = 0; !stoppingToken.IsCancellationRequested; attempt++)
        {
            var url = peers[attempt % peers.Count];
            var peer = clients.For(url);
            try
            {
                await FollowAsync(peer, stoppingToken).ConfigureAwait(false);
                backoff = TimeSpan.FromMilliseconds(100);
            }
            catch (Exception ex) when (ex is RpcException or PeerRefusedException or HttpRequestException or IOException or InvalidDataException
                or ObjectDisposedException)
            {
                clients.Failed(peer, ex);
                logger.LogWarning("sync from {Peer} stopped: {Reason}", url, ex.Message);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            try
            {
                await Task.Delay(backoff, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            backoff = TimeSpan.FromMilliseconds(Math.Min(5_000, backoff.TotalMilliseconds * 2));
        }
    }

    private async Task FollowAsync(PeerClient peer, CancellationToken cancel)
    {
        var url = peer.Url;
        var status = await peer.GetStatusAsync(cancel).ConfigureAwait(false);
        if (status.ChainId != genesis.ChainId || !status.GenesisHash.Span.SequenceEqual(genesis.ComputeHash().ToArray()))
        {
            throw new PeerRefusedException($"peer {url} is on chain '{status.ChainId}' with another genesis");
        }
        syncState.ObservePeerHeight(status.HeadHeight);
        logger.LogInformation("following {Peer} from height {Height} (peer head {PeerHead})", url, committer.Tip.Height + 1, status.HeadHeight);
        using var call = peer.Client.GetBlocks(new GetBlocksRequest { FromHeight = committer.Tip.Height + 1, Follow = true }, peer.Headers, cancellationToken: cancel);
        peer.VerifyServer(await call.ResponseHeadersAsync.ConfigureAwait(false));
        while (await call.ResponseStream.MoveNext(cancel).ConfigureAwait(false))
        {
            Apply(call.ResponseStream.Current, url);
        }
    }

    private void Apply(CommittedBlock committed, Uri url)
    {
        var (block, transactions) = verifier.Verify(committed, committer.Tip, url);
        committer.Commit(block, transactions, committed.Certificate);
        syncState.ObservePeerHeight(block.Height);
    }
}

/// <summary>
/// Verifies a committed block received from a peer before it is executed: it extends this node's head, its
/// certificate is valid for the validator set, every transaction is validly signed, and the transaction root matches.
/// (The parent's state and receipts roots are checked by the committer.)
/// </summary>
public sealed class CommittedBlockVerifier(GenesisFile genesis, TransactionValidator validator)
{
    private readonly EpochVerifier _verifier = new(genesis.ChainId, genesis.Suite, genesis.ToValidatorSet(), ChainEpochs.First, genesis.ComputeHash(), 0);

    public (SealedBlock Block, VerifiedTransaction[] Transactions) Verify(CommittedBlock committed, ChainTip tip, Uri source)
    {
        if (committed.Block is null || committed.Certificate is null)
        {
            throw new InvalidDataException($"a block from {source} lacks its body or certificate");
        }
        SealedBlock block;
        try
        {
            block = new SealedBlock(committed.Block, genesis.Suite);
        }
        catch (Google.Protobuf.InvalidProtocolBufferException)
        {
            throw new InvalidDataException($"a block header from {source} does not decode");
        }
        var qc = committed.Certificate;
        if (block.Header.ChainId != genesis.ChainId || block.Height != tip.Height + 1 || !block.Header.ParentHash.Span.SequenceEqual(tip.Hash.ToArray()))
        {
            throw new InvalidDataException($"block {block.Height} from {source} does not extend this node's head {tip.Height}");
        }
        if (qc.Height != block.Height || !qc.BlockHash.Span.SequenceEqual(block.Hash.ToArray()) || !_verifier.VerifyQuorumCertificate(qc))
        {
            throw new InvalidDataException($"block {block.Height} from {source} does not carry a valid certificate");
        }
        var transactions = new VerifiedTransaction[committed.Block.Transactions.Count];
        var failures = 0;
        Parallel.For(0, transactions.Length, i =>
        {
            var result = validator.Validate(committed.Block.Transactions[i].ToByteArray());
            if (result.Transaction is null)
            {
                Interlocked.Increment(ref failures);
            }
            transactions[i] = result.Transaction!;
        });
        if (failures > 0)
        {
            throw new InvalidDataException($"block {block.Height} from {source} holds {failures} invalid transaction(s)");
        }
        var txRoot = BinaryMerkleTree.ComputeRoot(genesis.Suite, transactions.Select(t => t.Id).ToList());
        if (!block.Header.TxRoot.Span.SequenceEqual(txRoot.ToArray()))
        {
            throw new InvalidDataException($"block {block.Height} from {source} has a transaction root that does not match its transactions");
        }
        return (block, transactions);
    }
}

/// <summary>Whether this node is behind the best head its peers reported.</summary>
public sealed class SyncState(BlockCommitter committer)
{
    private long _bestPeerHeight;

    public void ObservePeerHeight(ulong height)
    {
        long current;
        do
        {
            current = Interlocked.Read(ref _bestPeerHeight);
        }
        while ((ulong)current < height && Interlocked.CompareExchange(ref _bestPeerHeight, (long)height, current) != current);
    }

    public bool Syncing => committer.Tip.Height < (ulong)Interlocked.Read(ref _bestPeerHeight);
}
