using Google.Protobuf;
using ShanghaiChain.Chain.Snapshots;
using ShanghaiChain.Chain.Tests.Pipeline;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Storage;
using ShanghaiChain.V1;

namespace ShanghaiChain.Chain.Tests.Snapshots;

/// <summary>
/// State sync against sources that serve a real snapshot of a certified chain, and sources that lie: a bad chunk is
/// refused by its hash and its source dropped while the honest one serves; a manifest whose chunks do not rebuild the
/// certified root is dropped with its source; a forged certificate is refused.
/// </summary>
public sealed class StateSyncTests : IDisposable
{
    private const int TinyChunks = 32;
    private readonly PipelineHarness _chain = new();
    private readonly string _directory = Path.Combine(Directory.CreateTempSubdirectory("shc-statesync-").FullName, "chain");
    private readonly List<string> _log = [];

    public void Dispose()
    {
        _chain.Dispose();
        Directory.Delete(Path.GetDirectoryName(_directory)!, recursive: true);
    }

    /// <summary>Four blocks of transfers, the snapshot of height 4 taken at the head, then block 5 (which certifies its root).</summary>
    private async Task<(SnapshotManifest Manifest, List<byte[]> Chunks)> SnapshotAsync()
    {
        for (ulong nonce = 0; nonce < 4; nonce++)
        {
            _chain.Pool.Admit(PipelineHarness.Transfer(PipelineHarness.Alice, nonce));
            await _chain.BuildAndCommitAsync(round: _chain.Head.Height + 1);
            _chain.Time.Advance(TimeSpan.FromMilliseconds(5));
        }
        var chunks = new List<byte[]>();
        var export = _chain.Store.ExportSnapshot(4, TinyChunks, chunks.Add);
        // The builder makes no empty block on the fake clock: block 5 carries a transfer too.
        _chain.Pool.Admit(PipelineHarness.Transfer(PipelineHarness.Alice, 4));
        await _chain.BuildAndCommitAsync(round: 5);
        return (_chain.Store.BuildManifest(4, 0, export), chunks);
    }

    private StateSync Sync() => new(PipelineHarness.Genesis, null, _log.Add);

    [Fact]
    public async Task A_source_that_sends_a_bad_chunk_is_dropped_and_the_honest_one_completes_the_sync()
    {
        var (manifest, chunks) = await SnapshotAsync();
        Assert.True(chunks.Count >= 3, $"{chunks.Count} chunks");
        var liar = new MemorySource("liar", manifest, chunks) { TamperChunk = c => [.. c, 0x00] };
        var honest = new MemorySource("honest", manifest, chunks);

        var result = await Sync().RunAsync([liar, honest], _directory, null, CancellationToken.None);

        Assert.NotNull(result);
        Assert.Equal(_chain.Store.GetStateRoot(4), result.StateRoot);
        Assert.Single(liar.Failures);
        Assert.Empty(honest.Failures);
        Assert.Contains(_log, l => l.Contains("dropped liar", StringComparison.Ordinal) && l.Contains("hash the manifest does not list", StringComparison.Ordinal));
        using var restored = ChainStore.Open(_directory, PipelineHarness.Genesis, StateCheck.Full);
        Assert.Equal(4UL, restored.HeadHeight);
        Assert.Equal(new UInt256(40), restored.GetAccount(PipelineHarness.Carol).Balance);
        Assert.Equal(_chain.Store.GetCommittedBlock(4)!.Block, restored.GetCommittedBlock(4)!.Block);
    }

    [Fact]
    public async Task A_manifest_whose_chunks_do_not_rebuild_the_certified_root_is_dropped_with_its_source()
    {
        var (manifest, chunks) = await SnapshotAsync();
        // Same height, same certified root and blocks, but a chunk with a balance changed, listed under its own hash.
        var forgedChunks = chunks.Select(c => c).ToList();
        var chunk = SnapshotChunk.Parser.ParseFrom(forgedChunks[0]);
        chunk.Accounts[0].Balance = ByteString.CopyFrom(new UInt256(123_456_789).ToBigEndian());
        forgedChunks[0] = chunk.ToByteArray();
        var forged = manifest.Clone();
        forged.ChunkHashes[0] = PipelineHarness.Suite.Hash(forgedChunks[0]).ToByteString();
        var liar = new MemorySource("liar", forged, forgedChunks);
        var honest = new MemorySource("honest", manifest, chunks);

        var result = await Sync().RunAsync([liar, honest], _directory, null, CancellationToken.None);

        Assert.NotNull(result);
        Assert.Equal(_chain.Store.GetStateRoot(4), result.StateRoot);
        Assert.Single(liar.Failures);
        Assert.Empty(honest.Failures);
        Assert.Contains(_log, l => l.Contains("dropped liar", StringComparison.Ordinal) && l.Contains("not the certified", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_snapshot_with_a_forged_certificate_is_refused_and_the_node_falls_back_to_block_sync()
    {
        var (manifest, chunks) = await SnapshotAsync();
        var forged = manifest.Clone();
        forged.NextBlock.Certificate.Signatures.RemoveAt(0);
        var liar = new MemorySource("liar", forged, chunks);

        var result = await Sync().RunAsync([liar], _directory, null, CancellationToken.None);

        Assert.Null(result);
        Assert.Single(liar.Failures);
        Assert.Contains(_log, l => l.Contains("does not carry a valid certificate of the genesis validators", StringComparison.Ordinal));
        Assert.False(Directory.Exists(_directory));
        Assert.Null(await Sync().RunAsync([], _directory, null, CancellationToken.None));
        Assert.Contains("no peer offers a snapshot", _log);
    }

    /// <summary>A source serving one snapshot from memory, optionally altering its chunks.</summary>
    private sealed class MemorySource(string name, SnapshotManifest manifest, List<byte[]> chunks) : ISnapshotSource
    {
        public Func<byte[], byte[]> TamperChunk { get; init; } = c => c;

        public List<Exception> Failures { get; } = [];

        public string Name => name;

        public Task<IReadOnlyList<SnapshotOfferInfo>> ListAsync(CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<SnapshotOfferInfo>>([new SnapshotOfferInfo(manifest.Height, new Hash32(manifest.StateRoot.Span), chunks.Count)]);

        public Task<byte[]> GetManifestAsync(ulong height, CancellationToken cancellationToken) => Task.FromResult(manifest.ToByteArray());

        public async Task<byte[]> GetChunkAsync(ulong height, int index, CancellationToken cancellationToken)
        {
            await Task.Yield();
            return TamperChunk(chunks[index]);
        }

        public void Failed(Exception error)
        {
            lock (Failures)
            {
                Failures.Add(error);
            }
        }
    }
}
