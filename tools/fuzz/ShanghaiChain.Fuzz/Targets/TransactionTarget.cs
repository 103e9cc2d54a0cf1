using Google.Protobuf;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Transactions;
using ShanghaiChain.V1;

namespace ShanghaiChain.Fuzz.Targets;

/// <summary>
/// A SignedTransaction as a client or a peer submits it: stateless validation (TransactionValidator, under both crypto
/// suites, so fuzzed SM2 public keys reach the SM2 point decoder) and then mempool admission (stateful checks). Refusal is a
/// TxRejectReason; nothing may throw.
/// </summary>
internal sealed class TransactionTarget : FuzzTarget
{
    public override string Name => "transaction";

    public override string Description => "SignedTransaction bytes -> TransactionValidator (ed25519 and sm2) -> mempool admission";

    public override void Run(ReadOnlySpan<byte> input) => Admit(input.ToArray());

    /// <summary>Validates and admits one encoded SignedTransaction; checks what a valid one promises.</summary>
    internal static void Admit(byte[] encoded)
    {
        var validation = FuzzChain.Transactions.Validate(encoded);
        CheckValidation(validation);
        CheckValidation(FuzzChain.Sm2Transactions.Validate(encoded));
        var pool = FuzzChain.NewPool();
        var results = pool.Admit([encoded]);
        if (results.Length != 1)
        {
            throw new FuzzInvariantException($"the mempool answered {results.Length} results for one transaction");
        }
        if (!validation.IsValid && results[0].Reason == TxRejectReason.None)
        {
            throw new FuzzInvariantException($"the mempool admitted a transaction the validator refused ({validation.Reason})");
        }
    }

    private static void CheckValidation(TxValidation validation)
    {
        if (validation.IsValid != (validation.Reason == TxRejectReason.None))
        {
            throw new FuzzInvariantException($"validation is {(validation.IsValid ? "valid" : "invalid")} with reason {validation.Reason}");
        }
        if (validation.Transaction is { } tx && (tx.MaxCost is null || (tx.To is { } to && to.ToByteString().Length != Address.Size)))
        {
            throw new FuzzInvariantException("a valid transaction has no max cost or a malformed recipient");
        }
    }

    public override IEnumerable<(string Name, byte[] Data)> Seeds()
    {
        var transfer = FuzzChain.Transfer(FuzzChain.Alice, 0);
        yield return ("transfer-valid", transfer);
        yield return ("transfer-next-nonce", FuzzChain.Transfer(FuzzChain.Alice, 1));
        yield return ("transfer-unfunded", FuzzChain.Transfer(FuzzChain.ValidatorKeys[0], 0));
        yield return ("transfer-sm2", FuzzChain.Transfer(FuzzChain.Sm2Alice, 0));
        var create = TransactionSigner.Transfer(FuzzChain.ChainId, 0, FuzzChain.Carol, UInt256.Zero, 100_000, 1_000);
        create.To = ByteString.Empty;
        create.Data = ByteString.CopyFrom([0x60, 0x00, 0x60, 0x00, 0xf3]);
        yield return ("create-contract", TransactionSigner.Sign(create, FuzzChain.Alice));
        var signed = SignedTransaction.Parser.ParseFrom(transfer);
        var badSignature = signed.Clone();
        badSignature.Signature = ByteString.CopyFrom(new byte[64]);
        yield return ("bad-signature", badSignature.ToByteArray());
        var wrongChain = TransactionSigner.Transfer("other-chain", 0, FuzzChain.Carol, new UInt256(1), 21_000, 1_000);
        yield return ("wrong-chain", TransactionSigner.Sign(wrongChain, FuzzChain.Alice));
        var hugeValue = TransactionSigner.Transfer(FuzzChain.ChainId, 0, FuzzChain.Carol, UInt256.MaxValue, 21_000, 1_000, UInt256.MaxValue);
        yield return ("overflowing-cost", TransactionSigner.Sign(hugeValue, FuzzChain.Alice));
        yield return ("truncated", transfer[..^7]);
        yield return ("non-canonical-envelope", [.. transfer, 0x1a, 0x00]);
        yield return ("empty", []);
    }
}
