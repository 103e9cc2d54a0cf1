using System.Globalization;
using Google.Protobuf;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Relay.Channels;
using ShanghaiChain.V1;
using ShanghaiChain.Vm.Abi;
using ShanghaiChain.Vm.Evm.SystemContracts;

namespace ShanghaiChain.Relay.Contract;

/// <summary>
/// The channel handshake (docs/relay.md, "Channels"): init on A by the application contract; try on B, proving A's
/// INIT end and asking B's application to accept; ack on A, proving B's TRYOPEN end; confirm on B, proving A's OPEN end.
/// Each end is proven as its commitment (<see cref="RelayCommitments.Channel"/>) in the counterparty's storage.
/// </summary>
public sealed partial class CrossChainContract
{
    private static readonly uint OnChannelOpenTry = AbiSignature.Selector("onChannelOpenTry(string,address,bool,string)");

    /// <summary>Gas an application may use to accept or refuse a channel.</summary>
    public const long ChannelCallbackGas = 200_000;

    private SystemCallResult RunChannelOpenInit(SystemCallContext context, CallStorage storage, AbiReader args)
    {
        if (!CallArguments.TryIdentifier(args, 0, out var clientId) || !CallArguments.TryAddress(args, 1, out var counterpartyContract) ||
            !CallArguments.TryBool(args, 2, out var ordered) || !CallArguments.TryVersion(args, 3, out var version))
        {
            return Revert("malformed channelOpenInit arguments");
        }
        if (storage.Record(CrossChainLayout.ClientSlot(clientId), LightClientState.Parser) is not { } client)
        {
            return Revert($"no client '{clientId}'");
        }
        var channel = new RelayChannel
        {
            State = RelayChannelState.Init,
            Ordered = ordered,
            ClientId = clientId,
            CounterpartyChainId = client.ChainId,
            LocalContract = context.Caller.ToByteString(),
            CounterpartyContract = counterpartyContract.ToByteString(),
            Version = version,
        };
        var channelId = NewChannel(storage, channel);
        CrossChainEvents.Emit(context, CrossChainEvents.ChannelOpenInit,
            new AbiTuple().String(channelId).String(clientId).Address(context.Caller).Address(counterpartyContract).Bool(ordered));
        return SystemCallResult.Return(new AbiTuple().String(channelId).Encode());
    }

    private SystemCallResult RunChannelOpenTry(SystemCallContext context, CallStorage storage, AbiReader args)
    {
        if (!CallArguments.TryIdentifier(args, 0, out var clientId) || !CallArguments.TryIdentifier(args, 1, out var counterpartyChannel) ||
            !CallArguments.TryAddress(args, 2, out var localContract) || !CallArguments.TryAddress(args, 3, out var counterpartyContract) ||
            !CallArguments.TryBool(args, 4, out var ordered) || !CallArguments.TryVersion(args, 5, out var version) ||
            !CallArguments.TryUInt64(args, 6, out var proofHeight) || !args.TryBytes(7, out var proof))
        {
            return Revert("malformed channelOpenTry arguments");
        }
        if (storage.Record(CrossChainLayout.ClientSlot(clientId), LightClientState.Parser) is not { } client)
        {
            return Revert($"no client '{clientId}'");
        }
        var answered = CrossChainLayout.TrySlot(clientId, counterpartyChannel);
        if (!storage.Word(answered).IsZero)
        {
            return Revert($"channel '{counterpartyChannel}' of '{client.ChainId}' already has an end here");
        }
        // A's end as A wrote it: INIT, naming this chain, no counterparty channel yet, the two contracts swapped.
        var expected = new RelayChannel
        {
            State = RelayChannelState.Init,
            Ordered = ordered,
            CounterpartyChainId = chainId,
            LocalContract = counterpartyContract.ToByteString(),
            CounterpartyContract = localContract.ToByteString(),
            Version = version,
        };
        var commitment = RelayCommitments.Channel(Core.Crypto.CryptoSuite.FromName(client.CryptoSuite), expected);
        if (!ProvesValue(context, storage, clientId, proofHeight, proof, CrossChainLayout.ChannelSlot(counterpartyChannel), commitment,
            "channel end", out var problem))
        {
            return Revert($"channelOpenTry refused: {problem}");
        }
        var channel = new RelayChannel
        {
            State = RelayChannelState.Tryopen,
            Ordered = ordered,
            ClientId = clientId,
            CounterpartyChainId = client.ChainId,
            CounterpartyChannel = counterpartyChannel,
            LocalContract = localContract.ToByteString(),
            CounterpartyContract = counterpartyContract.ToByteString(),
            Version = version,
        };
        var channelId = NewChannel(storage, channel);
        storage.Set(answered, UInt256.One);
        // The application binds itself to the channel only by accepting it: a contract that does not answer true is never bound.
        var call = Encode(OnChannelOpenTry, new AbiTuple().String(channelId).Address(counterpartyContract).Bool(ordered).String(version));
        if (!context.TryCall(localContract, call, ChannelCallbackGas, isStatic: false, out var answer))
        {
            throw new CallHalted();
        }
        var accepted = answer.Output.Span;
        if (!answer.Success || accepted.Length != 32 || accepted[31] != 1 || accepted[..31].ContainsAnyExcept((byte)0))
        {
            return Revert($"{localContract} did not accept the channel");
        }
        CrossChainEvents.Emit(context, CrossChainEvents.ChannelOpenTry,
            new AbiTuple().String(channelId).String(counterpartyChannel).Address(localContract).Address(counterpartyContract).Bool(ordered));
        return SystemCallResult.Return(new AbiTuple().String(channelId).Encode());
    }

    private SystemCallResult RunChannelOpenAck(SystemCallContext context, CallStorage storage, AbiReader args)
    {
        if (!CallArguments.TryIdentifier(args, 0, out var channelId) || !CallArguments.TryIdentifier(args, 1, out var counterpartyChannel) ||
            !CallArguments.TryUInt64(args, 2, out var proofHeight) || !args.TryBytes(3, out var proof))
        {
            return Revert("malformed channelOpenAck arguments");
        }
        if (storage.Record(CrossChainLayout.ChannelRecordSlot(channelId), RelayChannel.Parser) is not { } channel || channel.State != RelayChannelState.Init)
        {
            return Revert($"channel '{channelId}' is not in INIT");
        }
        var expected = CounterpartyView(channel, RelayChannelState.Tryopen, channelId);
        if (!ProvesValue(context, storage, channel.ClientId, proofHeight, proof, CrossChainLayout.ChannelSlot(counterpartyChannel),
            RelayCommitments.Channel(SuiteOfClient(storage, channel.ClientId), expected), "channel end", out var problem))
        {
            return Revert($"channelOpenAck refused: {problem}");
        }
        channel.State = RelayChannelState.Open;
        channel.CounterpartyChannel = counterpartyChannel;
        SaveChannel(storage, channelId, channel);
        CrossChainEvents.Emit(context, CrossChainEvents.ChannelOpenAck, new AbiTuple().String(channelId).String(counterpartyChannel));
        return SystemCallResult.Return(ReadOnlyMemory<byte>.Empty);
    }

    private SystemCallResult RunChannelOpenConfirm(SystemCallContext context, CallStorage storage, AbiReader args)
    {
        if (!CallArguments.TryIdentifier(args, 0, out var channelId) || !CallArguments.TryUInt64(args, 1, out var proofHeight) ||
            !args.TryBytes(2, out var proof))
        {
            return Revert("malformed channelOpenConfirm arguments");
        }
        if (storage.Record(CrossChainLayout.ChannelRecordSlot(channelId), RelayChannel.Parser) is not { } channel || channel.State != RelayChannelState.Tryopen)
        {
            return Revert($"channel '{channelId}' is not in TRYOPEN");
        }
        var expected = CounterpartyView(channel, RelayChannelState.Open, channelId);
        if (!ProvesValue(context, storage, channel.ClientId, proofHeight, proof, CrossChainLayout.ChannelSlot(channel.CounterpartyChannel),
            RelayCommitments.Channel(SuiteOfClient(storage, channel.ClientId), expected), "channel end", out var problem))
        {
            return Revert($"channelOpenConfirm refused: {problem}");
        }
        channel.State = RelayChannelState.Open;
        SaveChannel(storage, channelId, channel);
        CrossChainEvents.Emit(context, CrossChainEvents.ChannelOpenConfirm, new AbiTuple().String(channelId));
        return SystemCallResult.Return(ReadOnlyMemory<byte>.Empty);
    }

    /// <summary>The end the counterparty must hold, seen from its side: our chain and channel as its counterparty, the contracts swapped.</summary>
    private RelayChannel CounterpartyView(RelayChannel local, RelayChannelState state, string localChannelId) => new()
    {
        State = state,
        Ordered = local.Ordered,
        CounterpartyChainId = chainId,
        CounterpartyChannel = localChannelId,
        LocalContract = local.CounterpartyContract,
        CounterpartyContract = local.LocalContract,
        Version = local.Version,
    };

    private string NewChannel(CallStorage storage, RelayChannel channel)
    {
        var index = storage.Number(CrossChainLayout.ChannelCountSlot);
        storage.Set(CrossChainLayout.ChannelCountSlot, index + 1);
        var channelId = "channel-" + index.ToString(CultureInfo.InvariantCulture);
        SaveChannel(storage, channelId, channel);
        storage.Set(CrossChainLayout.NextSendSlot(channelId), 1);
        storage.Set(CrossChainLayout.NextReceiveSlot(channelId), 1);
        storage.Set(CrossChainLayout.NextAckSlot(channelId), 1);
        return channelId;
    }

    /// <summary>The record and, for the counterparty to prove, its commitment (the client id is local and not committed).</summary>
    private void SaveChannel(CallStorage storage, string channelId, RelayChannel channel)
    {
        storage.SetRecord(CrossChainLayout.ChannelRecordSlot(channelId), channel);
        storage.Set(CrossChainLayout.ChannelSlot(channelId), RelayCommitments.Channel(suite, channel));
    }

    private static byte[] Encode(uint selector, AbiTuple arguments) =>
        [(byte)(selector >> 24), (byte)(selector >> 16), (byte)(selector >> 8), (byte)selector, .. arguments.Encode()];

    private static Address AddressOf(ByteString bytes) => new(bytes.Span);
}
