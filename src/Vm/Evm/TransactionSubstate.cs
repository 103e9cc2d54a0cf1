using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Vm.Evm;

/// <summary>
/// The yellow paper's accrued substate for one transaction: warm accounts and slots (EIP-2929), transient storage
/// (EIP-1153), logs, the refund counter, self-destructs, accounts created in this transaction (EIP-6780) and
/// touched accounts (EIP-161). Every change is journaled so that a reverted frame undoes its part.
/// </summary>
public sealed class TransactionSubstate
{
    private enum EntryKind : byte
    {
        WarmAccount,
        WarmSlot,
        TransientStorage,
        Refund,
        SelfDestruct,
        Created,
        Touched,
    }

    private readonly record struct Entry(EntryKind Kind, Address Address, UInt256 Key, UInt256 Previous, long PreviousRefund);

    // RIPEMD-160's touch survives a revert: the mainnet quirk of block 2675119 that every client reproduces.
    private static readonly Address Ripemd160Address = new(Convert.FromHexString("0000000000000000000000000000000000000003"));

    private readonly List<Entry> _journal = [];
    private readonly HashSet<Address> _warmAccounts = [];
    private readonly HashSet<(Address, UInt256)> _warmSlots = [];
    private readonly Dictionary<(Address, UInt256), UInt256> _transient = [];
    private readonly HashSet<Address> _selfDestructs = [];
    private readonly HashSet<Address> _created = [];
    private readonly HashSet<Address> _touched = [];
    private readonly List<LogEntry> _logs = [];

    public long Refund { get; private set; }

    /// <summary>
    /// Empties the substate for the next transaction, keeping the collections' storage (a fresh set of seven
    /// collections per transaction was a visible share of a small transaction's cost). Collections that grew past
    /// <see cref="RetainedCapacity"/> entries are dropped instead, so one huge transaction does not make every later
    /// clear slow.
    /// </summary>
    internal void Reset()
    {
        Refund = 0;
        if (_journal.Count > RetainedCapacity || _warmSlots.Count > RetainedCapacity || _transient.Count > RetainedCapacity)
        {
            _journal.Clear();
            _journal.Capacity = 0;
            _warmSlots.Clear();
            _warmSlots.TrimExcess();
            _transient.Clear();
            _transient.TrimExcess();
        }
        _journal.Clear();
        _warmAccounts.Clear();
        _warmSlots.Clear();
        _transient.Clear();
        _selfDestructs.Clear();
        _created.Clear();
        _touched.Clear();
        _logs.Clear();
    }

    private const int RetainedCapacity = 1024;

    public IReadOnlyList<LogEntry> Logs => _logs;

    /// <summary>A position to revert to: journal length and log count.</summary>
    public readonly record struct Snapshot(int Journal, int Logs);

    public Snapshot TakeSnapshot() => new(_journal.Count, _logs.Count);

    public void RevertToSnapshot(Snapshot snapshot)
    {
        for (var i = _journal.Count - 1; i >= snapshot.Journal; i--)
        {
            var e = _journal[i];
            switch (e.Kind)
            {
                case EntryKind.WarmAccount:
                    _warmAccounts.Remove(e.Address);
                    break;
                case EntryKind.WarmSlot:
                    _warmSlots.Remove((e.Address, e.Key));
                    break;
                case EntryKind.TransientStorage:
                    _transient[(e.Address, e.Key)] = e.Previous;
                    break;
                case EntryKind.Refund:
                    Refund = e.PreviousRefund;
                    break;
                case EntryKind.SelfDestruct:
                    _selfDestructs.Remove(e.Address);
                    break;
                case EntryKind.Created:
                    _created.Remove(e.Address);
                    break;
                case EntryKind.Touched:
                    if (e.Address != Ripemd160Address)
                    {
                        _touched.Remove(e.Address);
                    }
                    break;
            }
        }
        _journal.RemoveRange(snapshot.Journal, _journal.Count - snapshot.Journal);
        _logs.RemoveRange(snapshot.Logs, _logs.Count - snapshot.Logs);
    }

    /// <summary>Marks the account warm; returns true when it was cold.</summary>
    public bool WarmAccount(in Address address)
    {
        if (!_warmAccounts.Add(address))
        {
            return false;
        }
        _journal.Add(new Entry(EntryKind.WarmAccount, address, default, default, 0));
        return true;
    }

    public bool IsWarm(in Address address) => _warmAccounts.Contains(address);

    /// <summary>Marks the slot warm; returns true when it was cold.</summary>
    public bool WarmSlot(in Address address, in UInt256 key)
    {
        if (!_warmSlots.Add((address, key)))
        {
            return false;
        }
        _journal.Add(new Entry(EntryKind.WarmSlot, address, key, default, 0));
        return true;
    }

    public UInt256 GetTransient(in Address address, in UInt256 key) =>
        _transient.TryGetValue((address, key), out var v) ? v : UInt256.Zero;

    public void SetTransient(in Address address, in UInt256 key, in UInt256 value)
    {
        var previous = GetTransient(address, key);
        _journal.Add(new Entry(EntryKind.TransientStorage, address, key, previous, 0));
        _transient[(address, key)] = value;
    }

    public void AddRefund(long delta)
    {
        _journal.Add(new Entry(EntryKind.Refund, default, default, default, Refund));
        Refund += delta;
    }

    public void AddLog(LogEntry log) => _logs.Add(log);

    public void MarkSelfDestructed(in Address address)
    {
        if (_selfDestructs.Add(address))
        {
            _journal.Add(new Entry(EntryKind.SelfDestruct, address, default, default, 0));
        }
    }

    public void MarkCreated(in Address address)
    {
        if (_created.Add(address))
        {
            _journal.Add(new Entry(EntryKind.Created, address, default, default, 0));
        }
    }

    public bool WasCreated(in Address address) => _created.Contains(address);

    public void Touch(in Address address)
    {
        if (_touched.Add(address))
        {
            _journal.Add(new Entry(EntryKind.Touched, address, default, default, 0));
        }
    }

    /// <summary>Self-destructed accounts in address order (deterministic).</summary>
    public Address[] SelfDestructedAccounts() => [.. _selfDestructs.Order()];

    /// <summary>Touched accounts in address order (deterministic).</summary>
    public Address[] TouchedAccounts() => [.. _touched.Order()];
}
