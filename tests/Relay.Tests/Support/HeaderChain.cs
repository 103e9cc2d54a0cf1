using Google.Protobuf;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Relay.Tests.Support;

/// <summary>
/// The headers of a counterparty chain as its consensus produces them, without executing anything: heights in order,
/// rounds consecutive within an epoch (round 1 after each epoch's genesis), each header carrying its parent's QC, and
/// epoch changes announced by the epoch's last header (next_validator_set_hash), as docs/consensus.md describes.
/// </summary>
internal sealed class HeaderChain
{
    private readonly List<(ByteString Bytes, BlockHeader Header, Hash32 Hash, QuorumCertificate Qc, Committee Signers)> _blocks = [];

    public HeaderChain(Committee first, ulong startMs = 1_750_000_000_000)
    {
        Committee = first;
        StartMs = startMs;
    }

    public Committee Committee { get; private set; }
    public ulong StartMs { get; }
    public ulong Height => (ulong)_blocks.Count;

    public ByteString Bytes(ulong height) => _blocks[(int)height - 1].Bytes;
    public BlockHeader Header(ulong height) => _blocks[(int)height - 1].Header;
    public Hash32 Hash(ulong height) => _blocks[(int)height - 1].Hash;
    public ulong TimeMs(ulong height) => StartMs + height * 1000;

    /// <summary>Appends a header signed by the current committee; <paramref name="next"/> set makes it the epoch's last header.</summary>
    public void Append(Committee? next = null, Hash32? stateRoot = null)
    {
        var height = Height + 1;
        var previous = _blocks.Count == 0 ? default : _blocks[^1];
        var sameEpoch = _blocks.Count > 0 && previous.Header.Epoch == Committee.Epoch;
        var header = new BlockHeader
        {
            ChainId = Committee.ChainId,
            Height = height,
            Round = sameEpoch ? previous.Header.Round + 1 : 1,
            ParentHash = _blocks.Count == 0 ? ByteString.CopyFrom(new byte[32]) : previous.Hash.ToByteString(),
            Proposer = ByteString.CopyFrom(Committee.Set[0].Address.ToArray()),
            TimestampMs = TimeMs(height),
            TxRoot = ByteString.CopyFrom(new byte[32]),
            StateRootOfParent = (stateRoot ?? Core.Crypto.CryptoSuite.Ed25519Sha256.Hash(BitConverter.GetBytes(height))).ToByteString(),
            ReceiptsRootOfParent = ByteString.CopyFrom(new byte[32]),
            ValidatorSetHash = Committee.Hash.ToByteString(),
            NextValidatorSetHash = (next ?? Committee).Hash.ToByteString(),
            ParentQc = sameEpoch ? previous.Qc : null,
            Epoch = Committee.Epoch,
        };
        Add(header, Committee);
        if (next is not null)
        {
            Committee = next;
        }
    }

    public void AppendMany(int count)
    {
        for (var i = 0; i < count; i++)
        {
            Append();
        }
    }

    /// <summary>
    /// The header at <paramref name="height"/> with its commit proof: its child (round + 1) and the child's certificate,
    /// both signed by the header's own epoch. For an epoch's last header the child is a suffix block of that epoch.
    /// </summary>
    public CertifiedHeader Certified(ulong height, Committee? signers = null, int? quorum = null)
    {
        var certified = CertifiedOf(_blocks[(int)height - 1], signers, quorum);
        if (height > 1)
        {
            certified.Parent = Bytes(height - 1);
        }
        return certified;
    }

    /// <summary>
    /// A suffix block after the epoch's last header <paramref name="lastHeight"/> (same epoch, announcing the next set, no
    /// transactions) with a valid two-chain above it: certified, never committed.
    /// </summary>
    public CertifiedHeader Suffix(ulong lastHeight)
    {
        var (bytes, header, hash, qc, committee) = _blocks[(int)lastHeight - 1];
        var suffix = header.Clone();
        suffix.Height = lastHeight + 1;
        suffix.Round = header.Round + 1;
        suffix.ParentHash = hash.ToByteString();
        suffix.ParentQc = qc;
        suffix.TimestampMs = header.TimestampMs + 100;
        var suffixBytes = suffix.ToByteString();
        var suffixHash = committee.Suite.Hash(suffixBytes.Span);
        var certified = CertifiedOf((suffixBytes, suffix, suffixHash, committee.Certify(suffix.Height, suffix.Round, suffixHash), committee), null, null);
        certified.Parent = bytes;
        return certified;
    }

    private static CertifiedHeader CertifiedOf((ByteString Bytes, BlockHeader Header, Hash32 Hash, QuorumCertificate Qc, Committee Signers) block,
        Committee? signers, int? quorum)
    {
        var (bytes, header, hash, qc, committee) = block;
        var height = header.Height;
        signers ??= committee;
        var child = new BlockHeader
        {
            ChainId = header.ChainId,
            Height = height + 1,
            Round = header.Round + 1,
            ParentHash = hash.ToByteString(),
            Proposer = header.Proposer,
            TimestampMs = header.TimestampMs + 500,
            TxRoot = header.TxRoot,
            StateRootOfParent = header.StateRootOfParent,
            ReceiptsRootOfParent = header.ReceiptsRootOfParent,
            ValidatorSetHash = header.ValidatorSetHash,
            NextValidatorSetHash = header.NextValidatorSetHash,
            ParentQc = signers == committee && quorum is null ? qc : signers.Certify(height, header.Round, hash, quorum),
            Epoch = header.Epoch,
        };
        var childBytes = child.ToByteString();
        var childHash = committee.Suite.Hash(childBytes.Span);
        return new CertifiedHeader
        {
            Header = bytes,
            Commit = new CommitProof { Descendants = { childBytes }, Certificate = signers.Certify(height + 1, child.Round, childHash, quorum) },
        };
    }

    public LightClientUpdate Update(ulong height, RelayValidatorSet? next = null) => new() { Header = Certified(height), NextValidators = next };

    /// <summary>A second header at <paramref name="height"/> (another proposal, here another timestamp), certified like the first: a fork.</summary>
    public CertifiedHeader Conflicting(ulong height)
    {
        var (_, header, _, _, committee) = _blocks[(int)height - 1];
        var forked = header.Clone();
        forked.TimestampMs += 1;
        var bytes = forked.ToByteString();
        var hash = committee.Suite.Hash(bytes.Span);
        return CertifiedOf((bytes, forked, hash, committee.Certify(height, forked.Round, hash), committee), null, null);
    }

    public LightClientCreate Create(ulong height, ulong trustingPeriodSeconds = 86_400) => new()
    {
        ChainId = Committee.ChainId,
        CryptoSuite = Committee.Suite.Name,
        TrustingPeriodSeconds = trustingPeriodSeconds,
        TrustedHeader = Bytes(height),
        Validators = _blocks[(int)height - 1].Signers.Relay,
    };

    private void Add(BlockHeader header, Committee signers)
    {
        var bytes = header.ToByteString();
        var hash = signers.Suite.Hash(bytes.Span);
        _blocks.Add((bytes, header, hash, signers.Certify(header.Height, header.Round, hash), signers));
    }
}
