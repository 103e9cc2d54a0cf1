using Xunit.Abstractions;
using Google.Protobuf;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Tests.Integration;

/// <summary>
/// Validator-set changes on a running chain, with real processes: the committee admits an organisation's node (not in
/// genesis), which connects and follows with a validator key the set does not hold yet; a second decision makes it the
/// fifth validator, which signs from the epoch boundary on; then one of the original four is removed and goes on as a follower. Under steady load, with
/// nothing lost and every node agreeing on every block. Last, a fresh node syncs from genesis across both changes,
/// verifying each block's certificate against the set of its epoch.
/// </summary>
public sealed class ValidatorChangeTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_fifth_validator_joins_by_vote_and_an_original_one_is_removed_under_load_with_every_node_agreeing()
    {
        await using var net = new TestNetwork(validators: 4, spareNodes: 2, emptyBlockIntervalMs: 100, epochLength: 20);
        // The organisation's node is not in genesis: the committee admits it first.
        var shippingNodeKey = KeyFile.Load(net.Homes[4].NodeKeyFile);
        foreach (var home in net.Homes)
        {
            var genesis = GenesisFile.Load(home.GenesisFile);
            (genesis with { Nodes = [.. genesis.Nodes.Where(n => !Hex.Decode(n.PublicKey).AsSpan().SequenceEqual(shippingNodeKey.PublicKey))] }).Save(home.GenesisFile);
        }
        var joiner = KeyFile.Generate(net.Suite);
        joiner.Save(net.Homes[4].ValidatorKeyFile);
        await net.StartAllValidatorsAsync();
        await net.WaitForHeightAsync([0, 1, 2, 3], 3, Patience);
        var admit = await NodeBinary.RunAsync("nodes", "admit", "--public-key", net.Homes[4].NodeKeyFile, "--name", "shipping-1",
            "--member", "operator", "--key", net.OperatorKeyFile, "--node", net.UrlOf(0));
        Assert.True(admit.ExitCode == 0, admit.Stdout + admit.Stderr);
        await net.StartAsync(4);
        // Admitted, it connects, syncs and follows (its validator key is not in the set yet): its first catch-up is over
        // before the committee decides, so it joins with a record of its first epoch (docs/consensus.md, "Joining").
        await net.WaitForHeightAsync([4], await net.HeightOfAsync(0), Patience);
        var following = DateTime.UtcNow + Patience;
        while (!net[4]!.Log.Contains("following the chain until the committee adds it", StringComparison.Ordinal) && DateTime.UtcNow < following)
        {
            await Task.Delay(NodeBinary.PollInterval);
        }

        using var load = new CancellationTokenSource();
        var acknowledged = new List<string>();
        var loadTask = RunLoadAsync(net, acknowledged, load.Token);

        var add = await NodeBinary.RunAsync("validators", "add", "--public-key", net.Homes[4].ValidatorKeyFile, "--member", "operator",
            "--key", net.OperatorKeyFile, "--node", net.UrlOf(0));
        Assert.True(add.ExitCode == 0, add.Stdout + add.Stderr);
        var joinAfter = await ScheduledLastHeightAsync(net);
        output.WriteLine($"fifth validator scheduled after height {joinAfter}");
        await net.WaitForHeightAsync([0, 1, 2, 3, 4], joinAfter + 5, Patience);
        Assert.Contains("this validator joins the set in epoch 2", net[4]!.Log, StringComparison.Ordinal);
        var epoch2 = await ValidatorsAsync(net, 1);
        Assert.Equal(2UL, epoch2.Epoch);
        Assert.Equal(5, epoch2.Validators.Count);
        var signed = await WaitForSignatureAsync(net, observer: 1, validatorIndex: 4, fromHeight: joinAfter + 1);
        output.WriteLine($"the fifth validator signed the certificate of block {signed}");
        foreach (var height in new[] { joinAfter, joinAfter + 1 })
        {
            var block = await net.BlockAsync(1, height);
            Assert.Equal(height <= joinAfter ? 1UL : 2UL, block.Header.Epoch);
        }

        var remove = await NodeBinary.RunAsync("validators", "remove", "--public-key", net.Homes[0].ValidatorKeyFile,
            "--key", net.OperatorKeyFile, "--node", net.UrlOf(1));
        Assert.True(remove.ExitCode == 0, remove.Stdout + remove.Stderr);
        var leaveAfter = await ScheduledLastHeightAsync(net);
        output.WriteLine($"validator 0 leaves after height {leaveAfter}");
        await net.WaitForHeightAsync([0, 1, 2, 3, 4], leaveAfter + 5, Patience);
        var epoch3 = await ValidatorsAsync(net, 2);
        Assert.Equal(3UL, epoch3.Epoch);
        Assert.Equal(4, epoch3.Validators.Count);
        Assert.DoesNotContain(epoch3.Validators, v => v.PublicKey.Span.SequenceEqual(KeyFile.Load(net.Homes[0].ValidatorKeyFile).PublicKey));
        // Validator 0 goes on as a follower.
        var followed = await net.HeightOfAsync(0);
        await net.WaitForHeightAsync([0], followed + 3, Patience);

        await load.CancelAsync();
        var sent = await loadTask;

        // A node started now from genesis verifies three epochs' certificates on its way to the head.
        await net.StartAsync(5);
        var head = await net.HeightOfAsync(1);
        await net.WaitForHeightAsync([5], head, Patience);
        // Every block verified on the first try: no epoch it could not place, no certificate refused.
        Assert.DoesNotContain("is not the epoch of its height", net[5]!.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("valid certificate", net[5]!.Log, StringComparison.Ordinal);
        var top = new List<ulong>();
        for (var node = 0; node < 6; node++)
        {
            top.Add(await net.HeightOfAsync(node));
        }
        await net.AssertAgreeAsync([0, 1, 2, 3, 4, 5], top.Min());
        using var client = new ApiClient(net.UrlOf(4));
        foreach (var id in acknowledged)
        {
            var receipt = await client.Chain.GetReceiptAsync(new GetReceiptRequest { TxId = ByteString.CopyFrom(Convert.FromHexString(id)) });
            Assert.Equal(ReceiptStatus.Success, receipt.Receipt.Status);
        }
        var gap = await LongestGapMsAsync(net, top.Min());
        output.WriteLine($"{sent} transfers acknowledged and found on the fifth validator; longest gap between blocks {gap} ms over {top.Min()} blocks");
        Assert.True(gap < 10_000, $"the chain stopped for {gap} ms");
    }

    private static async Task<int> RunLoadAsync(TestNetwork net, List<string> acknowledged, CancellationToken cancel)
    {
        using var client = new ApiClient(net.UrlOf(2));
        ulong nonce = 0;
        while (!cancel.IsCancellationRequested)
        {
            var tx = await client.SignTransferAsync(net.LoadKey, new Address(new byte[20]), 1, nonce);
            var id = (await client.Chain.SubmitTransactionAsync(new SubmitTransactionRequest { Transaction = ByteString.CopyFrom(tx) })).TxId;
            var receipt = await client.Chain.WaitForReceiptAsync(new WaitForReceiptRequest { TxId = id, TimeoutMs = 30_000 });
            Assert.Equal(ReceiptStatus.Success, receipt.Receipt.Status);
            acknowledged.Add(Convert.ToHexString(id.Span));
            nonce++;
        }
        return (int)nonce;
    }

    private static async Task<ulong> ScheduledLastHeightAsync(TestNetwork net)
    {
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(net.UrlOf(3));
        var registry = (await new GovernanceService.GovernanceServiceClient(channel).GetRegistryAsync(new GetRegistryRequest())).Registry;
        Assert.NotNull(registry.PendingValidators);
        return registry.PendingValidators.LastHeightOfEpoch;
    }

    private static async Task<ListValidatorsResponse> ValidatorsAsync(TestNetwork net, int node)
    {
        using var client = new ApiClient(net.UrlOf(node));
        return await client.Chain.ListValidatorsAsync(new ListValidatorsRequest());
    }

    private static async Task<ulong> WaitForSignatureAsync(TestNetwork net, int observer, uint validatorIndex, ulong fromHeight)
    {
        var deadline = DateTime.UtcNow + Patience;
        var next = fromHeight;
        while (DateTime.UtcNow < deadline)
        {
            var head = await net.HeightOfAsync(observer);
            for (; next <= head; next++)
            {
                if ((await net.BlockAsync(observer, next)).Certificate.Signatures.Any(s => s.ValidatorIndex == validatorIndex))
                {
                    return next;
                }
            }
            await Task.Delay(NodeBinary.PollInterval);
        }
        throw new TimeoutException($"no certificate from height {fromHeight} on carries validator {validatorIndex}'s signature:\n{net[4]?.Log}");
    }

    private static async Task<ulong> LongestGapMsAsync(TestNetwork net, ulong upTo)
    {
        ulong longest = 0;
        ulong previous = 0;
        for (ulong height = 1; height <= upTo; height++)
        {
            var timestamp = (await net.BlockAsync(1, height)).Header.TimestampMs;
            if (previous != 0 && timestamp > previous)
            {
                longest = Math.Max(longest, timestamp - previous);
            }
            previous = timestamp;
        }
        return longest;
    }
}
