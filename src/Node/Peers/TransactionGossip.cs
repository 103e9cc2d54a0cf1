using System.Threading.Channels;
using Google.Protobuf;
using ShanghaiChain.Core.Transactions;
using ShanghaiChain.Chain.Mempool;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Peers;

/// <summary>
/// Sends the transactions this node's clients submit to every peer, in batches (up to 2,000 transactions or one
/// millisecond of arrivals per frame), so whichever validator leads next can propose them. Gossip goes one hop: a
/// node never forwards what it received from a peer, which in a full mesh of validators reaches everyone once.
/// </summary>
public sealed class TransactionGossip(TransactionPool pool, PeerNetwork network) : BackgroundService
{
    private const int MaxBatch = 2_000;

    private readonly Channel<IReadOnlyList<VerifiedTransaction>> _queue =
        Channel.CreateBounded<IReadOnlyList<VerifiedTransaction>>(new BoundedChannelOptions(65_536) { SingleReader = true, FullMode = BoundedChannelFullMode.DropOldest });

    private void OnAdmitted(IReadOnlyList<VerifiedTransaction> admitted) => _queue.Writer.TryWrite(admitted);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Subscribed while running, not from the constructor: submissions before the host starts have no peers to reach.
        pool.LocallyAdmitted += OnAdmitted;
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                // A short pause lets a burst of submissions share one frame.
                await Task.Delay(1, stoppingToken).ConfigureAwait(false);
                var batch = new TransactionBatch();
                while (batch.Transactions.Count < MaxBatch && reader.TryRead(out var admitted))
                {
                    foreach (var tx in admitted)
                    {
                        batch.Transactions.Add(UnsafeByteOperations.UnsafeWrap(tx.Encoded));
                    }
                }
                if (batch.Transactions.Count > 0)
                {
                    network.Broadcast(new PeerMessage { Transactions = batch });
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
        finally
        {
            pool.LocallyAdmitted -= OnAdmitted;
        }
    }
}
