using Google.Protobuf;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Core.Transactions;

/// <summary>The outcome of stateless transaction validation.</summary>
public readonly record struct TxValidation(VerifiedTransaction? Transaction, TxRejectReason Reason, string Message)
{
    public bool IsValid => Transaction is not null;

    public static TxValidation Reject(TxRejectReason reason, string message) => new(null, reason, message);
}

/// <summary>
/// Stateless checks of a submitted transaction: everything that depends only on its bytes and the chain's
/// rules (size, encoding, chain id, field ranges, signature). Stateful checks (nonce, balance, expiry
/// against the head) belong to the mempool and to execution.
/// </summary>
public sealed class TransactionValidator(string chainId, CryptoSuite suite, ChainParameters parameters)
{

    private readonly UInt256 _minGasPrice = UInt256.Parse(parameters.MinGasPrice);

    public CryptoSuite Suite => suite;

    /// <summary>The limits this validator checks against.</summary>
    public ChainParameters Parameters => parameters;

    /// <summary>
    /// This validator with the limits of <paramref name="inForce"/> (the committee may change max_tx_bytes and
    /// block_gas_limit on a governed chain); itself when they are the same.
    /// </summary>
    public TransactionValidator With(ChainParameters inForce) => inForce.Equals(parameters) ? this : new(chainId, suite, inForce);

    public TxValidation Validate(byte[] encoded, bool checkSignature = true)
    {
        if (encoded.Length > parameters.MaxTxBytes)
        {
            return TxValidation.Reject(TxRejectReason.Oversized, $"transaction is {encoded.Length} bytes, limit is {parameters.MaxTxBytes}");
        }
        SignedTransaction signed;
        TransactionBody body;
        try
        {
            signed = SignedTransaction.Parser.ParseFrom(encoded);
            body = TransactionBody.Parser.ParseFrom(signed.Body);
        }
        catch (InvalidProtocolBufferException ex)
        {
            return TxValidation.Reject(TxRejectReason.Malformed, "transaction does not decode: " + ex.Message);
        }
        if (signed.HasUnknownFields || body.HasUnknownFields)
        {
            return TxValidation.Reject(TxRejectReason.Malformed, "transaction carries fields unknown to this version");
        }
        // The id hashes the envelope, so the envelope must have exactly one encoding: otherwise anyone could re-wrap a
        // signed transaction (a repeated field, a padded length) under another id. The body stays exactly as signed.
        if (signed.CalculateSize() != encoded.Length || !signed.ToByteString().Span.SequenceEqual(encoded))
        {
            return TxValidation.Reject(TxRejectReason.Malformed, "the SignedTransaction envelope is not in canonical protobuf encoding");
        }
        if (body.ChainId != chainId)
        {
            return TxValidation.Reject(TxRejectReason.WrongChainId, $"transaction is for chain '{body.ChainId}', this is '{chainId}'");
        }
        Address? to = null;
        if (!body.To.IsEmpty)
        {
            if (!Address.TryRead(body.To.Span, out var recipient))
            {
                return TxValidation.Reject(TxRejectReason.InvalidField, "to must be 20 bytes or empty");
            }
            to = recipient;
        }
        if (!TryReadAmount(body.Value, out var value) || !TryReadAmount(body.GasPrice, out var gasPrice))
        {
            return TxValidation.Reject(TxRejectReason.InvalidField, "value and gas_price must be 32-byte big-endian integers or empty");
        }
        if (body.GasLimit < parameters.IntrinsicGas)
        {
            return TxValidation.Reject(TxRejectReason.InvalidField, $"gas_limit {body.GasLimit} is below the intrinsic cost {parameters.IntrinsicGas}");
        }
        if (body.GasLimit > parameters.BlockGasLimit)
        {
            return TxValidation.Reject(TxRejectReason.InvalidField, $"gas_limit {body.GasLimit} exceeds the block gas limit {parameters.BlockGasLimit}");
        }
        if (body.ExpiresAtHeight == 0)
        {
            return TxValidation.Reject(TxRejectReason.InvalidField, "expires_at_height is required");
        }
        if (gasPrice < _minGasPrice)
        {
            return TxValidation.Reject(TxRejectReason.GasPriceTooLow, $"gas_price is below the chain minimum {_minGasPrice}");
        }
        var publicKey = signed.PublicKey.ToByteArray();
        if (publicKey.Length != suite.PublicKeyLength || signed.Signature.Length != suite.SignatureLength)
        {
            return TxValidation.Reject(TxRejectReason.BadSignature, $"public key or signature has the wrong length for {suite.Name}");
        }
        // Checked with the stateless rules, not with the signature, so that batched verification (which skips the
        // signature here) applies it too. libsodium, the verifier before ZIP-215, refused these keys as well.
        if (suite.AnyoneCanSignFor(publicKey))
        {
            return TxValidation.Reject(TxRejectReason.BadSignature, "the public key is a point of small order, for which anyone can sign");
        }
        if (checkSignature && !suite.Verify(publicKey, SigningDomain.Transaction, signed.Body.Span, signed.Signature.Span))
        {
            return TxValidation.Reject(TxRejectReason.BadSignature, "signature does not verify");
        }
        var tx = new VerifiedTransaction(encoded, suite.Hash(encoded), body, publicKey, suite.AddressOf(publicKey), to, value, gasPrice);
        if (tx.MaxCost is null)
        {
            return TxValidation.Reject(TxRejectReason.InvalidField, "value + gas_limit * gas_price overflows 256 bits");
        }
        return new TxValidation(tx, TxRejectReason.None, "");
    }

    private static bool TryReadAmount(ByteString bytes, out UInt256 amount)
    {
        amount = default;
        return (bytes.Length == 0 || bytes.Length == UInt256.Size) && UInt256.TryReadBigEndian(bytes.Span, out amount);
    }
}
