using ShanghaiChain.Chain.Feed;
using ShanghaiChain.Node.Peers;

namespace ShanghaiChain.Node.Observability;

/// <summary>
/// One information line per committed block, as operators expect from a running node: height, transactions, round,
/// time since the previous block, peers. Under load the lines are at least <see cref="MinInterval"/> apart and say how
/// many blocks and transactions they stand for.
/// </summary>
public sealed class CommitLogService(ChainFeed feed, TimeProvider time, ILogger<CommitLogService> logger, PeerNetwork? network = null) : BackgroundService
{
    public static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(1);

    private const int Buffer = 4_096;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        long lastLine = 0;
        ulong previousTimestampMs = 0;
        var blocks = 0;
        var transactions = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            // A subscription that overflowed (the logger fell far behind) is replaced; nothing depends on seeing every block.
            using var subscription = feed.Subscribe(Buffer);
            try
            {
                await foreach (var committed in subscription.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
                {
                    var header = committed.Block.Header;
                    blocks++;
                    transactions += committed.TxIds.Count;
                    var sincePrevious = previousTimestampMs == 0 || header.TimestampMs < previousTimestampMs ? 0 : header.TimestampMs - previousTimestampMs;
                    previousTimestampMs = header.TimestampMs;
                    // A tenth of slack, so that blocks a second apart (an idle chain) each get their line despite jitter.
                    if (lastLine != 0 && time.GetElapsedTime(lastLine) < MinInterval * 0.9)
                    {
                        continue;
                    }
                    lastLine = time.GetTimestamp();
                    var peers = network is null ? "" : $", {network.ConnectedPeers} peers";
                    if (blocks == 1)
                    {
                        logger.LogInformation("committed block {Height}: {Transactions} transactions, round {Round}, {Interval} ms after the previous{Peers}",
                            header.Height, committed.TxIds.Count, header.Round, sincePrevious, peers);
                    }
                    else
                    {
                        logger.LogInformation("committed block {Height}: {Transactions} transactions, round {Round}, {Interval} ms after the previous{Peers} ({Blocks} blocks, {Total} transactions since the last line)",
                            header.Height, committed.TxIds.Count, header.Round, sincePrevious, peers, blocks, transactions);
                    }
                    blocks = 0;
                    transactions = 0;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }
}
