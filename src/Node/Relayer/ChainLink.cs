using Google.Protobuf;
using Grpc.Net.Client;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Transactions;
using ShanghaiChain.Relay;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Relayer;

/// <summary>
/// The relayer's connection to one chain: the node's ChainService and RelayService, and the key that signs the
/// relayer's transactions there. Nonces are handed out locally (several directions may deliver to one chain at once)
/// and resynchronised from the account when the node refuses one.
/// </summary>
public sealed class ChainLink : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly KeyFile _key;
    private readonly SemaphoreSlim _submit = new(1, 1);
    private ulong? _nextNonce;

    private ChainLink(RelayerChain config, GrpcChannel channel, KeyFile key, GetStatusResponse status)
    {
        Config = config;
        _channel = channel;
        _key = key;
        Chain = new ChainService.ChainServiceClient(channel);
        Relay = new RelayService.RelayServiceClient(channel);
        MaxLifetime = Math.Max(1, Math.Min(status.TxMaxLifetimeBlocks, 100));
    }

    public RelayerChain Config { get; }

    public string Id => Config.Id;

    public ChainService.ChainServiceClient Chain { get; }

    public RelayService.RelayServiceClient Relay { get; }

    private ulong MaxLifetime { get; }

    /// <summary>Connects and checks that the node serves the chain the config names, and that the key is of its suite.</summary>
    public static async Task<ChainLink> ConnectAsync(RelayerChain config, CancellationToken cancel)
    {
        KeyFile key;
        try
        {
            key = KeyFile.Load(config.KeyFile);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or InvalidDataException or System.Text.Json.JsonException)
        {
            throw new RelayerConfigException($"chain '{config.Id}': cannot read key {config.KeyFile}: {ex.Message}");
        }
        var channel = GrpcChannel.ForAddress(config.Node);
        var status = await new ChainService.ChainServiceClient(channel).GetStatusAsync(new GetStatusRequest(), cancellationToken: cancel).ConfigureAwait(false);
        if (status.ChainId != config.Id)
        {
            channel.Dispose();
            throw new RelayerConfigException($"chain '{config.Id}': the node at {config.Node} serves chain '{status.ChainId}'");
        }
        if (status.CryptoSuite != key.Suite.Name)
        {
            channel.Dispose();
            throw new RelayerConfigException($"chain '{config.Id}' uses {status.CryptoSuite} but the key {config.KeyFile} is {key.Suite.Name}");
        }
        return new ChainLink(config, channel, key, status);
    }

    /// <summary>
    /// Submits relayBatch transactions (one per message list, with consecutive nonces, in one submission, so they are
    /// executed in this order) and returns the ids of those the node took. Whether each message took effect is judged
    /// later from the chain's state, not from the receipts (another relayer may have done it).
    /// </summary>
    public async Task<IReadOnlyList<ByteString>> SubmitBatchesAsync(IReadOnlyList<(List<byte[]> Messages, ulong Gas)> transactions, CancellationToken cancel)
    {
        var ids = new List<ByteString>();
        for (var attempt = 0; attempt < 2 && ids.Count == 0; attempt++)
        {
            await _submit.WaitAsync(cancel).ConfigureAwait(false);
            try
            {
                var head = (await Chain.GetStatusAsync(new GetStatusRequest(), cancellationToken: cancel).ConfigureAwait(false)).HeadHeight;
                _nextNonce ??= (await Chain.GetAccountAsync(new GetAccountRequest { Address = _key.Address.ToByteString() }, cancellationToken: cancel).ConfigureAwait(false)).Nonce;
                var request = new SubmitTransactionsRequest();
                var nonce = _nextNonce.Value;
                foreach (var (messages, gas) in transactions)
                {
                    request.Transactions.Add(ByteString.CopyFrom(TransactionSigner.Sign(new TransactionBody
                    {
                        ChainId = Id,
                        Nonce = nonce++,
                        GasLimit = gas,
                        To = CrossChainLayout.Address.ToByteString(),
                        Data = ByteString.CopyFrom(RelayMessages.Batch(messages)),
                        ExpiresAtHeight = head + MaxLifetime,
                    }, _key)));
                }
                var results = (await Chain.SubmitTransactionsAsync(request, cancellationToken: cancel).ConfigureAwait(false)).Results;
                var accepted = results.TakeWhile(r => r.Reason.Length == 0).Count();
                _nextNonce += (ulong)accepted;
                ids.AddRange(results.Take(accepted).Select(r => r.TxId));
                if (accepted < results.Count)
                {
                    // A nonce the node does not take (a transaction of ours expired, or another process used the key): read
                    // it again; the messages not sent are sent next round.
                    _nextNonce = null;
                    if (accepted == 0 && attempt == 1)
                    {
                        throw new InvalidOperationException($"chain '{Id}' refused the relayer's transaction: {results[0].Reason} {results[0].Message}");
                    }
                }
            }
            finally
            {
                _submit.Release();
            }
        }
        return ids;
    }

    /// <summary>The receipts of submitted transactions, in order. A failed batch (out of gas) leaves nothing standing; its messages are retried.</summary>
    public async Task<IReadOnlyList<Receipt>> WaitForReceiptsAsync(IReadOnlyList<ByteString> ids, CancellationToken cancel)
    {
        var receipts = await Task.WhenAll(ids.Select(id =>
            Chain.WaitForReceiptAsync(new WaitForReceiptRequest { TxId = id, TimeoutMs = 60_000 }, cancellationToken: cancel).ResponseAsync)).ConfigureAwait(false);
        return [.. receipts.Select(r => r.Receipt)];
    }

    public void Dispose()
    {
        _channel.Dispose();
        _submit.Dispose();
    }
}
