using System.Collections.Concurrent;
using System.Diagnostics;
using Google.Protobuf;
using Grpc.Core;
using ShanghaiChain.Chain;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Relay;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Relayer;

/// <summary>Gas a relayer budgets for the client update of a batch (≈ 335,000 measured for four validators, docs/relay.md "Gas").</summary>
public static class DirectionGas
{
    public const ulong Update = 800_000;
}

/// <summary>
/// One direction of a path: proves facts of the source's state and delivers them to the destination, whose light client
/// of the source is <paramref name="clientOnDestination"/>. Each round: drop the work a chain's state shows done (by
/// anyone), turn packets that can no longer be received into timeouts (for the reverse direction), take the source's
/// newest provable header, prove every pending slot at it, and send one relayBatch: the client update (unless the client
/// already trusts a recent enough header) followed by the messages. Failures back off and retry; nothing is dropped
/// until a chain's state confirms it.
/// </summary>
public sealed class DirectionWorker(ChainLink source, ChainLink destination, string clientOnDestination, RelayerConfig config,
    RelayerMetrics metrics, ILogger logger)
{
    private readonly ConcurrentQueue<RelayItem> _incoming = new();
    private readonly List<RelayItem> _items = [];
    private readonly SemaphoreSlim _signal = new(0);
    private DirectionWorker? _reverse;

    public string Source => source.Id;
    public string Destination => destination.Id;
    public string Client => clientOnDestination;
    public int Pending => _items.Count + _incoming.Count;
    public ulong ClientHeight { get; private set; }
    public long Relayed => Interlocked.Read(ref _relayed);
    public string LastError { get; private set; } = "";

    private const int MaxSlotsPerProofCall = 256;

    /// <summary>Rounds whose receipts may be awaited at once: the next round goes out while earlier batches commit.</summary>
    private const int MaxInFlight = 4;
    private readonly List<Task> _inFlight = [];
    private long _relayed;

    /// <summary>The direction back (destination → source), which carries the timeouts of packets this one could not deliver.</summary>
    public void Pair(DirectionWorker reverse) => _reverse = reverse;

    public void Enqueue(RelayItem item)
    {
        _incoming.Enqueue(item);
        _signal.Release();
    }

    public async Task RunAsync(CancellationToken cancel)
    {
        var backoff = new CappedBackoff();
        while (!cancel.IsCancellationRequested)
        {
            try
            {
                while (_incoming.TryDequeue(out var item))
                {
                    _items.Add(item);
                }
                if (_items.Count == 0)
                {
                    await _signal.WaitAsync(TimeSpan.FromMilliseconds(config.PollIntervalMs * 10), cancel).ConfigureAwait(false);
                    continue;
                }
                _inFlight.RemoveAll(t => t.IsCompleted);
                if (_inFlight.Count >= MaxInFlight)
                {
                    await Task.WhenAny(_inFlight).WaitAsync(cancel).ConfigureAwait(false);
                    continue;
                }
                var progressed = await RoundAsync(cancel).ConfigureAwait(false);
                backoff.Reset();
                if (progressed)
                {
                    LastError = "";
                }
                if (!progressed)
                {
                    await _signal.WaitAsync(TimeSpan.FromMilliseconds(config.PollIntervalMs), cancel).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is RpcException or InvalidOperationException or InvalidProtocolBufferException)
            {
                LastError = ex is RpcException rpc ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : ex.Message;
                metrics.Failure(Source, Destination);
                var delay = backoff.Next();
                logger.LogWarning("relay {Source}->{Destination}: {Error}; retrying in {Delay} ms", Source, Destination, LastError, delay.TotalMilliseconds);
                await Task.Delay(delay, cancel).ConfigureAwait(false);
            }
        }
    }

    /// <summary>One round; false when there was nothing to send yet (waiting for the source to commit a provable header).</summary>
    private async Task<bool> RoundAsync(CancellationToken cancel)
    {
        var destinationStatus = await destination.Chain.GetStatusAsync(new GetStatusRequest(), cancellationToken: cancel).ConfigureAwait(false);
        await RelayItemState.ConfirmAsync(this, _items, destination, clientOnDestination, destinationStatus, cancel).ConfigureAwait(false);
        _items.RemoveAll(Settled);
        if (_items.Count == 0)
        {
            return true;
        }
        var ready = _items.Where(i => !i.InFlight).ToList();
        if (ready.Count == 0)
        {
            return false;
        }
        var client = await destination.Relay.GetRelayClientAsync(new GetRelayClientRequest { ClientId = clientOnDestination }, cancellationToken: cancel).ConfigureAwait(false);
        if (client.Client is null || client.Status != "active")
        {
            throw new InvalidOperationException(client.Client is null
                ? $"chain '{Destination}' has no client '{clientOnDestination}' (the committee creates it: `relay propose-client`)"
                : $"client '{clientOnDestination}' on '{Destination}' is {client.Status}: the committee must recover it");
        }
        ClientHeight = client.Client.LatestHeight;
        metrics.ClientHeight(Destination, clientOnDestination, ClientHeight);

        // The header to prove against: the client's latest when it already covers every event (no update needed),
        // else the source's newest header that has a commit proof.
        var needed = ready.Max(i => i.NeededHeight);
        List<LightClientUpdate>? updates = null;
        ulong proofHeight;
        ulong headerTimeMs;
        if (client.Client.LatestHeight > needed && !ready.Any(i => i.Kind == RelayKind.Timeout))
        {
            proofHeight = client.Client.LatestHeight;
            headerTimeMs = client.Client.LatestTimestampMs;
        }
        else
        {
            var proof = await NewestCommitProofAsync(cancel).ConfigureAwait(false);
            if (proof is null || proof.Height <= needed)
            {
                return false;
            }
            proofHeight = proof.Height;
            headerTimeMs = proof.TimestampMs;
            // Across the source's validator-set changes when the client trusts an older epoch.
            updates = await ClientUpdates.ToAsync(source.Relay, client.Client, proof, cancel).ConfigureAwait(false);
            if (!ReferenceEquals(updates[^1].Header, proof.Certified))
            {
                // More epochs to cross than one round carries: this round moves the client, the next proves.
                await SubmitUpdatesOnlyAsync(updates, cancel).ConfigureAwait(false);
                return true;
            }
        }

        var batch = ready.Where(i => i.NeededHeight < proofHeight && (i.Kind != RelayKind.Timeout || TimedOutAt(i.Packet!, proofHeight, headerTimeMs)))
            .Take(config.MaxBatch).ToList();
        if (batch.Count == 0)
        {
            return false;
        }
        var proofs = new List<RelaySlotValue>(batch.Count);
        try
        {
            foreach (var chunk in batch.Chunk(MaxSlotsPerProofCall))
            {
                proofs.AddRange((await source.Relay.GetRelayProofsAsync(ProofsRequest(chunk, proofHeight - 1), cancellationToken: cancel).ConfigureAwait(false)).Values);
            }
        }
        catch (RpcException ex) when (updates is null && ex.StatusCode == StatusCode.FailedPrecondition)
        {
            // The client's latest header is older than the source's proof window: the next round updates it.
            _items.ForEach(i => i.RequireAbove(proofHeight));
            return false;
        }
        var messages = new List<byte[]>(batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            var value = UInt256.ReadBigEndian(proofs[i].Value.Span);
            if (RelayItemState.Message(batch[i], clientOnDestination, proofHeight, value, proofs[i].Proof) is { } message)
            {
                messages.Add(message);
            }
            else
            {
                Settle(batch[i]);
            }
        }
        _items.RemoveAll(Settled);
        if (messages.Count == 0)
        {
            return true;
        }
        var transactions = Pack(updates?.Select(u => RelayMessages.UpdateClient(clientOnDestination, u)).ToList() ?? [], messages);
        var ids = await destination.SubmitBatchesAsync(transactions, cancel).ConfigureAwait(false);
        foreach (var item in batch)
        {
            item.InFlight = true;
        }
        _inFlight.Add(AwaitBatchesAsync(ids, transactions, batch, cancel));
        return true;
    }

    /// <summary>Waits for a round's receipts (while later rounds go out), records them, and lets its items be judged again.</summary>
    private async Task AwaitBatchesAsync(IReadOnlyList<ByteString> ids, List<(List<byte[]> Messages, ulong Gas)> transactions, List<RelayItem> batch,
        CancellationToken cancel)
    {
        try
        {
            var receipts = await destination.WaitForReceiptsAsync(ids, cancel).ConfigureAwait(false);
            var failures = 0;
            foreach (var (receipt, (tx, _)) in receipts.Zip(transactions))
            {
                metrics.Batch(Source, Destination, tx.Count);
                if (receipt.Status != ReceiptStatus.Success)
                {
                    LastError = $"a relay batch failed in block {receipt.BlockHeight}: {receipt.Error} {receipt.ErrorMessage}";
                    logger.LogWarning("relay {Source}->{Destination}: {Error}", Source, Destination, LastError);
                }
                failures += receipt.Logs.Count(l => l.Topics.Count > 0 && Relay.Contract.CrossChainEvents.RelayMessageFailed.Matches(l.Topics[0].Span));
            }
            if (failures > 0)
            {
                logger.LogInformation("relay {Source}->{Destination}: {Failures} messages failed; their state is checked again next round",
                    Source, Destination, failures);
            }
        }
        catch (RpcException ex) when (!cancel.IsCancellationRequested)
        {
            LastError = $"{ex.StatusCode}: {ex.Status.Detail}";
            metrics.Failure(Source, Destination);
            logger.LogWarning("relay {Source}->{Destination}: waiting for receipts: {Error}", Source, Destination, LastError);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var item in batch)
            {
                item.InFlight = false;
            }
            _signal.Release();
        }
    }

    /// <summary>
    /// Splits one round's messages into relayBatch transactions within max_tx_bytes and max_tx_gas; the updates go first
    /// in the first one (in order: an epoch's last header before the next epoch's). The transactions are sent with
    /// consecutive nonces, so the updates run before every message proven at their height.
    /// </summary>
    private List<(List<byte[]> Messages, ulong Gas)> Pack(List<byte[]> updates, List<byte[]> messages)
    {
        var transactions = new List<(List<byte[]> Messages, ulong Gas)>();
        var current = new List<byte[]>();
        long bytes = 0;
        ulong gas = 0;
        foreach (var update in updates)
        {
            current.Add(update);
            bytes += update.Length + 64;
            gas += DirectionGas.Update;
        }
        foreach (var message in messages)
        {
            var size = message.Length + 64;
            if (current.Count > 0 && (bytes + size > config.MaxTxBytes || gas + config.GasPerMessage > config.MaxTxGas ||
                current.Count >= Relay.Contract.CrossChainContract.MaxBatchMessages))
            {
                transactions.Add((current, gas));
                (current, bytes, gas) = ([], 0, 0);
            }
            current.Add(message);
            bytes += size;
            gas += config.GasPerMessage;
        }
        transactions.Add((current, gas));
        return transactions;
    }

    /// <summary>Moves the client across epochs without messages (a client many epochs behind), and waits for it.</summary>
    private async Task SubmitUpdatesOnlyAsync(List<LightClientUpdate> updates, CancellationToken cancel)
    {
        var transactions = Pack([.. updates.Select(u => RelayMessages.UpdateClient(clientOnDestination, u))], []);
        var ids = await destination.SubmitBatchesAsync(transactions, cancel).ConfigureAwait(false);
        await destination.WaitForReceiptsAsync(ids, cancel).ConfigureAwait(false);
    }

    private async Task<GetCommitProofResponse?> NewestCommitProofAsync(CancellationToken cancel)
    {
        var head = (await source.Chain.GetStatusAsync(new GetStatusRequest(), cancellationToken: cancel).ConfigureAwait(false)).HeadHeight;
        for (var height = head; height + 3 > head && height > 0; height--)
        {
            try
            {
                return await source.Relay.GetCommitProofAsync(new GetCommitProofRequest { Height = height }, cancellationToken: cancel).ConfigureAwait(false);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.FailedPrecondition)
            {
                // Not provable yet (its child is not committed) or an epoch's end: try the one below.
            }
        }
        return null;
    }

    /// <summary>The packet can no longer be received at a destination header of this height and time (docs/relay.md, "Packets").</summary>
    internal static bool TimedOutAt(RelayPacket packet, ulong height, ulong timeMs) =>
        (packet.TimeoutHeight != 0 && height >= packet.TimeoutHeight) || (packet.TimeoutTimestamp != 0 && timeMs / 1000 >= packet.TimeoutTimestamp);

    private static GetRelayProofsRequest ProofsRequest(IEnumerable<RelayItem> batch, ulong height)
    {
        var request = new GetRelayProofsRequest { Height = height };
        request.Slots.AddRange(batch.Select(RelayItemState.ProofSlot));
        return request;
    }

    /// <summary>Work confirmed done by a chain's state: its event is complete, latency and count recorded.</summary>
    internal void Settle(RelayItem item)
    {
        item.Settled = true;
        item.Event.Complete();
        Interlocked.Increment(ref _relayed);
        metrics.Relayed(Source, Destination, item.Kind, Stopwatch.GetElapsedTime(item.ObservedAt));
    }

    /// <summary>A packet that timed out on the destination: the reverse direction proves it from here and delivers the timeout.</summary>
    internal void HandOverTimeout(RelayItem item)
    {
        item.Settled = true;
        (_reverse ?? throw new InvalidOperationException("a direction without its reverse cannot time packets out")).Enqueue(item.AsTimeout());
    }

    private static bool Settled(RelayItem item) => item.Settled;
}
