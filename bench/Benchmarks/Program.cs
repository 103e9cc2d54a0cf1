using BenchmarkDotNet.Running;
using ShanghaiChain.Benchmarks;

// `state-disk N`, `storage-floor N`, `sm2-speed [S]`, `ed25519-speed [S]`, `sm3-speed [S]` and `evm-run SCENARIO` are macro measurements; everything else goes to BenchmarkDotNet
// (e.g. --filter '*Trie*').
if (args is ["state-disk", .. var diskArgs])
{
    return StateDiskUsage.Run(diskArgs);
}
if (args is ["storage-floor", .. var floorArgs])
{
    return StorageFloor.Run(floorArgs);
}
if (args is ["bn254-run", .. var bnArgs])
{
    return Bn254Benchmarks.RunCommand(bnArgs);
}
if (args is ["sm2-speed", .. var sm2Args])
{
    return Sm2Speed.Run(sm2Args);
}
if (args is ["ed25519-speed", .. var edArgs])
{
    return Ed25519Speed.Run(edArgs);
}
if (args is ["sm3-speed", .. var sm3Args])
{
    return Sm3Speed.Run(sm3Args);
}
if (args is ["evm-run", .. var rest])
{
    return EvmRunCommand.Run(rest);
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
