using System.Diagnostics;
using System.Text.RegularExpressions;
using Google.Protobuf;
using ShanghaiChain.Chain.Archive;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Tests.Integration;

/// <summary>
/// `blocks export` and `blocks import` through the real executable, on real RocksDB, against a running chain: an
/// archive taken from a running node imports into a fresh home that then follows the chain from the archive's end; a
/// cut, damaged or foreign archive is refused before the home's store exists; an import killed mid-way resumes.
/// </summary>
public sealed partial class BlockArchiveCliTests
{
    private static readonly Address Recipient = Address.Parse("0x00000000000000000000000000000000000000f0");

    [Theory]
    [InlineData(CryptoSuite.Ed25519Sha256Name)]
    [InlineData(CryptoSuite.Sm2Sm3Name)]
    public async Task An_archive_from_a_running_node_imports_into_a_fresh_home_that_then_follows_with_the_same_state(string suiteName)
    {
        using var chain = new TestChain(CryptoSuite.FromName(suiteName), fundedAccounts: 1, emptyBlockIntervalMs: 50);
        var follower = chain.AddFollower(admitted: true);
        await using var validator = await chain.StartAsync();
        using var client = new ApiClient(validator.Url);
        for (ulong nonce = 0; nonce < 5; nonce++)
        {
            var tx = await client.SignTransferAsync(chain.Accounts[0], Recipient, 100 + nonce, nonce);
            await client.Chain.SubmitTransactionAsync(new SubmitTransactionRequest { Transaction = ByteString.CopyFrom(tx) });
        }
        await WaitForHeightAsync(client, 30, validator);
        var file = Path.Combine(chain.Root, "blocks.shc");

        // The running node's data dir cannot be read directly; its API can.
        var fromHome = await NodeBinary.RunAsync("blocks", "export", file, "--home", chain.Home.Root);
        Assert.Equal(1, fromHome.ExitCode);
        Assert.Contains("export from the running node with --node URL", fromHome.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(file));

        var export = await NodeBinary.RunAsync("blocks", "export", file, "--node", validator.Url);

        Assert.True(export.ExitCode == 0, export.Stdout + export.Stderr);
        var last = ulong.Parse(ExportedRange().Match(export.Stdout).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(last >= 30, export.Stdout);

        File.Copy(chain.Home.GenesisFile, follower.Home.GenesisFile);
        var import = await NodeBinary.RunAsync("blocks", "import", file, "--home", follower.Home.Root);
        Assert.True(import.ExitCode == 0, import.Stdout + import.Stderr);
        Assert.Contains($"imported {last} blocks (1..{last})", import.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"\d+ blocks/s", import.Stdout);
        var again = await NodeBinary.RunAsync("blocks", "import", file, "--home", follower.Home.Root);
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.Contains($"nothing to import: the store's head {last}", again.Stdout, StringComparison.Ordinal);

        // The imported node follows the chain from the archive's end, verifying the archive's last state root with the
        // next block from the network, and agrees with the validator block for block.
        await using var followerNode = await chain.StartFollowerAsync(follower);
        using var followerClient = new ApiClient(follower.Url);
        await WaitForHeightAsync(followerClient, last + 5, followerNode);
        Assert.Contains($"from height {last + 1}", followerNode.Log, StringComparison.Ordinal);
        foreach (var height in new[] { 1UL, last / 2, last, last + 1, last + 5 })
        {
            var expected = await client.Chain.GetBlockAsync(new GetBlockRequest { Height = height });
            var actual = await followerClient.Chain.GetBlockAsync(new GetBlockRequest { Height = height });
            Assert.Equal(expected.BlockHash, actual.BlockHash);
        }
        var atValidator = await client.Chain.GetStatusAsync(new GetStatusRequest());
        await WaitForHeightAsync(followerClient, atValidator.HeadHeight, followerNode);
        Assert.Equal(await client.BalanceOfAsync(Recipient), await followerClient.BalanceOfAsync(Recipient));
        var header = (await followerClient.Chain.GetBlockAsync(new GetBlockRequest { Height = atValidator.HeadHeight })).Header;
        Assert.Equal((await client.Chain.GetBlockAsync(new GetBlockRequest { Height = atValidator.HeadHeight })).Header.StateRootOfParent, header.StateRootOfParent);

        // A running node's data dir is refused, and says why.
        var locked = await NodeBinary.RunAsync("blocks", "import", file, "--home", follower.Home.Root);
        Assert.Equal(1, locked.ExitCode);
        Assert.Contains("in use by another process", locked.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cut_damaged_or_foreign_archive_is_refused_before_anything_is_written_and_a_killed_import_resumes()
    {
        using var chain = new TestChain(CryptoSuite.Ed25519Sha256, emptyBlockIntervalMs: 10);
        var fresh = chain.AddFollower(admitted: false);
        File.Copy(chain.Home.GenesisFile, fresh.Home.GenesisFile);
        ulong last;
        await using (var validator = await chain.StartAsync())
        {
            using var client = new ApiClient(validator.Url);
            await WaitForHeightAsync(client, 401, validator, TimeSpan.FromSeconds(240));
            // One block short of the head: the validator's store then holds the block that certifies `last`'s state root.
            last = (await client.Chain.GetStatusAsync(new GetStatusRequest())).HeadHeight - 1;
        }
        var file = Path.Combine(chain.Root, "blocks.shc");
        // From the stopped validator's home this time.
        var export = await NodeBinary.RunAsync("blocks", "export", file, "--home", chain.Home.Root, "--to", last.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(export.ExitCode == 0, export.Stdout + export.Stderr);
        var bytes = await File.ReadAllBytesAsync(file);

        var cut = Path.Combine(chain.Root, "cut.shc");
        await File.WriteAllBytesAsync(cut, bytes[..(bytes.Length * 2 / 3)]);
        await AssertRefusedAsync(cut, fresh, "truncated");

        var damaged = Path.Combine(chain.Root, "damaged.shc");
        var flipped = (byte[])bytes.Clone();
        flipped[bytes.Length / 2] ^= 0x01;
        await File.WriteAllBytesAsync(damaged, flipped);
        await AssertRefusedAsync(damaged, fresh, "damaged");

        var foreign = Path.Combine(chain.Root, "foreign.shc");
        var genesisHash = new Hash32(new byte[32]);
        var headerLength = BlockArchive.EncodeHeader(new BlockArchiveHeader("test-chain", CryptoSuite.Ed25519Sha256Name, genesisHash, 1, last)).Length;
        await File.WriteAllBytesAsync(foreign, [.. BlockArchive.EncodeHeader(new BlockArchiveHeader("other-chain", CryptoSuite.Ed25519Sha256Name, genesisHash, 1, last)), .. bytes[headerLength..]]);
        await AssertRefusedAsync(foreign, fresh, "holds blocks of chain 'other-chain'");

        // Killed (SIGKILL, no shutdown) as soon as it reports its first committed blocks, then run again.
        var killedAt = await ImportUntilFirstProgressAndKillAsync(file, fresh);
        var resumed = await NodeBinary.RunAsync("blocks", "import", file, "--home", fresh.Home.Root);
        Assert.True(resumed.ExitCode == 0, resumed.Stdout + resumed.Stderr);
        var resumedFrom = ulong.Parse(ResumedAt().Match(resumed.Stdout).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(resumedFrom > killedAt && resumedFrom < last, $"killed after {killedAt} blocks; the rerun said:\n{resumed.Stdout}");
        Assert.Contains($"imported {last - resumedFrom + 1} blocks ({resumedFrom}..{last})", resumed.Stdout, StringComparison.Ordinal);
        // The imported state is the validator's: block last+1 of its store carries the state root after executing `last`.
        var next = Path.Combine(chain.Root, "next.shc");
        var nextHeight = (last + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var exportNext = await NodeBinary.RunAsync("blocks", "export", next, "--home", chain.Home.Root, "--from", nextHeight, "--to", nextHeight);
        Assert.True(exportNext.ExitCode == 0, exportNext.Stderr);
        var nextBlock = (await ReadArchiveAsync(next)).Single();
        var expectedRoot = Hex.Encode(BlockHeader.Parser.ParseFrom(nextBlock.Block.Header).StateRootOfParent.Span);
        Assert.Equal(expectedRoot, StateRootLine().Match(resumed.Stdout).Groups[1].Value);
        Assert.Contains($"head:       {last}", resumed.Stdout, StringComparison.Ordinal);
    }

    private static async Task<List<CommittedBlock>> ReadArchiveAsync(string path)
    {
        await using var stream = File.OpenRead(path);
        await using var reader = await BlockArchiveReader.OpenAsync(stream, 16 << 20, path, CancellationToken.None);
        var blocks = new List<CommittedBlock>();
        await foreach (var block in reader.ReadBlocksAsync(CancellationToken.None))
        {
            blocks.Add(block);
        }
        return blocks;
    }

    private static async Task AssertRefusedAsync(string file, Follower home, string reason)
    {
        var result = await NodeBinary.RunAsync("blocks", "import", file, "--home", home.Home.Root);
        Assert.True(result.ExitCode == 1, result.Stdout + result.Stderr);
        Assert.StartsWith("error: ", result.Stderr, StringComparison.Ordinal);
        Assert.Contains(reason, result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(home.Home.ChainDbDir), $"a refused archive created {home.Home.ChainDbDir}");
    }

    /// <summary>Starts an import, SIGKILLs it at its first progress line, and returns the count that line reported.</summary>
    private static async Task<ulong> ImportUntilFirstProgressAndKillAsync(string file, Follower home)
    {
        using var process = Process.Start(NodeBinary.StartInfo(["blocks", "import", file, "--home", home.Home.Root]))!;
        process.StandardInput.Close();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var seen = new System.Text.StringBuilder();
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            seen.AppendLine(line);
            if (ImportProgress().Match(line) is { Success: true } progress)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(timeout.Token);
                return ulong.Parse(progress.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        await process.WaitForExitAsync(timeout.Token);
        throw new InvalidOperationException($"the import ended (exit {process.ExitCode}) before reporting progress:\n{seen}\n{await stderr}");
    }

    internal static async Task WaitForHeightAsync(ApiClient client, ulong height, NodeProcess node, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(120));
        try
        {
            while ((await client.Chain.GetStatusAsync(new GetStatusRequest(), cancellationToken: deadline.Token)).HeadHeight < height)
            {
                await Task.Delay(NodeBinary.PollInterval, deadline.Token);
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"height {height} not reached:\n{node.Log}");
        }
    }

    [GeneratedRegex(@"exported blocks 1\.\.(\d+) ")]
    private static partial Regex ExportedRange();

    [GeneratedRegex(@"resuming at (\d+)")]
    private static partial Regex ResumedAt();

    [GeneratedRegex(@"^importing: (\d+)/\d+ blocks")]
    private static partial Regex ImportProgress();

    [GeneratedRegex(@"state root: ([0-9a-f]{64})")]
    private static partial Regex StateRootLine();
}
