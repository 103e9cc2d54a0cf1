using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Core.Ports;

/// <summary>
/// Read view of committed state: what execution and admission read. Implemented by Storage; every read is one
/// lookup in a flat column family (never a walk through the trie).
/// </summary>
public interface IStateReader
{
    /// <summary>The account at <paramref name="address"/>, or <see cref="AccountState.Empty"/> if it does not exist.</summary>
    AccountState GetAccount(Address address);

    /// <summary>Contract code by its suite hash (<see cref="AccountState.CodeHash"/>), or null when unknown.</summary>
    byte[]? GetCode(Hash32 codeHash);

    /// <summary>A contract storage slot; zero when unset.</summary>
    UInt256 GetStorage(Address address, UInt256 slot);
}

/// <summary>A consistent read view of the state after one committed height; dispose it to release the view.</summary>
public interface IStateView : IStateReader, IDisposable
{
    /// <summary>The height whose post-execution state this view reads.</summary>
    ulong Height { get; }

    /// <summary>The state root after <see cref="Height"/>.</summary>
    Hash32 StateRoot { get; }
}
