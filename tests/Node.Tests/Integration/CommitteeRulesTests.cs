using Google.Protobuf;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;
using Xunit.Abstractions;

namespace ShanghaiChain.Node.Tests.Integration;

/// <summary>
/// The committee's rules on a running four-validator network, through the real executable: a consortium of three
/// members (operator with a seat of weight 2, port and bank with 1 each; parameters need 2/3 of the weight, a forced
/// validator change 3/4). A proposal short of its threshold changes nothing; a change of a third or more of the voting
/// power is refused without force; a proposal past its expiry cannot be voted through; and a parameter change that
/// passes (max_block_txs) governs every block of the next epoch while the chain goes on committing.
/// </summary>
public sealed class CommitteeRulesTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Thresholds_force_and_expiry_hold_and_a_passed_parameter_change_governs_the_next_epoch()
    {
        await using var net = new TestNetwork(validators: 4, emptyBlockIntervalMs: 100, epochLength: 10);
        var port = KeyFile.Generate(net.Suite);
        var bank = KeyFile.Generate(net.Suite);
        var portKey = Path.Combine(net.Root, "port.json");
        var bankKey = Path.Combine(net.Root, "bank.json");
        port.Save(portKey);
        bank.Save(bankKey);
        foreach (var home in net.Homes)
        {
            var genesis = GenesisFile.Load(home.GenesisFile);
            var consortium = genesis.Consortium!;
            (genesis with
            {
                Accounts = [.. genesis.Accounts, .. new[] { port, bank }.Select(k => new GenesisAccount { Address = k.Address.ToString(), Balance = "1000000000" })],
                Consortium = consortium with
                {
                    Members = [.. consortium.Members, new GenesisMember { Name = "port", AdminKeys = [Hex.Encode(port.PublicKey)] },
                        new GenesisMember { Name = "bank", AdminKeys = [Hex.Encode(bank.PublicKey)] }],
                    Committee = [new CommitteeSeat { Member = "operator", Weight = 2 }, new CommitteeSeat { Member = "port", Weight = 1 },
                        new CommitteeSeat { Member = "bank", Weight = 1 }],
                    // Long enough for two CLI calls on a loaded machine, short enough to wait out.
                    ProposalLifetimeBlocks = 150,
                },
            }).Save(home.GenesisFile);
        }
        await net.StartAllValidatorsAsync();
        await net.WaitForHeightAsync([0, 1, 2, 3], 3, Patience);

        // Short of the threshold: the operator's 2 of 4 is below 2/3. The proposal stays open and nothing changes.
        var shortOf = await Cli("gov", "propose", "parameter", "max_block_txs", "3", "--key", net.OperatorKeyFile, "--node", net.UrlOf(0));
        Assert.Contains("proposal 1: set max_block_txs", shortOf.Stdout, StringComparison.Ordinal);
        Assert.Contains("status:    open", shortOf.Stdout, StringComparison.Ordinal);
        Assert.Contains("yes 2, no 0 of 4; needs 2/3", shortOf.Stdout, StringComparison.Ordinal);
        Assert.Null((await RegistryAsync(net, 1)).PendingValidators);

        // A third or more of the voting power at once needs force.
        var newcomer = KeyFile.Generate(net.Suite);
        var tooLarge = await NodeBinary.RunAsync("validators", "add", "--public-key", Hex.Encode(newcomer.PublicKey), "--power", "2",
            "--member", "port", "--key", net.OperatorKeyFile, "--node", net.UrlOf(0));
        Assert.Equal(1, tooLarge.ExitCode);
        Assert.Contains("it needs force", tooLarge.Stdout + tooLarge.Stderr, StringComparison.Ordinal);

        // Past its expiry, the deciding vote is refused and the parameter stays as genesis set it.
        var expires = (await ProposalAsync(net, 1)).ExpiresAtHeight;
        await net.WaitForHeightAsync([2], expires, Patience);
        var late = await NodeBinary.RunAsync("gov", "vote", "1", "yes", "--key", portKey, "--node", net.UrlOf(2));
        Assert.Equal(1, late.ExitCode);
        Assert.Contains($"expired at height {expires}", late.Stdout + late.Stderr, StringComparison.Ordinal);
        Assert.Null((await RegistryAsync(net, 3)).PendingValidators);

        // Before the change, a burst of transfers fills blocks well past three transactions.
        ulong nonce = 0;
        var before = await BurstAsync(net, 60, nonce);
        nonce += 60;
        var fullest = 0;
        for (var h = before.First; h <= before.Last; h++)
        {
            fullest = Math.Max(fullest, (await net.BlockAsync(1, h)).Block.Transactions.Count);
        }
        Assert.True(fullest > 3, $"the burst before the change filled blocks only up to {fullest} transactions");

        // Passed: operator and port hold 3 of 4. It schedules an epoch with the same four validators.
        var propose = await Cli("gov", "propose", "parameter", "max_block_txs", "3", "--key", net.OperatorKeyFile, "--node", net.UrlOf(0));
        Assert.Contains("proposal 2: set max_block_txs", propose.Stdout, StringComparison.Ordinal);
        var vote = await Cli("gov", "vote", "2", "yes", "--key", portKey, "--node", net.UrlOf(1));
        Assert.Contains("event:    ValidatorSetChangeScheduled", vote.Stdout, StringComparison.Ordinal);
        Assert.Contains("status:    executed", vote.Stdout, StringComparison.Ordinal);
        var last = (await RegistryAsync(net, 2)).PendingValidators.LastHeightOfEpoch;
        output.WriteLine($"max_block_txs 3 from height {last + 1} on (burst before it: up to {fullest} transactions per block)");
        await net.WaitForHeightAsync([0, 1, 2, 3], last + 2, Patience);

        var after = await BurstAsync(net, 40, nonce);
        Assert.True(after.First > last);
        var perBlock = new List<int>();
        for (var h = last + 1; h <= after.Last; h++)
        {
            var block = await net.BlockAsync(3, h);
            Assert.Equal(2UL, block.Header.Epoch);
            perBlock.Add(block.Block.Transactions.Count);
        }
        Assert.All(perBlock, count => Assert.InRange(count, 0, 3));
        Assert.Equal(3, perBlock.Max());
        using (var client = new ApiClient(net.UrlOf(0)))
        {
            var validators = await client.Chain.ListValidatorsAsync(new ListValidatorsRequest());
            Assert.Equal((2UL, 4), (validators.Epoch, validators.Validators.Count));
        }
        Assert.Contains(((await RegistryAsync(net, 0)).Parameters), p => p.Name == "max_block_txs" && UInt256.ReadBigEndian(p.Value.Span) == new UInt256(3));
        var top = await net.HeightOfAsync(0);
        await net.WaitForHeightAsync([1, 2, 3], top, Patience);
        await net.AssertAgreeAsync([0, 1, 2, 3], top);
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> Cli(params string[] args)
    {
        var result = await NodeBinary.RunAsync(args);
        Assert.True(result.ExitCode == 0, $"{string.Join(' ', args)}: {result.Stdout}{result.Stderr}");
        return result;
    }

    /// <summary>Submits <paramref name="count"/> transfers at once and waits for all; the heights their receipts name.</summary>
    private static async Task<(ulong First, ulong Last)> BurstAsync(TestNetwork net, int count, ulong firstNonce)
    {
        using var client = new ApiClient(net.UrlOf(2));
        var ids = new List<ByteString>();
        for (var i = 0UL; i < (ulong)count; i++)
        {
            var tx = await client.SignTransferAsync(net.LoadKey, new Address(new byte[20]), 1, firstNonce + i);
            ids.Add((await client.Chain.SubmitTransactionAsync(new SubmitTransactionRequest { Transaction = ByteString.CopyFrom(tx) })).TxId);
        }
        var heights = new List<ulong>();
        foreach (var id in ids)
        {
            var receipt = await client.Chain.WaitForReceiptAsync(new WaitForReceiptRequest { TxId = id, TimeoutMs = 60_000 });
            Assert.Equal(ReceiptStatus.Success, receipt.Receipt.Status);
            heights.Add(receipt.Receipt.BlockHeight);
        }
        return (heights.Min(), heights.Max());
    }

    private static async Task<GovernanceRegistry> RegistryAsync(TestNetwork net, int node)
    {
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(net.UrlOf(node));
        return (await new GovernanceService.GovernanceServiceClient(channel).GetRegistryAsync(new GetRegistryRequest())).Registry;
    }

    private static async Task<GovernanceProposal> ProposalAsync(TestNetwork net, ulong id)
    {
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(net.UrlOf(0));
        return (await new GovernanceService.GovernanceServiceClient(channel).GetProposalAsync(new GetProposalRequest { Id = id })).Proposal;
    }
}
