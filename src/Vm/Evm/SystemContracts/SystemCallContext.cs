using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Vm.Evm.SystemContracts;

/// <summary>
/// What a system contract sees of one call: who called, with what value and input, under which rules, and metered
/// access to the world state. Every state access charges the same gas as the opcode it stands for (SLOAD, SSTORE,
/// LOG, BALANCE) and is refused in a static context where the opcode would be. When a <c>Try…</c> method returns false
/// the call must end with <c>SystemCallResult.Fail(context.FailureStatus)</c>.
/// </summary>
public sealed class SystemCallContext
{
    private readonly VirtualMachine _vm;

    internal SystemCallContext(VirtualMachine vm, in Message message)
    {
        _vm = vm;
        Kind = message.Kind;
        Address = message.Recipient;
        Caller = message.Caller;
        Value = message.Value;
        Input = message.Input;
        GasLeft = message.Gas;
        IsStatic = message.IsStatic;
        Depth = message.Depth;
    }

    public CallKind Kind { get; }

    /// <summary>The account storage and logs act on: the contract's own address (or the caller's under delegation,
    /// which only contracts with <see cref="ISystemContract.AllowsDelegation"/> allow).</summary>
    public Address Address { get; }

    /// <summary>msg.sender.</summary>
    public Address Caller { get; }

    /// <summary>tx.origin.</summary>
    public Address Origin => _vm.Transaction.Origin;

    /// <summary>msg.value (already credited to <see cref="Address"/> for CALL).</summary>
    public UInt256 Value { get; }

    /// <summary>The ABI-encoded calldata.</summary>
    public ReadOnlyMemory<byte> Input { get; }

    public long GasLeft { get; private set; }

    public bool IsStatic { get; }

    public int Depth { get; }

    public BlockContext Block => _vm.Block;

    /// <summary>Why the last failed <c>Try…</c> call failed.</summary>
    public EvmStatus FailureStatus { get; private set; } = EvmStatus.OutOfGas;

    public bool TryUseGas(long amount)
    {
        if (amount < 0 || GasLeft < amount)
        {
            GasLeft = 0;
            FailureStatus = EvmStatus.OutOfGas;
            return false;
        }
        GasLeft -= amount;
        return true;
    }

    /// <summary>Reads a slot of <see cref="Address"/>'s storage at SLOAD's price (EIP-2929 cold/warm).</summary>
    public bool TryLoad(in UInt256 key, out UInt256 value)
    {
        value = default;
        if (!TryUseGas(_vm.Substate.WarmSlot(Address, key) ? GasCosts.ColdSload : GasCosts.WarmStorageRead))
        {
            return false;
        }
        value = _vm.State.GetStorage(Address, key);
        return true;
    }

    /// <summary>Writes a slot of <see cref="Address"/>'s storage at SSTORE's price and refunds (EIP-2200/2929/3529).</summary>
    public bool TryStore(in UInt256 key, in UInt256 value)
    {
        if (IsStatic)
        {
            FailureStatus = EvmStatus.StaticCallViolation;
            return false;
        }
        if (GasLeft <= GasCosts.SstoreSentry)
        {
            FailureStatus = EvmStatus.OutOfGas;
            return false;
        }
        if (!TryUseGas(Instructions.Storage.StoreCost(_vm, Address, key, value)))
        {
            return false;
        }
        _vm.State.SetStorage(Address, key, value);
        return true;
    }

    /// <summary>Reads an account's balance at BALANCE's price (EIP-2929 cold/warm).</summary>
    public bool TryGetBalance(in Address account, out UInt256 balance)
    {
        balance = default;
        if (!TryUseGas(_vm.Substate.WarmAccount(account) ? GasCosts.ColdAccountAccess : GasCosts.WarmStorageRead))
        {
            return false;
        }
        balance = _vm.State.GetBalance(account);
        return true;
    }

    /// <summary>
    /// Calls another contract from this one (msg.sender is <see cref="Address"/>), as CALL or STATICCALL would with no
    /// value: the account access is charged at CALL's cold/warm price, the callee gets at most all but one 64th of the
    /// gas left (EIP-150) capped by <paramref name="gas"/>, and what it leaves is given back. A static context makes the
    /// call static. The callee's failure is its result, not this call's: state it changed is already undone.
    /// </summary>
    public bool TryCall(in Address target, ReadOnlyMemory<byte> input, long gas, bool isStatic, out CallResult result)
    {
        result = default;
        if (!TryUseGas(_vm.Substate.WarmAccount(target) ? GasCosts.ColdAccountAccess : GasCosts.WarmStorageRead))
        {
            return false;
        }
        var allowed = Math.Min(Math.Max(gas, 0), GasLeft - GasLeft / 64);
        GasLeft -= allowed;
        var kind = isStatic || IsStatic ? CallKind.StaticCall : CallKind.Call;
        result = _vm.ExecuteCall(new Message(kind, Address, target, target, UInt256.Zero, input, allowed, isStatic || IsStatic, Depth + 1));
        GasLeft += result.GasLeft;
        return true;
    }

    /// <summary>Emits a log from <see cref="Address"/> at LOGn's price (at most four topics).</summary>
    public bool TryEmitLog(Hash32[] topics, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(topics);
        ArgumentNullException.ThrowIfNull(data);
        if (IsStatic || topics.Length > 4)
        {
            FailureStatus = IsStatic ? EvmStatus.StaticCallViolation : EvmStatus.InvalidOpcode;
            return false;
        }
        if (!TryUseGas(GasCosts.Log + GasCosts.LogTopic * topics.Length + GasCosts.LogData * data.Length))
        {
            return false;
        }
        _vm.Substate.AddLog(new LogEntry(Address, topics, data));
        return true;
    }
}
