using Google.Protobuf;
using ShanghaiChain.Core.Blocks;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Merkle;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Storage;

/// <summary>
/// The checks a snapshot manifest passes before anything is restored from it, short of its certificates (which need the
/// chain's validator sets: the block pipeline verifies those): that it is of this chain, and that its parts hang
/// together: block h+1 extends block h and carries the manifest's state root as the state root of its parent and the
/// receipts root of block h's receipts; the ancestor headers chain to block h; the chunk hashes are well formed.
/// So once h+1's certificate is verified, everything in the manifest is bound to it.
/// </summary>
public static class SnapshotManifests
{
    /// <summary>How many ancestor headers a manifest may carry (BLOCKHASH reaches 256 blocks back).</summary>
    public const int MaxAncestors = 256;

    /// <summary>A bound on the chunk count (16 TiB of 4 MiB chunks), so a hostile manifest cannot make a reader allocate without end.</summary>
    public const int MaxChunks = 4 * 1024 * 1024;

    /// <summary>The largest manifest accepted: two blocks at the largest frame the peers accept, their receipts, the lists.</summary>
    public const int MaxBytes = 96 * 1024 * 1024;

    /// <summary>Decodes and checks a manifest. Throws <see cref="SnapshotException"/> saying what is wrong.</summary>
    public static VerifiedManifest Check(GenesisFile genesis, SnapshotManifest manifest)
    {
        var suite = genesis.Suite;
        if (manifest.FormatVersion != SnapshotChunks.FormatVersion)
        {
            throw new SnapshotException($"the snapshot is of format version {manifest.FormatVersion}; this node reads version {SnapshotChunks.FormatVersion}");
        }
        var genesisHash = genesis.ComputeHash();
        if (manifest.ChainId != genesis.ChainId || !genesisHash.Matches(manifest.GenesisHash.Span) || manifest.CryptoSuite != suite.Name)
        {
            throw new SnapshotException($"the snapshot is of chain '{manifest.ChainId}' ({manifest.CryptoSuite}, genesis {Hex.Encode(manifest.GenesisHash.Span)}); " +
                $"this home is on '{genesis.ChainId}' ({suite.Name}, genesis {genesisHash})");
        }
        if (manifest.Height == 0 || manifest.StateRoot.Length != Hash32.Size)
        {
            throw new SnapshotException("the snapshot names height 0 or a malformed state root");
        }
        var height = manifest.Height;
        var block = Decode(manifest.Block, height, "block", suite);
        var next = Decode(manifest.NextBlock, height + 1, "the next block", suite);
        if (!block.Hash.Matches(next.Header.ParentHash.Span))
        {
            throw new SnapshotException($"block {height + 1} of the snapshot does not extend its block {height}");
        }
        var root = new Hash32(manifest.StateRoot.Span);
        if (!root.Matches(next.Header.StateRootOfParent.Span))
        {
            throw new SnapshotException($"the snapshot's state root {root} is not the one block {height + 1} carries ({Hex.Encode(next.Header.StateRootOfParent.Span)})");
        }
        if (manifest.BlockReceipts.Count != block.Block.Transactions.Count)
        {
            throw new SnapshotException($"the snapshot carries {manifest.BlockReceipts.Count} receipts for the {block.Block.Transactions.Count} transactions of block {height}");
        }
        var receiptHashes = new Hash32[manifest.BlockReceipts.Count];
        for (var i = 0; i < receiptHashes.Length; i++)
        {
            if (!suite.Hash(block.Block.Transactions[i].Span).Matches(manifest.BlockReceipts[i].TxId.Span))
            {
                throw new SnapshotException($"receipt {i} of block {height} in the snapshot is not its transaction's");
            }
            receiptHashes[i] = suite.Hash(manifest.BlockReceipts[i].ToByteArray());
        }
        if (!BinaryMerkleTree.ComputeRoot(suite, receiptHashes).Matches(next.Header.ReceiptsRootOfParent.Span))
        {
            throw new SnapshotException($"the receipts of block {height} in the snapshot do not give the receipts root block {height + 1} carries");
        }
        var ancestors = CheckAncestors(manifest, block, suite);
        if (manifest.EpochStartBlock is { } epochStart && (epochStart.Block is null || epochStart.Certificate is null))
        {
            throw new SnapshotException("the snapshot's epoch start block lacks its body or certificate");
        }
        if (manifest.ChunkHashes.Count == 0 || manifest.ChunkHashes.Count > MaxChunks || manifest.ChunkHashes.Any(h => h.Length != Hash32.Size))
        {
            throw new SnapshotException($"the snapshot lists {manifest.ChunkHashes.Count} chunk hashes, or a malformed one");
        }
        return new VerifiedManifest(manifest, height, root, block, next, ancestors, [.. manifest.ChunkHashes.Select(h => new Hash32(h.Span))]);
    }

    private static SealedBlock Decode(CommittedBlock? committed, ulong height, string what, Core.Crypto.CryptoSuite suite)
    {
        if (committed?.Block is null || committed.Certificate is null)
        {
            throw new SnapshotException($"the snapshot's {what} lacks its body or certificate");
        }
        SealedBlock block;
        try
        {
            block = new SealedBlock(committed.Block, suite);
        }
        catch (InvalidProtocolBufferException)
        {
            throw new SnapshotException($"the snapshot's {what} does not decode");
        }
        if (block.Height != height || committed.Certificate.Height != height || !block.Hash.Matches(committed.Certificate.BlockHash.Span))
        {
            throw new SnapshotException($"the snapshot's {what} is block {block.Height} with a certificate of {committed.Certificate.Height}; expected {height}");
        }
        return block;
    }

    private static List<(ulong Height, Hash32 Hash, ByteString Header)> CheckAncestors(SnapshotManifest manifest, SealedBlock block, Core.Crypto.CryptoSuite suite)
    {
        var count = manifest.AncestorHeaders.Count;
        if (count > MaxAncestors || (ulong)count != Math.Min(block.Height - 1, MaxAncestors))
        {
            throw new SnapshotException($"the snapshot carries {count} ancestor headers for block {block.Height}; expected {Math.Min(block.Height - 1, MaxAncestors)}");
        }
        var result = new List<(ulong, Hash32, ByteString)>(count);
        var expectedHash = new Hash32(block.Header.ParentHash.Span);
        for (var i = count - 1; i >= 0; i--)
        {
            var bytes = manifest.AncestorHeaders[i];
            BlockHeader header;
            try
            {
                header = BlockHeader.Parser.ParseFrom(bytes);
            }
            catch (InvalidProtocolBufferException)
            {
                throw new SnapshotException($"ancestor header {i} of the snapshot does not decode");
            }
            var hash = suite.Hash(bytes.Span);
            var height = block.Height - (ulong)(count - i);
            if (hash != expectedHash || header.Height != height)
            {
                throw new SnapshotException($"the snapshot's ancestor header of height {height} does not chain to block {block.Height}");
            }
            result.Add((height, hash, bytes));
            expectedHash = new Hash32(header.ParentHash.Span);
        }
        result.Reverse();
        return result;
    }
}

/// <summary>A manifest that passed <see cref="SnapshotManifests.Check"/>, with its parts decoded.</summary>
public sealed record VerifiedManifest(SnapshotManifest Manifest, ulong Height, Hash32 StateRoot, SealedBlock Block, SealedBlock NextBlock,
    IReadOnlyList<(ulong Height, Hash32 Hash, ByteString Header)> Ancestors, IReadOnlyList<Hash32> ChunkHashes);

/// <summary>A snapshot (manifest, chunk or file) is not one this node can restore: it says why.</summary>
public sealed class SnapshotException(string message) : Exception(message);
