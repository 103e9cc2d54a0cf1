using System.Globalization;
using BenchmarkDotNet.Running;
using ShanghaiChain.Benchmarks;

// `state-disk N` is a macro measurement; everything else goes to BenchmarkDotNet (e.g. --filter '*Trie*').
if (args is ["state-disk", var count])
{
    return StateDiskUsage.Run(int.Parse(count, CultureInfo.InvariantCulture));
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
