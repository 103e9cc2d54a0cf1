using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Transactions;

namespace ShanghaiChain.Chain.Mempool;

/// <summary>Outcome of admitting one transaction: its id when accepted, the reason when refused.</summary>
public readonly record struct AdmissionResult(Hash32 TxId, TxRejectReason Reason, string Message)
{
    public bool Accepted => Reason == TxRejectReason.None;
}
