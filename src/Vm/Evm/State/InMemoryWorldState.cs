using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Vm.Evm.State;

/// <summary>
/// A journaled in-memory <see cref="IWorldState"/> for tests, conformance runs and read-only calls. Snapshots are
/// journal positions; reverting replays the journal backwards.
/// </summary>
public sealed class InMemoryWorldState : IWorldState
{
    private static readonly Hash32 EmptyCodeHash = Hash32.Parse("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");

    /// <summary>An account's fields; storage lives beside it so that a reset is one journal entry.</summary>
    public sealed class Account
    {
        public UInt256 Balance;
        public ulong Nonce;
        public byte[] Code = [];
        public Hash32 CodeHash = EmptyCodeHash;
        public Dictionary<UInt256, UInt256> Storage = [];
    }

    private readonly Dictionary<Address, Account> _accounts = [];
    private readonly Dictionary<(Address, UInt256), UInt256> _committed = [];
    private readonly List<Action> _undo = [];

    /// <summary>The accounts in address order.</summary>
    public IEnumerable<KeyValuePair<Address, Account>> Accounts => _accounts.OrderBy(kv => kv.Key);

    public bool AccountExists(in Address address) => _accounts.ContainsKey(address);

    public Account? GetAccount(in Address address) => _accounts.GetValueOrDefault(address);

    public UInt256 GetBalance(in Address address) => _accounts.TryGetValue(address, out var a) ? a.Balance : UInt256.Zero;

    public void SetBalance(in Address address, in UInt256 balance)
    {
        var account = GetOrCreate(address);
        var previous = account.Balance;
        _undo.Add(() => account.Balance = previous);
        account.Balance = balance;
    }

    public ulong GetNonce(in Address address) => _accounts.TryGetValue(address, out var a) ? a.Nonce : 0;

    public void SetNonce(in Address address, ulong nonce)
    {
        var account = GetOrCreate(address);
        var previous = account.Nonce;
        _undo.Add(() => account.Nonce = previous);
        account.Nonce = nonce;
    }

    public byte[] GetCode(in Address address) => _accounts.TryGetValue(address, out var a) ? a.Code : [];

    public Hash32 GetCodeHash(in Address address) => _accounts.TryGetValue(address, out var a) ? a.CodeHash : Hash32.Zero;

    public void SetCode(in Address address, byte[] code)
    {
        var account = GetOrCreate(address);
        var (previousCode, previousHash) = (account.Code, account.CodeHash);
        _undo.Add(() => (account.Code, account.CodeHash) = (previousCode, previousHash));
        Span<byte> hash = stackalloc byte[32];
        Keccak256Hasher.Hash(code, hash);
        account.Code = code;
        account.CodeHash = new Hash32(hash);
    }

    public UInt256 GetStorage(in Address address, in UInt256 key) =>
        _accounts.TryGetValue(address, out var a) && a.Storage.TryGetValue(key, out var v) ? v : UInt256.Zero;

    public UInt256 GetCommittedStorage(in Address address, in UInt256 key) =>
        _committed.TryGetValue((address, key), out var v) ? v : GetStorage(address, key);

    public void SetStorage(in Address address, in UInt256 key, in UInt256 value)
    {
        var account = GetOrCreate(address);
        var slotKey = (address, key);
        if (!_committed.ContainsKey(slotKey))
        {
            // First write in this transaction: remember the original value (EIP-2200).
            _committed[slotKey] = GetStorage(address, key);
        }
        var existed = account.Storage.TryGetValue(key, out var previous);
        var k = key;
        _undo.Add(() =>
        {
            if (existed)
            {
                account.Storage[k] = previous;
            }
            else
            {
                account.Storage.Remove(k);
            }
        });
        if (value.IsZero)
        {
            account.Storage.Remove(key);
        }
        else
        {
            account.Storage[key] = value;
        }
    }

    public bool HasStorage(in Address address) => _accounts.TryGetValue(address, out var a) && a.Storage.Count > 0;

    public void CreateAccount(in Address address)
    {
        var balance = GetBalance(address);
        var key = address;
        var existing = _accounts.GetValueOrDefault(address);
        // Storage being reset must keep its committed values, so the original value stays correct.
        if (existing is not null)
        {
            foreach (var slot in existing.Storage)
            {
                _committed.TryAdd((address, slot.Key), slot.Value);
            }
        }
        _undo.Add(() =>
        {
            if (existing is null)
            {
                _accounts.Remove(key);
            }
            else
            {
                _accounts[key] = existing;
            }
        });
        _accounts[address] = new Account { Balance = balance };
    }

    public void DeleteAccount(in Address address)
    {
        var key = address;
        if (!_accounts.Remove(address, out var existing))
        {
            return;
        }
        foreach (var slot in existing.Storage)
        {
            _committed.TryAdd((address, slot.Key), slot.Value);
        }
        _undo.Add(() => _accounts[key] = existing);
    }

    public int TakeSnapshot() => _undo.Count;

    public void RevertToSnapshot(int snapshot)
    {
        for (var i = _undo.Count - 1; i >= snapshot; i--)
        {
            _undo[i]();
        }
        _undo.RemoveRange(snapshot, _undo.Count - snapshot);
    }

    public void CommitTransaction()
    {
        _undo.Clear();
        _committed.Clear();
    }

    private Account GetOrCreate(in Address address)
    {
        if (_accounts.TryGetValue(address, out var account))
        {
            return account;
        }
        account = new Account();
        var key = address;
        _accounts[address] = account;
        _undo.Add(() => _accounts.Remove(key));
        return account;
    }

    /// <summary>Sets up an account outside any transaction (genesis, test pre-state): not journaled.</summary>
    public void Seed(in Address address, in UInt256 balance, ulong nonce, byte[] code, IEnumerable<KeyValuePair<UInt256, UInt256>> storage)
    {
        var account = new Account { Balance = balance, Nonce = nonce };
        Span<byte> hash = stackalloc byte[32];
        Keccak256Hasher.Hash(code, hash);
        account.Code = code;
        account.CodeHash = new Hash32(hash);
        foreach (var (k, v) in storage)
        {
            if (!v.IsZero)
            {
                account.Storage[k] = v;
            }
        }
        _accounts[address] = account;
    }
}
