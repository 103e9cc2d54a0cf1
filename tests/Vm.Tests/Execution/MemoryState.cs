using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Vm.Execution;

namespace ShanghaiChain.Vm.Tests.Execution;

/// <summary>Committed state in memory for execution tests: applies each block's diff as Storage would (without tries).</summary>
internal sealed class MemoryState : IStateReader
{
    public Dictionary<Address, AccountState> Accounts { get; } = [];
    public Dictionary<(Address, UInt256), UInt256> Slots { get; } = [];
    public Dictionary<Hash32, byte[]> Code { get; } = [];

    public AccountState GetAccount(Address address) => Accounts.GetValueOrDefault(address, AccountState.Empty);

    public byte[]? GetCode(Hash32 codeHash) => Code.GetValueOrDefault(codeHash);

    public UInt256 GetStorage(Address address, UInt256 slot) => Slots.GetValueOrDefault((address, slot));

    public void Apply(ExecutionResult result)
    {
        foreach (var (hash, code) in result.Contracts.Code)
        {
            Code[hash] = code;
        }
        foreach (var address in result.Contracts.ClearedStorage)
        {
            foreach (var key in Slots.Keys.Where(k => k.Item1 == address).ToList())
            {
                Slots.Remove(key);
            }
        }
        foreach (var change in result.Contracts.Storage)
        {
            if (change.Value.IsZero)
            {
                Slots.Remove((change.Address, change.Slot));
            }
            else
            {
                Slots[(change.Address, change.Slot)] = change.Value;
            }
        }
        foreach (var (address, account) in result.StateDiff)
        {
            if (account.IsEmpty)
            {
                Accounts.Remove(address);
            }
            else
            {
                // Stand-in for the storage root Storage computes: non-zero while the account has slots.
                var hasSlots = Slots.Keys.Any(k => k.Item1 == address);
                Accounts[address] = account with { StorageRoot = hasSlots ? new Hash32([.. new byte[31], 1]) : Hash32.Zero };
            }
        }
    }
}
