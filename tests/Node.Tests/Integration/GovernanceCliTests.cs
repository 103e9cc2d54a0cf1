using System.Text.Json;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Tests;

namespace ShanghaiChain.Node.Tests.Integration;

/// <summary>
/// Governance through the real executable on the consortium `init` writes (one member, `operator`, holding the one
/// seat: its proposals pass at once): roles decide who deploys, the CLI shows proposals, votes and the registry.
/// </summary>
public sealed class GovernanceCliTests : IDisposable
{
    private readonly string _out = Directory.CreateTempSubdirectory("shc-gov-").FullName;

    public void Dispose() => Directory.Delete(_out, recursive: true);

    [Theory]
    [InlineData(CryptoSuite.Ed25519Sha256Name)]
    [InlineData(CryptoSuite.Sm2Sm3Name)]
    public async Task Deploying_needs_the_deployer_role_which_a_committee_decision_grants(string suiteName)
    {
        using var chain = new TestChain(CryptoSuite.FromName(suiteName), fundedAccounts: 1);
        await using var node = await chain.StartAsync();
        var operatorKey = chain.Home.OperatorKeyFile;
        var member = chain.Accounts[0];
        var memberKey = Path.Combine(_out, "member.json");
        member.Save(memberKey);
        var bin = Path.Combine(_out, "CargoRegistry.bin");
        using (var artifact = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(RepositoryPaths.Root, "contracts", "build", "CargoRegistry.json"))))
        {
            File.WriteAllText(bin, artifact.RootElement.GetProperty("bytecode").GetString());
        }

        var refused = await NodeBinary.RunAsync("contract", "deploy", "--bin", bin, "--key", memberKey, "--node", node.Url, "--gas-limit", "3000000");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("PERMISSION_DENIED", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("lacks the deployer role", refused.Stderr, StringComparison.Ordinal);

        var grant = await NodeBinary.RunAsync("roles", "grant", member.Address.ToString(), "deployer", "--key", operatorKey, "--node", node.Url);
        Assert.True(grant.ExitCode == 0, grant.Stdout + grant.Stderr + node.Log);
        Assert.Contains("event:    ProposalCreated", grant.Stdout, StringComparison.Ordinal);
        Assert.Contains("event:    ProposalExecuted", grant.Stdout, StringComparison.Ordinal);
        Assert.Contains($"proposal 1: grant deployer to {member.Address}", grant.Stdout, StringComparison.Ordinal);
        Assert.Contains("status:    executed", grant.Stdout, StringComparison.Ordinal);
        Assert.Contains("vote:      operator yes (weight 1)", grant.Stdout, StringComparison.Ordinal);

        var roles = await NodeBinary.RunAsync("roles", "list", "--node", node.Url);
        Assert.Contains($"{member.Address}  deployer", roles.Stdout, StringComparison.Ordinal);
        var list = await NodeBinary.RunAsync("gov", "list", "--node", node.Url);
        Assert.Contains("1 of 1 proposal(s)", list.Stdout, StringComparison.Ordinal);
        Assert.Contains("executed", list.Stdout, StringComparison.Ordinal);

        var deployed = await NodeBinary.RunAsync("contract", "deploy", "--bin", bin, "--key", memberKey, "--node", node.Url);
        Assert.True(deployed.ExitCode == 0, deployed.Stdout + deployed.Stderr);
        Assert.Contains("status:   success", deployed.Stdout, StringComparison.Ordinal);

        // A node admitted by the committee appears in the registry.
        var shipKey = KeyFile.Generate(chain.Suite);
        var admit = await NodeBinary.RunAsync("nodes", "admit", "--public-key", Hex.Encode(shipKey.PublicKey), "--name", "ship-1",
            "--member", "operator", "--key", operatorKey, "--node", node.Url);
        Assert.True(admit.ExitCode == 0, admit.Stdout + admit.Stderr);
        var nodes = await NodeBinary.RunAsync("nodes", "list", "--node", node.Url);
        Assert.Contains($"node       {Hex.Encode(shipKey.PublicKey)}  ship-1  operator", nodes.Stdout, StringComparison.Ordinal);

        // Refusals are the contract's reason, and change nothing.
        var twice = await NodeBinary.RunAsync("nodes", "admit", "--public-key", Hex.Encode(shipKey.PublicKey), "--name", "ship-1",
            "--key", operatorKey, "--node", node.Url, "--gas-limit", "3000000");
        Assert.Equal(1, twice.ExitCode);
        Assert.Contains("admit_node refused: the node key is already admitted", twice.Stdout, StringComparison.Ordinal);
        var decided = await NodeBinary.RunAsync("gov", "vote", "1", "yes", "--key", memberKey, "--node", node.Url, "--gas-limit", "3000000");
        Assert.Contains("proposal 1 is already decided (executed)", decided.Stdout, StringComparison.Ordinal);
        var show = await NodeBinary.RunAsync("gov", "show", "2", "--node", node.Url);
        Assert.Contains("proposal 2: admit node 'ship-1'", show.Stdout, StringComparison.Ordinal);
        var members = await NodeBinary.RunAsync("gov", "members", "--node", node.Url);
        Assert.Contains("operator", members.Stdout, StringComparison.Ordinal);
        Assert.Contains("thresholds: validators 2/3", members.Stdout, StringComparison.Ordinal);
    }
}
