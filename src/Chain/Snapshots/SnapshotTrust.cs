using ShanghaiChain.Chain.Blocks;
using ShanghaiChain.Consensus;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Storage;

namespace ShanghaiChain.Chain.Snapshots;

/// <summary>
/// Whether a snapshot's state root can be trusted: block h+1, which carries it, must be certified by a quorum of the
/// validators that sign it. A node restoring a snapshot has no state yet to read later epochs' validator sets from, so:
/// a certificate of the first epoch is verified against genesis' validators, the same check a catch-up from genesis makes
/// of that epoch's blocks; a certificate of a later epoch is accepted only when the operator vouches for the block with a
/// trusted hash (<c>--trust-hash</c>, the hash of block h or h+1 taken from a node the operator trusts), as CometBFT's
/// state sync needs a trusted height and hash. The rest of the manifest is bound to block h+1 by
/// <see cref="SnapshotManifests.Check"/>.
/// </summary>
public static class SnapshotTrust
{
    /// <exception cref="SnapshotException">The certificate does not verify, or its epoch needs a trusted hash.</exception>
    public static void Verify(GenesisFile genesis, VerifiedManifest manifest, Hash32? trustedHash)
    {
        var next = manifest.NextBlock;
        var qc = manifest.Manifest.NextBlock.Certificate;
        if (next.Header.ChainId != genesis.ChainId || qc.Epoch != next.Header.Epoch)
        {
            throw new SnapshotException($"block {next.Height} of the snapshot names chain '{next.Header.ChainId}' or a certificate of another epoch");
        }
        if (trustedHash is { } trusted)
        {
            if (trusted != next.Hash && trusted != manifest.Block.Hash)
            {
                throw new SnapshotException($"the snapshot's blocks {manifest.Height} ({manifest.Block.Hash}) and {next.Height} ({next.Hash}) " +
                    $"are not the trusted block {trusted}");
            }
            return;
        }
        if (qc.Epoch != ChainEpochs.First)
        {
            throw new SnapshotException($"block {next.Height} of the snapshot is certified by epoch {qc.Epoch}'s validators, which a node without " +
                "the chain's history cannot check: give the hash of that block from a node you trust (--trust-hash), or sync from genesis");
        }
        if (manifest.Manifest.EpochStartBlock is not null)
        {
            // The first epoch starts at genesis: a start block below h would be stored as a block of this chain unchecked.
            throw new SnapshotException($"the snapshot names a block that starts epoch {qc.Epoch} below its height, but the first epoch starts at genesis");
        }
        var verifier = new EpochVerifier(genesis.ChainId, genesis.Suite, genesis.ToValidatorSet(), ChainEpochs.First, genesis.ComputeHash(), 0);
        if (!verifier.VerifyQuorumCertificate(qc))
        {
            throw new SnapshotException($"block {next.Height} of the snapshot does not carry a valid certificate of the genesis validators: refused");
        }
    }
}
