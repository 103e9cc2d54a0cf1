using Google.Protobuf;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Relay.Clients;

/// <summary>A counterparty header whose commit was proven: its decoded fields and its hash (the suite hash of its bytes).</summary>
public sealed record CommittedHeader(BlockHeader Header, Hash32 Hash);

/// <summary>
/// Decides whether a counterparty committed a header, by its consensus's two-chain rule (docs/consensus.md, "Commit
/// rule"): a block is committed when a block certified in the next round extends it, and with it every ancestor. The
/// proof is the chain of descendants from the header to that pair and the certificate of the last one. A single quorum
/// certificate is not enough: two blocks of one height can both be certified (in different rounds) and only one
/// committed, so trusting a certified-only header could trust a state that never became final.
/// At an epoch's end the rule needs one more fact: the engine never commits past the epoch's last block, whose
/// descendants (suffix blocks) exist only to commit it, so a suffix block with a two-chain above it is still not
/// committed. The last block and the suffix blocks all announce the next set; the last block's parent does not. So a
/// header that announces a change must come with its parent, which must not announce one in the same epoch.
/// Validated here: every header decodes and names the client's chain and epoch; links by parent hash and height; the
/// pair's rounds are consecutive; both certificates verify against the epoch's set; the parent rule above.
/// </summary>
public static class CommitProofVerifier
{
    /// <summary>Bounds the hashing a proof can cost; a relayer picks a height that commits within this many blocks.</summary>
    public const int MaxDescendants = 16;

    public static CommittedHeader? TryVerify(CertifiedHeader? certified, CertificateVerifier certificates, string chainId,
        Core.Crypto.CryptoSuite suite, ulong epoch, out string problem)
    {
        if (certified?.Commit is not { } commit || commit.Descendants.Count == 0 || commit.Descendants.Count > MaxDescendants)
        {
            problem = $"the commit proof must carry 1 to {MaxDescendants} descendant headers and a certificate";
            return null;
        }
        if (Decode(certified.Header, chainId, epoch, out problem) is not { } header)
        {
            return null;
        }
        if (!certificates.Validators.Hash(suite).Matches(header.ValidatorSetHash.Span))
        {
            problem = $"header {header.Height} names another validator set than epoch {epoch}'s";
            return null;
        }
        if (!header.NextValidatorSetHash.Equals(header.ValidatorSetHash) && !IsEpochsLastHeader(certified.Parent, header, suite, out problem))
        {
            return null;
        }
        var hash = suite.Hash(certified.Header.Span);
        var (parent, parentHash) = (header, hash);
        BlockHeader child = header;
        var childHash = hash;
        foreach (var bytes in commit.Descendants)
        {
            (parent, parentHash) = (child, childHash);
            if (Decode(bytes, chainId, epoch, out problem) is not { } next)
            {
                return null;
            }
            childHash = suite.Hash(bytes.Span);
            if (next.Height != parent.Height + 1 || !parentHash.Matches(next.ParentHash.Span))
            {
                problem = $"descendant {next.Height} does not extend header {parent.Height}";
                return null;
            }
            child = next;
        }
        if (child.Round != parent.Round + 1)
        {
            problem = $"the last descendant's round {child.Round} does not follow its parent's {parent.Round}: no two-chain commit";
            return null;
        }
        if (!certificates.Verify(child.ParentQc, parent.Height, parent.Round, parentHash) ||
            !certificates.Verify(commit.Certificate, child.Height, child.Round, childHash))
        {
            problem = $"the certificates do not carry a quorum of epoch {epoch}'s validators";
            return null;
        }
        problem = "";
        return new CommittedHeader(header, hash);
    }

    /// <summary>The parent of an announcing header: linked by hash, and of an earlier epoch or announcing no change.</summary>
    private static bool IsEpochsLastHeader(ByteString parentBytes, BlockHeader header, Core.Crypto.CryptoSuite suite, out string problem)
    {
        problem = $"header {header.Height} announces a validator-set change: it needs its parent, which must announce none (a suffix block is never committed)";
        if (parentBytes.IsEmpty || !suite.Hash(parentBytes.Span).Matches(header.ParentHash.Span))
        {
            return false;
        }
        try
        {
            var parent = BlockHeader.Parser.ParseFrom(parentBytes);
            return parent.Epoch < header.Epoch || parent.NextValidatorSetHash.Equals(parent.ValidatorSetHash);
        }
        catch (InvalidProtocolBufferException)
        {
            return false;
        }
    }

    private static BlockHeader? Decode(ByteString bytes, string chainId, ulong epoch, out string problem)
    {
        BlockHeader header;
        try
        {
            header = BlockHeader.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException)
        {
            problem = "a header does not decode";
            return null;
        }
        if (header.ChainId != chainId || header.Epoch != epoch || header.Height == 0)
        {
            problem = $"a header names chain '{header.ChainId}' epoch {header.Epoch} height {header.Height}, not the client's chain '{chainId}' epoch {epoch}";
            return null;
        }
        problem = "";
        return header;
    }
}
