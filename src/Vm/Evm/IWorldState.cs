using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Vm.Evm;

/// <summary>
/// The account state the EVM reads and writes, implemented by the host (the node's state, or
/// <see cref="State.InMemoryWorldState"/> in tests). Every write must be undone by <see cref="RevertToSnapshot"/>.
/// </summary>
public interface IWorldState
{
    /// <summary>True when the account is present in the state, even if empty.</summary>
    bool AccountExists(in Address address);

    UInt256 GetBalance(in Address address);

    /// <summary>Sets the balance, creating the account if it does not exist.</summary>
    void SetBalance(in Address address, in UInt256 balance);

    ulong GetNonce(in Address address);

    void SetNonce(in Address address, ulong nonce);

    /// <summary>The account's code; empty for accounts without code and for absent accounts. Callers never mutate it.</summary>
    byte[] GetCode(in Address address);

    /// <summary>Keccak-256 of the code (of the empty string for accounts without code); zero for absent accounts.</summary>
    Hash32 GetCodeHash(in Address address);

    void SetCode(in Address address, byte[] code);

    /// <summary>The current value of a storage slot (zero when unset).</summary>
    UInt256 GetStorage(in Address address, in UInt256 key);

    /// <summary>The slot's value at the start of the current transaction (EIP-2200 "original value").</summary>
    UInt256 GetCommittedStorage(in Address address, in UInt256 key);

    void SetStorage(in Address address, in UInt256 key, in UInt256 value);

    /// <summary>True when the account has at least one non-zero storage slot (EIP-7610 collision check).</summary>
    bool HasStorage(in Address address);

    /// <summary>Creates the account, or resets an existing one to nonce 0, no code and no storage, keeping its balance.</summary>
    void CreateAccount(in Address address);

    void DeleteAccount(in Address address);

    int TakeSnapshot();

    void RevertToSnapshot(int snapshot);

    /// <summary>Marks the end of a transaction: current storage values become the committed ones.</summary>
    void CommitTransaction();
}
