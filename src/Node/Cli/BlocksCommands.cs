using System.CommandLine;
using Grpc.Net.Client;
using ShanghaiChain.Chain.Archive;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Node.Config;
using ShanghaiChain.Node.Hosting;
using ShanghaiChain.Storage;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Cli;

/// <summary>
/// `blocks export` and `blocks import`: committed blocks with their certificates to and from a block archive
/// (docs/operations.md). Validated here: the flags (heights, files, home); the archive's framing and digest by
/// <see cref="BlockArchiveReader"/> before the store is touched; every block by block sync's verifier as it is imported.
/// </summary>
internal static class BlocksCommands
{
    /// <summary>Exit code of an import or export stopped by Ctrl-C or SIGTERM (what it committed stays).</summary>
    public const int Interrupted = 130;

    public static Command Create()
    {
        var blocks = new Command("blocks", "Export committed blocks to a block archive, or import one");
        blocks.Add(CreateExport());
        blocks.Add(CreateImport());
        return blocks;
    }

    private static Command CreateExport()
    {
        var file = new Argument<string>("file") { Description = "The archive to write (must not exist)" };
        var from = new Option<ulong>("--from") { Description = "First height (default 1)", DefaultValueFactory = _ => 1 };
        var to = new Option<ulong?>("--to") { Description = "Last height (default: the head)" };
        var home = CommonOptions.Home();
        var node = new Option<string?>("--node") { Description = "Export from a running node over its gRPC API instead of a stopped node's --home" };
        var command = new Command("export", "Write committed blocks and their certificates to a block archive") { file, from, to, home, node };
        command.SetAction(async (parse, cancel) =>
        {
            var path = Path.GetFullPath(parse.GetValue(file)!);
            if (File.Exists(path))
            {
                throw new CliException($"{path} exists; choose another file or remove it");
            }
            if (!Directory.Exists(Path.GetDirectoryName(path)))
            {
                throw new CliException($"the folder of {path} does not exist");
            }
            var first = parse.GetValue(from);
            if (first == 0)
            {
                throw new CliUsageException("--from must be at least 1: height 0 is the genesis, which every node has");
            }
            ExportSource source = parse.GetValue(node) is { } url
                ? await ExportSource.FromNodeAsync(ParseNodeUrl(url), cancel).ConfigureAwait(false)
                : ExportSource.FromHome(new NodeHome(parse.GetValue(home)!));
            using (source)
            {
                if (first < source.Base)
                {
                    // A store restored from a snapshot holds no block below the snapshot's height (docs/operations.md).
                    throw new CliUsageException($"--from {first} is below this node's first block: it started from a snapshot of height " +
                        $"{source.Base} and holds blocks from {source.Base} (export with --from {source.Base}, or from a node that has the earlier blocks)");
                }
                var last = parse.GetValue(to) ?? source.Head;
                if (last < first || last > source.Head)
                {
                    throw new CliUsageException($"--from {first} --to {last} is not a range of committed heights (the head is {source.Head})");
                }
                var header = new BlockArchiveHeader(source.ChainId, source.CryptoSuite, source.GenesisHash, first, last);
                var partial = path + ".partial";
                try
                {
                    var (_, seconds) = await BlockProgress.RunAsync("exporting", header.Count, () => source.Written,
                        () => WriteArchiveAsync(partial, header, source, cancel)).ConfigureAwait(false);
                    File.Move(partial, path);
                    Console.WriteLine($"exported blocks {first}..{last} of '{header.ChainId}' to {path} ({new FileInfo(path).Length:N0} bytes) " +
                        $"in {seconds:F1} s: {header.Count / seconds:F0} blocks/s");
                    return 0;
                }
                catch (OperationCanceledException)
                {
                    File.Delete(partial);
                    await Console.Error.WriteLineAsync("error: export interrupted; no archive was written").ConfigureAwait(false);
                    return Interrupted;
                }
                catch
                {
                    File.Delete(partial);
                    throw;
                }
            }
        });
        return command;
    }

    private static async Task<bool> WriteArchiveAsync(string path, BlockArchiveHeader header, ExportSource source, CancellationToken cancel)
    {
        var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
        await using (stream.ConfigureAwait(false))
        {
            var writer = await BlockArchiveWriter.CreateAsync(stream, header, cancel).ConfigureAwait(false);
            await using (writer.ConfigureAwait(false))
            {
                await foreach (var block in source.ReadAsync(header.FromHeight, header.ToHeight, cancel).ConfigureAwait(false))
                {
                    await writer.WriteAsync(block, cancel).ConfigureAwait(false);
                }
                await writer.CompleteAsync(cancel).ConfigureAwait(false);
            }
            // The archive is renamed into place only once it is durable.
            stream.Flush(flushToDisk: true);
        }
        return true;
    }

    private static Command CreateImport()
    {
        var file = new Argument<string>("file") { Description = "The block archive to import" };
        var home = CommonOptions.Home();
        var command = new Command("import", "Verify and commit the blocks of a block archive into a stopped node's home (resumable)") { file, home };
        command.SetAction(async (parse, cancel) =>
        {
            var nodeHome = new NodeHome(parse.GetValue(home)!);
            if (!nodeHome.IsInitialised)
            {
                throw new CliException($"{nodeHome.Root} is not an initialised node home (create it with init or testnet, with this chain's genesis)");
            }
            var path = Path.GetFullPath(parse.GetValue(file)!);
            if (!File.Exists(path))
            {
                throw new CliException($"{path} does not exist");
            }
            var genesis = GenesisFile.Load(nodeHome.GenesisFile);
            var maxFrame = ChainModules.MaxBlockFrameBytes(genesis);
            var header = await CheckArchiveAsync(path, genesis, maxFrame, cancel).ConfigureAwait(false);

            using var chain = OfflineChain.Open(nodeHome, NodeConfig.Load(nodeHome.ConfigFile), mustExist: false);
            var start = chain.Head.Height;
            if (start >= header.ToHeight)
            {
                Console.WriteLine($"nothing to import: the store's head {start} is at or past the archive's last block {header.ToHeight}");
                return 0;
            }
            if (start + 1 < header.FromHeight)
            {
                throw new CliException($"the archive starts at block {header.FromHeight} but this store's head is {start}: import blocks {start + 1}..{header.FromHeight - 1} first");
            }
            if (start > 0)
            {
                Console.WriteLine($"the store holds blocks up to {start}: resuming at {start + 1}");
            }
            var source = new ArchiveBlockSource(path, header, maxFrame);
            try
            {
                var (imported, seconds) = await BlockProgress.RunAsync("importing", header.ToHeight - start, () => chain.Head.Height - start,
                    () => chain.ImportAsync(source, cancel)).ConfigureAwait(false);
                Console.WriteLine($"imported {imported} blocks ({start + 1}..{chain.Head.Height}) in {seconds:F1} s: {imported / seconds:F0} blocks/s, " +
                    $"{source.Transactions} transactions ({source.Transactions / seconds:F0}/s)");
                Console.WriteLine($"head:       {chain.Head.Height} {chain.Head.Tip.Hash}");
                Console.WriteLine($"state root: {chain.Store.StateRoot}");
                return 0;
            }
            catch (OperationCanceledException)
            {
                await Console.Error.WriteLineAsync($"error: import interrupted at height {chain.Head.Height}; every block up to it is committed, " +
                    "and running the same command continues from there").ConfigureAwait(false);
                return Interrupted;
            }
            catch (Exception ex) when (ex is InvalidDataException or Chain.Validation.StateDivergenceException or Chain.Sync.BlockSourceException or IOException)
            {
                throw new CliException($"import stopped after block {chain.Head.Height} (every block up to it is verified and committed): {ex.Message}");
            }
        });
        return command;
    }

    /// <summary>
    /// Refuses an archive of another chain, format or suite, and reads it whole once (framing, heights, digest), so that
    /// a truncated or damaged file is refused before the store is opened.
    /// </summary>
    private static async Task<BlockArchiveHeader> CheckArchiveAsync(string path, GenesisFile genesis, int maxFrame, CancellationToken cancel)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan | FileOptions.Asynchronous);
        await using (stream.ConfigureAwait(false))
        {
            var reader = await BlockArchiveReader.OpenAsync(stream, maxFrame, path, cancel).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                var header = reader.Header;
                var genesisHash = genesis.ComputeHash();
                if (header.ChainId != genesis.ChainId || header.GenesisHash != genesisHash)
                {
                    throw new CliException($"{path} holds blocks of chain '{header.ChainId}' (genesis {header.GenesisHash}); " +
                        $"this home is on '{genesis.ChainId}' (genesis {genesisHash}): refusing it, nothing was imported");
                }
                if (header.CryptoSuite != genesis.Suite.Name)
                {
                    throw new CliException($"{path} is of crypto suite {header.CryptoSuite}, this chain uses {genesis.Suite.Name}: it is damaged");
                }
                ulong read = 0;
                await BlockProgress.RunAsync("checking", header.Count, () => Volatile.Read(ref read), async () =>
                {
                    await foreach (var _ in reader.ReadBlocksAsync(cancel).ConfigureAwait(false))
                    {
                        Interlocked.Increment(ref read);
                    }
                    return true;
                }).ConfigureAwait(false);
                return header;
            }
        }
    }

    private static string ParseNodeUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? url
            : throw new CliUsageException($"--node must be an http:// or https:// URL, got '{url}'");

    /// <summary>Where an export reads blocks: a stopped node's store, or a running node's API.</summary>
    private sealed class ExportSource : IDisposable
    {
        private OfflineChain? _chain;
        private GrpcChannel? _channel;
        private long _written;

        public string ChainId { get; private init; } = "";
        public string CryptoSuite { get; private init; } = "";
        public Hash32 GenesisHash { get; private init; }
        public ulong Head { get; private init; }

        /// <summary>The first height the source holds whole: the snapshot height of a store restored from one, else 1.</summary>
        public ulong Base { get; private init; } = 1;

        public ulong Written => (ulong)Interlocked.Read(ref _written);

        public static ExportSource FromHome(NodeHome home)
        {
            OfflineChain chain;
            try
            {
                chain = OfflineChain.Open(home, NodeConfig.Load(home.ConfigFile), mustExist: true);
            }
            catch (StoreException ex) when (ex.Message.Contains("in use", StringComparison.Ordinal))
            {
                throw new CliException($"{ex.Message}; export from the running node with --node URL instead");
            }
            return new ExportSource
            {
                _chain = chain,
                ChainId = chain.Store.ChainId,
                CryptoSuite = chain.Genesis.Suite.Name,
                GenesisHash = chain.Store.GenesisHash,
                Head = chain.Store.HeadHeight,
                Base = Math.Max(1, chain.Store.BaseHeight),
            };
        }

        public static async Task<ExportSource> FromNodeAsync(string url, CancellationToken cancel)
        {
            var channel = GrpcChannel.ForAddress(url, new GrpcChannelOptions { MaxReceiveMessageSize = 64 * 1024 * 1024 });
            try
            {
                var status = await new ChainService.ChainServiceClient(channel).GetStatusAsync(new GetStatusRequest(), cancellationToken: cancel).ConfigureAwait(false);
                return new ExportSource
                {
                    _channel = channel,
                    ChainId = status.ChainId,
                    CryptoSuite = status.CryptoSuite,
                    GenesisHash = Hash32.TryRead(status.GenesisHash.Span, out var genesis) ? genesis : throw new CliException($"{url} reports no genesis hash"),
                    Head = status.HeadHeight,
                };
            }
            catch
            {
                channel.Dispose();
                throw;
            }
        }

        public async IAsyncEnumerable<CommittedBlock> ReadAsync(ulong from, ulong to, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancel)
        {
            if (_chain is not null)
            {
                for (var height = from; height <= to; height++)
                {
                    cancel.ThrowIfCancellationRequested();
                    yield return _chain.Store.GetCommittedBlock(height) ?? throw new CliException($"the store has no block at height {height}");
                    Interlocked.Increment(ref _written);
                }
                yield break;
            }
            // Over the API: up to 16 requests in flight, written in height order.
            var client = new ChainService.ChainServiceClient(_channel);
            var inFlight = new Queue<Task<GetBlockResponse>>();
            var next = from;
            while (next <= to || inFlight.Count > 0)
            {
                while (next <= to && inFlight.Count < 16)
                {
                    inFlight.Enqueue(client.GetBlockAsync(new GetBlockRequest { Height = next++ }, cancellationToken: cancel).ResponseAsync);
                }
                var response = await inFlight.Dequeue().ConfigureAwait(false);
                yield return new CommittedBlock { Block = response.Block, Certificate = response.Certificate, EpochEnd = response.EpochEnd };
                Interlocked.Increment(ref _written);
            }
        }

        public void Dispose()
        {
            _chain?.Dispose();
            _channel?.Dispose();
        }
    }
}
