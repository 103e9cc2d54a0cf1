using System.CommandLine;
using ShanghaiChain.Chain.Archive;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Node.Config;
using ShanghaiChain.Node.Hosting;
using ShanghaiChain.Storage;

namespace ShanghaiChain.Node.Cli;

/// <summary>
/// `rollback`, `reset` and `inspect`: recovery on a stopped node's home (docs/operations.md). Each refuses a home that is
/// not initialised, and a data dir a running node holds (RocksDB's lock). None of them touches config/ (keys, genesis,
/// node.toml) or the validator's safety record, so a validator can never sign again what it signed before.
/// </summary>
internal static class RecoveryCommands
{
    public static IEnumerable<Command> Create() => [CreateRollback(), CreateReset(), CreateInspect()];

    private static Command CreateRollback()
    {
        var home = CommonOptions.Home();
        var count = new Option<ulong>("--blocks") { Description = "How many of the last committed blocks to undo", DefaultValueFactory = _ => 1 };
        var command = new Command("rollback", "Undo the last committed block(s) of a stopped node; it then re-commits them from its peers") { home, count };
        command.SetAction(async (parse, cancel) =>
        {
            var nodeHome = RequireHome(parse.GetValue(home)!);
            var config = NodeConfig.Load(nodeHome.ConfigFile);
            var rollback = new Rollback(nodeHome);
            if (rollback.FinishInterruptedSwap() is { } finished)
            {
                Console.WriteLine(finished);
                return 0;
            }
            var undo = parse.GetValue(count);
            if (undo == 0)
            {
                throw new CliUsageException("--blocks must be at least 1");
            }
            ulong head, target;
            Hash32 expectedHash;
            Hash32? expectedRoot;
            string? notInPlace;
            using (var current = OfflineChain.Open(nodeHome, config, mustExist: true))
            {
                head = current.Head.Height;
                if (undo > head)
                {
                    throw new CliException(head == 0
                        ? "nothing to roll back: the store holds no block past genesis"
                        : $"--blocks {undo} is more than the {head} committed block(s)");
                }
                target = head - undo;
                expectedRoot = current.Store.GetStateRoot(target);
                expectedHash = target == 0 ? current.Store.GenesisHash : current.Genesis.Suite.Hash(current.Store.GetCommittedBlock(target)!.Block.Header.Span);
                // In place when the store kept what undoes those blocks (their undo records, journal and storage-trie
                // history, all within the proof window): one synced batch, every height's root checked on the way down.
                notInPlace = current.CannotRollBackInPlace(target);
                if (notInPlace is null)
                {
                    var watch = System.Diagnostics.Stopwatch.StartNew();
                    current.RollBackInPlace(target);
                    Console.WriteLine($"undid blocks {target + 1}..{head} in place in {watch.Elapsed.TotalMilliseconds:F0} ms; state root at {target}: {expectedRoot}");
                }
                else if (current.Store.BaseHeight > 0)
                {
                    throw new CliException($"cannot roll back to height {target}: {notInPlace}; this store was restored from a snapshot of height " +
                        $"{current.Store.BaseHeight} and holds no earlier blocks to replay (restore a snapshot of an earlier height instead)");
                }
            }
            if (notInPlace is null)
            {
                // Reopened: the open checks the rolled-back head, the trie against its state root and a sample of the state.
                using var reopened = OfflineChain.Open(nodeHome, config, mustExist: true);
                if (reopened.Head.Height != target || reopened.Head.Tip.Hash != expectedHash || (expectedRoot is { } recorded && reopened.Store.StateRoot != recorded))
                {
                    throw new CliException($"after the rollback the store opened at height {reopened.Head.Height} ({reopened.Head.Tip.Hash}, state root " +
                        $"{reopened.Store.StateRoot}), not at {target} ({expectedHash}, {expectedRoot})");
                }
                Console.WriteLine($"rolled back from height {head} to {target} in place. The safety record is kept, so this validator signs nothing it " +
                    $"signed before; on start the node re-commits blocks {target + 1}.. from its peers");
                return 0;
            }
            Console.WriteLine($"undoing in place is not possible ({notInPlace}): rebuilding the state at {target} by replaying this node's blocks");
            using (var current = OfflineChain.Open(nodeHome, config, mustExist: true))
            {
                // The state of an earlier height is rebuilt by replaying the store's own blocks into a new store, through
                // the import path (every certificate verified, every block executed by the normal commit path).
                rollback.RemoveLeftovers();
                ulong replayed;
                double seconds;
                using (var rebuilt = OfflineChain.Open(nodeHome, config, mustExist: false, rollback.NewDir))
                {
                    try
                    {
                        (replayed, seconds) = await BlockProgress.RunAsync($"replaying blocks 1..{target}", target, () => rebuilt.Head.Height,
                            () => rebuilt.ImportAsync(new ChainReaderBlockSource(current.Store, target, "this node's store"), cancel)).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        await Console.Error.WriteLineAsync("error: rollback interrupted; nothing was changed (run it again)").ConfigureAwait(false);
                        return BlocksCommands.Interrupted;
                    }
                    if (rebuilt.Head.Height != target || rebuilt.Head.Tip.Hash != expectedHash || (expectedRoot is { } root && rebuilt.Store.StateRoot != root))
                    {
                        throw new CliException($"replaying to height {target} gave head {rebuilt.Head.Height} {rebuilt.Head.Tip.Hash} with state root " +
                            $"{rebuilt.Store.StateRoot}, not the recorded {expectedHash} and {expectedRoot}; nothing was changed");
                    }
                }
                Console.WriteLine($"replayed {replayed} blocks in {seconds:F1} s ({replayed / seconds:F0} blocks/s); state root at {target}: {expectedRoot}");
            }
            // Both stores are closed before the folders move: an open store would write its close into the new one's place.
            rollback.MarkComplete();
            Console.WriteLine(rollback.Swap(head, target));
            return 0;
        });
        return command;
    }

    private static Command CreateReset()
    {
        var home = CommonOptions.Home();
        var yes = new Option<bool>("--yes") { Description = "Do not ask for confirmation" };
        var command = new Command("reset", "Delete a stopped node's chain data (blocks and state); keys, config and the safety record are kept") { home, yes };
        command.SetAction(parse =>
        {
            var nodeHome = RequireHome(parse.GetValue(home)!);
            OfflineChain.ThrowIfInUse(nodeHome.ChainDbDir);
            var chainDirs = Rollback.ChainDirs(nodeHome).Where(Directory.Exists).ToList();
            if (chainDirs.Count == 0)
            {
                Console.WriteLine($"{nodeHome.ChainDbDir} holds no chain data: nothing to reset");
                return 0;
            }
            if (!parse.GetValue(yes))
            {
                Console.Write($"This deletes the chain data in {nodeHome.ChainDbDir} (blocks, state, indexes); keys, config/, the safety " +
                    "record and the audit trail are kept. Type 'yes' to continue: ");
                var answer = Console.ReadLine();
                if (answer is null)
                {
                    throw new CliUsageException("no confirmation on standard input; run with --yes to reset without asking");
                }
                if (!answer.Trim().Equals("yes", StringComparison.OrdinalIgnoreCase))
                {
                    throw new CliException("not confirmed; nothing was deleted");
                }
            }
            foreach (var dir in chainDirs)
            {
                Directory.Delete(dir, recursive: true);
            }
            Console.WriteLine($"reset {nodeHome.Root}: chain data deleted; config/, {Path.GetFileName(nodeHome.SafetyRecordFile)} and the audit " +
                "trail kept. The node starts again from genesis and syncs from its peers");
            return 0;
        });
        return command;
    }

    private static Command CreateInspect()
    {
        var home = CommonOptions.Home();
        var apiListen = new Option<string?>("--api-listen") { Description = "host:port for the read-only API (overrides node.toml's api.listen)" };
        var command = new Command("inspect", "Serve the read-only query API over a stopped node's data dir until Ctrl-C (submissions are refused)") { home, apiListen };
        command.SetAction(async (parse, cancel) =>
        {
            var nodeHome = RequireHome(parse.GetValue(home)!);
            if (!Directory.Exists(nodeHome.ChainDbDir))
            {
                throw new CliException($"{nodeHome.Root} has no chain data ({nodeHome.ChainDbDir} is missing): nothing to inspect");
            }
            // No peer port, no peers, no metrics port: the process is a reader of the data dir, not a node of the network.
            var config = NodeConfig.Load(nodeHome.ConfigFile).With("p2p", "listen", "").With("p2p", "peers", "").With("metrics", "listen", "");
            if (parse.GetValue(apiListen) is { } listen)
            {
                config = config.With("api", "listen", listen);
            }
            var app = NodeHost.Build(nodeHome, config, StateCheck.Sampled, readOnly: true);
            await using (app.ConfigureAwait(false))
            {
                await app.StartAsync(cancel).ConfigureAwait(false);
                Console.WriteLine($"inspecting {nodeHome.Root} read-only at height {app.Services.GetRequiredService<IChainReader>().HeadHeight}: " +
                    $"serving the API on {config.ApiListen}; submissions are refused; Ctrl-C stops it");
                await app.WaitForShutdownAsync(cancel).ConfigureAwait(false);
            }
            return 0;
        });
        return command;
    }

    private static NodeHome RequireHome(string root)
    {
        var home = new NodeHome(root);
        if (!Directory.Exists(home.Root))
        {
            throw new CliException($"{home.Root} does not exist");
        }
        if (!home.IsInitialised)
        {
            throw new CliException($"{home.Root} is not an initialised node home (no config/node.toml and config/genesis.json)");
        }
        return home;
    }
}
