using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Core.Transactions;

/// <summary>
/// Who may send transactions and create contracts, decided from state alone (the governance contract's permission
/// slots), so that admission (against committed state) and execution (against the block's state as it runs) apply the
/// same rule and every honest node reaches the same verdict. Implemented by the governance module; the mempool and the
/// block executor call it.
/// </summary>
public interface ITransactionPermissions
{
    /// <summary>Null when <paramref name="sender"/> may send this transaction; otherwise why not, for the error message.</summary>
    string? Refusal(IStateReader state, Address sender, bool createsContract);
}
