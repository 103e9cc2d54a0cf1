using System.CommandLine;
using ShanghaiChain.Chain.Snapshots;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Node.Config;
using ShanghaiChain.Node.Hosting;
using ShanghaiChain.Storage;

namespace ShanghaiChain.Node.Cli;

/// <summary>
/// `snapshot create`, `snapshot restore` and `snapshot list` (docs/operations.md, "Snapshots and state sync"). Validated
/// here: the flags and the home; the file's framing, trailer and digest by <see cref="SnapshotFile"/> before anything is
/// restored; the manifest by <see cref="SnapshotManifests"/> and its certificate by <see cref="SnapshotTrust"/>; every
/// chunk's hash and the rebuilt root by the store's <see cref="SnapshotRestore"/>.
/// </summary>
internal static class SnapshotCommands
{
    public static Command Create()
    {
        var snapshot = new Command("snapshot", "Write the state at a height as a snapshot file, restore a new node's store from one, or list a home's");
        snapshot.Add(CreateCreate());
        snapshot.Add(CreateRestore());
        snapshot.Add(CreateList());
        return snapshot;
    }

    private static Command CreateCreate()
    {
        var file = new Argument<string?>("file") { Description = "The snapshot file to write (default: data/snapshots/CHAIN-HEIGHT.shcsnap in the home, which the node offers its peers)", Arity = ArgumentArity.ZeroOrOne };
        var height = new Option<ulong?>("--height") { Description = "The height whose state to write (default: the head - 1; the head's own state needs the next block)" };
        var home = CommonOptions.Home();
        var command = new Command("create", "Write the state after a height of a stopped node as a snapshot file") { file, height, home };
        command.SetAction(async (parse, cancel) =>
        {
            var nodeHome = NodeCommands.RequireInitialised(parse.GetValue(home)!);
            var config = NodeConfig.Load(nodeHome.ConfigFile);
            using var chain = OfflineChain.Open(nodeHome, config, mustExist: true);
            var head = chain.Store.HeadHeight;
            if (head < 2)
            {
                throw new CliException($"the store's head is {head}: a snapshot needs a height of at least 1 and the block after it committed");
            }
            var at = parse.GetValue(height) ?? head - 1;
            if (at == 0 || at >= head)
            {
                throw new CliUsageException($"--height {at} must be from 1 to {head - 1} (the head is {head}, and the block after the height must be committed)");
            }
            var path = Path.GetFullPath(parse.GetValue(file) ?? Path.Combine(nodeHome.SnapshotsDir, $"{chain.Store.ChainId}-{at}{SnapshotFile.Extension}"));
            if (File.Exists(path))
            {
                throw new CliException($"{path} exists; choose another file or remove it");
            }
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var chunks = 0;
            try
            {
                var (info, seconds) = await BlockProgress.RunAsync("writing", 0, () => (ulong)Volatile.Read(ref chunks),
                    () => SnapshotCreator.WriteAsync(chain.Store, chain.Schedule, at, path, n => Volatile.Write(ref chunks, n), cancel, config.SnapshotChunkBytes), "chunks").ConfigureAwait(false);
                Console.WriteLine($"wrote the snapshot of height {info.Height} to {path}: {info.Accounts} accounts, {info.Slots} storage slots, " +
                    $"{info.Chunks} chunks, {info.Bytes:N0} bytes in {seconds:F1} s");
                Console.WriteLine($"state root: {info.StateRoot}");
                return 0;
            }
            catch (OperationCanceledException)
            {
                await Console.Error.WriteLineAsync("error: snapshot interrupted; no file was written").ConfigureAwait(false);
                return BlocksCommands.Interrupted;
            }
        });
        return command;
    }

    private static Command CreateRestore()
    {
        var file = new Argument<string>("file") { Description = "The snapshot file to restore" };
        var home = CommonOptions.Home();
        var trustHash = new Option<string?>("--trust-hash") { Description = "Hash of block h or h+1 of the snapshot, from a node you trust: needed past the first epoch" };
        var command = new Command("restore", "Restore a new node's store from a snapshot file (the home must have no chain data)") { file, home, trustHash };
        command.SetAction(async (parse, cancel) =>
        {
            var nodeHome = NodeCommands.RequireInitialised(parse.GetValue(home)!);
            var path = Path.GetFullPath(parse.GetValue(file)!);
            if (!File.Exists(path))
            {
                throw new CliException($"{path} does not exist");
            }
            Hash32? trusted = null;
            if (parse.GetValue(trustHash) is { } text)
            {
                trusted = Hex.TryDecode(text, out var bytes) && bytes.Length == Hash32.Size ? new Hash32(bytes)
                    : throw new CliUsageException($"--trust-hash must be a block hash of 64 hex digits, got '{text}'");
            }
            if (Directory.Exists(nodeHome.ChainDbDir))
            {
                throw new CliException($"{nodeHome.ChainDbDir} holds chain data: a snapshot is restored into a node without any " +
                    $"('shanghaichain reset --home {nodeHome.Root}' deletes it, keeping keys and the safety record)");
            }
            var genesis = GenesisFile.Load(nodeHome.GenesisFile);
            try
            {
                var index = await SnapshotFile.OpenAsync(path, checkDigest: true, cancel).ConfigureAwait(false);
                var manifest = SnapshotManifests.Check(genesis, index.Manifest);
                SnapshotTrust.Verify(genesis, manifest, trusted);
                if (Directory.Exists(nodeHome.RestoreDir))
                {
                    Directory.Delete(nodeHome.RestoreDir, recursive: true);
                }
                Directory.CreateDirectory(nodeHome.DataDir);
                var (root, seconds) = await BlockProgress.RunAsync("restoring", (ulong)index.ChunkCount, () => (ulong)Volatile.Read(ref _restored),
                    () => Task.Run(() => Restore(index, nodeHome.RestoreDir, genesis, manifest, cancel), cancel), "chunks").ConfigureAwait(false);
                Directory.Move(nodeHome.RestoreDir, nodeHome.ChainDbDir);
                // Opened once as a start would: head, state root and a sample of the state checked.
                using (OfflineChain.Open(nodeHome, NodeConfig.Load(nodeHome.ConfigFile), mustExist: true))
                {
                }
                Console.WriteLine($"restored the state of height {manifest.Height} from {path}: {manifest.Manifest.AccountCount} accounts, " +
                    $"{manifest.Manifest.SlotCount} storage slots, {index.ChunkCount} chunks in {seconds:F1} s");
                Console.WriteLine($"state root: {root} (certified by block {manifest.Height + 1})");
                Console.WriteLine($"start the node to follow blocks from {manifest.Height + 1}; blocks below {manifest.Height} are not kept");
                return 0;
            }
            catch (SnapshotException ex)
            {
                DeleteRestoreDir(nodeHome);
                throw new CliException($"{ex.Message}; nothing was restored");
            }
            catch (OperationCanceledException)
            {
                DeleteRestoreDir(nodeHome);
                await Console.Error.WriteLineAsync("error: restore interrupted; nothing was restored").ConfigureAwait(false);
                return BlocksCommands.Interrupted;
            }
        });
        return command;
    }

    private static int _restored;

    private static Hash32 Restore(SnapshotFileIndex index, string directory, GenesisFile genesis, VerifiedManifest manifest, CancellationToken cancel)
    {
        using var restore = SnapshotRestore.Begin(directory, genesis, manifest);
        for (var i = 0; i < index.ChunkCount; i++)
        {
            cancel.ThrowIfCancellationRequested();
            restore.Add(index.ReadChunk(i));
            Volatile.Write(ref _restored, i + 1);
        }
        return restore.Complete();
    }

    private static void DeleteRestoreDir(NodeHome home)
    {
        if (Directory.Exists(home.RestoreDir))
        {
            Directory.Delete(home.RestoreDir, recursive: true);
        }
    }

    private static Command CreateList()
    {
        var home = CommonOptions.Home();
        var command = new Command("list", "List the snapshot files a home offers its peers (data/snapshots)") { home };
        command.SetAction(async (parse, cancel) =>
        {
            var nodeHome = NodeCommands.RequireInitialised(parse.GetValue(home)!);
            var catalogue = new SnapshotCatalogue(nodeHome.SnapshotsDir, reason => Console.Error.WriteLine($"warning: {reason}"));
            var table = CliOutput.Table("height", "state root", "chunks", "accounts", "bytes", "file");
            foreach (var snapshot in await catalogue.ListAsync(cancel).ConfigureAwait(false))
            {
                table.Row(snapshot.Manifest.Height.ToString(System.Globalization.CultureInfo.InvariantCulture), Hex.Encode(snapshot.Manifest.StateRoot.Span),
                    snapshot.ChunkCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    snapshot.Manifest.AccountCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    snapshot.Size.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), snapshot.Path);
            }
            CliOutput.Write(table);
            return 0;
        });
        return command;
    }
}
