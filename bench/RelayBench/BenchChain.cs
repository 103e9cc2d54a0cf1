using Google.Protobuf;
using Grpc.Net.Client;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Transactions;
using ShanghaiChain.V1;
using ShanghaiChain.Vm.Abi;

namespace ShanghaiChain.RelayBench;

/// <summary>One chain as the benchmark's application sees it: the node's API and the operator key that sends.</summary>
internal sealed class BenchChain : IDisposable
{
    private readonly GrpcChannel _channel;
    private ulong _nonce;

    private BenchChain(GrpcChannel channel, KeyFile key, string chainId, ulong nonce)
    {
        _channel = channel;
        Key = key;
        ChainId = chainId;
        _nonce = nonce;
        Api = new ChainService.ChainServiceClient(channel);
        Relay = new RelayService.RelayServiceClient(channel);
    }

    public KeyFile Key { get; }
    public string ChainId { get; }
    public ChainService.ChainServiceClient Api { get; }
    public RelayService.RelayServiceClient Relay { get; }

    public static async Task<BenchChain> ConnectAsync(string url, string keyFile)
    {
        var channel = GrpcChannel.ForAddress(url, new GrpcChannelOptions { MaxSendMessageSize = 64 << 20, MaxReceiveMessageSize = 64 << 20 });
        var key = KeyFile.Load(keyFile);
        var api = new ChainService.ChainServiceClient(channel);
        var status = await api.GetStatusAsync(new GetStatusRequest());
        var nonce = (await api.GetAccountAsync(new GetAccountRequest { Address = key.Address.ToByteString() })).Nonce;
        return new BenchChain(channel, key, status.ChainId, nonce);
    }

    public static byte[] Call(string signature, AbiTuple arguments)
    {
        var selector = AbiSignature.Selector(signature);
        return [(byte)(selector >> 24), (byte)(selector >> 16), (byte)(selector >> 8), (byte)selector, .. arguments.Encode()];
    }

    /// <summary>Signs a transaction with the next nonce (the benchmark is the key's only user).</summary>
    public async Task<byte[]> SignAsync(Address? to, byte[] data, ulong gas = 1_000_000)
    {
        var head = (await Api.GetStatusAsync(new GetStatusRequest())).HeadHeight;
        return TransactionSigner.Sign(new TransactionBody
        {
            ChainId = ChainId,
            Nonce = _nonce++,
            GasLimit = gas,
            To = to is { } t ? t.ToByteString() : ByteString.Empty,
            Data = ByteString.CopyFrom(data),
            ExpiresAtHeight = head + 1_000,
        }, Key);
    }

    public async Task<Receipt> SendAsync(Address? to, byte[] data, ulong gas = 5_000_000)
    {
        var id = (await Api.SubmitTransactionAsync(new SubmitTransactionRequest { Transaction = ByteString.CopyFrom(await SignAsync(to, data, gas)) })).TxId;
        var receipt = (await Api.WaitForReceiptAsync(new WaitForReceiptRequest { TxId = id, TimeoutMs = 60_000 })).Receipt;
        return receipt.Status == ReceiptStatus.Success ? receipt : throw new InvalidOperationException($"{ChainId}: {receipt.Error} {receipt.ErrorMessage}");
    }

    public async Task<ulong> CounterAsync(Address contract, string signature)
    {
        var response = await Api.CallAsync(new CallRequest { To = contract.ToByteString(), Data = ByteString.CopyFrom(Call(signature, new AbiTuple())) });
        return response.Success ? UInt256.ReadBigEndian(response.Output.Span).U0 : throw new InvalidOperationException(response.ErrorMessage);
    }

    public void Dispose() => _channel.Dispose();
}
