using Google.Protobuf;
using ShanghaiChain.Core.Consensus;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;
using ShanghaiChain.Vm.Evm;
using ShanghaiChain.Vm.Execution;

namespace ShanghaiChain.Governance;

/// <summary>
/// Records a block's equivocation evidence in the governance record and puts the offender before the committee: each
/// (validator, epoch, round) once, with a removal proposal opened in the committee's name (the committee still votes
/// on it: what follows an equivocation is a decision, not an automatism; docs/governance.md, "Evidence"). No removal
/// is opened when one is already open for the validator, when it is no longer a validator, or when removing it alone
/// would change a third or more of the voting power (that needs a forced proposal by a member).
/// </summary>
public sealed class GovernanceEvidenceRecorder(CryptoSuite suite) : IBlockEvidenceHandler
{
    public void Record(StateOverlay state, BlockContext block, IReadOnlyList<EquivocationEvidence> evidence)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(evidence);
        var slots = new OverlaySlots(state);
        SlotBlob.TryRead(slots, GovernanceLayout.RegistrySlot, out var bytes);
        if (bytes.Length == 0)
        {
            return;
        }
        var height = block.Number;
        var registry = GovernanceRegistry.Parser.ParseFrom(bytes);
        GovernanceRules.Advance(registry, height);
        foreach (var item in evidence)
        {
            if (EvidenceFacts.Of(item) is not { } facts ||
                GovernanceRules.EvidenceStatus(registry, facts, height) is not ({ } key, false))
            {
                continue;
            }
            var record = new GovernanceEvidence { Validator = key, Epoch = facts.Epoch, Round = facts.Round, Kind = facts.Kind, Height = height };
            if (!RemovalOpen(slots, registry, key, height))
            {
                record.RemovalProposal = OpenRemoval(slots, registry, key, height);
            }
            registry.Evidence.Add(record);
        }
        SlotBlob.TryWrite(slots, GovernanceLayout.RegistrySlot, registry.ToByteArray());
    }

    private static bool RemovalOpen(ISlotStore slots, GovernanceRegistry registry, ByteString key, ulong height)
    {
        foreach (var earlier in registry.Evidence.Where(e => e.Validator == key && e.RemovalProposal != 0))
        {
            SlotBlob.TryRead(slots, GovernanceLayout.ProposalSlot(earlier.RemovalProposal), out var stored);
            var proposal = GovernanceProposal.Parser.ParseFrom(stored);
            if (proposal.Status == ProposalStatus.Open && height <= proposal.ExpiresAtHeight)
            {
                return true;
            }
        }
        return false;
    }

    private ulong OpenRemoval(ISlotStore slots, GovernanceRegistry registry, ByteString key, ulong height)
    {
        var action = new GovernanceAction { RemoveValidator = new RemoveValidatorAction { PublicKey = key } };
        if (GovernanceRules.Problem(registry, action, force: false, suite, height) is not null)
        {
            return 0;
        }
        slots.TryLoad(GovernanceLayout.ProposalCountSlot, out var count);
        var id = count.U0 + 1;
        slots.TryStore(GovernanceLayout.ProposalCountSlot, new UInt256(id));
        var proposal = new GovernanceProposal
        {
            Id = id,
            Action = action,
            ProposerMember = "",
            Proposer = Address.Zero.ToByteString(),
            CreatedAtHeight = height,
            ExpiresAtHeight = height + registry.ProposalLifetimeBlocks,
            Status = ProposalStatus.Open,
        };
        SlotBlob.TryWrite(slots, GovernanceLayout.ProposalSlot(id), proposal.ToByteArray());
        return id;
    }

    /// <summary>The contract's storage in the block's state, written outside any transaction (no gas: block-level work).</summary>
    private sealed class OverlaySlots(StateOverlay state) : ISlotStore
    {
        public bool TryLoad(in UInt256 slot, out UInt256 value)
        {
            value = state.GetStorage(GovernanceLayout.Address, slot);
            return true;
        }

        public bool TryStore(in UInt256 slot, in UInt256 value)
        {
            state.SetStorage(GovernanceLayout.Address, slot, value);
            return true;
        }
    }
}
