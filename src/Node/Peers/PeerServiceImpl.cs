using Google.Protobuf;
using Grpc.Core;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Chain.Blocks;
using ShanghaiChain.Chain.Feed;
using ShanghaiChain.Chain.Snapshots;
using ShanghaiChain.Node.Config;
using ShanghaiChain.Storage;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Peers;

/// <summary>
/// The peer service: head status, committed blocks with certificates for nodes that sync, blocks by hash (committed or
/// pending in consensus), and the long-lived Connect link. Every call is authenticated first by <see cref="PeerAuthInterceptor"/>.
/// </summary>
public sealed class PeerServiceImpl(IChainReader store, ChainFeed feed, ChainHead head, PendingBlocks pending, PeerNetwork network,
    SnapshotCatalogue snapshots, ValidatorIdentity? validator = null) : PeerService.PeerServiceBase
{
    private const uint MaxBlocksPerCall = 1024;
    private const int FollowBuffer = 1024;

    public override Task<PeerStatus> GetPeerStatus(PeerStatusRequest request, ServerCallContext context)
    {
        var tip = head.Tip;
        return Task.FromResult(new PeerStatus
        {
            ChainId = store.ChainId,
            GenesisHash = store.GenesisHash.ToByteString(),
            HeadHeight = tip.Height,
            HeadHash = tip.Hash.ToByteString(),
            ValidatorAddress = validator is null ? ByteString.Empty : validator.Key.Address.ToByteString(),
        });
    }

    public override Task<GetBlockByHashResponse> GetBlockByHash(GetBlockByHashRequest request, ServerCallContext context)
    {
        if (request.BlockHash.Length != Hash32.Size)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "block_hash must be 32 bytes"));
        }
        var hash = new Hash32(request.BlockHash.Span);
        var response = new GetBlockByHashResponse();
        if (pending.TryGet(hash, out var block))
        {
            response.Block = block.Block.Block;
        }
        else if (store.GetHeightByHash(hash) is { } height && store.GetCommittedBlock(height) is { } committed)
        {
            response.Block = committed.Block;
        }
        return Task.FromResult(response);
    }

    public override Task Connect(IAsyncStreamReader<PeerMessage> requestStream, IServerStreamWriter<PeerMessage> responseStream, ServerCallContext context) =>
        network.ServeAsync(PeerAuthInterceptor.IdentityOf(context), requestStream, responseStream, context.CancellationToken);

    public override async Task GetBlocks(GetBlocksRequest request, IServerStreamWriter<CommittedBlock> responseStream, ServerCallContext context)
    {
        var cancel = context.CancellationToken;
        var next = Math.Max(1, request.FromHeight);
        if (next < store.BaseHeight)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                $"blocks are pruned below the snapshot height: this node started from a snapshot of height {store.BaseHeight} and serves blocks from {store.BaseHeight}"));
        }
        if (!request.Follow)
        {
            var limit = request.MaxBlocks == 0 || request.MaxBlocks > MaxBlocksPerCall ? MaxBlocksPerCall : request.MaxBlocks;
            for (var sent = 0u; next <= head.Tip.Height && sent < limit; next++, sent++)
            {
                await responseStream.WriteAsync(Load(next), cancel).ConfigureAwait(false);
            }
            return;
        }
        // Tracked, so that a committee decision revoking the peer ends its stream at once.
        using var call = network.Track(PeerAuthInterceptor.IdentityOf(context), cancel);
        try
        {
            await foreach (var block in feed.FollowAsync(next, () => head.Tip.Height, Load, FollowBuffer, call.Token).ConfigureAwait(false))
            {
                var committed = block.Live is { } live
                    ? new CommittedBlock { Block = live.Block.Block, Certificate = live.Certificate, EpochEnd = EpochEndOf(live.Block) }
                    : block.Stored!;
                await responseStream.WriteAsync(committed, call.Token).ConfigureAwait(false);
            }
        }
        catch (FollowerOverflowException ex)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, $"follower too slow; resume from {ex.NextHeight}"));
        }
        catch (OperationCanceledException) when (call.Revoked)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, "not an admitted node: the node key was revoked by the consortium"));
        }
    }

    public override async Task<ListSnapshotsResponse> ListSnapshots(ListSnapshotsRequest request, ServerCallContext context)
    {
        var response = new ListSnapshotsResponse();
        foreach (var file in await snapshots.ListAsync(context.CancellationToken).ConfigureAwait(false))
        {
            response.Snapshots.Add(new SnapshotOffer
            {
                Height = file.Manifest.Height,
                StateRoot = file.Manifest.StateRoot,
                ChunkCount = (uint)file.ChunkCount,
                ManifestBytes = (ulong)file.Manifest.CalculateSize(),
            });
        }
        return response;
    }

    public override async Task<GetSnapshotManifestResponse> GetSnapshotManifest(GetSnapshotManifestRequest request, ServerCallContext context)
    {
        var file = await snapshots.FindAsync(request.Height, context.CancellationToken).ConfigureAwait(false)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"no snapshot of height {request.Height} is offered"));
        return new GetSnapshotManifestResponse { Manifest = file.Manifest.ToByteString() };
    }

    public override async Task<GetSnapshotChunkResponse> GetSnapshotChunk(GetSnapshotChunkRequest request, ServerCallContext context)
    {
        var file = await snapshots.FindAsync(request.Height, context.CancellationToken).ConfigureAwait(false)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"no snapshot of height {request.Height} is offered"));
        if (request.Index >= file.ChunkCount)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"the snapshot of height {request.Height} has {file.ChunkCount} chunks"));
        }
        try
        {
            return new GetSnapshotChunkResponse { Chunk = UnsafeByteOperations.UnsafeWrap(file.ReadChunk((int)request.Index)) };
        }
        catch (Exception ex) when (ex is IOException or SnapshotException)
        {
            // Deleted or replaced by a newer snapshot since it was listed.
            throw new RpcException(new Status(StatusCode.NotFound, $"the snapshot of height {request.Height} is no longer offered: {ex.Message}"));
        }
    }

    /// <summary>
    /// The record that commits an epoch's last block, sent with it so that followers can prove it too; the feed publishes
    /// a block after its batch (which holds the record) is durable, so the store has it by now.
    /// </summary>
    private EpochEndCommit? EpochEndOf(Core.Blocks.SealedBlock block) =>
        !block.Header.NextValidatorSetHash.Equals(block.Header.ValidatorSetHash) && store.GetEpochEnd(block.Header.Epoch) is { } record &&
        record.Height == block.Height ? record : null;

    private CommittedBlock Load(ulong height) =>
        store.GetCommittedBlock(height) ?? throw new RpcException(new Status(StatusCode.Internal, $"block {height} is missing"));
}
