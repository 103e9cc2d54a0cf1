using Google.Protobuf;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Governance;

/// <summary>The governance contract's storage at genesis: the consortium genesis.json founds, in the layout the contract keeps.</summary>
public static class GovernanceGenesis
{
    /// <summary>The slots to seed; empty when genesis names no consortium.</summary>
    public static IReadOnlyList<StorageChange> Storage(GenesisFile genesis)
    {
        if (GovernanceRules.FromGenesis(genesis) is not { } registry)
        {
            return [];
        }
        var slots = new Dictionary<UInt256, UInt256>();
        var store = new DictionarySlots(slots);
        SlotBlob.TryWrite(store, GovernanceLayout.RegistrySlot, registry.ToByteArray());
        store.TryStore(GovernanceLayout.PolicySlot, new UInt256(GovernanceLayout.PolicyPresent | (registry.MembersOnly ? GovernanceLayout.PolicyMembersOnly : 0)));
        foreach (var (account, permission) in GovernanceRules.PermissionsOf(registry, genesis.Suite))
        {
            store.TryStore(GovernanceLayout.PermissionSlot(account), new UInt256((ulong)permission));
        }
        foreach (var node in registry.Nodes)
        {
            store.TryStore(GovernanceLayout.NodeSlot(node.PublicKey.Span), UInt256.One);
        }
        return [.. slots.Where(s => !s.Value.IsZero).Select(s => new StorageChange(GovernanceLayout.Address, s.Key, s.Value))];
    }

    private sealed class DictionarySlots(Dictionary<UInt256, UInt256> slots) : ISlotStore
    {
        public bool TryLoad(in UInt256 slot, out UInt256 value)
        {
            value = slots.TryGetValue(slot, out var v) ? v : UInt256.Zero;
            return true;
        }

        public bool TryStore(in UInt256 slot, in UInt256 value)
        {
            slots[slot] = value;
            return true;
        }
    }
}
