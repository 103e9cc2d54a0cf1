using ShanghaiChain.Relay.Clients;
using ShanghaiChain.V1;
using ShanghaiChain.Vm.Abi;
using ShanghaiChain.Vm.Evm.SystemContracts;

namespace ShanghaiChain.Relay.Contract;

/// <summary>
/// Light clients: creation and recovery (the committee's decisions: only the authority, the governance contract executing
/// a passed proposal, may call them), updates and misbehaviour (anyone; the proofs decide).
/// </summary>
public sealed partial class CrossChainContract
{
    private SystemCallResult RunCreateClient(SystemCallContext context, CallStorage storage, AbiReader args)
    {
        if (!CallArguments.TryIdentifier(args, 0, out var clientId) || !CallArguments.TryMessage(args, 1, LightClientCreate.Parser, out var create))
        {
            return Revert("malformed createClient arguments");
        }
        if (context.Caller != authority)
        {
            return Revert($"creating a client is the committee's decision: propose it to the governance contract ({authority})");
        }
        var slot = CrossChainLayout.ClientSlot(clientId);
        if (storage.Record(slot, LightClientState.Parser) is not null)
        {
            return Revert($"client '{clientId}' exists");
        }
        if (LightClient.TryCreate(create, context.Block.Timestamp, out var consensus, out var height, out var problem) is not { } state)
        {
            return Revert($"createClient refused: {problem}");
        }
        storage.SetRecord(slot, state);
        storage.SetRecord(CrossChainLayout.ConsensusSlot(clientId, state.Generation, height), consensus);
        // The id in creation order, so the clients can be listed (CrossChainReader.ClientIds).
        var index = storage.Number(CrossChainLayout.ClientCountSlot);
        storage.SetBytes(CrossChainLayout.ClientIdSlot(index), System.Text.Encoding.UTF8.GetBytes(clientId));
        storage.Set(CrossChainLayout.ClientCountSlot, index + 1);
        CrossChainEvents.Emit(context, CrossChainEvents.ClientCreated, new AbiTuple().String(clientId).String(state.ChainId).UInt(height));
        return SystemCallResult.Return(ReadOnlyMemory<byte>.Empty);
    }

    /// <summary>A frozen or expired client starts again from a header the consortium trusts; its channels carry on.</summary>
    private SystemCallResult RunRecoverClient(SystemCallContext context, CallStorage storage, AbiReader args)
    {
        if (!CallArguments.TryIdentifier(args, 0, out var clientId) || !CallArguments.TryMessage(args, 1, LightClientCreate.Parser, out var create))
        {
            return Revert("malformed recoverClient arguments");
        }
        if (context.Caller != authority)
        {
            return Revert($"recovering a client is the committee's decision: propose it to the governance contract ({authority})");
        }
        var slot = CrossChainLayout.ClientSlot(clientId);
        if (storage.Record(slot, LightClientState.Parser) is not { } old)
        {
            return Revert($"no client '{clientId}'");
        }
        if (LightClient.TryRecover(old, create, context.Block.Timestamp, out var consensus, out var height, out var problem) is not { } state)
        {
            return Revert($"recoverClient refused: {problem}");
        }
        storage.SetRecord(slot, state);
        storage.SetRecord(CrossChainLayout.ConsensusSlot(clientId, state.Generation, height), consensus);
        CrossChainEvents.Emit(context, CrossChainEvents.ClientRecovered, new AbiTuple().String(clientId).UInt(state.Generation).UInt(height));
        return SystemCallResult.Return(ReadOnlyMemory<byte>.Empty);
    }

    private SystemCallResult RunUpdateClient(SystemCallContext context, CallStorage storage, AbiReader args)
    {
        if (!CallArguments.TryIdentifier(args, 0, out var clientId) || !CallArguments.TryMessage(args, 1, LightClientUpdate.Parser, out var update))
        {
            return Revert("malformed updateClient arguments");
        }
        var slot = CrossChainLayout.ClientSlot(clientId);
        if (storage.Record(slot, LightClientState.Parser) is not { } state)
        {
            return Revert($"no client '{clientId}'");
        }
        ChargeCertificates(context, state, update);
        var outcome = LightClient.Update(state, update, context.Block.Timestamp,
            height => storage.Record(CrossChainLayout.ConsensusSlot(clientId, state.Generation, height), RelayConsensusState.Parser));
        switch (outcome.Verdict)
        {
            case UpdateVerdict.Accepted:
                storage.SetRecord(slot, outcome.State);
                storage.SetRecord(CrossChainLayout.ConsensusSlot(clientId, outcome.State.Generation, outcome.Height), outcome.Consensus!);
                CrossChainEvents.Emit(context, CrossChainEvents.ClientUpdated, new AbiTuple().String(clientId).UInt(outcome.Height));
                return SystemCallResult.Return(ReadOnlyMemory<byte>.Empty);
            case UpdateVerdict.AlreadyTrusted:
                // Two relayers racing with one header: the second is a no-op, not an error.
                return SystemCallResult.Return(ReadOnlyMemory<byte>.Empty);
            case UpdateVerdict.Conflict:
                // The update is itself the evidence: a second committed header where one is already trusted.
                Freeze(context, storage, clientId, state, outcome.Height);
                return SystemCallResult.Return(ReadOnlyMemory<byte>.Empty);
            default:
                return Revert($"updateClient refused: {outcome.Problem}");
        }
    }

    private SystemCallResult RunSubmitMisbehaviour(SystemCallContext context, CallStorage storage, AbiReader args)
    {
        if (!CallArguments.TryIdentifier(args, 0, out var clientId) ||
            !CallArguments.TryMessage(args, 1, LightClientMisbehaviour.Parser, out var evidence))
        {
            return Revert("malformed submitMisbehaviour arguments");
        }
        var slot = CrossChainLayout.ClientSlot(clientId);
        if (storage.Record(slot, LightClientState.Parser) is not { } state)
        {
            return Revert($"no client '{clientId}'");
        }
        ChargeCertificates(context, state, evidence.First);
        ChargeCertificates(context, state, evidence.Second);
        if (!LightClient.IsMisbehaviour(state, evidence, out var problem))
        {
            return Revert($"misbehaviour refused: {problem}");
        }
        Freeze(context, storage, clientId, state, HeightOf(evidence));
        return SystemCallResult.Return(ReadOnlyMemory<byte>.Empty);
    }

    /// <summary>The evidence's height (its headers decoded when it was verified).</summary>
    private static ulong HeightOf(LightClientMisbehaviour evidence) =>
        BlockHeader.Parser.ParseFrom(evidence.First.Header.Header).Height;

    private static void Freeze(SystemCallContext context, CallStorage storage, string clientId, LightClientState state, ulong height)
    {
        var frozen = state.Clone();
        frozen.Frozen = true;
        frozen.FrozenAt = context.Block.Number;
        storage.SetRecord(CrossChainLayout.ClientSlot(clientId), frozen);
        CrossChainEvents.Emit(context, CrossChainEvents.ClientFrozen, new AbiTuple().String(clientId).UInt(height));
    }

    /// <summary>Two certificates per header, each at most one signature per validator of the set that signs it.</summary>
    private static void ChargeCertificates(SystemCallContext context, LightClientState state, LightClientUpdate? update)
    {
        var signers = Math.Max(state.Validators?.Validators.Count ?? 0, update?.NextValidators?.Validators.Count ?? 0);
        if (!context.TryUseGas(SignatureGas * 2 * Math.Min(signers, CounterpartyValidators.MaxValidators)))
        {
            throw new CallHalted();
        }
    }
}
