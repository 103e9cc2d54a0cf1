using Google.Protobuf;
using Grpc.Core;
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
    /// Sends one relayBatch transaction to the cross-chain contract and waits for its receipt. Whether each message took
    /// effect is judged afterwards from the chain's state, not from this receipt (another relayer may have done it).
    /// </summary>
    public async Task<Receipt> SendBatchAsync(IReadOnlyList<byte[]> messages, ulong gasLimit, CancellationToken cancel)
    {
        var data = RelayMessages.Batch(messages);
        ByteString txId = ByteString.Empty;
        for (var attempt = 0; attempt < 2 && txId.IsEmpty; attempt++)
        {
            await _submit.WaitAsync(cancel).ConfigureAwait(false);
            try
            {
                var head = (await Chain.GetStatusAsync(new GetStatusRequest(), cancellationToken: cancel).ConfigureAwait(false)).HeadHeight;
                _nextNonce ??= (await Chain.GetAccountAsync(new GetAccountRequest { Address = _key.Address.ToByteString() }, cancellationToken: cancel).ConfigureAwait(false)).Nonce;
                var body = new TransactionBody
                {
                    ChainId = Id,
                    Nonce = _nextNonce.Value,
                    GasLimit = gasLimit,
                    To = CrossChainLayout.Address.ToByteString(),
                    Data = ByteString.CopyFrom(data),
                    ExpiresAtHeight = head + MaxLifetime,
                };
                try
                {
                    txId = (await Chain.SubmitTransactionAsync(new SubmitTransactionRequest { Transaction = ByteString.CopyFrom(TransactionSigner.Sign(body, _key)) },
                        cancellationToken: cancel).ConfigureAwait(false)).TxId;
                    _nextNonce++;
                }
                catch (RpcException ex) when (ex.StatusCode is StatusCode.FailedPrecondition or StatusCode.InvalidArgument or StatusCode.AlreadyExists && attempt == 0)
                {
                    // A nonce the node does not take (a transaction of ours expired, or another process used the key): read it again.
                    _nextNonce = null;
                }
            }
            finally
            {
                _submit.Release();
            }
        }
        if (txId.IsEmpty)
        {
            throw new InvalidOperationException($"chain '{Id}' refused the relayer's transaction twice");
        }
        var receipt = await Chain.WaitForReceiptAsync(new WaitForReceiptRequest { TxId = txId, TimeoutMs = 60_000 }, cancellationToken: cancel).ConfigureAwait(false);
        if (receipt.Receipt.Status != ReceiptStatus.Success)
        {
            // Out of gas or a refused batch: nothing of it stands; the nonce was used, the messages will be retried.
            throw new InvalidOperationException($"chain '{Id}': the relay batch failed: {receipt.Receipt.Error} {receipt.Receipt.ErrorMessage}");
        }
        return receipt.Receipt;
    }

    public void Dispose()
    {
        _channel.Dispose();
        _submit.Dispose();
    }
}
