using ShanghaiChain.Node.Cli;

return await ShanghaiChainCli.RunAsync(args).ConfigureAwait(false);
