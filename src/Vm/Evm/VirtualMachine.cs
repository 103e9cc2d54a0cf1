using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Vm.Abi;
using ShanghaiChain.Vm.Evm.Precompiles;
using ShanghaiChain.Vm.Evm.SystemContracts;

namespace ShanghaiChain.Vm.Evm;

/// <summary>
/// Executes message calls and contract creations against a host <see cref="IWorldState"/> under one rule set.
/// One instance serves one block (or one read-only call) on one thread; frames, stacks and memories are reused.
/// Nested calls recurse on the CLR stack, so run deep executions on a thread with at least 16 MiB of stack.
/// </summary>
public sealed partial class VirtualMachine
{
    private static readonly Hash32 EmptyCodeHash = Hash32.Parse("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");

    private readonly List<EvmFrame> _frames = [];
    private readonly Dictionary<byte[], ulong[]> _jumpDestinationCache = new(ReferenceEqualityComparer.Instance);
    private readonly Instructions.InstructionTable _table;

    public VirtualMachine(IWorldState state, BlockContext block, EvmRules? rules = null)
    {
        State = state;
        Block = block;
        Rules = rules ?? EvmRules.Cancun;
        _table = Rules.Table;
        Transaction = new TransactionContext { Origin = Address.Zero, GasPrice = UInt256.Zero };
    }

    public IWorldState State { get; }

    public BlockContext Block { get; }

    public EvmRules Rules { get; }

    public TransactionContext Transaction { get; private set; }

    public TransactionSubstate Substate { get; } = new();

    /// <summary>
    /// Starts a transaction: an empty substate (access lists, transient storage, logs, refunds). The same substate object
    /// is emptied and reused, so read what you need from <see cref="Substate"/> (logs, refund) before the next call.
    /// </summary>
    public void BeginTransaction(TransactionContext transaction)
    {
        Transaction = transaction;
        Substate.Reset();
    }

    /// <summary>Executes a message: a call of any kind, or a creation whose address is <see cref="Message.Recipient"/>.</summary>
    public CallResult Execute(in Message message) =>
        message.Kind is CallKind.Create or CallKind.Create2 ? ExecuteCreate(message) : ExecuteCall(message);

    internal CallResult ExecuteCall(in Message m)
    {
        if (m.Depth > Rules.MaxCallDepth)
        {
            return new CallResult(EvmStatus.CallDepthExceeded, m.Gas, ReadOnlyMemory<byte>.Empty);
        }
        var transfers = m.Kind is CallKind.Call or CallKind.CallCode;
        if (transfers && !m.Value.IsZero && State.GetBalance(m.Caller) < m.Value)
        {
            return new CallResult(EvmStatus.InsufficientBalance, m.Gas, ReadOnlyMemory<byte>.Empty);
        }

        var worldSnapshot = State.TakeSnapshot();
        var substateSnapshot = Substate.TakeSnapshot();
        var precompile = PrecompileSet.Get(m.CodeAddress);
        var systemContract = precompile is null ? Rules.SystemContracts?.Find(m.CodeAddress) : null;
        if (m.Kind == CallKind.Call)
        {
            if (!State.AccountExists(m.Recipient))
            {
                if (precompile is null && systemContract is null && m.Value.IsZero)
                {
                    return new CallResult(EvmStatus.Stopped, m.Gas, ReadOnlyMemory<byte>.Empty);
                }
                State.CreateAccount(m.Recipient);
            }
            Transfer(m.Caller, m.Recipient, m.Value);
        }
        else if (m.Kind == CallKind.StaticCall)
        {
            // A static call touches its target as a zero-value transfer would (EIP-161 clean-up, as reference clients do).
            Substate.Touch(m.Recipient);
        }

        CallResult result;
        if (precompile is not null)
        {
            result = precompile.Run(m.Input, m.Gas);
        }
        else if (systemContract is not null)
        {
            result = RunSystemContract(systemContract, m);
        }
        else
        {
            var code = State.GetCode(m.CodeAddress);
            result = code.Length == 0
                ? new CallResult(EvmStatus.Stopped, m.Gas, ReadOnlyMemory<byte>.Empty)
                : RunFrame(code, m.Gas, m.Recipient, m.Caller, m.Value, m.Input, m.IsStatic, m.Depth);
        }

        if (!result.Success)
        {
            State.RevertToSnapshot(worldSnapshot);
            Substate.RevertToSnapshot(substateSnapshot);
            if (result.Status != EvmStatus.Reverted)
            {
                result = result with { GasLeft = 0 };
            }
        }
        return result;
    }

    internal CallResult ExecuteCreate(in Message m)
    {
        var address = m.Recipient;
        Substate.WarmAccount(address);
        var codeHash = State.GetCodeHash(address);
        if (State.GetNonce(address) != 0 || (!codeHash.IsZero && codeHash != EmptyCodeHash) || State.HasStorage(address))
        {
            return new CallResult(EvmStatus.ContractAddressCollision, 0, ReadOnlyMemory<byte>.Empty);
        }

        var worldSnapshot = State.TakeSnapshot();
        var substateSnapshot = Substate.TakeSnapshot();
        State.CreateAccount(address);
        Substate.MarkCreated(address);
        State.SetNonce(address, 1);
        Transfer(m.Caller, address, m.Value);

        var initCode = m.Input.ToArray();
        var result = RunFrame(initCode, m.Gas, address, m.Caller, m.Value, ReadOnlyMemory<byte>.Empty, false, m.Depth);
        if (result.Success)
        {
            var code = result.Output;
            var depositCost = GasCosts.CodeDeposit * code.Length;
            if (code.Length > Rules.MaxCodeSize)
            {
                result = new CallResult(EvmStatus.CodeSizeExceeded, 0, ReadOnlyMemory<byte>.Empty);
            }
            else if (code.Length > 0 && code.Span[0] == 0xEF)
            {
                result = new CallResult(EvmStatus.InvalidCodePrefix, 0, ReadOnlyMemory<byte>.Empty);
            }
            else if (result.GasLeft < depositCost)
            {
                result = new CallResult(EvmStatus.OutOfGas, 0, ReadOnlyMemory<byte>.Empty);
            }
            else
            {
                State.SetCode(address, code.ToArray());
                return new CallResult(EvmStatus.Returned, result.GasLeft - depositCost, ReadOnlyMemory<byte>.Empty, address);
            }
        }

        State.RevertToSnapshot(worldSnapshot);
        Substate.RevertToSnapshot(substateSnapshot);
        return result.Status == EvmStatus.Reverted ? result : result with { GasLeft = 0 };
    }

    /// <summary>
    /// Runs a native contract for a message. Delegation (DELEGATECALL, CALLCODE) and value are refused with a revert
    /// unless the contract allows them; the caller (<see cref="ExecuteCall"/>) undoes state on revert or failure.
    /// </summary>
    private CallResult RunSystemContract(ISystemContract contract, in Message m)
    {
        if (m.Kind is CallKind.DelegateCall or CallKind.CallCode && !contract.AllowsDelegation)
        {
            return new CallResult(EvmStatus.Reverted, m.Gas, AbiWriter.ErrorReason($"{contract.Name}: delegation is not allowed"));
        }
        if (m.Kind is CallKind.Call or CallKind.CallCode && !m.Value.IsZero && !contract.AcceptsValue)
        {
            return new CallResult(EvmStatus.Reverted, m.Gas, AbiWriter.ErrorReason($"{contract.Name}: value is not accepted"));
        }
        var context = new SystemCallContext(this, m);
        var outcome = contract.Run(context);
        return outcome.Status switch
        {
            EvmStatus.Returned or EvmStatus.Stopped => new CallResult(EvmStatus.Returned, context.GasLeft, outcome.Output),
            EvmStatus.Reverted => new CallResult(EvmStatus.Reverted, context.GasLeft, outcome.Output),
            // Running is not an ending: treat it as the contract's error, like any other exceptional halt.
            _ => new CallResult(outcome.Status == EvmStatus.Running ? EvmStatus.InvalidOpcode : outcome.Status, 0, ReadOnlyMemory<byte>.Empty),
        };
    }

    /// <summary>Moves value between accounts; both are touched (EIP-161) even when the value is zero.</summary>
    internal void Transfer(in Address from, in Address to, in UInt256 value)
    {
        if (!value.IsZero)
        {
            State.SetBalance(from, UInt256.SubtractWrapping(State.GetBalance(from), value));
            Substate.Touch(from);
            State.SetBalance(to, UInt256.AddWrapping(State.GetBalance(to), value));
        }
        Substate.Touch(to);
    }

    /// <summary>True when the account does not exist or is empty (EIP-161: no code, zero nonce, zero balance).</summary>
    internal bool IsDead(in Address address) =>
        !State.AccountExists(address) ||
        (State.GetNonce(address) == 0 && State.GetBalance(address).IsZero && State.GetCode(address).Length == 0);

    private CallResult RunFrame(byte[] code, long gas, in Address address, in Address caller, in UInt256 value, ReadOnlyMemory<byte> input, bool isStatic, int depth)
    {
        while (_frames.Count <= depth)
        {
            _frames.Add(new EvmFrame(this));
        }
        var frame = _frames[depth];
        frame.Reset(code, gas, address, caller, value, input, isStatic, depth);
        var status = Run(frame);
        return status switch
        {
            EvmStatus.Stopped => new CallResult(status, frame.Gas, ReadOnlyMemory<byte>.Empty),
            EvmStatus.Returned or EvmStatus.Reverted => new CallResult(status, frame.Gas, frame.Output),
            _ => new CallResult(status, 0, ReadOnlyMemory<byte>.Empty),
        };
    }

    /// <summary>The interpreter loop: fetch, check stack bounds and static gas from the table, dispatch.</summary>
    [SkipLocalsInit]
    private unsafe EvmStatus Run(EvmFrame frame)
    {
        var code = frame.Code;
        // The table has 256 entries, so any opcode byte indexes it: skip the bounds check.
        ref var table = ref MemoryMarshal.GetArrayDataReference(_table.Entries);
        while (true)
        {
            var pc = frame.Pc;
            if ((uint)pc >= (uint)code.Length)
            {
                return EvmStatus.Stopped;
            }
            ref readonly var instruction = ref Unsafe.Add(ref table, code[pc]);
            if (frame.Sp < instruction.MinStack)
            {
                return EvmStatus.StackUnderflow;
            }
            if (frame.Sp > instruction.MaxStack)
            {
                return EvmStatus.StackOverflow;
            }
            if (frame.Gas < instruction.StaticGas)
            {
                return EvmStatus.OutOfGas;
            }
            frame.Gas -= instruction.StaticGas;
            frame.Pc = pc + 1;
            var status = instruction.Execute(frame);
            if (status != EvmStatus.Running)
            {
                return status;
            }
        }
    }

    /// <summary>Marks every JUMPDEST byte that is an instruction, not PUSH data. Cached per code array.</summary>
    internal ulong[] AnalyzeJumpDestinations(byte[] code)
    {
        if (_jumpDestinationCache.TryGetValue(code, out var cached))
        {
            return cached;
        }
        var bits = new ulong[(code.Length + 63) / 64];
        for (var i = 0; i < code.Length; i++)
        {
            var op = code[i];
            if (op == 0x5b)
            {
                bits[i >> 6] |= 1UL << (i & 63);
            }
            else if (op is >= 0x60 and <= 0x7f)
            {
                i += op - 0x5f;
            }
        }
        if (_jumpDestinationCache.Count >= 4096)
        {
            // Init code arrays are one-off; bound the cache instead of tracking their lifetime.
            _jumpDestinationCache.Clear();
        }
        _jumpDestinationCache[code] = bits;
        return bits;
    }
}
