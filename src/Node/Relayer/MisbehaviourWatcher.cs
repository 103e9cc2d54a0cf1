using System.Collections.Concurrent;
using Google.Protobuf;
using Grpc.Core;
using ShanghaiChain.Chain;
using ShanghaiChain.Relay;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Relayer;

/// <summary>
/// Watches one light client the relayer relays for (<paramref name="clientId"/> on <paramref name="host"/>, a client of
/// <paramref name="counterparty"/>): every header it is updated to, by this relayer or anyone (each ClientUpdated event,
/// handed over by the host's <see cref="EventFollower"/>), must be the header the counterparty committed at that height.
/// On a conflict it logs the evidence at error level, builds a LightClientMisbehaviour from the update that was
/// submitted (read from that transaction's calldata) and the counterparty's commit proof of its real header, and sends
/// submitMisbehaviour, which freezes the client. When the submitted update cannot be recovered (another contract called
/// updateClient), it sends the real header as an update instead: the contract treats a second header at a trusted
/// height as evidence too. Each check stays open in the host's cursor until the header is confirmed or the client is
/// frozen, so a restart re-checks what was not settled. The relayer judges nothing itself: the contract verifies both
/// headers.
/// </summary>
public sealed class MisbehaviourWatcher(ChainLink host, ChainLink counterparty, string clientId, RelayerMetrics metrics, ILogger logger)
{
    /// <summary>
    /// Gas for the evidence: two header verifications, each what an update costs, and each certificate check charged by the
    /// contract per validator (20,000 per signature it may verify, two certificates per header), so large sets get more.
    /// </summary>
    public static ulong EvidenceGas(int validators) => 2 * (DirectionGas.Update + 2UL * (ulong)Relay.Contract.CrossChainContract.SignatureGas * (ulong)Math.Max(0, validators)) + 400_000;

    private readonly ConcurrentQueue<Check> _incoming = new();
    private readonly List<Check> _open = [];
    private readonly SemaphoreSlim _signal = new(0);
    private readonly HashSet<ulong> _reportedFuture = [];

    public string Chain => host.Id;
    public string Client => clientId;

    /// <summary>One header the client was updated to: the event's place in the host's cursor, the height and the transaction.</summary>
    public sealed record Check(CursorTracker.Entry Event, ulong Height, ByteString TxId);

    public void Enqueue(Check check)
    {
        _incoming.Enqueue(check);
        _signal.Release();
    }

    public async Task RunAsync(CancellationToken cancel)
    {
        var backoff = new CappedBackoff();
        while (!cancel.IsCancellationRequested)
        {
            try
            {
                while (_incoming.TryDequeue(out var check))
                {
                    _open.Add(check);
                }
                if (_open.Count == 0)
                {
                    await _signal.WaitAsync(TimeSpan.FromSeconds(1), cancel).ConfigureAwait(false);
                    continue;
                }
                foreach (var check in _open.ToList())
                {
                    if (await SettleAsync(check, cancel).ConfigureAwait(false))
                    {
                        check.Event.Complete();
                        _open.Remove(check);
                    }
                }
                backoff.Reset();
                if (_open.Count > 0)
                {
                    // Heights the counterparty has not committed yet (or proofs not ready): look again shortly.
                    await _signal.WaitAsync(TimeSpan.FromMilliseconds(250), cancel).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is RpcException or InvalidOperationException or InvalidProtocolBufferException)
            {
                var delay = backoff.Next();
                logger.LogWarning("misbehaviour watch of {Client} on {Chain}: {Error}; retrying in {Delay} ms", clientId, host.Id,
                    ex is RpcException rpc ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : ex.Message, delay.TotalMilliseconds);
                await Task.Delay(delay, cancel).ConfigureAwait(false);
            }
        }
    }

    /// <summary>True when the check is settled: the header is the counterparty's, the client is frozen, or nothing is trusted there any more.</summary>
    private async Task<bool> SettleAsync(Check check, CancellationToken cancel)
    {
        var trusted = await host.Relay.GetRelayClientAsync(new GetRelayClientRequest { ClientId = clientId, ConsensusHeight = check.Height },
            cancellationToken: cancel).ConfigureAwait(false);
        if (trusted.Client is null || trusted.Client.Frozen || trusted.Consensus is null)
        {
            // Frozen already (by us or anyone), or recovered since (a new generation trusts none of the old headers).
            return true;
        }
        var head = (await counterparty.Chain.GetStatusAsync(new GetStatusRequest(), cancellationToken: cancel).ConfigureAwait(false)).HeadHeight;
        if (head < check.Height)
        {
            if (_reportedFuture.Add(check.Height))
            {
                logger.LogWarning("client {Client} on {Chain} trusts height {Height} of {Counterparty}, which has committed only up to {Head}: checked once it gets there",
                    clientId, host.Id, check.Height, counterparty.Id, head);
            }
            return false;
        }
        GetBlockResponse real;
        try
        {
            real = await counterparty.Chain.GetBlockAsync(new GetBlockRequest { Height = check.Height }, cancellationToken: cancel).ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
        {
            // A node restored from a snapshot keeps no blocks below it: this height cannot be checked against it, and
            // waiting would hold the cursor for ever.
            logger.LogWarning("client {Client} on {Chain}: {Counterparty}'s node keeps no block at height {Height} ({Detail}); that update is not checked",
                clientId, host.Id, counterparty.Id, check.Height, ex.Status.Detail);
            return true;
        }
        if (real.BlockHash.Equals(trusted.Consensus.HeaderHash))
        {
            return true;
        }
        metrics.Misbehaviour(host.Id, clientId, "detected");
        var update = await UpdateFromTransactionAsync(check, cancel).ConfigureAwait(false);
        logger.LogError("MISBEHAVIOUR: client {Client} on {Chain} trusts header {Trusted} at height {Height} of {Counterparty}, which committed {Real} there; " +
            "the update came in transaction {Tx} ({Found}). Submitting the evidence to freeze the client.",
            clientId, host.Id, Hex(trusted.Consensus.HeaderHash), check.Height, counterparty.Id, Hex(real.BlockHash), Hex(check.TxId),
            update is null ? "its calldata does not carry it: the real header is sent as a conflicting update" : "recovered from its calldata");
        GetCommitProofResponse proof;
        try
        {
            proof = await counterparty.Relay.GetCommitProofAsync(new GetCommitProofRequest { Height = check.Height }, cancellationToken: cancel).ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.FailedPrecondition)
        {
            logger.LogWarning("misbehaviour of {Client} on {Chain} at height {Height}: the counterparty's commit proof is not available yet ({Detail}); retrying",
                clientId, host.Id, check.Height, ex.Status.Detail);
            return false;
        }
        var realUpdate = new LightClientUpdate { Header = proof.Certified };
        if (proof.Epoch != trusted.Client.Epoch)
        {
            realUpdate.NextValidators = proof.Validators;
        }
        var message = update is null
            ? RelayMessages.UpdateClient(clientId, realUpdate)
            : RelayMessages.SubmitMisbehaviour(clientId, new LightClientMisbehaviour { First = update, Second = realUpdate });
        var ids = await host.SubmitBatchesAsync([([message], EvidenceGas(trusted.Client.Validators.Validators.Count))], cancel).ConfigureAwait(false);
        var receipts = await host.WaitForReceiptsAsync(ids, cancel).ConfigureAwait(false);
        var after = await host.Relay.GetRelayClientAsync(new GetRelayClientRequest { ClientId = clientId }, cancellationToken: cancel).ConfigureAwait(false);
        if (after.Client?.Frozen == true)
        {
            metrics.Misbehaviour(host.Id, clientId, "frozen");
            logger.LogError("MISBEHAVIOUR: froze client {Client} on {Chain} at its height {FrozenAt} (evidence in transaction {Tx}); " +
                "packets on its channels stop until the committee recovers it (`relay propose-client --recover`)",
                clientId, host.Id, after.Client.FrozenAt, string.Join(", ", ids.Select(Hex)));
            return true;
        }
        var failure = receipts.Count == 0 ? "the node did not take the transaction"
            : receipts[0].Status != ReceiptStatus.Success ? $"{receipts[0].Error} {receipts[0].ErrorMessage}"
            : "the contract refused the evidence (see RelayMessageFailed in the receipt)";
        throw new InvalidOperationException($"the evidence against client '{clientId}' did not freeze it: {failure}");
    }

    /// <summary>The update that made the client trust the header, read from the transaction's calldata (null when it is not there).</summary>
    private async Task<LightClientUpdate?> UpdateFromTransactionAsync(Check check, CancellationToken cancel)
    {
        var tx = await host.Chain.GetTransactionAsync(new GetTransactionRequest { TxId = check.TxId }, cancellationToken: cancel).ConfigureAwait(false);
        try
        {
            var body = TransactionBody.Parser.ParseFrom(SignedTransaction.Parser.ParseFrom(tx.Transaction).Body);
            return RelayMessages.FindUpdate(body.Data.Span, clientId, check.Height);
        }
        catch (InvalidProtocolBufferException)
        {
            return null;
        }
    }

    private static string Hex(ByteString bytes) => Convert.ToHexStringLower(bytes.Span);
}
