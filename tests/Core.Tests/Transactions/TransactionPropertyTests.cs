using FsCheck;
using FsCheck.Xunit;
using Google.Protobuf;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Transactions;
using ShanghaiChain.V1;

namespace ShanghaiChain.Core.Tests.Transactions;

/// <summary>
/// Codec and signature properties. FsCheck prints the seed of a failing run as the first number of the pair after
/// "Falsifiable"; SHC_SEED=that number reruns exactly that case (see <see cref="ShanghaiChain.Tests.TestSeed"/>).
/// </summary>
public sealed class TransactionPropertyTests
{
    private const string ChainId = "prop-chain";

    [Property(MaxTest = 300)]
    public bool Transaction_body_decodes_to_what_was_encoded(NonNull<string> chainId, ulong nonce, ulong gasLimit,
        byte[] to, byte[] value, byte[] gasPrice, byte[] data, ulong expires)
    {
        var body = new TransactionBody
        {
            ChainId = chainId.Get,
            Nonce = nonce,
            GasLimit = gasLimit,
            To = ByteString.CopyFrom(to),
            Value = ByteString.CopyFrom(value),
            GasPrice = ByteString.CopyFrom(gasPrice),
            Data = ByteString.CopyFrom(data),
            ExpiresAtHeight = expires,
        };
        var decoded = TransactionBody.Parser.ParseFrom(body.ToByteArray());
        return decoded.Equals(body) && decoded.ToByteString() == body.ToByteString();
    }

    [Property(MaxTest = 200)]
    public bool Block_header_decodes_to_what_was_encoded(ulong height, ulong round, ulong timestamp, byte[] parent, ulong epoch, uint signer)
    {
        var header = new BlockHeader
        {
            ChainId = ChainId,
            Height = height,
            Round = round,
            TimestampMs = timestamp,
            ParentHash = ByteString.CopyFrom(parent),
            Epoch = epoch,
            ParentQc = new QuorumCertificate { Round = round, Height = height, Signatures = { new ValidatorSignature { ValidatorIndex = signer } } },
        };
        return BlockHeader.Parser.ParseFrom(header.ToByteArray()).Equals(header);
    }

    [Property(MaxTest = 300)]
    public bool UInt256_big_endian_round_trips(ulong a, ulong b, ulong c, ulong d)
    {
        var value = new UInt256(a, b, c, d);
        return UInt256.ReadBigEndian(value.ToBigEndian()) == value &&
            UInt256.TryFromBigInteger(value.ToBigInteger(), out var back) && back == value;
    }

    [Property(MaxTest = 150)]
    public bool Any_byte_mutation_of_a_signed_ed25519_transaction_fails_validation(PositiveInt position, byte flip) =>
        MutationFails(CryptoSuite.Ed25519Sha256, position.Get, flip);

    [Property(MaxTest = 60)]
    public bool Any_byte_mutation_of_a_signed_sm2_transaction_fails_validation(PositiveInt position, byte flip) =>
        MutationFails(CryptoSuite.Sm2Sm3, position.Get, flip);

    private static bool MutationFails(CryptoSuite suite, int position, byte flip)
    {
        var key = TestKeys.For(suite);
        var validator = new TransactionValidator(ChainId, suite, new ChainParameters());
        var body = TransactionSigner.Transfer(ChainId, 7, new Address(new byte[20]), new UInt256(5), 21_000, 100);
        var encoded = TransactionSigner.Sign(body, key);
        if (!validator.Validate(encoded).IsValid)
        {
            return false;
        }
        var mutated = (byte[])encoded.Clone();
        // flip is never zero, so the byte always changes.
        mutated[position % mutated.Length] ^= (byte)(flip == 0 ? 1 : flip);
        return !validator.Validate(mutated).IsValid;
    }
}
