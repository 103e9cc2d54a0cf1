using Google.Protobuf;
using Grpc.Core;
using ShanghaiChain.Chain.Blocks;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Relay;
using ShanghaiChain.Relay.Clients;
using ShanghaiChain.Storage;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Api;

/// <summary>
/// What a relayer reads from this node (relay_service.proto): commit proofs of committed headers, proofs of the
/// cross-chain contract's slots, the create argument of a light client of this chain, and the contract's records.
/// Validated here: heights (committed, within the proof window), identifiers (the contract's own rule), list sizes.
/// Nothing served is trusted by a counterparty; its light client checks every header and proof.
/// </summary>
public sealed partial class RelayApiService(IChainReader store, CryptoSuite suite, ValidatorSchedule schedule) : RelayService.RelayServiceBase
{
    /// <summary>The longest chain of descendants a commit proof may carry (CommitProofVerifier's bound).</summary>
    private const int MaxDescendants = 16;
    private const int MaxSlots = 256;
    private const int MaxSequences = 4096;
    private const ulong DefaultTrustingPeriodSeconds = 86_400;

    public override Task<GetCommitProofResponse> GetCommitProof(GetCommitProofRequest request, ServerCallContext context) =>
        Task.FromResult(CommitProof(request.EpochEnd != 0 ? LastHeightOf(request.EpochEnd) : request.Height));

    /// <summary>
    /// The header at <paramref name="height"/> with its commit proof. An epoch's last block (the one committed header
    /// that announces the next set: suffix blocks are never committed) is proven by the suffix blocks kept with it
    /// (<see cref="EpochEndCommit"/>), and carries its parent and the next set; any other header by its committed
    /// descendants until one was proposed in the round after its parent (steady state: the child alone), whose stored
    /// certificate completes the two-chain proof.
    /// </summary>
    private GetCommitProofResponse CommitProof(ulong height)
    {
        var (bytes, header) = Header(height);
        var response = new GetCommitProofResponse
        {
            Height = height,
            HeaderHash = suite.Hash(bytes.Span).ToByteString(),
            TimestampMs = header.TimestampMs,
            Epoch = header.Epoch,
            Validators = ValidatorsOf(header.Epoch),
            EpochStartHeight = EpochStartOf(header.Epoch),
        };
        if (!header.NextValidatorSetHash.Equals(header.ValidatorSetHash))
        {
            var record = store.GetEpochEnd(header.Epoch);
            if (record is null || record.Height != height)
            {
                throw ApiErrors.Create(StatusCode.FailedPrecondition, "EPOCH_END_NOT_SERVED",
                    $"height {height} is the last block of epoch {header.Epoch}, and this node does not hold the suffix blocks that commit it " +
                    "(it took the block from a peer that did not send them, or from a snapshot above it); ask a validator of that epoch, or a node that synced from one");
            }
            response.Certified = new CertifiedHeader { Header = bytes, Commit = record.Commit, Parent = height > 1 ? Header(height - 1).Bytes : ByteString.Empty };
            response.NextValidators = record.NextValidators;
            return response;
        }
        response.Certified = new CertifiedHeader { Header = bytes, Commit = new CommitProof() };
        var commit = response.Certified.Commit;
        var previous = header;
        for (var i = 1; i <= MaxDescendants; i++)
        {
            if (height + (ulong)i > store.HeadHeight)
            {
                throw NotReady(height);
            }
            var committed = store.GetCommittedBlock(height + (ulong)i)!;
            var descendant = BlockHeader.Parser.ParseFrom(committed.Block.Header);
            if (descendant.Epoch != header.Epoch)
            {
                // Only after an epoch's last block, which announces the change and is handled above.
                break;
            }
            commit.Descendants.Add(committed.Block.Header);
            if (descendant.Round == previous.Round + 1)
            {
                commit.Certificate = committed.Certificate;
                break;
            }
            previous = descendant;
        }
        if (commit.Certificate is null)
        {
            throw ApiErrors.Create(StatusCode.FailedPrecondition, "NO_COMMIT_PROOF",
                $"no two consecutive rounds among the {MaxDescendants} blocks after height {height}; prove another height");
        }
        return response;
    }

    /// <summary>The height of the last block of <paramref name="epoch"/>, from the record kept with it.</summary>
    private ulong LastHeightOf(ulong epoch)
    {
        if (store.GetEpochEnd(epoch) is { } record)
        {
            return record.Height;
        }
        var current = schedule.Current;
        if (epoch >= current.Epoch)
        {
            throw ApiErrors.Create(StatusCode.FailedPrecondition, "EPOCH_NOT_ENDED",
                $"epoch {epoch} has not ended at this node's head {store.HeadHeight} (the chain is in epoch {current.Epoch}" +
                (current.LastHeight != EpochInfo.Open ? $", which ends at height {current.LastHeight})" : ")"));
        }
        throw ApiErrors.Create(StatusCode.FailedPrecondition, "EPOCH_END_NOT_SERVED",
            $"epoch {epoch} ended before this node's epoch {current.Epoch}, but this node holds no record of its end: its last block reached this node " +
            "without the suffix blocks that commit it (from a peer or archive of an older version), or lies below the snapshot this node started from");
    }

    public override Task<GetRelayProofsResponse> GetRelayProofs(GetRelayProofsRequest request, ServerCallContext context)
    {
        if (request.Slots.Count is 0 or > MaxSlots)
        {
            throw ApiErrors.InvalidArgument($"ask for 1 to {MaxSlots} slots, got {request.Slots.Count}");
        }
        var slots = request.Slots.Select(SlotOf).ToList();
        var proof = store.GetAccountProof(CrossChainLayout.Address, request.Height == 0 ? null : request.Height, slots)
            ?? throw ApiErrors.Create(StatusCode.FailedPrecondition, "HEIGHT_NOT_AVAILABLE",
                $"height {request.Height} is outside the proof window: this node serves the last {store.ProofWindow} heights below its head {store.HeadHeight}");
        var response = new GetRelayProofsResponse { Height = proof.Height, ProofHeight = proof.Height + 1, StateRoot = proof.StateRoot.ToByteString() };
        for (var i = 0; i < slots.Count; i++)
        {
            var slotProof = new RelaySlotProof();
            slotProof.AccountProof.AddRange(proof.Nodes.Select(ByteString.CopyFrom));
            slotProof.StorageProof.AddRange(proof.Storage[i].Nodes.Select(ByteString.CopyFrom));
            response.Values.Add(new RelaySlotValue
            {
                Key = request.Slots[i],
                Value = ByteString.CopyFrom(proof.Storage[i].Value.ToBigEndian()),
                Proof = slotProof,
            });
        }
        return Task.FromResult(response);
    }

    public override Task<GetClientCreateResponse> GetClientCreate(GetClientCreateRequest request, ServerCallContext context)
    {
        var height = request.Height == 0 ? store.HeadHeight : request.Height;
        var (bytes, header) = Header(height);
        return Task.FromResult(new GetClientCreateResponse
        {
            Create = new LightClientCreate
            {
                ChainId = store.ChainId,
                CryptoSuite = suite.Name,
                TrustingPeriodSeconds = request.TrustingPeriodSeconds == 0 ? DefaultTrustingPeriodSeconds : request.TrustingPeriodSeconds,
                TrustedHeader = bytes,
                Validators = ValidatorsOf(header.Epoch),
            },
            Height = height,
            HeaderHash = suite.Hash(bytes.Span).ToByteString(),
        });
    }

    public override Task<GetRelayClientResponse> GetRelayClient(GetRelayClientRequest request, ServerCallContext context)
    {
        RequireIdentifier(request.ClientId, "client_id");
        // One state view, so the client and its consensus state are of the same height.
        using var view = HeadView();
        var client = CrossChainReader.Client(view, request.ClientId);
        var headMs = TimeMsAt(view.Height);
        return Task.FromResult(new GetRelayClientResponse
        {
            Client = client,
            Status = client is null ? "" : StatusOf(client, headMs),
            Height = view.Height,
            Consensus = client is not null && request.ConsensusHeight != 0 ? CrossChainReader.Consensus(view, request.ClientId, request.ConsensusHeight) : null,
            HeadTimestampMs = headMs,
        });
    }

    public override Task<GetRelayChannelResponse> GetRelayChannel(GetRelayChannelRequest request, ServerCallContext context)
    {
        RequireIdentifier(request.ChannelId, "channel_id");
        var (send, receive, acknowledge) = CrossChainReader.Sequences(store, request.ChannelId);
        return Task.FromResult(new GetRelayChannelResponse
        {
            Channel = CrossChainReader.Channel(store, request.ChannelId),
            NextSend = send,
            NextReceive = receive,
            NextAcknowledge = acknowledge,
            Height = store.HeadHeight,
        });
    }

    public override Task<GetPacketStatesResponse> GetPacketStates(GetPacketStatesRequest request, ServerCallContext context)
    {
        RequireIdentifier(request.ChannelId, "channel_id");
        if (request.Sequences.Count > MaxSequences)
        {
            throw ApiErrors.InvalidArgument($"at most {MaxSequences} sequences per call, got {request.Sequences.Count}");
        }
        // One state view, so every answer is of the same height.
        using var view = HeadView();
        var ordered = CrossChainReader.Channel(view, request.ChannelId)?.Ordered ?? false;
        var nextReceive = CrossChainReader.Sequences(view, request.ChannelId).Receive;
        var response = new GetPacketStatesResponse { Height = view.Height };
        foreach (var sequence in request.Sequences)
        {
            var ack = view.GetStorage(CrossChainLayout.Address, CrossChainLayout.AckSlot(request.ChannelId, sequence));
            var sent = CrossChainReader.Packet(view, request.ChannelId, sequence);
            response.States.Add(new PacketState
            {
                Sequence = sequence,
                Pending = !CrossChainReader.Commitment(view, request.ChannelId, sequence).IsZero,
                Received = ordered ? sequence < nextReceive : CrossChainReader.Received(view, request.ChannelId, sequence),
                AcknowledgementCommitment = ack.IsZero ? ByteString.Empty : ByteString.CopyFrom(ack.ToBigEndian()),
                Sent = sent is not null,
                Outcome = (RelayPacketOutcome)(sent?.Outcome ?? PacketOutcome.Pending),
                TimeoutHeight = sent?.TimeoutHeight ?? 0,
                TimeoutTimestamp = sent?.TimeoutTimestamp ?? 0,
            });
        }
        return Task.FromResult(response);
    }

    private (ByteString Bytes, BlockHeader Header) Header(ulong height)
    {
        if (height == 0)
        {
            throw ApiErrors.InvalidArgument("height 0 is the genesis state, not a header; headers start at 1");
        }
        var committed = store.GetCommittedBlock(height) ?? throw ApiErrors.NotFound($"no block at height {height} (head is {store.HeadHeight})");
        return (committed.Block.Header, BlockHeader.Parser.ParseFrom(committed.Block.Header));
    }

    /// <summary>
    /// The set of an epoch: the current and scheduled ones from the governance record, genesis' for the first, an older
    /// one from the record of its predecessor's end (which names the set it handed over to).
    /// </summary>
    private RelayValidatorSet ValidatorsOf(ulong epoch) =>
        schedule.ByNumber(epoch) is { } known ? known.Validators.ToMessage()
        : epoch == ChainEpochs.First ? schedule.GenesisValidators.ToMessage()
        : store.GetEpochEnd(epoch - 1)?.NextValidators
            ?? throw ApiErrors.Create(StatusCode.FailedPrecondition, "EPOCH_END_NOT_SERVED",
                $"the validator set of epoch {epoch} is not known here: this node holds no record of the end of epoch {epoch - 1}");

    /// <summary>The last height of the epoch before <paramref name="epoch"/>: 0 for the first, else its genesis height.</summary>
    private ulong EpochStartOf(ulong epoch) =>
        epoch == ChainEpochs.First ? 0
        : schedule.ByNumber(epoch) is { } known ? known.GenesisHeight
        : store.GetEpochEnd(epoch - 1)?.Height ?? 0;

    /// <summary>The block time of a committed height (ms; 0 for genesis, which has no block).</summary>
    private ulong TimeMsAt(ulong height) =>
        store.GetCommittedBlock(height) is { } block ? BlockHeader.Parser.ParseFrom(block.Block.Header).TimestampMs : 0;

    private static string StatusOf(LightClientState client, ulong headMs) => LightClient.StatusAt(client, headMs / 1000).ToString().ToLowerInvariant();

    private IStateView HeadView() => store.OpenStateView(null)
        ?? throw ApiErrors.Create(StatusCode.Unavailable, "HEIGHT_NOT_AVAILABLE", "the head state is not readable");

    private static UInt256 SlotOf(RelaySlotKey key)
    {
        RequireIdentifier(key.Channel, "slot channel");
        return key.Kind switch
        {
            RelaySlotKind.PacketCommitment => CrossChainLayout.CommitmentSlot(key.Channel, key.Sequence),
            RelaySlotKind.Receipt => CrossChainLayout.ReceiptSlot(key.Channel, key.Sequence),
            RelaySlotKind.Acknowledgement => CrossChainLayout.AckSlot(key.Channel, key.Sequence),
            RelaySlotKind.Channel => CrossChainLayout.ChannelSlot(key.Channel),
            RelaySlotKind.NextReceive => CrossChainLayout.NextReceiveSlot(key.Channel),
            _ => throw ApiErrors.InvalidArgument($"slot kind {key.Kind} is not a cross-chain slot"),
        };
    }

    private static void RequireIdentifier(string id, string field)
    {
        if (!CrossChainLayout.IsIdentifier(id))
        {
            throw ApiErrors.InvalidArgument($"{field} must be 1 to 64 characters of [a-z0-9.-], got '{id}'");
        }
    }

    private static RpcException NotReady(ulong height) =>
        ApiErrors.Create(StatusCode.FailedPrecondition, "COMMIT_PROOF_NOT_READY",
            $"height {height} has no committed descendant that certifies it yet; retry after the next blocks commit");
}
