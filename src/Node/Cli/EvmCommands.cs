using System.CommandLine;
using ShanghaiChain.Vm.Evm.Conformance;

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
        var statetest = new Command("statetest", "Run state tests; prints each failure with its name and indexes, then 'N passed, M failed'")
        {
            paths, fork, quiet,
        };
        statetest.SetAction(parse =>
        {
            var runner = new StateTestRunner(EthereumStateRoot.Compute, parse.GetValue(fork)!);
            int passed = 0, failed = 0, skipped = 0;
            foreach (var path in parse.GetValue(paths)!)
            {
                if (!File.Exists(path) && !Directory.Exists(path))
                {
                    throw new CliUsageException($"no such file or folder: {path}");
                }
                var (p, f, s) = runner.RunPath(path, result =>
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
                passed += p;
                failed += f;
                skipped += s;
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
