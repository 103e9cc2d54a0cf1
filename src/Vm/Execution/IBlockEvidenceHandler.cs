using ShanghaiChain.V1;
using ShanghaiChain.Vm.Evm;

namespace ShanghaiChain.Vm.Execution;

/// <summary>
/// Records a block's equivocation evidence in state before its transactions run (the governance module implements it;
/// the VM only calls it). The evidence is already verified: block validity checks it against the epoch's validators.
/// Must be deterministic and must not throw for valid evidence.
/// </summary>
public interface IBlockEvidenceHandler
{
    void Record(StateOverlay state, BlockContext block, IReadOnlyList<EquivocationEvidence> evidence);
}
