using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Vm.Execution;

/// <summary>
/// The accounts a block has changed so far, layered over committed state. The diff is handed out in
/// address order so that what is committed never depends on hash-table iteration order.
/// </summary>
public sealed class StateOverlay(IStateReader committed)
{
    private readonly Dictionary<Address, AccountState> _changed = [];

    public AccountState Get(Address address) =>
        _changed.TryGetValue(address, out var account) ? account : committed.GetAccount(address);

    public void Set(Address address, AccountState account) => _changed[address] = account;

    public int Count => _changed.Count;

    public IReadOnlyList<KeyValuePair<Address, AccountState>> ToSortedDiff()
    {
        var diff = _changed.ToList();
        diff.Sort((a, b) => a.Key.CompareTo(b.Key));
        return diff;
    }
}
