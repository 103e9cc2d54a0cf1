using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Core.Ports;

/// <summary>Read view of committed state at the head: what execution and admission read. Implemented by Storage.</summary>
public interface IStateReader
{
    /// <summary>The account at <paramref name="address"/>, or <see cref="AccountState.Empty"/> if it does not exist.</summary>
    AccountState GetAccount(Address address);
}
