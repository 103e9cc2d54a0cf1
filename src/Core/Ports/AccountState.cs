using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Core.Ports;

/// <summary>An account as execution sees it. An account that was never touched reads as <see cref="Empty"/>.</summary>
public readonly record struct AccountState(ulong Nonce, UInt256 Balance, Hash32 CodeHash)
{
    public static readonly AccountState Empty = new(0, UInt256.Zero, Hash32.Zero);

    public bool IsEmpty => Nonce == 0 && Balance.IsZero && CodeHash.IsZero;
}
