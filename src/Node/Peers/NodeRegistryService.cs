using ShanghaiChain.Chain.Feed;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Governance;
using ShanghaiChain.Storage;

namespace ShanghaiChain.Node.Peers;

/// <summary>
/// Keeps peer admission equal to the on-chain node registry: at start from the state at the committed head (so a
/// restarted node honours every decision since genesis), then after each committed block in which a governance
/// proposal took effect. Revoked peers are disconnected at once and refused afterwards, in both directions (the
/// admission check runs on inbound calls and on the identity an outbound peer presents). Does nothing on a chain
/// without a consortium, whose admitted nodes are genesis'.
/// </summary>
public sealed class NodeRegistryService(IChainReader store, ChainFeed feed, PeerAdmission admission, ILogger<NodeRegistryService> logger,
    PeerNetwork? network = null) : BackgroundService
{
    private const int Buffer = 1_024;

    /// <summary>Reads the registry at the head and applies it; false on a chain without governance.</summary>
    public bool Refresh()
    {
        if (GovernanceReader.Registry(store) is not { } registry)
        {
            return false;
        }
        var before = admission.Count;
        admission.Update(registry.Nodes.Select(n => n.PublicKey.ToByteArray()));
        var closed = network?.DisconnectUnadmitted(admission.IsAdmitted) ?? 0;
        if (admission.Count != before || closed > 0)
        {
            logger.LogInformation("node registry at height {Height}: {Admitted} node(s) admitted, {Closed} peer link(s) closed",
                store.HeadHeight, admission.Count, closed);
        }
        return true;
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Before the peer port accepts anyone: the registry at the head, not genesis, decides from the first connection.
        Refresh();
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (GovernanceReader.Registry(store) is null)
        {
            return;
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            using var subscription = feed.Subscribe(Buffer);
            try
            {
                await foreach (var committed in subscription.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
                {
                    if (TookEffect(committed))
                    {
                        Refresh();
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            // The subscription overflowed: blocks were missed, so read the registry afresh.
            Refresh();
        }
    }

    private static bool TookEffect(CommittedBlockInfo committed)
    {
        foreach (var receipt in committed.Receipts)
        {
            foreach (var log in receipt.Logs)
            {
                if (log.Topics.Count > 0 && new Address(log.Address.Span) == GovernanceLayout.Address &&
                    new Hash32(log.Topics[0].Span) == GovernanceContract.ProposalExecutedTopic)
                {
                    return true;
                }
            }
        }
        return false;
    }
}
