using System.Text.RegularExpressions;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Tests;

namespace ShanghaiChain.Node.Tests.Integration;

/// <summary>
/// The operator's contract path through the real executable: an OpenZeppelin ERC-20 compiled by solc is deployed with
/// constructor arguments, read with read-only calls and changed with transactions, and a revert shows its decoded reason.
/// </summary>
public sealed partial class ContractCliTests : IDisposable
{
    private readonly string _out = Directory.CreateTempSubdirectory("shc-contracts-").FullName;

    public void Dispose() => Directory.Delete(_out, recursive: true);

    /// <summary>Compiles tests/interop/contracts with solc (npm) into bin/abi files, as an operator's build would.</summary>
    internal static async Task CompileAsync(string outDir)
    {
        var interop = Path.Combine(RepositoryPaths.Root, "tests", "interop");
        Assert.True(Directory.Exists(Path.Combine(interop, "node_modules", "solc")),
            "interop packages are not installed: run 'npm ci --prefix tests/interop' (building Node.Tests does)");
        var (exitCode, output) = await ChildProcess.RunAsync("node", [Path.Combine(interop, "compile.mjs"), outDir], TimeSpan.FromSeconds(120));
        Assert.True(exitCode == 0, output);
    }

    [GeneratedRegex("contract: (0x[0-9a-f]{40})")]
    private static partial Regex ContractLine();

    [Theory]
    [InlineData(CryptoSuite.Ed25519Sha256Name)]
    [InlineData(CryptoSuite.Sm2Sm3Name)]
    public async Task An_erc20_deployed_and_called_with_the_cli_moves_balances_and_reports_reverts(string suiteName)
    {
        await CompileAsync(_out);
        using var chain = new TestChain(CryptoSuite.FromName(suiteName));
        await using var node = await chain.StartAsync();
        // A restart below listens on the same port.
        var url = node.Url;
        var key = chain.Home.OperatorKeyFile;
        var bin = Path.Combine(_out, "Token.bin");
        var abi = Path.Combine(_out, "Token.abi");
        const string bob = "0x000000000000000000000000000000000000beef";
        var owner = chain.Operator.Address.ToString();

        var deploy = await NodeBinary.RunAsync("contract", "deploy", "--bin", bin, "--abi", abi, "--args", "[\"1000000\"]",
            "--key", key, "--node", node.Url);
        Assert.True(deploy.ExitCode == 0, deploy.Stdout + deploy.Stderr + node.Log);
        Assert.Contains("status:   success", deploy.Stdout, StringComparison.Ordinal);
        // The constructor's mint is an event from the zero address.
        Assert.Contains($"event:    Transfer {{\"from\":\"0x0000000000000000000000000000000000000000\",\"to\":\"{owner}\",\"value\":\"1000000\"}}",
            deploy.Stdout, StringComparison.Ordinal);
        var token = ContractLine().Match(deploy.Stdout).Groups[1].Value;

        async Task<string> Call(params string[] args)
        {
            var result = await NodeBinary.RunAsync(["contract", "call", "--address", token, "--abi", abi, "--node", url, .. args]);
            Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
            return result.Stdout;
        }

        Assert.Contains("output0: Shanghai Token", await Call("--function", "name"), StringComparison.Ordinal);
        Assert.Contains("output0: 1000000", await Call("--function", "balanceOf", "--args", $"[\"{owner}\"]"), StringComparison.Ordinal);

        var transfer = await NodeBinary.RunAsync("contract", "call", "--address", token, "--abi", abi, "--function", "transfer",
            "--args", $"[\"{bob}\", 250]", "--send", "--key", key, "--node", node.Url);
        Assert.True(transfer.ExitCode == 0, transfer.Stdout + transfer.Stderr);
        Assert.Contains($"event:    Transfer {{\"from\":\"{owner}\",\"to\":\"{bob}\",\"value\":\"250\"}}", transfer.Stdout, StringComparison.Ordinal);
        Assert.Contains("output0: 250", await Call("--function", "balanceOf", "--args", $"[\"{bob}\"]"), StringComparison.Ordinal);
        Assert.Contains("output0: 999750", await Call("--function", "balanceOf", "--args", $"{{\"account\":\"{owner}\"}}"), StringComparison.Ordinal);

        // More than the balance: the transaction is mined, fails, and the custom error is decoded from the ABI.
        var tooMuch = await NodeBinary.RunAsync("contract", "call", "--address", token, "--abi", abi, "--function", "transfer",
            "--args", $"[\"{bob}\", \"2000000\"]", "--send", "--gas-limit", "100000", "--key", key, "--node", node.Url);
        Assert.Equal(1, tooMuch.ExitCode);
        Assert.Contains("status:   failed", tooMuch.Stdout, StringComparison.Ordinal);
        Assert.Contains($"error:    Reverted: execution reverted: ERC20InsufficientBalance[\"{owner}\",\"999750\",\"2000000\"]",
            tooMuch.Stdout, StringComparison.Ordinal);

        // Arguments that do not fit the ABI are refused before anything is sent.
        var bad = await NodeBinary.RunAsync("contract", "call", "--address", token, "--abi", abi, "--function", "transfer",
            "--args", "[\"0x12\", 1]", "--send", "--key", key, "--node", node.Url);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("20-byte hex address", bad.Stderr, StringComparison.Ordinal);

        // Without --gas-limit the failure shows in gas estimation: decoded as `call` decodes it, and nothing is sent.
        var nonceBefore = await NodeBinary.RunAsync("account", "show", owner, "--node", node.Url);
        var estimated = await NodeBinary.RunAsync("contract", "call", "--address", token, "--abi", abi, "--function", "transfer",
            "--args", $"[\"{bob}\", \"2000000\"]", "--send", "--key", key, "--node", node.Url);
        Assert.Equal((1, $"error: the transaction would fail, so it was not sent: execution reverted: ERC20InsufficientBalance[\"{owner}\",\"999750\",\"2000000\"]"),
            (estimated.ExitCode, estimated.Stderr.TrimEnd('\n')));
        Assert.Equal(nonceBefore.Stdout.Split('\n')[2], (await NodeBinary.RunAsync("account", "show", owner, "--node", node.Url)).Stdout.Split('\n')[2]);
        // A constructor that needs arguments, deployed without them, is refused before anything is sent.
        var noArgs = await NodeBinary.RunAsync("contract", "deploy", "--bin", bin, "--abi", abi, "--key", key, "--node", node.Url);
        Assert.Equal(2, noArgs.ExitCode);
        Assert.Matches(@"^error: the constructor takes 1 argument\(s\) \(uint256 \w+\): pass them with --args as a JSON array\n$", noArgs.Stderr);
        var missing = await NodeBinary.RunAsync("contract", "deploy", "--bin", "/nonexistent.bin", "--key", key, "--node", node.Url);
        Assert.Equal((1, "error: --bin /nonexistent.bin: no such file"), (missing.ExitCode, missing.Stderr.TrimEnd('\n')));

        // Killed and restarted: the store passes its startup checks (contract storage included) and serves the same state.
        await node.KillAsync();
        await using var restarted = await chain.StartAsync();
        Assert.Contains("output0: 250", await Call("--function", "balanceOf", "--args", $"[\"{bob}\"]"), StringComparison.Ordinal);
    }
}
