using System.Diagnostics;
using System.Text.Json;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Tests;

namespace ShanghaiChain.Node.Tests.Integration;

/// <summary>
/// A Node.js client built only from the .proto files and docs (grpc-js, proto-loader, protobufjs, noble
/// ed25519) signs and submits a transfer. Needs `npm ci --prefix tests/interop` (done by .ci/run).
/// </summary>
public sealed class InteropTests
{
    [Fact]
    public async Task A_nodejs_client_signs_submits_and_waits_for_a_transfer()
    {
        var interop = Path.Combine(RepositoryPaths.Root, "tests", "interop");
        Assert.True(Directory.Exists(Path.Combine(interop, "node_modules")),
            "interop packages are not installed: run 'npm ci --prefix tests/interop' (.ci/run does)");
        using var chain = new TestChain(CryptoSuite.Ed25519Sha256);
        await using var node = await chain.StartAsync();
        var recipient = Address.Parse("0x0000000000000000000000000000000000c0ffee");

        var info = new ProcessStartInfo("node", [Path.Combine(interop, "transfer.mjs")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["SHC_NODE"] = $"127.0.0.1:{chain.Port}";
        info.Environment["SHC_KEY"] = chain.Home.OperatorKeyFile;
        info.Environment["SHC_TO"] = recipient.ToString();
        info.Environment["SHC_AMOUNT"] = "4242";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(90)).Token);
        Assert.True(process.ExitCode == 0, await stdout + await stderr);

        var result = JsonDocument.Parse(await stdout).RootElement;
        Assert.Equal("RECEIPT_STATUS_SUCCESS", result.GetProperty("status").GetString());
        Assert.Equal(chain.Operator.Address.ToString(), result.GetProperty("sender").GetString());
        using var client = new ApiClient(node.Url);
        Assert.Equal(new UInt256(4242), await client.BalanceOfAsync(recipient));
    }

    [Fact]
    public async Task A_nodejs_client_deploys_and_drives_openzeppelin_erc20_and_erc721()
    {
        var interop = Path.Combine(RepositoryPaths.Root, "tests", "interop");
        Assert.True(Directory.Exists(Path.Combine(interop, "node_modules", "solc")),
            "interop packages are not installed: run 'npm ci --prefix tests/interop' (building Node.Tests does)");
        using var chain = new TestChain(CryptoSuite.Ed25519Sha256);
        await using var node = await chain.StartAsync();
        var info = new ProcessStartInfo("node", [Path.Combine(interop, "tokens.mjs")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["SHC_NODE"] = $"127.0.0.1:{chain.Port}";
        info.Environment["SHC_KEY"] = chain.Home.OperatorKeyFile;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token);
        Assert.True(process.ExitCode == 0, await stdout + await stderr + node.Log);

        var result = JsonDocument.Parse(await stdout).RootElement;
        Assert.Equal(["erc20 deploy", "erc20 transfer", "erc20 approve/transferFrom", "erc20 revert", "erc721 mint/approve/transferFrom", "erc721 reverts", "events"],
            result.GetProperty("checked").EnumerateArray().Select(e => e.GetString()!).ToArray());
        Assert.StartsWith("0.8.", result.GetProperty("solc").GetString(), StringComparison.Ordinal);
    }
}
