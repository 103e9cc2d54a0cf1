using FsCheck;
using FsCheck.Xunit;
using Google.Protobuf;
using ShanghaiChain.Consensus.Tests.Simulation;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Consensus.Tests;

/// <summary>FsCheck properties of certificate verification on a seven-validator set (quorum 5).</summary>
public class CertificatePropertyTests
{
    private const int Validators = 7;
    private const ulong Round = 9;
    private const ulong Height = 5;

    private static readonly CryptoSuite Suite = CryptoSuite.Ed25519Sha256;
    private static readonly EpochVerifier Verifier =
        new(SimKeys.ChainId, Suite, SimKeys.ValidatorSet(Suite, Validators), 1, SimKeys.GenesisHash(Suite), 0);
    private static readonly Hash32 BlockA = Suite.Hash("block a"u8);
    private static readonly Hash32 BlockB = Suite.Hash("block b"u8);
    // Each validator's vote signature for block A and for block B (signing is the slow part; do it once).
    private static readonly byte[][] SignaturesA = Sign(BlockA);
    private static readonly byte[][] SignaturesB = Sign(BlockB);

    private static byte[][] Sign(Hash32 block) =>
        [.. Enumerable.Range(0, Validators).Select(i => Verifier.SignVote(SimKeys.For(Suite, i).Private, Round, Height, block))];

    private static QuorumCertificate Qc(IEnumerable<(int Index, byte[] Signature)> signatures)
    {
        var qc = new QuorumCertificate { Epoch = 1, Round = Round, Height = Height, BlockHash = ByteString.CopyFrom(BlockA.ToArray()) };
        foreach (var (index, signature) in signatures)
        {
            qc.Signatures.Add(new ValidatorSignature { ValidatorIndex = (uint)index, Signature = ByteString.CopyFrom(signature) });
        }
        return qc;
    }

    private static IEnumerable<int> Signers(byte mask) => Enumerable.Range(0, Validators).Where(i => (mask & (1 << i)) != 0);

    [Property(MaxTest = 60)]
    public bool A_QC_verifies_exactly_when_a_quorum_of_distinct_validators_signed_its_block(byte mask)
    {
        var signers = Signers(mask).ToList();
        var qc = Qc(signers.Select(i => (i, SignaturesA[i])));
        return Verifier.VerifyQuorumCertificate(qc) == (signers.Count >= 5);
    }

    [Property(MaxTest = 60)]
    public bool A_QC_with_one_signature_over_another_block_never_verifies(byte mask, byte which)
    {
        var signers = Signers(mask).ToList();
        if (signers.Count == 0)
        {
            return true;
        }
        var wrong = signers[which % signers.Count];
        var qc = Qc(signers.Select(i => (i, i == wrong ? SignaturesB[i] : SignaturesA[i])));
        return !Verifier.VerifyQuorumCertificate(qc);
    }

    [Property(MaxTest = 60)]
    public bool Repeating_signatures_never_makes_up_a_quorum(byte mask, byte repeats)
    {
        var signers = Signers(mask).Take(4).ToList();
        if (signers.Count == 0)
        {
            return true;
        }
        var list = signers.Select(i => (i, SignaturesA[i])).ToList();
        for (var r = 0; r < 1 + repeats % 4; r++)
        {
            list.Add((signers[r % signers.Count], SignaturesA[signers[r % signers.Count]]));
        }
        return !Verifier.VerifyQuorumCertificate(Qc(list));
    }

    [Property(MaxTest = 40)]
    public bool A_QC_for_a_changed_round_height_or_epoch_never_verifies(byte field, ulong delta)
    {
        var qc = Qc(Enumerable.Range(0, Validators).Select(i => (i, SignaturesA[i])));
        var d = delta == 0 ? 1 : delta;
        switch (field % 3)
        {
            case 0: qc.Round += d; break;
            case 1: qc.Height += d; break;
            default: qc.Epoch += d; break;
        }
        return !Verifier.VerifyQuorumCertificate(qc);
    }

    [Property(MaxTest = 40)]
    public bool A_QC_with_a_corrupted_signature_byte_never_verifies(byte signer, byte position, byte flip)
    {
        var index = signer % Validators;
        var signatures = Enumerable.Range(0, Validators).Select(i => (i, (byte[])SignaturesA[i].Clone())).ToList();
        // Only the minimal quorum, so the corrupted one cannot be spared.
        var quorum = signatures.Where(s => s.i == index || s.i < 5).Take(5).ToList();
        if (!quorum.Any(s => s.i == index))
        {
            quorum[0] = signatures[index];
        }
        var target = quorum.First(s => s.i == index).Item2;
        target[position % target.Length] ^= (byte)(flip == 0 ? 1 : flip);
        return !Verifier.VerifyQuorumCertificate(Qc(quorum));
    }

    [Fact]
    public void The_genesis_QC_verifies_and_a_forged_round_zero_QC_does_not()
    {
        Assert.True(Verifier.VerifyQuorumCertificate(Verifier.GenesisQc));
        var forged = Verifier.GenesisQc.Clone();
        forged.BlockHash = ByteString.CopyFrom(BlockA.ToArray());
        Assert.False(Verifier.VerifyQuorumCertificate(forged));
    }
}
