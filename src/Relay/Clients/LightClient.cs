using Google.Protobuf;
using ShanghaiChain.Core.Consensus;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Relay.Clients;

/// <summary>Whether a light client accepts updates and proofs.</summary>
public enum LightClientStatus
{
    Active,
    /// <summary>Evidence of two committed headers at one height was shown: nothing is accepted until the committee acts.</summary>
    Frozen,
    /// <summary>The latest trusted header is older than the trusting period: its validators may since have left, unbonded.</summary>
    Expired,
}

/// <summary>How an update ended: accepted (a new trusted header), already known, conflicting (freeze), or refused.</summary>
public enum UpdateVerdict
{
    Accepted,
    AlreadyTrusted,
    Conflict,
    Refused,
}

/// <summary>The outcome of <see cref="LightClient.Update"/>: the verdict, the client's new state and the trusted header.</summary>
public sealed record UpdateOutcome(UpdateVerdict Verdict, LightClientState State, ulong Height, RelayConsensusState? Consensus, string Problem);

/// <summary>
/// A light client of another ShanghaiChain network: it trusts one epoch's validator set and moves forward by headers
/// that set committed (<see cref="CommitProofVerifier"/>), into the next epoch by the set the trusted header announced
/// (<c>next_validator_set_hash</c>), and freezes on two committed headers of one height. Pure and deterministic: the
/// present comes in as <c>nowSeconds</c> (this chain's block time), stored state comes in as arguments and leaves as
/// results. docs/relay.md, "Light clients", states the rules and the trust model.
/// </summary>
public static class LightClient
{
    /// <summary>Validates a creation request and returns the client's first state and its one trusted header.</summary>
    public static LightClientState? TryCreate(LightClientCreate create, ulong nowSeconds, out RelayConsensusState consensus, out ulong height, out string problem)
    {
        consensus = new RelayConsensusState();
        height = 0;
        if (!CryptoSuite.TryFromName(create.CryptoSuite, out var suite))
        {
            problem = $"unknown crypto suite '{create.CryptoSuite}'";
            return null;
        }
        if (create.ChainId.Length == 0 || System.Text.Encoding.UTF8.GetByteCount(create.ChainId) > ConsensusSignBytes.MaxChainIdBytes ||
            create.TrustingPeriodSeconds == 0)
        {
            problem = "a client needs a chain id (1 to 256 bytes) and a non-zero trusting period";
            return null;
        }
        if (CounterpartyValidators.TryBuild(create.Validators, suite, out problem) is not { } validators)
        {
            return null;
        }
        BlockHeader header;
        try
        {
            header = BlockHeader.Parser.ParseFrom(create.TrustedHeader);
        }
        catch (InvalidProtocolBufferException)
        {
            problem = "the trusted header does not decode";
            return null;
        }
        if (header.ChainId != create.ChainId || !validators.Hash(suite).Matches(header.ValidatorSetHash.Span) ||
            header.NextValidatorSetHash.Length != Hash32.Size || header.StateRootOfParent.Length != Hash32.Size)
        {
            problem = "the trusted header does not name the client's chain and validator set, or lacks its state root";
            return null;
        }
        if (Expired(header.TimestampMs, create.TrustingPeriodSeconds, nowSeconds))
        {
            problem = "the trusted header is already older than the trusting period";
            return null;
        }
        height = header.Height;
        consensus = ConsensusOf(header, suite.Hash(create.TrustedHeader.Span));
        problem = "";
        return new LightClientState
        {
            ChainId = create.ChainId,
            CryptoSuite = suite.Name,
            TrustingPeriodSeconds = create.TrustingPeriodSeconds,
            Epoch = header.Epoch,
            Validators = CounterpartyValidators.ToRelay(validators),
            NextValidatorSetHash = header.NextValidatorSetHash,
            LatestHeight = header.Height,
            LatestTimestampMs = header.TimestampMs,
        };
    }

    /// <summary>
    /// Replaces a frozen or expired client's trust with a new header and set (the committee's decision): same chain and
    /// suite, the next generation, so nothing trusted before is used again.
    /// </summary>
    public static LightClientState? TryRecover(LightClientState old, LightClientCreate create, ulong nowSeconds,
        out RelayConsensusState consensus, out ulong height, out string problem)
    {
        consensus = new RelayConsensusState();
        height = 0;
        if (StatusAt(old, nowSeconds) == LightClientStatus.Active)
        {
            problem = "the client is active: only a frozen or expired client is recovered";
            return null;
        }
        if (create.ChainId != old.ChainId || create.CryptoSuite != old.CryptoSuite)
        {
            problem = $"a recovered client stays a client of '{old.ChainId}' ({old.CryptoSuite})";
            return null;
        }
        var recovered = TryCreate(create, nowSeconds, out consensus, out height, out problem);
        if (recovered is not null)
        {
            recovered.Generation = old.Generation + 1;
        }
        return recovered;
    }

    public static LightClientStatus StatusAt(LightClientState state, ulong nowSeconds) =>
        state.Frozen ? LightClientStatus.Frozen
        : Expired(state.LatestTimestampMs, state.TrustingPeriodSeconds, nowSeconds) ? LightClientStatus.Expired
        : LightClientStatus.Active;

    /// <summary>
    /// Applies one update. <paramref name="trustedAt"/> returns the header already trusted at a height, if any: a different
    /// committed header there is a conflict, which the caller answers by freezing the client.
    /// </summary>
    public static UpdateOutcome Update(LightClientState state, LightClientUpdate update, ulong nowSeconds, Func<ulong, RelayConsensusState?> trustedAt)
    {
        if (StatusAt(state, nowSeconds) is var status && status != LightClientStatus.Active)
        {
            return Refuse(state, $"the client is {status.ToString().ToLowerInvariant()}");
        }
        if (Verify(state, update, out var validators, out var problem) is not { } committed)
        {
            return Refuse(state, problem);
        }
        var header = committed.Header;
        if (header.Epoch == state.Epoch && header.Height > state.LatestHeight &&
            !validators.Hash(CryptoSuite.FromName(state.CryptoSuite)).Matches(state.NextValidatorSetHash.Span))
        {
            // The latest trusted header was its epoch's last: nothing of that epoch above it is ever committed.
            return Refuse(state, $"epoch {state.Epoch} ended at height {state.LatestHeight}");
        }
        if (trustedAt(header.Height) is { } known)
        {
            return committed.Hash.Matches(known.HeaderHash.Span)
                ? new UpdateOutcome(UpdateVerdict.AlreadyTrusted, state, header.Height, known, "")
                : new UpdateOutcome(UpdateVerdict.Conflict, state, header.Height, null, $"a different header is already trusted at height {header.Height}");
        }
        if (Expired(header.TimestampMs, state.TrustingPeriodSeconds, nowSeconds))
        {
            return Refuse(state, "the header is older than the trusting period");
        }
        var next = state.Clone();
        if (header.Height > state.LatestHeight)
        {
            if (header.TimestampMs <= state.LatestTimestampMs)
            {
                return Refuse(state, "the header's time is not after the latest trusted header's");
            }
            next.LatestHeight = header.Height;
            next.LatestTimestampMs = header.TimestampMs;
            next.NextValidatorSetHash = header.NextValidatorSetHash;
            next.Epoch = header.Epoch;
            next.Validators = CounterpartyValidators.ToRelay(validators);
        }
        return new UpdateOutcome(UpdateVerdict.Accepted, next, header.Height, ConsensusOf(header, committed.Hash), "");
    }

    /// <summary>
    /// Checks evidence of misbehaviour: two headers of one height with different hashes, each committed by a set the
    /// client trusts (its epoch's, or the next one it announced). True means the client must freeze.
    /// </summary>
    public static bool IsMisbehaviour(LightClientState state, LightClientMisbehaviour evidence, out string problem)
    {
        if (state.Frozen)
        {
            problem = "the client is already frozen";
            return false;
        }
        if (Verify(state, evidence.First, out _, out problem) is not { } first || Verify(state, evidence.Second, out _, out problem) is not { } second)
        {
            return false;
        }
        if (first.Header.Height != second.Header.Height || first.Hash == second.Hash)
        {
            problem = "the two headers are not different headers of one height";
            return false;
        }
        problem = "";
        return true;
    }

    /// <summary>Verifies an update's header against the set that must have committed it: the trusted epoch's or the announced next one's.</summary>
    private static CommittedHeader? Verify(LightClientState state, LightClientUpdate? update, out ValidatorSet validators, out string problem)
    {
        validators = null!;
        var suite = CryptoSuite.FromName(state.CryptoSuite);
        if (update?.Header is null)
        {
            problem = "the update carries no header";
            return null;
        }
        ulong epoch;
        try
        {
            epoch = BlockHeader.Parser.ParseFrom(update.Header.Header).Epoch;
        }
        catch (InvalidProtocolBufferException)
        {
            problem = "the header does not decode";
            return null;
        }
        if (epoch == state.Epoch)
        {
            validators = CounterpartyValidators.TryBuild(state.Validators, suite, out problem)
                ?? throw new InvalidOperationException($"a stored light client holds an invalid validator set: {problem}");
        }
        else if (epoch == state.Epoch + 1)
        {
            if (CounterpartyValidators.TryBuild(update.NextValidators, suite, out problem) is not { } nextSet)
            {
                problem = $"a header of the next epoch needs its validator set: {problem}";
                return null;
            }
            if (!nextSet.Hash(suite).Matches(state.NextValidatorSetHash.Span))
            {
                problem = $"the validator set given for epoch {epoch} is not the one the latest trusted header announced";
                return null;
            }
            validators = nextSet;
        }
        else
        {
            problem = $"the header is of epoch {epoch}; the client trusts epoch {state.Epoch} and can follow only into {state.Epoch + 1}";
            return null;
        }
        var certificates = new CertificateVerifier(state.ChainId, suite, validators, epoch);
        var committed = CommitProofVerifier.TryVerify(update.Header, certificates, state.ChainId, suite, epoch, out problem);
        if (committed is not null && (committed.Header.StateRootOfParent.Length != Hash32.Size || committed.Header.NextValidatorSetHash.Length != Hash32.Size))
        {
            problem = "the header lacks its state root or next validator set hash";
            return null;
        }
        return committed;
    }

    private static RelayConsensusState ConsensusOf(BlockHeader header, Hash32 hash) => new()
    {
        HeaderHash = hash.ToByteString(),
        StateRoot = header.StateRootOfParent,
        TimestampMs = header.TimestampMs,
    };

    /// <summary>Written without the sum, which a huge trusting period would overflow; a header from the future is not expired.</summary>
    private static bool Expired(ulong timestampMs, ulong trustingPeriodSeconds, ulong nowSeconds) =>
        nowSeconds >= timestampMs / 1000 && nowSeconds - timestampMs / 1000 >= trustingPeriodSeconds;

    private static UpdateOutcome Refuse(LightClientState state, string problem) => new(UpdateVerdict.Refused, state, 0, null, problem);
}
