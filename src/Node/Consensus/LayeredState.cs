using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Node.Consensus;

/// <summary>
/// Committed state with the diffs of pending blocks on top (newest layer wins): what a block whose ancestors are not
/// committed yet executes against.
/// </summary>
public sealed class LayeredState(IStateReader committed, IReadOnlyList<IReadOnlyDictionary<Address, AccountState>> newestFirst) : IStateReader
{
    public AccountState GetAccount(Address address)
    {
        foreach (var layer in newestFirst)
        {
            if (layer.TryGetValue(address, out var account))
            {
                return account;
            }
        }
        return committed.GetAccount(address);
    }
}
