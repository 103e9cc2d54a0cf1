using System.CommandLine;
using ShanghaiChain.Conformance;

namespace ShanghaiChain.Node.Cli;

/// <summary>`evm statetest`: runs Ethereum state-test JSON files or folders against our EVM (conformance mode).</summary>
internal static class EvmCommands
{
    public static Command Create()
    {
        var evm = new Command("evm", "EVM tools");
        var paths = new Argument<string[]>("path") { Description = "State-test JSON files or folders", Arity = ArgumentArity.OneOrMore };
        var fork = new Option<string>("--fork") { Description = "Fork whose post-states to check", DefaultValueFactory = _ => "Cancun" };
        var quiet = new Option<bool>("--quiet") { Description = "Print failures and the summary only" };
        var workers = new Option<int>("--workers") { Description = "Files run in parallel (default: one per core)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var table = new Option<bool>("--table") { Description = "After the run, print passed/failed/skipped per folder (Markdown)" };
        var statetest = new Command("statetest", "Run state tests; prints each failure with its name and indexes, then 'N passed, M failed'")
        {
            paths, fork, quiet, workers, table,
        };
        statetest.SetAction(parse =>
        {
            var runner = new StateTestRunner(EthereumStateRoot.Compute, parse.GetValue(fork)!);
            if (parse.GetValue(workers) is < 1 or > 256)
            {
                throw new CliUsageException($"--workers must be from 1 to 256, got {parse.GetValue(workers)}");
            }
            var folders = new List<FolderSummary>();
            int passed = 0, failed = 0, skipped = 0;
            foreach (var path in parse.GetValue(paths)!)
            {
                if (!File.Exists(path) && !Directory.Exists(path))
                {
                    throw new CliUsageException($"no such file or folder: {path}");
                }
                var summaries = runner.RunFolders(path, parse.GetValue(workers), result =>
                {
                    if (!result.Passed && !result.Skipped)
                    {
                        Console.WriteLine(result.ToString());
                    }
                    else if (!parse.GetValue(quiet) && result.Passed)
                    {
                        Console.WriteLine(result.ToString());
                    }
                });
                // Files directly in a given folder are counted under that folder's own name.
                var own = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(path)));
                folders.AddRange(summaries.Select(f => f.Folder == "." ? f with { Folder = own } : f));
                passed += summaries.Sum(f => f.Passed);
                failed += summaries.Sum(f => f.Failed);
                skipped += summaries.Sum(f => f.Skipped);
            }
            if (parse.GetValue(table))
            {
                Console.Write(StateTestRunner.FormatTable(folders));
            }
            if (skipped > 0)
            {
                Console.WriteLine($"{skipped} skipped (blob transactions and the point-evaluation precompile are out of scope)");
            }
            Console.WriteLine(StateTestRunner.Summary(passed, failed));
            return failed == 0 ? 0 : ShanghaiChainCli.Failure;
        });
        evm.Add(statetest);
        return evm;
    }
}
