using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Chain.Execution;

/// <summary>The changes one pending block made, indexed for reads by the blocks built on it.</summary>
public sealed class StateLayer
{
    public StateLayer(IReadOnlyList<KeyValuePair<Address, AccountState>> accounts, ContractStateDiff contracts)
    {
        Accounts = accounts.ToDictionary(kv => kv.Key, kv => kv.Value);
        Cleared = [.. contracts.ClearedStorage];
        foreach (var change in contracts.Storage)
        {
            Slots[(change.Address, change.Slot)] = change.Value;
        }
        foreach (var (hash, code) in contracts.Code)
        {
            Code[hash] = code;
        }
    }

    public Dictionary<Address, AccountState> Accounts { get; }

    public HashSet<Address> Cleared { get; }

    public Dictionary<(Address, UInt256), UInt256> Slots { get; } = [];

    public Dictionary<Hash32, byte[]> Code { get; } = [];
}

/// <summary>
/// Committed state with the changes of pending blocks on top (newest layer wins): what a block whose ancestors are
/// not committed yet executes against. Storage roots in layered accounts are those before the pending blocks: the
/// store ignores a diff's storage roots and sets its own, at commit as in ChainStore.ComputeStateRoot.
/// </summary>
public sealed class LayeredState(IStateReader committed, IReadOnlyList<StateLayer> newestFirst) : IStateReader
{
    public AccountState GetAccount(Address address)
    {
        foreach (var layer in newestFirst)
        {
            if (layer.Accounts.TryGetValue(address, out var account))
            {
                return account;
            }
        }
        return committed.GetAccount(address);
    }

    public byte[]? GetCode(Hash32 codeHash)
    {
        foreach (var layer in newestFirst)
        {
            if (layer.Code.TryGetValue(codeHash, out var code))
            {
                return code;
            }
        }
        return committed.GetCode(codeHash);
    }

    public UInt256 GetStorage(Address address, UInt256 slot)
    {
        foreach (var layer in newestFirst)
        {
            if (layer.Slots.TryGetValue((address, slot), out var value))
            {
                return value;
            }
            if (layer.Cleared.Contains(address))
            {
                return UInt256.Zero;
            }
        }
        return committed.GetStorage(address, slot);
    }
}
