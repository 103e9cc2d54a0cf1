using Google.Protobuf;
using Grpc.Core;
using ShanghaiChain.Node.Pipeline;
using ShanghaiChain.Storage;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Peers;

/// <summary>The peer service: head status and committed blocks with certificates for nodes that sync.</summary>
public sealed class PeerServiceImpl(ChainStore store, ChainFeed feed, BlockCommitter committer) : PeerService.PeerServiceBase
{
    private const uint MaxBlocksPerCall = 1024;

    public override Task<PeerStatus> GetPeerStatus(PeerStatusRequest request, ServerCallContext context)
    {
        var tip = committer.Tip;
        return Task.FromResult(new PeerStatus
        {
            ChainId = store.ChainId,
            GenesisHash = ByteString.CopyFrom(store.GenesisHash.ToArray()),
            HeadHeight = tip.Height,
            HeadHash = ByteString.CopyFrom(tip.Hash.ToArray()),
        });
    }

    public override async Task GetBlocks(GetBlocksRequest request, IServerStreamWriter<CommittedBlock> responseStream, ServerCallContext context)
    {
        var cancel = context.CancellationToken;
        var limit = request.MaxBlocks == 0 || request.MaxBlocks > MaxBlocksPerCall ? MaxBlocksPerCall : request.MaxBlocks;
        var next = Math.Max(1, request.FromHeight);
        var sent = 0u;
        // Live blocks are registered before the history is read, so none falls between the two.
        using var subscription = request.Follow ? feed.Subscribe(1_024) : null;
        while (next <= committer.Tip.Height && (request.Follow || sent < limit))
        {
            var block = store.GetCommittedBlock(next) ?? throw new RpcException(new Status(StatusCode.Internal, $"block {next} is missing"));
            await responseStream.WriteAsync(block, cancel).ConfigureAwait(false);
            next++;
            sent++;
        }
        if (subscription is null)
        {
            return;
        }
        await foreach (var live in subscription.Reader.ReadAllAsync(cancel).ConfigureAwait(false))
        {
            while (next <= live.Block.Height)
            {
                var block = next == live.Block.Height
                    ? new CommittedBlock { Block = live.Block.Block, Certificate = live.Certificate }
                    : store.GetCommittedBlock(next)!;
                await responseStream.WriteAsync(block, cancel).ConfigureAwait(false);
                next++;
            }
        }
        if (subscription.Overflowed)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, $"follower too slow; resume from {next}"));
        }
    }
}
