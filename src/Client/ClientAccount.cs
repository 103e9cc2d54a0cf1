using Google.Protobuf;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Transactions;
using ShanghaiChain.V1;

namespace ShanghaiChain.Client;

/// <summary>How a transaction is built; every field has a default.</summary>
public sealed record TransactionOptions
{
    /// <summary>The nonce to use; null takes the account's next one (and re-reads it when the node says it is stale).</summary>
    public ulong? Nonce { get; init; }

    /// <summary>Null: the chain's intrinsic gas for a plain transfer, else the node's estimate plus a quarter.</summary>
    public ulong? GasLimit { get; init; }

    public UInt256 GasPrice { get; init; }

    /// <summary>Blocks after the current head until the transaction expires (at least 1).</summary>
    public ulong ExpiresIn { get; init; } = 100;

    /// <summary>How long the *AndWait methods wait for the receipt.</summary>
    public TimeSpan ReceiptTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// One sending account: signs with its key in the chain's suite and hands out its nonces. Nonces start from the
/// node's pending nonce (committed plus what waits in its mempool) and count up locally; sends from one account are
/// serialised, so they reach the node in nonce order. A send the node refuses does not use its nonce; a send whose
/// outcome is unknown (the connection broke) or that the node calls stale (NONCE_TOO_LOW, NONCE_GAP) makes the next
/// send read the nonce from the node again, and a stale one is retried once with the fresh nonce.
/// </summary>
public sealed class ClientAccount
{
    private readonly ShanghaiChainClient _client;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ulong? _next;

    internal ClientAccount(ShanghaiChainClient client, KeyFile key)
    {
        if (key.Suite.Name != client.Suite.Name)
        {
            throw new ArgumentException($"the key is {key.Suite.Name} but chain '{client.ChainId}' uses {client.Suite.Name}", nameof(key));
        }
        _client = client;
        Key = key;
    }

    public KeyFile Key { get; }

    public Address Address => Key.Address;

    /// <summary>Forgets the local nonce: the next send reads it from the node (after transactions were sent from elsewhere).</summary>
    public void ResetNonce()
    {
        _gate.Wait();
        _next = null;
        _gate.Release();
    }

    /// <summary>Signs and submits a transaction; returns its id once the node's mempool took it.</summary>
    /// <param name="to">The recipient or contract; null deploys <paramref name="data"/> as init code.</param>
    /// <exception cref="TransactionRejectedException">The node's admission refused it.</exception>
    /// <exception cref="ExecutionRevertedException">Gas estimation showed it would fail; nothing was sent.</exception>
    public async Task<Hash32> SendAsync(Address? to, UInt256 value, ReadOnlyMemory<byte> data, TransactionOptions? options = null, CancellationToken cancel = default)
    {
        options ??= new TransactionOptions();
        if (options.ExpiresIn == 0)
        {
            throw new ArgumentException("ExpiresIn must be at least 1 block", nameof(options));
        }
        var status = await _client.GetStatusAsync(cancel).ConfigureAwait(false);
        var gasLimit = options.GasLimit ?? (to is not null && data.IsEmpty
            ? status.IntrinsicGas
            : await EstimateAsync(to, value, data, options.GasPrice, cancel).ConfigureAwait(false));
        var body = new TransactionBody
        {
            ChainId = _client.ChainId,
            GasLimit = gasLimit,
            GasPrice = options.GasPrice.IsZero ? ByteString.Empty : ByteString.CopyFrom(options.GasPrice.ToBigEndian()),
            To = to is { } recipient ? recipient.ToByteString() : ByteString.Empty,
            Value = value.IsZero ? ByteString.Empty : ByteString.CopyFrom(value.ToBigEndian()),
            Data = ByteString.CopyFrom(data.Span),
            ExpiresAtHeight = status.HeadHeight + options.ExpiresIn,
        };
        if (options.Nonce is { } fixedNonce)
        {
            body.Nonce = fixedNonce;
            return await _client.SubmitAsync(TransactionSigner.Sign(body, Key), cancel).ConfigureAwait(false);
        }
        await _gate.WaitAsync(cancel).ConfigureAwait(false);
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                _next ??= (await _client.GetAccountAsync(Address, cancel).ConfigureAwait(false)).PendingNonce;
                body.Nonce = _next.Value;
                try
                {
                    var id = await _client.SubmitAsync(TransactionSigner.Sign(body, Key), cancel).ConfigureAwait(false);
                    _next = body.Nonce + 1;
                    return id;
                }
                catch (TransactionRejectedException ex) when (ex.Reason is "NONCE_TOO_LOW" or "NONCE_GAP")
                {
                    _next = null;
                    if (attempt > 0)
                    {
                        throw;
                    }
                }
                catch (TransactionRejectedException)
                {
                    throw;
                }
                catch
                {
                    // Unknown whether the node took it: read the nonce again next time.
                    _next = null;
                    throw;
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary><see cref="SendAsync"/>, then the receipt.</summary>
    /// <exception cref="TimeoutException">Not committed within <see cref="TransactionOptions.ReceiptTimeout"/>.</exception>
    public async Task<Receipt> SendAndWaitAsync(Address? to, UInt256 value, ReadOnlyMemory<byte> data, TransactionOptions? options = null, CancellationToken cancel = default)
    {
        var id = await SendAsync(to, value, data, options, cancel).ConfigureAwait(false);
        return await _client.WaitForReceiptAsync(id, (options ?? new TransactionOptions()).ReceiptTimeout, cancel).ConfigureAwait(false);
    }

    /// <summary>Transfers native value and waits for the receipt.</summary>
    public Task<Receipt> TransferAsync(Address to, UInt256 value, TransactionOptions? options = null, CancellationToken cancel = default) =>
        SendAndWaitAsync(to, value, ReadOnlyMemory<byte>.Empty, options, cancel);

    /// <summary>
    /// Deploys a contract (init code, with constructor arguments ABI-encoded after it when the ABI has a constructor)
    /// and waits for it; the returned client calls it at its new address.
    /// </summary>
    /// <exception cref="TransactionFailedException">The deployment executed and failed.</exception>
    public async Task<ContractClient> DeployAsync(ReadOnlyMemory<byte> initCode, Vm.Abi.ContractAbi abi, object?[]? constructorArguments = null,
        TransactionOptions? options = null, CancellationToken cancel = default)
    {
        byte[] data = abi.Constructor is { } constructor
            ? [.. initCode.Span, .. Vm.Abi.AbiCodec.Encode(constructor.Inputs, AbiArguments.ToJson(constructorArguments ?? []))]
            : initCode.ToArray();
        var receipt = await SendAndWaitAsync(null, UInt256.Zero, data, options, cancel).ConfigureAwait(false);
        if (receipt.Status != ReceiptStatus.Success || !Address.TryRead(receipt.ContractAddress.Span, out var address))
        {
            throw new TransactionFailedException(receipt, $"the deployment failed: {receipt.Error}: {ContractClient.Describe(abi, receipt.ErrorMessage, receipt.Output.Span)}");
        }
        return _client.Contract(address, abi);
    }

    private async Task<ulong> EstimateAsync(Address? to, UInt256 value, ReadOnlyMemory<byte> data, UInt256 price, CancellationToken cancel)
    {
        var request = new CallRequest
        {
            From = Address.ToByteString(),
            To = to is { } recipient ? recipient.ToByteString() : ByteString.Empty,
            Data = ByteString.CopyFrom(data.Span),
            Value = value.IsZero ? ByteString.Empty : ByteString.CopyFrom(value.ToBigEndian()),
            GasPrice = price.IsZero ? ByteString.Empty : ByteString.CopyFrom(price.ToBigEndian()),
        };
        try
        {
            var estimate = await _client.Chain.EstimateGasAsync(request, cancellationToken: cancel).ConfigureAwait(false);
            // The estimate is the least gas that succeeds now; a quarter more covers state that changes before inclusion.
            return estimate.GasLimit + estimate.GasLimit / 4;
        }
        catch (Grpc.Core.RpcException ex) when (ApiTrailers.ReasonOf(ex) == "EXECUTION_FAILED")
        {
            var revert = Hex.TryDecode(ex.Trailers.GetValue(ApiTrailers.RevertDataTrailer) ?? "", out var bytes) ? bytes : [];
            throw new ExecutionRevertedException(ex.Status.Detail, revert, ex);
        }
        catch (Grpc.Core.RpcException ex)
        {
            throw ShanghaiChainException.From(ex);
        }
    }
}
