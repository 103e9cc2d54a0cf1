using Google.Protobuf;
using Grpc.Core;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Api;

/// <summary>The node's own state for operators: status (head, its age, stalled or syncing) and the peer list.</summary>
public sealed partial class ChainApiService
{
    public override Task<GetStatusResponse> GetStatus(GetStatusRequest request, ServerCallContext context)
    {
        var tip = head.Tip;
        var response = new GetStatusResponse
        {
            ChainId = store.ChainId,
            CryptoSuite = suite.Name,
            HeadHeight = tip.Height,
            HeadHash = tip.Hash.ToByteString(),
            HeadTimestampMs = tip.TimestampMs,
            GenesisHash = store.GenesisHash.ToByteString(),
            NodeVersion = Version,
            MempoolSize = (uint)pool.Count,
            StateRoot = tip.StateRoot.ToByteString(),
            Syncing = sync.Syncing,
            IntrinsicGas = genesis.Parameters.IntrinsicGas,
            TxMaxLifetimeBlocks = schedule.Current.Parameters.TxMaxLifetimeBlocks,
            BestPeerHeight = sync.BestPeerHeight,
            Peers = (uint)(network?.ConnectedPeers ?? 0),
        };
        // The head's age by this node's clock, and whether the chain counts as stalled by the rule /health applies.
        var age = Math.Max(0, ChainHealthCheck.HeadAgeMs(tip.TimestampMs, time ?? TimeProvider.System));
        response.HeadAgeMs = tip.Height == 0 ? 0 : (ulong)age;
        response.Stalled = tip.Height > 0 && !sync.Syncing && age > ChainHealthCheck.StallLimitMs(genesis);
        if (validatorKey is not null)
        {
            response.ValidatorAddress = validatorKey.Address.ToByteString();
        }
        return Task.FromResult(response);
    }

    public override Task<ListPeersResponse> ListPeers(ListPeersRequest request, ServerCallContext context)
    {
        var response = new ListPeersResponse();
        foreach (var peer in network?.Snapshot() ?? [])
        {
            response.Peers.Add(new PeerInfo
            {
                NodeKey = peer.Identity,
                ValidatorAddress = peer.ValidatorAddress is { } v ? v.ToByteString() : ByteString.Empty,
                Outbound = peer.Outbound,
                Url = peer.Url ?? "",
                ConnectedSinceMs = (ulong)peer.Since.ToUnixTimeMilliseconds(),
                HeadHeight = peer.HeadHeight,
                FramesReceived = (ulong)peer.FramesReceived,
                FramesSent = (ulong)peer.FramesSent,
                Score = peer.Score,
            });
        }
        return Task.FromResult(response);
    }
}
