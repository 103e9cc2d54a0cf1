using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using ShanghaiChain.Core.Consensus;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Relay.Clients;
using ShanghaiChain.V1;

namespace ShanghaiChain.Benchmarks;

/// <summary>
/// One light-client update as the cross-chain contract runs it (docs/relay.md): a counterparty header with its commit
/// proof (its child and the child's certificate, the child carrying the header's certificate), four validators, a
/// quorum of three signatures per certificate, in either suite. Decoding, hashing, six signature checks; no storage.
/// </summary>
[MemoryDiagnoser]
public class LightClientBenchmarks
{
    private LightClientState _state = null!;
    private LightClientUpdate _update = null!;
    private ulong _now;

    [Params(CryptoSuite.Ed25519Sha256Name, CryptoSuite.Sm2Sm3Name)]
    public string Suite { get; set; } = CryptoSuite.Ed25519Sha256Name;

    [GlobalSetup]
    public void Setup()
    {
        var suite = CryptoSuite.FromName(Suite);
        var keys = Enumerable.Range(0, 4).Select(_ => KeyFile.Generate(suite)).ToArray();
        var set = ValidatorSet.FromPublicKeys(suite, keys.Select(k => k.PublicKey));
        var relaySet = CounterpartyValidators.ToRelay(set);
        var setHash = set.Hash(suite).ToByteString();
        BlockHeader Header(ulong height, ulong round, ByteString parent, QuorumCertificate? parentQc) => new()
        {
            ChainId = "bench", Height = height, Round = round, ParentHash = parent, Epoch = 1,
            TimestampMs = 1_750_000_000_000 + height * 1000, StateRootOfParent = ByteString.CopyFrom(new byte[32]),
            ValidatorSetHash = setHash, NextValidatorSetHash = setHash, ParentQc = parentQc,
        };
        QuorumCertificate Certify(BlockHeader header, out ByteString bytes)
        {
            bytes = header.ToByteString();
            var hash = suite.Hash(bytes.Span);
            var message = new byte[ConsensusSignBytes.MaxLength];
            var length = ConsensusSignBytes.Vote(ConsensusSignBytes.EncodeChainId("bench"), 1, header.Round, header.Height, hash, message);
            var qc = new QuorumCertificate { Epoch = 1, Round = header.Round, Height = header.Height, BlockHash = hash.ToByteString() };
            for (var i = 0; i < 3; i++)
            {
                qc.Signatures.Add(new ValidatorSignature { ValidatorIndex = (uint)i, Signature = ByteString.CopyFrom(keys[i].Sign(SigningDomain.Vote, message.AsSpan(0, length))) });
            }
            return qc;
        }
        var first = Header(1, 1, ByteString.CopyFrom(new byte[32]), null);
        Certify(first, out var firstBytes);
        var header = Header(2, 2, suite.Hash(firstBytes.Span).ToByteString(), null);
        var headerQc = Certify(header, out var headerBytes);
        var child = Header(3, 3, suite.Hash(headerBytes.Span).ToByteString(), headerQc);
        var childQc = Certify(child, out var childBytes);
        _now = child.TimestampMs / 1000;
        _state = LightClient.TryCreate(new LightClientCreate
        {
            ChainId = "bench", CryptoSuite = Suite, TrustingPeriodSeconds = 86_400, TrustedHeader = firstBytes, Validators = relaySet,
        }, _now, out _, out _, out var problem) ?? throw new InvalidOperationException(problem);
        _update = new LightClientUpdate
        {
            Header = new CertifiedHeader { Header = headerBytes, Commit = new CommitProof { Descendants = { childBytes }, Certificate = childQc } },
        };
        if (Update() != UpdateVerdict.Accepted)
        {
            throw new InvalidOperationException("the benchmark's update is refused");
        }
    }

    [Benchmark]
    public UpdateVerdict Update() => LightClient.Update(_state, _update, _now, _ => null).Verdict;
}
