using Google.Protobuf;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Transactions;
using ShanghaiChain.V1;

namespace ShanghaiChain.Fuzz.Targets;

/// <summary>
/// A TransactionBody, validly signed by a funded account around the fuzzed bytes, so every input gets past the signature
/// and exercises the body decoder, the field checks and the mempool's stateful checks (nonce, balance, expiry, cost).
/// </summary>
internal sealed class TransactionBodyTarget : FuzzTarget
{
    public override string Name => "transaction-body";

    public override string Description => "TransactionBody bytes, signed by a funded key -> TransactionValidator -> mempool admission";

    public override void Run(ReadOnlySpan<byte> input)
    {
        var signed = new SignedTransaction
        {
            Body = ByteString.CopyFrom(input),
            PublicKey = ByteString.CopyFrom(FuzzChain.Alice.PublicKey),
            Signature = ByteString.CopyFrom(FuzzChain.Alice.Sign(SigningDomain.Transaction, input)),
        };
        TransactionTarget.Admit(signed.ToByteArray());
    }

    public override IEnumerable<(string Name, byte[] Data)> Seeds()
    {
        TransactionBody Body(ulong nonce = 0, ulong gas = 21_000, ulong expires = 1_000) =>
            TransactionSigner.Transfer(FuzzChain.ChainId, nonce, FuzzChain.Carol, new UInt256(10), gas, expires);
        yield return ("transfer", Body().ToByteArray());
        yield return ("nonce-gap", Body(nonce: 5).ToByteArray());
        yield return ("gas-below-intrinsic", Body(gas: 1).ToByteArray());
        yield return ("gas-above-block", Body(gas: ulong.MaxValue).ToByteArray());
        yield return ("no-expiry", Body(expires: 0).ToByteArray());
        var priced = TransactionSigner.Transfer(FuzzChain.ChainId, 0, FuzzChain.Carol, new UInt256(1), 21_000, 1_000, new UInt256(1_000_000));
        yield return ("gas-price-too-costly", priced.ToByteArray());
        var create = Body();
        create.To = ByteString.Empty;
        create.Data = ByteString.CopyFrom([0x60, 0x80, 0x60, 0x40, 0x52, 0x00]);
        yield return ("create", create.ToByteArray());
        var shortTo = Body();
        shortTo.To = ByteString.CopyFrom(new byte[19]);
        yield return ("short-recipient", shortTo.ToByteArray());
        var shortValue = Body();
        shortValue.Value = ByteString.CopyFrom([1]);
        yield return ("short-value", shortValue.ToByteArray());
        yield return ("unknown-field", [.. Body().ToByteArray(), 0x48, 0x01]);
        yield return ("empty", []);
    }
}
