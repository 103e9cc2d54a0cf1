using Google.Protobuf;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Transactions;
using ShanghaiChain.V1;

namespace ShanghaiChain.Core.Tests.Transactions;

public sealed class TransactionValidatorTests
{
    private const string ChainId = "test-chain";
    private static readonly Address Recipient = Address.Parse("0x00000000000000000000000000000000000000aa");
    private readonly TransactionValidator _validator = new(ChainId, CryptoSuite.Ed25519Sha256, new ChainParameters { MaxTxBytes = 1024 });

    private static byte[] Sign(TransactionBody body) => TransactionSigner.Sign(body, TestKeys.Ed25519);

    private static TransactionBody Transfer() => TransactionSigner.Transfer(ChainId, 0, Recipient, new UInt256(10), 21_000, 50);

    [Fact]
    public void A_well_formed_signed_transfer_is_valid_and_carries_its_sender_and_id()
    {
        var encoded = Sign(Transfer());
        var result = _validator.Validate(encoded);
        Assert.True(result.IsValid, result.Message);
        var tx = result.Transaction!;
        Assert.Equal(TestKeys.Ed25519.Address, tx.Sender);
        Assert.Equal(CryptoSuite.Ed25519Sha256.Hash(encoded), tx.Id);
        Assert.Equal(Recipient, tx.To);
        Assert.Equal(new UInt256(10), tx.Value);
    }

    [Fact]
    public void Wrong_chain_id_is_refused()
    {
        var body = Transfer();
        body.ChainId = "other-chain";
        Assert.Equal(TxRejectReason.WrongChainId, _validator.Validate(Sign(body)).Reason);
    }

    [Fact]
    public void Garbage_bytes_are_malformed()
    {
        Assert.Equal(TxRejectReason.Malformed, _validator.Validate([0xff, 0xff, 0xff]).Reason);
    }

    [Fact]
    public void Unknown_fields_are_refused_even_when_signed()
    {
        var bodyBytes = Transfer().ToByteArray().Concat(new byte[] { 0xf8, 0x01, 0x05 }).ToArray(); // field 31, varint 5
        var signed = new SignedTransaction
        {
            Body = ByteString.CopyFrom(bodyBytes),
            PublicKey = ByteString.CopyFrom(TestKeys.Ed25519.PublicKey),
            Signature = ByteString.CopyFrom(TestKeys.Ed25519.Sign(SigningDomain.Transaction, bodyBytes)),
        };
        Assert.Equal(TxRejectReason.Malformed, _validator.Validate(signed.ToByteArray()).Reason);
    }

    [Fact]
    public void A_re_wrapped_envelope_with_a_repeated_field_is_refused_so_ids_cannot_be_forged()
    {
        var encoded = Sign(Transfer());
        var signed = SignedTransaction.Parser.ParseFrom(encoded);
        // Field 2 (public key) twice: protobuf keeps the last one, so the content is the same but the id would differ.
        var extra = new byte[] { 0x12, (byte)signed.PublicKey.Length }.Concat(signed.PublicKey.ToByteArray());
        Assert.Equal(TxRejectReason.Malformed, _validator.Validate([.. extra, .. encoded]).Reason);
        Assert.True(_validator.Validate(encoded).IsValid);
    }

    [Fact]
    public void Explicitly_encoded_default_values_in_the_body_are_accepted()
    {
        var body = Transfer();
        // nonce = 0 written out explicitly (field 2, varint 0), as some encoders do.
        var bodyBytes = new byte[] { 0x10, 0x00 }.Concat(body.ToByteArray()).ToArray();
        var signed = new SignedTransaction
        {
            Body = ByteString.CopyFrom(bodyBytes),
            PublicKey = ByteString.CopyFrom(TestKeys.Ed25519.PublicKey),
            Signature = ByteString.CopyFrom(TestKeys.Ed25519.Sign(SigningDomain.Transaction, bodyBytes)),
        };
        var result = _validator.Validate(signed.ToByteArray());
        Assert.True(result.IsValid, result.Message);
    }

    [Fact]
    public void Oversized_transactions_are_refused_before_decoding()
    {
        var body = Transfer();
        body.Data = ByteString.CopyFrom(new byte[2048]);
        Assert.Equal(TxRejectReason.Oversized, _validator.Validate(Sign(body)).Reason);
    }

    [Fact]
    public void A_signature_by_another_key_is_refused()
    {
        var bodyBytes = Transfer().ToByteArray();
        var other = Keys.KeyFile.Generate(CryptoSuite.Ed25519Sha256);
        var signed = new SignedTransaction
        {
            Body = ByteString.CopyFrom(bodyBytes),
            PublicKey = ByteString.CopyFrom(TestKeys.Ed25519.PublicKey),
            Signature = ByteString.CopyFrom(other.Sign(SigningDomain.Transaction, bodyBytes)),
        };
        Assert.Equal(TxRejectReason.BadSignature, _validator.Validate(signed.ToByteArray()).Reason);
    }

    [Fact]
    public void A_key_of_small_order_is_refused_with_and_without_the_signature_check()
    {
        // The identity point as key with s = 0 and R the identity satisfies the cofactored equation for any body: the
        // "signature" anyone can make. Refused by the stateless rules too, which the batched path runs without the signature.
        var identity = new byte[32];
        identity[0] = 1;
        var forged = new byte[64];
        forged[0] = 1;
        var signed = new SignedTransaction
        {
            Body = ByteString.CopyFrom(Transfer().ToByteArray()),
            PublicKey = ByteString.CopyFrom(identity),
            Signature = ByteString.CopyFrom(forged),
        };
        foreach (var checkSignature in new[] { true, false })
        {
            var result = _validator.Validate(signed.ToByteArray(), checkSignature);
            Assert.Equal(TxRejectReason.BadSignature, result.Reason);
            Assert.Contains("small order", result.Message);
        }
    }

    [Theory]
    [InlineData(19)]
    [InlineData(21)]
    public void A_recipient_that_is_not_20_bytes_is_refused(int length)
    {
        var body = Transfer();
        body.To = ByteString.CopyFrom(new byte[length]);
        Assert.Equal(TxRejectReason.InvalidField, _validator.Validate(Sign(body)).Reason);
    }

    [Fact]
    public void Amounts_must_be_32_bytes_or_empty()
    {
        var body = Transfer();
        body.Value = ByteString.CopyFrom(new byte[] { 1, 2, 3 });
        Assert.Equal(TxRejectReason.InvalidField, _validator.Validate(Sign(body)).Reason);
    }

    [Fact]
    public void Gas_limit_below_the_intrinsic_cost_and_missing_expiry_are_refused()
    {
        var lowGas = Transfer();
        lowGas.GasLimit = 20_999;
        Assert.Equal(TxRejectReason.InvalidField, _validator.Validate(Sign(lowGas)).Reason);
        var noExpiry = Transfer();
        noExpiry.ExpiresAtHeight = 0;
        Assert.Equal(TxRejectReason.InvalidField, _validator.Validate(Sign(noExpiry)).Reason);
    }

    [Fact]
    public void A_max_cost_that_overflows_256_bits_is_refused()
    {
        var body = TransactionSigner.Transfer(ChainId, 0, Recipient, UInt256.MaxValue, 21_000, 50, gasPrice: new UInt256(1));
        Assert.Equal(TxRejectReason.InvalidField, _validator.Validate(Sign(body)).Reason);
    }

    [Fact]
    public void Reject_reasons_have_upper_snake_case_wire_names()
    {
        Assert.Equal("NONCE_TOO_LOW", TxRejectReason.NonceTooLow.ToWireName());
        Assert.Equal("WRONG_CHAIN_ID", TxRejectReason.WrongChainId.ToWireName());
        Assert.Equal("MEMPOOL_FULL", TxRejectReason.MempoolFull.ToWireName());
    }
}
