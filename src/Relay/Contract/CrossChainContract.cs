using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Trie;
using ShanghaiChain.Relay.Clients;
using ShanghaiChain.Relay.Proofs;
using ShanghaiChain.V1;
using ShanghaiChain.Vm.Abi;
using ShanghaiChain.Vm.Evm;
using ShanghaiChain.Vm.Evm.SystemContracts;

namespace ShanghaiChain.Relay.Contract;

/// <summary>
/// The cross-chain system contract at <see cref="CrossChainLayout.Address"/> (0x…1003): light clients of other chains
/// (<c>.Clients.cs</c>), the channel handshake (<c>.Channels.cs</c>), packets (<c>.Packets.cs</c>) and relayer batches
/// (<c>.Batch.cs</c>). ABI in
/// contracts/src/ICrossChain.sol, storage in <see cref="CrossChainLayout"/>, rules in docs/relay.md.
/// Validated here: calldata shape and identifiers (<see cref="CallArguments"/>; malformed → revert with a reason), who
/// may call (client creation and recovery: <paramref name="authority"/>, the governance contract executing a committee
/// decision; opening a channel and sending: the application contract), and every proof against a trusted header before anything is written. Relayer
/// messages are permissionless: proofs, not the sender, make them valid. Value and delegation are refused.
/// </summary>
/// <param name="suite">This chain's suite: commitments this chain writes are hashed with it.</param>
/// <param name="chainId">This chain's id: a counterparty's channel end must name it.</param>
/// <param name="authority">The only caller that creates and recovers clients: the governance contract (0x…1002).</param>
public sealed partial class CrossChainContract(CryptoSuite suite, string chainId, Address authority) : ISystemContract
{
    /// <summary>Any call: decoding, dispatch and hashing outside storage.</summary>
    public const long BaseGas = 5_000;

    /// <summary>Per signature a certificate check verifies: signature verification at the price of ECRECOVER's work and more.</summary>
    public const long SignatureGas = 20_000;

    /// <summary>Per node of a Merkle proof verified.</summary>
    public const long ProofNodeGas = 1_000;

    public static readonly uint CreateClient = AbiSignature.Selector("createClient(string,bytes)");
    public static readonly uint UpdateClient = AbiSignature.Selector("updateClient(string,bytes)");
    public static readonly uint SubmitMisbehaviour = AbiSignature.Selector("submitMisbehaviour(string,bytes)");
    public static readonly uint RecoverClient = AbiSignature.Selector("recoverClient(string,bytes)");
    public static readonly uint ClientStateSelector = AbiSignature.Selector("clientState(string)");
    public static readonly uint ConsensusStateSelector = AbiSignature.Selector("consensusState(string,uint64)");
    public static readonly uint ChannelOpenInit = AbiSignature.Selector("channelOpenInit(string,address,bool,string)");
    public static readonly uint ChannelOpenTry = AbiSignature.Selector("channelOpenTry(string,string,address,address,bool,string,uint64,bytes)");
    public static readonly uint ChannelOpenAck = AbiSignature.Selector("channelOpenAck(string,string,uint64,bytes)");
    public static readonly uint ChannelOpenConfirm = AbiSignature.Selector("channelOpenConfirm(string,uint64,bytes)");
    public static readonly uint ChannelSelector = AbiSignature.Selector("channel(string)");
    public static readonly uint SendPacket = AbiSignature.Selector("sendPacket(string,bytes,uint64,uint64)");
    public static readonly uint RecvPacket = AbiSignature.Selector("recvPacket(bytes,uint64,bytes)");
    public static readonly uint AcknowledgePacket = AbiSignature.Selector("acknowledgePacket(bytes,bytes,uint64,bytes)");
    public static readonly uint TimeoutPacket = AbiSignature.Selector("timeoutPacket(bytes,uint64,bytes)");

    public string Name => "CrossChain";

    public bool AllowsDelegation => false;

    public bool AcceptsValue => false;

    public SystemCallResult Run(SystemCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!context.TryUseGas(BaseGas))
        {
            return SystemCallResult.Fail(context.FailureStatus);
        }
        if (!AbiReader.TryCreate(context.Input.Span, out var selector, out var args))
        {
            return Revert("calldata shorter than a selector");
        }
        var storage = new CallStorage(context);
        try
        {
            if (IsRead(selector))
            {
                return Read(storage, selector, args);
            }
            if (context.IsStatic)
            {
                return SystemCallResult.Fail(EvmStatus.StaticCallViolation);
            }
            return selector switch
            {
                _ when selector == CreateClient => RunCreateClient(context, storage, args),
                _ when selector == UpdateClient => RunUpdateClient(context, storage, args),
                _ when selector == SubmitMisbehaviour => RunSubmitMisbehaviour(context, storage, args),
                _ when selector == RecoverClient => RunRecoverClient(context, storage, args),
                _ when selector == ChannelOpenInit => RunChannelOpenInit(context, storage, args),
                _ when selector == ChannelOpenTry => RunChannelOpenTry(context, storage, args),
                _ when selector == ChannelOpenAck => RunChannelOpenAck(context, storage, args),
                _ when selector == ChannelOpenConfirm => RunChannelOpenConfirm(context, storage, args),
                _ when selector == SendPacket => RunSendPacket(context, storage, args),
                _ when selector == RecvPacket => RunRecvPacket(context, storage, args),
                _ when selector == AcknowledgePacket => RunAcknowledgePacket(context, storage, args),
                _ when selector == TimeoutPacket => RunTimeoutPacket(context, storage, args),
                _ when selector == RelayBatch => RunRelayBatch(context, args),
                _ => Revert("unknown function"),
            };
        }
        catch (CallHalted)
        {
            return SystemCallResult.Fail(context.FailureStatus);
        }
    }

    private static bool IsRead(uint selector) =>
        selector == ClientStateSelector || selector == ConsensusStateSelector || selector == ChannelSelector;

    private static SystemCallResult Read(CallStorage storage, uint selector, AbiReader args)
    {
        if (selector == ConsensusStateSelector)
        {
            if (!CallArguments.TryIdentifier(args, 0, out var client) || !CallArguments.TryUInt64(args, 1, out var height))
            {
                return Revert("malformed consensusState arguments");
            }
            return storage.Record(CrossChainLayout.ClientSlot(client), LightClientState.Parser) is { } state
                ? Bytes(storage.Record(CrossChainLayout.ConsensusSlot(client, state.Generation, height), RelayConsensusState.Parser))
                : Bytes(null);
        }
        if (!CallArguments.TryIdentifier(args, 0, out var id))
        {
            return Revert("malformed identifier");
        }
        return selector == ClientStateSelector
            ? Bytes(storage.Record(CrossChainLayout.ClientSlot(id), LightClientState.Parser))
            : Bytes(storage.Record(CrossChainLayout.ChannelRecordSlot(id), RelayChannel.Parser));
    }

    private static SystemCallResult Bytes(Google.Protobuf.IMessage? record) =>
        SystemCallResult.Return(new AbiTuple().Bytes(record is null ? [] : Google.Protobuf.MessageExtensions.ToByteArray(record)).Encode());

    /// <summary>
    /// Checks one slot of the counterparty's cross-chain contract against the state root its client trusts at
    /// <paramref name="proofHeight"/>: the client must be active and hold a header there.
    /// </summary>
    private TrieProofResult ProveSlot(SystemCallContext context, CallStorage storage, string clientId, ulong proofHeight, ReadOnlySpan<byte> proofBytes,
        in UInt256 slot, out UInt256 value, out RelayConsensusState consensus, out string problem)
    {
        value = UInt256.Zero;
        consensus = null!;
        if (storage.Record(CrossChainLayout.ClientSlot(clientId), LightClientState.Parser) is not { } client)
        {
            problem = $"no client '{clientId}'";
            return TrieProofResult.Invalid;
        }
        if (LightClient.StatusAt(client, context.Block.Timestamp) is var status && status != LightClientStatus.Active)
        {
            problem = $"client '{clientId}' is {status.ToString().ToLowerInvariant()}";
            return TrieProofResult.Invalid;
        }
        if (storage.Record(CrossChainLayout.ConsensusSlot(clientId, client.Generation, proofHeight), RelayConsensusState.Parser) is not { } trusted)
        {
            problem = $"client '{clientId}' trusts no header at height {proofHeight}";
            return TrieProofResult.Invalid;
        }
        RelaySlotProof proof;
        try
        {
            proof = RelaySlotProof.Parser.ParseFrom(proofBytes);
        }
        catch (Google.Protobuf.InvalidProtocolBufferException)
        {
            problem = "the proof does not decode";
            return TrieProofResult.Invalid;
        }
        if (!context.TryUseGas(ProofNodeGas * (proof.AccountProof.Count + proof.StorageProof.Count)))
        {
            throw new CallHalted();
        }
        consensus = trusted;
        var result = CounterpartyProof.VerifySlot(CryptoSuite.FromName(client.CryptoSuite), new Hash32(trusted.StateRoot.Span),
            CrossChainLayout.Address, slot, proof, out value);
        problem = result == TrieProofResult.Invalid ? "the proof does not verify against the trusted state root" : "";
        return result;
    }

    /// <summary>True when the proof shows the slot holding exactly <paramref name="expected"/>; else the reason.</summary>
    private bool ProvesValue(SystemCallContext context, CallStorage storage, string clientId, ulong proofHeight, ReadOnlySpan<byte> proof,
        in UInt256 slot, in UInt256 expected, string what, out string problem)
    {
        var result = ProveSlot(context, storage, clientId, proofHeight, proof, slot, out var value, out _, out problem);
        if (result == TrieProofResult.Invalid)
        {
            return false;
        }
        if (result != TrieProofResult.Present || value != expected)
        {
            problem = $"the proof shows a different {what} on the counterparty";
            return false;
        }
        return true;
    }

    private CryptoSuite SuiteOfClient(CallStorage storage, string clientId) =>
        CryptoSuite.FromName(storage.Record(CrossChainLayout.ClientSlot(clientId), LightClientState.Parser)?.CryptoSuite
            ?? throw new InvalidOperationException($"channel names client '{clientId}', which is not stored: state is corrupt"));

    private static SystemCallResult Revert(string reason) => SystemCallResult.RevertWithReason("CrossChain: " + reason);
}
