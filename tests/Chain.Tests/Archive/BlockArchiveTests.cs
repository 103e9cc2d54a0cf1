using ShanghaiChain.Chain.Archive;
using ShanghaiChain.Chain.Tests.Pipeline;
using ShanghaiChain.V1;

namespace ShanghaiChain.Chain.Tests.Archive;

/// <summary>
/// The block archive format and the import through block sync: what is written reads back whole; a cut or damaged file
/// is refused by the reader; an import verifies every certificate, executes every block, resumes after what the store
/// has, and stops at a forged block with the blocks before it committed.
/// </summary>
public sealed class BlockArchiveTests : IDisposable
{
    private static readonly int MaxFrame = PipelineHarness.Genesis.Parameters.MaxBlockBytes + (1 << 20);
    private readonly PipelineHarness _source = new();
    private readonly PipelineHarness _target = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("shc-archive-").FullName;

    public void Dispose()
    {
        _source.Dispose();
        _target.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private async Task CommitBlocksAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            _source.Pool.Admit(PipelineHarness.Transfer(PipelineHarness.Alice, _source.Store.GetAccount(PipelineHarness.Alice.Address).Nonce));
            await _source.BuildAndCommitAsync(round: _source.Head.Height + 1);
            _source.Time.Advance(TimeSpan.FromMilliseconds(5));
        }
    }

    private BlockArchiveHeader HeaderOf(ulong from, ulong to) =>
        new(PipelineHarness.ChainId, PipelineHarness.Suite.Name, _source.Store.GenesisHash, from, to);

    private async Task<string> ExportAsync(ulong from, ulong to, Func<CommittedBlock, CommittedBlock>? tamper = null)
    {
        var path = Path.Combine(_dir, $"blocks-{from}-{to}-{Guid.NewGuid():N}.shc");
        await using var stream = File.Create(path);
        await using var writer = await BlockArchiveWriter.CreateAsync(stream, HeaderOf(from, to), CancellationToken.None);
        for (var height = from; height <= to; height++)
        {
            var block = _source.Store.GetCommittedBlock(height)!;
            await writer.WriteAsync(tamper is null ? block : tamper(block), CancellationToken.None);
        }
        await writer.CompleteAsync(CancellationToken.None);
        return path;
    }

    private static async Task<List<CommittedBlock>> ReadAllAsync(string path)
    {
        await using var stream = File.OpenRead(path);
        await using var reader = await BlockArchiveReader.OpenAsync(stream, MaxFrame, path, CancellationToken.None);
        var blocks = new List<CommittedBlock>();
        await foreach (var block in reader.ReadBlocksAsync(CancellationToken.None))
        {
            blocks.Add(block);
        }
        return blocks;
    }

    [Fact]
    public async Task An_archive_reads_back_every_block_with_its_certificate_in_order()
    {
        await CommitBlocksAsync(6);
        var path = await ExportAsync(2, 6);

        var blocks = await ReadAllAsync(path);

        Assert.Equal(5, blocks.Count);
        for (var i = 0; i < blocks.Count; i++)
        {
            Assert.Equal(_source.Store.GetCommittedBlock((ulong)i + 2), blocks[i]);
        }
    }

    [Fact]
    public async Task An_import_verifies_and_executes_every_block_and_ends_with_the_source_state()
    {
        await CommitBlocksAsync(5);
        var path = await ExportAsync(1, 5);

        var imported = await _target.BlockSync.ImportAsync(new ArchiveBlockSource(path, HeaderOf(1, 5), MaxFrame), CancellationToken.None);

        Assert.Equal(5UL, imported);
        Assert.Equal(_source.Head.Tip.Hash, _target.Head.Tip.Hash);
        Assert.Equal(_source.Store.StateRoot, _target.Store.StateRoot);
        Assert.Equal(_source.Store.GetAccount(PipelineHarness.Carol), _target.Store.GetAccount(PipelineHarness.Carol));
    }

    [Fact]
    public async Task A_second_import_resumes_after_what_the_store_already_has()
    {
        await CommitBlocksAsync(6);
        await _target.BlockSync.ImportAsync(new ArchiveBlockSource(await ExportAsync(1, 3), HeaderOf(1, 3), MaxFrame), CancellationToken.None);
        Assert.Equal(3UL, _target.Head.Height);

        var imported = await _target.BlockSync.ImportAsync(new ArchiveBlockSource(await ExportAsync(1, 6), HeaderOf(1, 6), MaxFrame), CancellationToken.None);

        Assert.Equal(3UL, imported);
        Assert.Equal(_source.Head.Tip.Hash, _target.Head.Tip.Hash);
        Assert.Equal(_source.Store.StateRoot, _target.Store.StateRoot);
    }

    [Fact]
    public async Task A_forged_certificate_stops_the_import_with_the_blocks_before_it_committed()
    {
        await CommitBlocksAsync(5);
        var path = await ExportAsync(1, 5, b =>
        {
            if (b.Certificate.Height != 4)
            {
                return b;
            }
            var forged = b.Clone();
            forged.Certificate.Signatures.RemoveAt(0);
            forged.Certificate.Signatures.RemoveAt(0);
            return forged;
        });

        var error = await Assert.ThrowsAsync<InvalidDataException>(() =>
            _target.BlockSync.ImportAsync(new ArchiveBlockSource(path, HeaderOf(1, 5), MaxFrame), CancellationToken.None));

        Assert.Contains("block 4", error.Message, StringComparison.Ordinal);
        Assert.Contains("certificate", error.Message, StringComparison.Ordinal);
        Assert.Equal(3UL, _target.Head.Height);
        Assert.Equal(_source.Store.GetCommittedBlock(3)!.Certificate.BlockHash, _target.Store.GetCommittedBlock(3)!.Certificate.BlockHash);
    }

    [Theory]
    [InlineData(10)]       // inside the preamble
    [InlineData(60)]       // inside the header or the first block
    [InlineData(-50)]      // inside the trailer
    [InlineData(-1)]       // one byte of the digest missing
    public async Task A_cut_archive_is_refused_as_truncated(int cutAt)
    {
        await CommitBlocksAsync(4);
        var path = await ExportAsync(1, 4);
        var bytes = await File.ReadAllBytesAsync(path);
        await File.WriteAllBytesAsync(path, bytes[..(cutAt >= 0 ? cutAt : bytes.Length + cutAt)]);

        var error = await Assert.ThrowsAsync<BlockArchiveException>(() => ReadAllAsync(path));

        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_flipped_byte_anywhere_in_the_blocks_is_refused()
    {
        await CommitBlocksAsync(4);
        var path = await ExportAsync(1, 4);
        var bytes = await File.ReadAllBytesAsync(path);
        // Every position past the header, one at a time would be slow: a spread of them, each on a fresh copy.
        var headerLength = BlockArchive.EncodeHeader(HeaderOf(1, 4)).Length;
        for (var at = headerLength; at < bytes.Length; at += 37)
        {
            var damaged = (byte[])bytes.Clone();
            damaged[at] ^= 0x40;
            await File.WriteAllBytesAsync(path, damaged);
            await Assert.ThrowsAsync<BlockArchiveException>(() => ReadAllAsync(path));
        }
    }

    [Fact]
    public async Task Bytes_after_the_trailer_and_other_formats_are_refused()
    {
        await CommitBlocksAsync(2);
        var path = await ExportAsync(1, 2);
        var bytes = await File.ReadAllBytesAsync(path);

        await File.WriteAllBytesAsync(path, [.. bytes, 0]);
        Assert.Contains("after its trailer", (await Assert.ThrowsAsync<BlockArchiveException>(() => ReadAllAsync(path))).Message, StringComparison.Ordinal);

        var otherVersion = (byte[])bytes.Clone();
        otherVersion[9] = 2;
        await File.WriteAllBytesAsync(path, otherVersion);
        Assert.Contains("format version 2", (await Assert.ThrowsAsync<BlockArchiveException>(() => ReadAllAsync(path))).Message, StringComparison.Ordinal);

        await File.WriteAllTextAsync(path, "{\"not\": \"an archive\"}");
        Assert.Contains("not a ShanghaiChain block archive", (await Assert.ThrowsAsync<BlockArchiveException>(() => ReadAllAsync(path))).Message, StringComparison.Ordinal);
    }
}
