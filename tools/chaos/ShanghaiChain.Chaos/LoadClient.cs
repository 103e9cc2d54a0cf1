using System.Collections.Concurrent;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Transactions;
using ShanghaiChain.V1;

namespace ShanghaiChain.Chaos;

/// <summary>A transaction a node acknowledged: a receipt was returned for it, so it must be on the chain for ever.</summary>
internal sealed record AcknowledgedTransaction(ByteString TxId, Address Sender, ulong Nonce, ulong Height, int Node);

/// <summary>
/// Steady transfer load through every node's app API, as an application would send it: each sender signs a window of
/// consecutive nonces once, submits the window to a node, and waits for each receipt; a node that fails or stalls is
/// left for another, to which the same signed bytes are submitted again (so a retry can never use a nonce twice). A
/// receipt is the acknowledgement the checker holds the chain to.
/// </summary>
internal sealed class LoadClient : IDisposable
{
    private static readonly Address Sink = Address.Parse("0x00000000000000000000000000000000000c4a05");
    private const int Window = 8;
    private readonly ChaosCluster _cluster;
    private readonly GrpcChannel[] _channels;
    private readonly Random _random;
    private readonly Lock _randomLock = new();

    public LoadClient(ChaosCluster cluster, int seed)
    {
        _cluster = cluster;
        _random = new Random(seed);
        _channels = [.. cluster.Nodes.Select(n => GrpcChannel.ForAddress(n.ApiUrl))];
    }

    public ConcurrentDictionary<ByteString, AcknowledgedTransaction> Acknowledged { get; } = new();

    public long Submitted => Interlocked.Read(ref _submitted);

    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>Signed transactions given up because they expired unacknowledged (never a loss: no one was told they committed).</summary>
    public long Expired => Interlocked.Read(ref _expired);

    private long _submitted;
    private long _retries;
    private long _expired;

    public ChainService.ChainServiceClient Client(int node) => new(_channels[node]);

    public Task RunAsync(CancellationToken stop) =>
        Task.WhenAll(_cluster.LoadKeys.Select(key => Task.Run(() => SenderAsync(key, stop), CancellationToken.None)));

    private int PickNode()
    {
        lock (_randomLock)
        {
            return _random.Next(_channels.Length);
        }
    }

    private async Task SenderAsync(KeyFile key, CancellationToken stop)
    {
        ulong nonce = 0;
        while (!stop.IsCancellationRequested)
        {
            // Sign a window once; these exact bytes are what every retry sends.
            var head = await HeadAsync(stop).ConfigureAwait(false);
            if (head is null)
            {
                continue;
            }
            var expiry = head.Value + 600;
            var window = Enumerable.Range(0, Window)
                .Select(i => TransactionSigner.Sign(TransactionSigner.Transfer(ChaosCluster.ChainId, nonce + (ulong)i, Sink, new UInt256(1), 21_000, expiry), key))
                .Select(ByteString.CopyFrom).ToList();
            var pending = new Queue<(ByteString Tx, ulong Nonce)>(window.Select((tx, i) => (tx, nonce + (ulong)i)));
            Interlocked.Add(ref _submitted, window.Count);
            var attempt = 0;
            while (pending.Count > 0 && !stop.IsCancellationRequested)
            {
                if (attempt++ > 0)
                {
                    Interlocked.Increment(ref _retries);
                    await Task.Delay(200, CancellationToken.None).ConfigureAwait(false);
                }
                var node = PickNode();
                var client = Client(node);
                try
                {
                    var request = new SubmitTransactionsRequest();
                    request.Transactions.AddRange(pending.Select(p => p.Tx));
                    // Refusals are expected on a retry (already known, nonce already used by this very transaction).
                    await client.SubmitTransactionsAsync(request, deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: stop).ConfigureAwait(false);
                    while (pending.Count > 0)
                    {
                        var (tx, txNonce) = pending.Peek();
                        var id = TransactionId(tx);
                        var response = await client.WaitForReceiptAsync(new WaitForReceiptRequest { TxId = id, TimeoutMs = 4_000 },
                            deadline: DateTime.UtcNow.AddSeconds(6), cancellationToken: stop).ConfigureAwait(false);
                        if (response.Receipt is null)
                        {
                            break;
                        }
                        Acknowledged[id] = new AcknowledgedTransaction(id, key.Address, txNonce, response.Receipt.BlockHeight, node);
                        pending.Dequeue();
                    }
                }
                catch (RpcException)
                {
                    // The node is down, paused, cut off or catching up: another one gets the same bytes.
                }
                if (pending.Count > 0 && attempt % 10 == 0 && await ExpiredAsync(pending.Peek().Nonce, key.Address, expiry, stop).ConfigureAwait(false))
                {
                    Interlocked.Add(ref _expired, pending.Count);
                    break;
                }
            }
            nonce = pending.Count == 0 ? nonce + Window : pending.Peek().Nonce;
        }
    }

    /// <summary>True when the head is past the window's expiry and the sender's nonce never reached it: re-sign from there.</summary>
    private async Task<bool> ExpiredAsync(ulong nonce, Address sender, ulong expiry, CancellationToken stop)
    {
        for (var node = 0; node < _channels.Length; node++)
        {
            try
            {
                var client = Client(node);
                var status = await client.GetStatusAsync(new GetStatusRequest(), deadline: DateTime.UtcNow.AddSeconds(2), cancellationToken: stop).ConfigureAwait(false);
                var account = await client.GetAccountAsync(new GetAccountRequest { Address = ByteString.CopyFrom(sender.ToArray()) },
                    deadline: DateTime.UtcNow.AddSeconds(2), cancellationToken: stop).ConfigureAwait(false);
                return status.HeadHeight > expiry && account.Nonce <= nonce;
            }
            catch (RpcException)
            {
            }
        }
        return false;
    }

    private async Task<ulong?> HeadAsync(CancellationToken stop)
    {
        try
        {
            var status = await Client(PickNode()).GetStatusAsync(new GetStatusRequest(), deadline: DateTime.UtcNow.AddSeconds(2), cancellationToken: stop).ConfigureAwait(false);
            return status.HeadHeight;
        }
        catch (RpcException)
        {
            await Task.Delay(100, CancellationToken.None).ConfigureAwait(false);
            return null;
        }
    }

    private static ByteString TransactionId(ByteString signed) =>
        ByteString.CopyFrom(Core.Crypto.CryptoSuite.Ed25519Sha256.Hash(signed.Span).ToArray());

    public void Dispose()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }
    }
}
