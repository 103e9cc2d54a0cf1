using Google.Protobuf;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Core.Transactions;

/// <summary>Builds and signs transactions (CLI, load generator, tests) following docs/transaction-format.md.</summary>
public static class TransactionSigner
{
    public static TransactionBody Transfer(string chainId, ulong nonce, Address to, UInt256 value, ulong gasLimit, ulong expiresAtHeight, UInt256 gasPrice = default) =>
        new()
        {
            ChainId = chainId,
            Nonce = nonce,
            GasLimit = gasLimit,
            GasPrice = gasPrice.IsZero ? ByteString.Empty : ByteString.CopyFrom(gasPrice.ToBigEndian()),
            To = to.ToByteString(),
            Value = value.IsZero ? ByteString.Empty : ByteString.CopyFrom(value.ToBigEndian()),
            ExpiresAtHeight = expiresAtHeight,
        };

    /// <summary>Serializes the body once, signs domain tag + those bytes, and returns the encoded SignedTransaction.</summary>
    public static byte[] Sign(TransactionBody body, KeyFile key)
    {
        var bodyBytes = body.ToByteArray();
        var signed = new SignedTransaction
        {
            Body = ByteString.CopyFrom(bodyBytes),
            PublicKey = ByteString.CopyFrom(key.PublicKey),
            Signature = ByteString.CopyFrom(key.Sign(SigningDomain.Transaction, bodyBytes)),
        };
        return signed.ToByteArray();
    }
}
