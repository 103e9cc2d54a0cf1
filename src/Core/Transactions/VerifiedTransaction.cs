using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Core.Transactions;

/// <summary>
/// A transaction whose encoding, fields and signature have been checked: valid by construction, built
/// only by <see cref="TransactionValidator"/>. Holds the exact bytes it was received as.
/// </summary>
public sealed class VerifiedTransaction
{
    internal VerifiedTransaction(byte[] encoded, Hash32 id, TransactionBody body, byte[] publicKey, Address sender,
        Address? to, UInt256 value, UInt256 gasPrice)
    {
        Encoded = encoded;
        Id = id;
        Body = body;
        PublicKey = publicKey;
        Sender = sender;
        To = to;
        Value = value;
        GasPrice = gasPrice;
    }

    /// <summary>The serialized SignedTransaction, exactly as signed and submitted.</summary>
    public byte[] Encoded { get; }

    /// <summary>Suite hash of <see cref="Encoded"/>.</summary>
    public Hash32 Id { get; }

    public TransactionBody Body { get; }

    public byte[] PublicKey { get; }

    public Address Sender { get; }

    /// <summary>Recipient; null for contract creation.</summary>
    public Address? To { get; }

    public UInt256 Value { get; }

    public UInt256 GasPrice { get; }

    public ulong Nonce => Body.Nonce;

    public ulong GasLimit => Body.GasLimit;

    public ulong ExpiresAtHeight => Body.ExpiresAtHeight;

    public int Size => Encoded.Length;

    /// <summary>The most this transaction can debit from its sender: value + gas_limit * gas_price (null on overflow).</summary>
    public UInt256? MaxCost
    {
        get
        {
            if (!UInt256.TryMultiply(GasPrice, GasLimit, out var fee) || !UInt256.TryAdd(fee, Value, out var total))
            {
                return null;
            }
            return total;
        }
    }
}
