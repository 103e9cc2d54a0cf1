using ShanghaiChain.Chain.Blocks;

namespace ShanghaiChain.Chain.Sync;

/// <summary>Whether this node is behind the best head its peers reported (heights claimed by peers are hints only).</summary>
public sealed class SyncState(ChainHead head)
{
    private long _bestPeerHeight;

    public ulong BestPeerHeight => (ulong)Interlocked.Read(ref _bestPeerHeight);

    public void ObservePeerHeight(ulong height)
    {
        long current;
        do
        {
            current = Interlocked.Read(ref _bestPeerHeight);
        }
        while ((ulong)current < height && Interlocked.CompareExchange(ref _bestPeerHeight, (long)height, current) != current);
    }

    public bool Syncing => head.Height < BestPeerHeight;
}
