using Google.Protobuf;
using ShanghaiChain.Core.Consensus;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Relay.Clients;
using ShanghaiChain.V1;

namespace ShanghaiChain.Relay.Tests.Support;

/// <summary>The validators of one epoch of a test chain: real keys of the chain's suite that sign votes as validators do.</summary>
internal sealed class Committee
{
    public Committee(CryptoSuite suite, string chainId, ulong epoch, IReadOnlyList<KeyFile> keys)
    {
        Suite = suite;
        ChainId = chainId;
        Epoch = epoch;
        Keys = keys;
        Set = ValidatorSet.FromPublicKeys(suite, keys.Select(k => k.PublicKey));
        Hash = Set.Hash(suite);
    }

    public static Committee Generate(CryptoSuite suite, string chainId, ulong epoch, int count = 4) =>
        new(suite, chainId, epoch, [.. Enumerable.Range(0, count).Select(_ => KeyFile.Generate(suite))]);

    public CryptoSuite Suite { get; }
    public string ChainId { get; }
    public ulong Epoch { get; }
    public IReadOnlyList<KeyFile> Keys { get; }
    public ValidatorSet Set { get; }
    public Hash32 Hash { get; }

    public RelayValidatorSet Relay => CounterpartyValidators.ToRelay(Set);

    /// <summary>The same validators in the next epoch, with one replaced (a quarter of the power: an allowed change).</summary>
    public Committee NextWithOneReplaced() => new(Suite, ChainId, Epoch + 1, [.. Keys.Skip(1), KeyFile.Generate(Suite)]);

    /// <summary>A quorum certificate signed by the first <paramref name="signers"/> validators (default: a quorum, 2f+1).</summary>
    public QuorumCertificate Certify(ulong height, ulong round, Hash32 blockHash, int? signers = null, IReadOnlyList<KeyFile>? keys = null)
    {
        var chainId = ConsensusSignBytes.EncodeChainId(ChainId);
        var message = new byte[ConsensusSignBytes.MaxLength];
        var length = ConsensusSignBytes.Vote(chainId, Epoch, round, height, blockHash, message);
        var qc = new QuorumCertificate { Epoch = Epoch, Round = round, Height = height, BlockHash = blockHash.ToByteString() };
        var signing = keys ?? Keys;
        for (var i = 0; i < (signers ?? (Keys.Count * 2 / 3 + 1)); i++)
        {
            qc.Signatures.Add(new ValidatorSignature
            {
                ValidatorIndex = (uint)i,
                Signature = ByteString.CopyFrom(signing[i].Sign(SigningDomain.Vote, message.AsSpan(0, length))),
            });
        }
        return qc;
    }
}
