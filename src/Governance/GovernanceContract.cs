using System.Text;
using Google.Protobuf;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;
using ShanghaiChain.Vm.Abi;
using ShanghaiChain.Vm.Evm;
using ShanghaiChain.Vm.Evm.SystemContracts;

namespace ShanghaiChain.Governance;

/// <summary>
/// The committee's contract at <see cref="GovernanceLayout.Address"/> (0x…1002): members' admin keys propose, seated
/// members vote with their weight, and a proposal that reaches its threshold takes effect in the transaction that cast
/// the deciding vote (execution at commit: transactions execute when their block commits). ABI in
/// contracts/IGovernance.sol; rules in <see cref="GovernanceRules"/>; storage in <see cref="GovernanceLayout"/>.
/// Validated here: calldata shape (malformed → revert), who calls (an admin key of a member to propose, of a seated
/// member to vote), the proposal itself (<see cref="GovernanceRules.Problem"/>, again at execution), expiry and
/// double votes. Every refusal is a revert with a reason; every step an event. Value is refused; delegation too
/// (storage would be the caller's).
/// </summary>
public sealed class GovernanceContract(CryptoSuite suite, ChainParameters genesisParameters) : ISystemContract
{
    /// <summary>Any call: decoding, dispatch and the protobuf work outside storage, per byte of record handled.</summary>
    public const long BaseGas = 2_000;
    public const long RecordByteGas = 8;

    public static readonly uint ProposeAddValidator = AbiSignature.Selector("proposeAddValidator(bytes,uint64,string,bool)");
    public static readonly uint ProposeRemoveValidator = AbiSignature.Selector("proposeRemoveValidator(bytes,bool)");
    public static readonly uint ProposeAdmitNode = AbiSignature.Selector("proposeAdmitNode(bytes,string,string)");
    public static readonly uint ProposeRevokeNode = AbiSignature.Selector("proposeRevokeNode(bytes)");
    public static readonly uint ProposeGrantRole = AbiSignature.Selector("proposeGrantRole(address,string)");
    public static readonly uint ProposeRevokeRole = AbiSignature.Selector("proposeRevokeRole(address,string)");
    public static readonly uint ProposeSetParameter = AbiSignature.Selector("proposeSetParameter(string,uint256)");
    public static readonly uint ProposeSetCommitteeSeat = AbiSignature.Selector("proposeSetCommitteeSeat(string,uint64)");
    public static readonly uint ProposeAddMember = AbiSignature.Selector("proposeAddMember(string,bytes[])");
    public static readonly uint ProposeCrossChainClient = AbiSignature.Selector("proposeCrossChainClient(bool,string,bytes)");
    public static readonly uint Vote = AbiSignature.Selector("vote(uint64,bool)");
    public static readonly uint HasRole = AbiSignature.Selector("hasRole(address,string)");
    public static readonly uint PermissionsOfSelector = AbiSignature.Selector("permissionsOf(address)");
    public static readonly uint IsAdmittedNode = AbiSignature.Selector("isAdmittedNode(bytes)");
    public static readonly uint ProposalCount = AbiSignature.Selector("proposalCount()");
    public static readonly uint ProposalSelector = AbiSignature.Selector("proposal(uint64)");
    public static readonly uint RegistrySelector = AbiSignature.Selector("registry()");

    public static readonly Hash32 ProposalCreatedTopic = AbiSignature.Hash("ProposalCreated(uint64,string,address,string,uint64)");
    public static readonly Hash32 VotedTopic = AbiSignature.Hash("Voted(uint64,address,string,bool,uint64,uint64)");
    public static readonly Hash32 ProposalExecutedTopic = AbiSignature.Hash("ProposalExecuted(uint64,string)");
    public static readonly Hash32 ProposalRejectedTopic = AbiSignature.Hash("ProposalRejected(uint64)");
    public static readonly Hash32 ProposalFailedTopic = AbiSignature.Hash("ProposalFailed(uint64,string)");
    public static readonly Hash32 ValidatorSetChangeScheduledTopic = AbiSignature.Hash("ValidatorSetChangeScheduled(uint64,uint64,uint64)");

    public string Name => "Governance";

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
        var slots = new CallSlots(context);
        try
        {
            if (selector == Vote)
            {
                return TryUInt64(args, 0, out var id) && TryBool(args, 1, out var approve)
                    ? CastVote(context, slots, id, approve)
                    : Revert("malformed vote arguments");
            }
            if (TryDecodeProposal(selector, args, out var action, out var force, out var malformed))
            {
                return malformed is null ? Propose(context, slots, action!, force) : Revert(malformed);
            }
            return Read(context, slots, selector, args);
        }
        catch (OutOfGasException)
        {
            return SystemCallResult.Fail(context.FailureStatus);
        }
    }

    private SystemCallResult Read(SystemCallContext context, CallSlots slots, uint selector, AbiReader args)
    {
        if (selector == HasRole)
        {
            if (!TryAddress(args, 0, out var account) || !args.TryBytes(1, out var role))
            {
                return Revert("malformed hasRole arguments");
            }
            var flag = GovernanceRules.RoleFlag(Encoding.UTF8.GetString(role));
            return SystemCallResult.Return(AbiWriter.Bool(flag != Permission.None && ((Permission)Load(slots, GovernanceLayout.PermissionSlot(account)) & flag) == flag));
        }
        if (selector == PermissionsOfSelector)
        {
            return TryAddress(args, 0, out var account)
                ? SystemCallResult.Return(new AbiTuple().UInt((ulong)Load(slots, GovernanceLayout.PermissionSlot(account))).Encode())
                : Revert("malformed permissionsOf arguments");
        }
        if (selector == IsAdmittedNode)
        {
            return args.TryBytes(0, out var key)
                ? SystemCallResult.Return(AbiWriter.Bool(Load(slots, GovernanceLayout.NodeSlot(key)) != 0))
                : Revert("malformed isAdmittedNode arguments");
        }
        if (selector == ProposalCount)
        {
            return SystemCallResult.Return(new AbiTuple().UInt(Load(slots, GovernanceLayout.ProposalCountSlot)).Encode());
        }
        if (selector == ProposalSelector)
        {
            if (!TryUInt64(args, 0, out var id))
            {
                return Revert("malformed proposal arguments");
            }
            var bytes = ReadBlob(context, slots, GovernanceLayout.ProposalSlot(id));
            return bytes.Length == 0 ? Revert($"no proposal {id}") : SystemCallResult.Return(new AbiTuple().Bytes(bytes).Encode());
        }
        if (selector == RegistrySelector)
        {
            return SystemCallResult.Return(new AbiTuple().Bytes(ReadBlob(context, slots, GovernanceLayout.RegistrySlot)).Encode());
        }
        return Revert("unknown function");
    }

    private SystemCallResult Propose(SystemCallContext context, CallSlots slots, GovernanceAction action, bool force)
    {
        if (context.IsStatic)
        {
            return SystemCallResult.Fail(EvmStatus.StaticCallViolation);
        }
        var height = context.Block.Number;
        var registry = LoadRegistry(context, slots);
        GovernanceRules.Advance(registry, height);
        if (GovernanceRules.MemberOf(registry, suite, context.Caller) is not { } member)
        {
            return Revert($"{context.Caller} is not an admin key of any member: only members propose");
        }
        if (GovernanceRules.Problem(registry, action, force, suite, height, genesisParameters) is { } problem)
        {
            return Revert($"{GovernanceRules.KindOf(action)} refused: {problem}");
        }
        var id = Load(slots, GovernanceLayout.ProposalCountSlot) + 1;
        Store(slots, GovernanceLayout.ProposalCountSlot, id);
        var proposal = new GovernanceProposal
        {
            Id = id,
            Action = action,
            Force = force,
            ProposerMember = member.Name,
            Proposer = context.Caller.ToByteString(),
            CreatedAtHeight = height,
            ExpiresAtHeight = height + registry.ProposalLifetimeBlocks,
            Status = ProposalStatus.Open,
        };
        Emit(context, ProposalCreatedTopic, id, new AbiTuple().String(GovernanceRules.KindOf(action)).Address(context.Caller)
            .String(member.Name).UInt(proposal.ExpiresAtHeight));
        // Proposing is voting yes when the proposer's member holds a seat.
        if (GovernanceRules.SeatWeight(registry, member.Name) > 0)
        {
            Tally(context, slots, registry, proposal, member.Name, approve: true);
        }
        WriteBlob(context, slots, GovernanceLayout.ProposalSlot(id), proposal.ToByteArray());
        WriteBlob(context, slots, GovernanceLayout.RegistrySlot, registry.ToByteArray());
        return SystemCallResult.Return(new AbiTuple().UInt(id).Encode());
    }

    private SystemCallResult CastVote(SystemCallContext context, CallSlots slots, ulong id, bool approve)
    {
        if (context.IsStatic)
        {
            return SystemCallResult.Fail(EvmStatus.StaticCallViolation);
        }
        var height = context.Block.Number;
        var stored = ReadBlob(context, slots, GovernanceLayout.ProposalSlot(id));
        if (stored.Length == 0)
        {
            return Revert($"no proposal {id}");
        }
        var proposal = GovernanceProposal.Parser.ParseFrom(stored);
        if (proposal.Status != ProposalStatus.Open)
        {
            return Revert($"proposal {id} is already decided ({GovernanceReader.StatusName(proposal.Status)})");
        }
        if (height > proposal.ExpiresAtHeight)
        {
            return Revert($"proposal {id} expired at height {proposal.ExpiresAtHeight}");
        }
        var registry = LoadRegistry(context, slots);
        GovernanceRules.Advance(registry, height);
        if (GovernanceRules.MemberOf(registry, suite, context.Caller) is not { } member)
        {
            return Revert($"{context.Caller} is not an admin key of any member");
        }
        if (GovernanceRules.SeatWeight(registry, member.Name) == 0)
        {
            return Revert($"member '{member.Name}' has no committee seat: only the committee votes");
        }
        if (proposal.Votes.Any(v => v.Member == member.Name))
        {
            return Revert($"member '{member.Name}' already voted on proposal {id}");
        }
        Tally(context, slots, registry, proposal, member.Name, approve);
        WriteBlob(context, slots, GovernanceLayout.ProposalSlot(id), proposal.ToByteArray());
        WriteBlob(context, slots, GovernanceLayout.RegistrySlot, registry.ToByteArray());
        return SystemCallResult.Return(ReadOnlyMemory<byte>.Empty);
    }

    /// <summary>Records a vote and decides the proposal when the committee's weight settles it either way.</summary>
    private void Tally(SystemCallContext context, CallSlots slots, GovernanceRegistry registry, GovernanceProposal proposal, string member, bool approve)
    {
        var height = context.Block.Number;
        proposal.Votes.Add(new ProposalVote
        {
            Member = member,
            Voter = context.Caller.ToByteString(),
            Approve = approve,
            Weight = GovernanceRules.SeatWeight(registry, member),
            Height = height,
        });
        var (yes, no) = GovernanceRules.Tally(registry, proposal);
        Emit(context, VotedTopic, proposal.Id, new AbiTuple().Address(context.Caller).String(member).Bool(approve).UInt(yes).UInt(no));
        var total = GovernanceRules.TotalWeight(registry);
        var threshold = GovernanceRules.ThresholdOf(registry, proposal.Action, proposal.Force);
        if (GovernanceRules.Reaches(yes, total, threshold))
        {
            proposal.DecidedAtHeight = height;
            if (GovernanceRules.Problem(registry, proposal.Action, proposal.Force, suite, height, genesisParameters) is { } problem)
            {
                proposal.Status = ProposalStatus.Failed;
                proposal.Failure = problem;
                Emit(context, ProposalFailedTopic, proposal.Id, new AbiTuple().String(problem));
                return;
            }
            Execute(context, slots, registry, proposal);
        }
        else if (!GovernanceRules.Reaches(total - no, total, threshold))
        {
            proposal.Status = ProposalStatus.Rejected;
            proposal.DecidedAtHeight = height;
            Emit(context, ProposalRejectedTopic, proposal.Id, new AbiTuple());
        }
    }

    private void Execute(SystemCallContext context, CallSlots slots, GovernanceRegistry registry, GovernanceProposal proposal)
    {
        if (proposal.Action.ActionCase == GovernanceAction.ActionOneofCase.CrossChainClient)
        {
            ExecuteCrossChainClient(context, proposal);
            return;
        }
        var height = context.Block.Number;
        var before = GovernanceRules.PermissionsOf(registry, suite);
        var membersOnly = registry.MembersOnly;
        GovernanceRules.Apply(registry, proposal, height, EpochLength(registry));
        proposal.Status = ProposalStatus.Executed;
        var after = GovernanceRules.PermissionsOf(registry, suite);
        foreach (var account in before.Keys.Union(after.Keys).Order())
        {
            before.TryGetValue(account, out var old);
            after.TryGetValue(account, out var neu);
            if (old != neu)
            {
                Store(slots, GovernanceLayout.PermissionSlot(account), (ulong)neu);
            }
        }
        if (registry.MembersOnly != membersOnly)
        {
            Store(slots, GovernanceLayout.PolicySlot, GovernanceLayout.PolicyPresent | (registry.MembersOnly ? GovernanceLayout.PolicyMembersOnly : 0));
        }
        switch (proposal.Action.ActionCase)
        {
            case GovernanceAction.ActionOneofCase.AdmitNode:
                Store(slots, GovernanceLayout.NodeSlot(proposal.Action.AdmitNode.PublicKey.Span), 1);
                break;
            case GovernanceAction.ActionOneofCase.RevokeNode:
                Store(slots, GovernanceLayout.NodeSlot(proposal.Action.RevokeNode.PublicKey.Span), 0);
                break;
            case GovernanceAction.ActionOneofCase.AddValidator:
            case GovernanceAction.ActionOneofCase.RemoveValidator:
            case GovernanceAction.ActionOneofCase.SetParameter when proposal.Action.SetParameter.Name != "members_only":
                // A parameter change schedules an epoch with the same validators (the event says how many sign it).
                var pending = registry.PendingValidators;
                Store(slots, GovernanceLayout.PendingEpochEndSlot, pending.LastHeightOfEpoch);
                Emit(context, ValidatorSetChangeScheduledTopic, proposal.Id, new AbiTuple().UInt(pending.LastHeightOfEpoch).UInt((ulong)pending.Validators.Count));
                break;
        }
        Emit(context, ProposalExecutedTopic, proposal.Id, new AbiTuple().String(GovernanceRules.KindOf(proposal.Action)));
    }

    /// <summary>
    /// Creates or recovers a light client by calling the cross-chain contract, which accepts only this contract as the
    /// caller. A refusal there (undone there) fails the proposal with the contract's reason; the vote itself stands.
    /// </summary>
    private static void ExecuteCrossChainClient(SystemCallContext context, GovernanceProposal proposal)
    {
        var c = proposal.Action.CrossChainClient;
        var selector = AbiSignature.Selector(c.Recover ? "recoverClient(string,bytes)" : "createClient(string,bytes)");
        byte[] input = [(byte)(selector >> 24), (byte)(selector >> 16), (byte)(selector >> 8), (byte)selector,
            .. new AbiTuple().String(c.ClientId).Bytes(c.Create.Span).Encode()];
        if (!context.TryCall(GovernanceLayout.CrossChainAddress, input, context.GasLeft, isStatic: false, out var result))
        {
            throw new OutOfGasException();
        }
        if (result.Status == EvmStatus.OutOfGas)
        {
            // Too little gas is the sender's shortfall, not the proposal's fault: the vote fails and can be sent again.
            context.TryUseGas(long.MaxValue);
            throw new OutOfGasException();
        }
        if (!result.Success)
        {
            proposal.Status = ProposalStatus.Failed;
            proposal.Failure = Vm.Execution.RevertReason.Decode(result.Output.Span);
            Emit(context, ProposalFailedTopic, proposal.Id, new AbiTuple().String(proposal.Failure));
            return;
        }
        proposal.Status = ProposalStatus.Executed;
        Emit(context, ProposalExecutedTopic, proposal.Id, new AbiTuple().String(GovernanceRules.KindOf(proposal.Action)));
    }

    /// <summary>The epoch length in force: the committee's value when it changed it, else genesis'.</summary>
    public ulong EpochLength(GovernanceRegistry registry) => GovernanceRules.EpochLength(registry, genesisParameters);

    private static bool TryDecodeProposal(uint selector, AbiReader args, out GovernanceAction? action, out bool force, out string? malformed)
    {
        action = null;
        force = false;
        malformed = null;
        if (selector == ProposeAddValidator)
        {
            if (args.TryBytes(0, out var key) && TryUInt64(args, 1, out var power) && TryString(args, 2, out var member) && TryBool(args, 3, out force))
            {
                action = new GovernanceAction { AddValidator = new AddValidatorAction { PublicKey = ByteString.CopyFrom(key), Power = power, Member = member } };
            }
        }
        else if (selector == ProposeRemoveValidator)
        {
            if (args.TryBytes(0, out var key) && TryBool(args, 1, out force))
            {
                action = new GovernanceAction { RemoveValidator = new RemoveValidatorAction { PublicKey = ByteString.CopyFrom(key) } };
            }
        }
        else if (selector == ProposeAdmitNode)
        {
            if (args.TryBytes(0, out var key) && TryString(args, 1, out var name) && TryString(args, 2, out var member))
            {
                action = new GovernanceAction { AdmitNode = new AdmitNodeAction { PublicKey = ByteString.CopyFrom(key), Name = name, Member = member } };
            }
        }
        else if (selector == ProposeCrossChainClient)
        {
            if (TryBool(args, 0, out var recover) && TryString(args, 1, out var clientId) && args.TryBytes(2, out var create))
            {
                action = new GovernanceAction
                {
                    CrossChainClient = new CrossChainClientAction { Recover = recover, ClientId = clientId, Create = ByteString.CopyFrom(create) },
                };
            }
        }
        else if (selector == ProposeRevokeNode)
        {
            if (args.TryBytes(0, out var key))
            {
                action = new GovernanceAction { RevokeNode = new RevokeNodeAction { PublicKey = ByteString.CopyFrom(key) } };
            }
        }
        else if (selector == ProposeGrantRole || selector == ProposeRevokeRole)
        {
            if (TryAddress(args, 0, out var account) && TryString(args, 1, out var role))
            {
                var r = new RoleAction { Account = account.ToByteString(), Role = role };
                action = selector == ProposeGrantRole ? new GovernanceAction { GrantRole = r } : new GovernanceAction { RevokeRole = r };
            }
        }
        else if (selector == ProposeSetParameter)
        {
            if (TryString(args, 0, out var name) && args.TryWord(1, out var value))
            {
                action = new GovernanceAction { SetParameter = new SetParameterAction { Name = name, Value = ByteString.CopyFrom(value) } };
            }
        }
        else if (selector == ProposeSetCommitteeSeat)
        {
            if (TryString(args, 0, out var member) && TryUInt64(args, 1, out var weight))
            {
                action = new GovernanceAction { SetCommitteeSeat = new SetSeatAction { Member = member, Weight = weight } };
            }
        }
        else if (selector == ProposeAddMember)
        {
            if (TryString(args, 0, out var name) && args.TryArray(1, out var count, out var elements) && count <= 16)
            {
                var add = new AddMemberAction { Name = name };
                for (var i = 0; i < count; i++)
                {
                    if (!elements.TryBytes(i, out var key))
                    {
                        add = null;
                        break;
                    }
                    add.AdminKeys.Add(ByteString.CopyFrom(key));
                }
                action = add is null ? null : new GovernanceAction { AddMember = add };
            }
        }
        else
        {
            return false;
        }
        if (action is null)
        {
            malformed = "malformed proposal arguments";
        }
        return true;
    }

    private static GovernanceRegistry LoadRegistry(SystemCallContext context, CallSlots slots)
    {
        var bytes = ReadBlob(context, slots, GovernanceLayout.RegistrySlot);
        if (bytes.Length == 0)
        {
            // Registered only on chains whose genesis names a consortium, which seeds the registry.
            throw new InvalidOperationException("the governance registry is missing from state: genesis did not seed it");
        }
        return GovernanceRegistry.Parser.ParseFrom(bytes);
    }

    private static byte[] ReadBlob(SystemCallContext context, CallSlots slots, in UInt256 slot)
    {
        if (!SlotBlob.TryRead(slots, slot, out var data) || !context.TryUseGas(RecordByteGas * data.Length))
        {
            throw new OutOfGasException();
        }
        return data;
    }

    private static void WriteBlob(SystemCallContext context, CallSlots slots, in UInt256 slot, byte[] data)
    {
        if (!context.TryUseGas(RecordByteGas * data.Length) || !SlotBlob.TryWrite(slots, slot, data))
        {
            throw new OutOfGasException();
        }
    }

    private static ulong Load(CallSlots slots, in UInt256 slot)
    {
        if (!slots.TryLoad(slot, out var value))
        {
            throw new OutOfGasException();
        }
        return value.IsUInt64 ? value.U0 : ulong.MaxValue;
    }

    private static void Store(CallSlots slots, in UInt256 slot, ulong value)
    {
        if (!slots.TryStore(slot, new UInt256(value)))
        {
            throw new OutOfGasException();
        }
    }

    private static void Emit(SystemCallContext context, Hash32 topic, ulong id, AbiTuple data)
    {
        Span<byte> idWord = stackalloc byte[32];
        new UInt256(id).WriteBigEndian(idWord);
        if (!context.TryEmitLog([topic, new Hash32(idWord)], data.Encode()))
        {
            throw new OutOfGasException();
        }
    }

    private static SystemCallResult Revert(string reason) => SystemCallResult.RevertWithReason("Governance: " + reason);

    private static bool TryUInt64(AbiReader args, int index, out ulong value)
    {
        value = 0;
        if (!args.TryUInt256(index, out var word) || !word.IsUInt64)
        {
            return false;
        }
        value = word.U0;
        return true;
    }

    private static bool TryBool(AbiReader args, int index, out bool value)
    {
        value = false;
        if (!args.TryUInt256(index, out var word) || !(word.IsZero || word == UInt256.One))
        {
            return false;
        }
        value = !word.IsZero;
        return true;
    }

    private static bool TryAddress(AbiReader args, int index, out Address value)
    {
        value = default;
        if (!args.TryWord(index, out var word) || word[..12].ContainsAnyExcept((byte)0))
        {
            return false;
        }
        value = new Address(word[12..]);
        return true;
    }

    private static bool TryString(AbiReader args, int index, out string value)
    {
        value = "";
        if (!args.TryBytes(index, out var bytes) || bytes.Length > 256)
        {
            return false;
        }
        value = Encoding.UTF8.GetString(bytes);
        return true;
    }

    /// <summary>Unwinds a call whose metered storage access ran out of gas (the context already knows why).</summary>
    private sealed class OutOfGasException : Exception;
}
