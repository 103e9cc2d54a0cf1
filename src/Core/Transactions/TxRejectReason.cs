namespace ShanghaiChain.Core.Transactions;

/// <summary>
/// Why a transaction was refused at admission. The names (upper snake case) are the machine-readable
/// reasons the API returns; see docs/api.md.
/// </summary>
public enum TxRejectReason
{
    None = 0,
    /// <summary>Not a decodable SignedTransaction/TransactionBody, or carries fields unknown to this version.</summary>
    Malformed,
    /// <summary>Larger than the chain's max_tx_bytes.</summary>
    Oversized,
    /// <summary>Public key malformed or signature does not verify.</summary>
    BadSignature,
    WrongChainId,
    /// <summary>A field is out of its allowed range (value or gas price encoding, recipient length, gas limit).</summary>
    InvalidField,
    /// <summary>The nonce was already used (a replay).</summary>
    NonceTooLow,
    /// <summary>The nonce skips ahead of the sender's next expected nonce.</summary>
    NonceGap,
    InsufficientBalance,
    /// <summary>The expiry height has passed, or lies further ahead than the chain allows.</summary>
    Expired,
    GasPriceTooLow,
    /// <summary>The same transaction is already pending or committed.</summary>
    Duplicate,
    /// <summary>The mempool is at its count or byte bound.</summary>
    MempoolFull,
    /// <summary>A feature this chain does not support yet (e.g. contract creation before the EVM).</summary>
    Unsupported,
    /// <summary>The sender lacks the role this transaction needs (members-only chain, contract creation without the deployer role).</summary>
    PermissionDenied,
    /// <summary>The sender already has as many pending transactions as one sender may (mempool.max_txs_per_sender).</summary>
    SenderLimitReached,
}

public static class TxRejectReasonNames
{
    private static readonly string[] Names = Enum.GetNames<TxRejectReason>().Select(ToSnake).ToArray();

    /// <summary>The wire name of a reason, e.g. NONCE_TOO_LOW.</summary>
    public static string ToWireName(this TxRejectReason reason) => Names[(int)reason];

    private static string ToSnake(string name) =>
        string.Concat(name.Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + c : char.ToUpperInvariant(c).ToString()));
}
