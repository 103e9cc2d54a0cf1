using System.Text.Json.Nodes;
using Google.Protobuf;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;
using ShanghaiChain.Vm.Abi;

namespace ShanghaiChain.Client;

/// <summary>How a read-only call runs: as <see cref="From"/> (default the zero address), with <see cref="Value"/>, on the state after <see cref="Height"/> (0: the head).</summary>
public sealed record CallOptions
{
    public Address? From { get; init; }

    public UInt256 Value { get; init; }

    public ulong Height { get; init; }
}

/// <summary>A read-only call's decoded outputs, the gas it used and the height whose state it ran on.</summary>
public sealed record ContractCallResult(JsonArray Outputs, ulong GasUsed, ulong Height);

/// <summary>A log of a contract decoded by its ABI: the event's name and its arguments by name.</summary>
public sealed record DecodedEvent(string Name, JsonObject Arguments, Log Log);

/// <summary>
/// A deployed contract seen through its ABI: read-only calls return the decoded outputs; sends sign a transaction
/// from a <see cref="ClientAccount"/> and wait for its receipt; a revert with a custom error the ABI declares is
/// reported by name with its decoded arguments. Function names may be overloaded; pass the signature then
/// ("transfer(address,uint256)").
/// </summary>
public sealed class ContractClient
{
    private readonly ShanghaiChainClient _client;

    internal ContractClient(ShanghaiChainClient client, Address address, ContractAbi abi)
    {
        _client = client;
        Address = address;
        Abi = abi;
    }

    public Address Address { get; }

    public ContractAbi Abi { get; }

    /// <summary>The call data of <paramref name="function"/> with <paramref name="arguments"/> (see <see cref="AbiArguments"/>).</summary>
    /// <exception cref="AbiException">Unknown function, or arguments that do not fit its inputs.</exception>
    public byte[] Encode(string function, params object?[] arguments)
    {
        var target = Abi.GetFunction(function);
        return [.. target.Selector, .. AbiCodec.Encode(target.Inputs, AbiArguments.ToJson(arguments))];
    }

    /// <summary>Runs <paramref name="function"/> read-only and decodes its outputs.</summary>
    /// <exception cref="ExecutionRevertedException">The call reverted; the message names a custom error the ABI declares.</exception>
    public Task<ContractCallResult> CallAsync(string function, object?[] arguments, CallOptions? options = null, CancellationToken cancel = default) =>
        CallAsync(Abi.GetFunction(function), Encode(function, arguments), options, cancel);

    /// <summary>Runs call data already encoded for <paramref name="function"/> read-only and decodes its outputs.</summary>
    /// <exception cref="ExecutionRevertedException">The call reverted.</exception>
    /// <exception cref="AbiException">The contract returned bytes that do not decode as the function's outputs.</exception>
    public async Task<ContractCallResult> CallAsync(AbiFunction function, ReadOnlyMemory<byte> callData, CallOptions? options = null, CancellationToken cancel = default)
    {
        options ??= new CallOptions();
        var response = await Rpc.Unary(_client.Chain.CallAsync(new CallRequest
        {
            From = (options.From ?? Address.Zero).ToByteString(),
            To = Address.ToByteString(),
            Data = ByteString.CopyFrom(callData.Span),
            Value = options.Value.IsZero ? ByteString.Empty : ByteString.CopyFrom(options.Value.ToBigEndian()),
            Height = options.Height,
        }, cancellationToken: cancel)).ConfigureAwait(false);
        if (!response.Success)
        {
            throw new ExecutionRevertedException($"{response.Error}: {Describe(Abi, response.ErrorMessage, response.Output.Span)}", response.Output.ToByteArray());
        }
        return new ContractCallResult(AbiCodec.Decode(function.Outputs, response.Output.Span), response.GasUsed, response.Height);
    }

    /// <summary>Sends <paramref name="function"/> as a transaction from <paramref name="sender"/> and waits for its receipt.</summary>
    /// <exception cref="ExecutionRevertedException">Gas estimation showed it would revert; nothing was sent.</exception>
    /// <exception cref="TransactionFailedException">It executed and failed (the gas it used was charged).</exception>
    public async Task<Receipt> SendAsync(ClientAccount sender, string function, object?[] arguments, UInt256 value = default,
        TransactionOptions? options = null, CancellationToken cancel = default)
    {
        var data = Encode(function, arguments);
        Receipt receipt;
        try
        {
            receipt = await sender.SendAndWaitAsync(Address, value, data, options, cancel).ConfigureAwait(false);
        }
        catch (ExecutionRevertedException ex)
        {
            throw new ExecutionRevertedException($"the transaction would fail, so it was not sent: {Describe(Abi, ex.Message, ex.RevertData)}", ex.RevertData, ex);
        }
        if (receipt.Status != ReceiptStatus.Success)
        {
            throw new TransactionFailedException(receipt, $"{function} failed in block {receipt.BlockHeight}: {receipt.Error}: {Describe(Abi, receipt.ErrorMessage, receipt.Output.Span)}");
        }
        return receipt;
    }

    /// <summary>This contract's logs in <paramref name="receipt"/> that its ABI declares, decoded.</summary>
    public IReadOnlyList<DecodedEvent> DecodeEvents(Receipt receipt) =>
        [.. receipt.Logs.Select(TryDecode).OfType<DecodedEvent>()];

    /// <summary>One log decoded when it is this contract's and its ABI declares the event; null otherwise.</summary>
    public DecodedEvent? TryDecode(Log log)
    {
        if (!log.Address.Span.SequenceEqual(Address.ToArray()) || log.Topics.Count == 0 || Abi.FindEvent(log.Topics[0].Span) is not { } abiEvent)
        {
            return null;
        }
        try
        {
            return new DecodedEvent(abiEvent.Name, AbiCodec.DecodeLog(abiEvent, [.. log.Topics.Select(t => t.ToByteArray())], log.Data.Span), log);
        }
        catch (AbiException)
        {
            return null;
        }
    }

    /// <summary>Events named <paramref name="eventName"/> of this contract, decoded, resumed after a broken stream (see <see cref="ShanghaiChainClient.FollowEventsAsync"/>).</summary>
    public async IAsyncEnumerable<(DecodedEvent Event, EventCursor Cursor)> FollowEventsAsync(string eventName, EventCursor? after = null,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancel = default)
    {
        var abiEvent = Abi.Events.FirstOrDefault(e => e.Name == eventName) ?? throw new AbiException($"the ABI declares no event '{eventName}'");
        var filter = new EventFilter { Addresses = [Address], Topics = [[abiEvent.Topic]] };
        await foreach (var item in _client.FollowEventsAsync(filter, after, cancel).ConfigureAwait(false))
        {
            if (TryDecode(item.Log) is { } decoded)
            {
                yield return (decoded, item.Cursor);
            }
        }
    }

    /// <summary>The node's message, with a custom error named and decoded when the ABI declares it.</summary>
    public static string Describe(ContractAbi? abi, string message, ReadOnlySpan<byte> output)
    {
        if (abi?.FindError(output) is not { } error)
        {
            return message;
        }
        try
        {
            return $"execution reverted: {error.Name}{AbiCodec.Decode(error.Inputs, output[4..]).ToJsonString()}";
        }
        catch (AbiException)
        {
            return message;
        }
    }
}
