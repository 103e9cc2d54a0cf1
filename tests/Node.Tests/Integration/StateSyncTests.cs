using System.Text.RegularExpressions;
using Google.Protobuf;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Tests.Integration;

/// <summary>
/// Snapshots and state sync with real node processes over the peer port: a validator with many accounts takes
/// snapshots as it commits; a new node started with --state-sync restores the newest one, agrees with the validator on
/// balances and state roots, and follows new blocks. Without an offered snapshot the new node syncs from genesis. The
/// operator's path: snapshot create on a stopped node, restore into a new home (damaged files refused), start.
/// </summary>
public sealed partial class StateSyncTests
{
    private const int GenesisAccounts = 3_000;
    private const int CreatedAccounts = 150;

    private static readonly Dictionary<string, string> Snapshots = new()
    {
        ["SHC_STATE_SNAPSHOT_INTERVAL"] = "16",
        // Small chunks, so that the state of a few thousand accounts spans several.
        ["SHC_STATE_SNAPSHOT_CHUNK_BYTES"] = "65536",
    };

    private static Address GenesisAccount(int i) => new([0x5A, .. new byte[15], (byte)(i >> 24), (byte)(i >> 16), (byte)(i >> 8), (byte)i]);

    private static Address Created(int i) => new([0x7C, .. new byte[15], (byte)(i >> 24), (byte)(i >> 16), (byte)(i >> 8), (byte)i]);

    [GeneratedRegex(@"snapshot of height (\d+) written: (\d+) chunks")]
    private static partial Regex SnapshotWritten();

    [GeneratedRegex(@"state sync: restored the state of height (\d+)")]
    private static partial Regex Restored();

    /// <summary>A chain whose genesis funds many accounts, with a follower admitted to it.</summary>
    private static (TestChain Chain, Follower Follower) NewChain()
    {
        var chain = new TestChain(CryptoSuite.Ed25519Sha256, fundedAccounts: 1, emptyBlockIntervalMs: 100);
        var follower = chain.AddFollower(admitted: true);
        var genesis = GenesisFile.Load(chain.Home.GenesisFile);
        (genesis with
        {
            Accounts = [.. genesis.Accounts, .. Enumerable.Range(0, GenesisAccounts).Select(i => new GenesisAccount { Address = GenesisAccount(i).ToString(), Balance = $"{i + 1}" })],
        }).Save(chain.Home.GenesisFile);
        return (chain, follower);
    }

    /// <summary>Transfers that create <see cref="CreatedAccounts"/> accounts; returns once the last is committed.</summary>
    private static async Task CreateAccountsAsync(TestChain chain, ApiClient client)
    {
        var ids = new List<ByteString>();
        for (var i = 0; i < CreatedAccounts; i++)
        {
            var tx = await client.SignTransferAsync(chain.Accounts[0], Created(i), 1_000 + (ulong)i, (ulong)i);
            ids.Add((await client.Chain.SubmitTransactionAsync(new SubmitTransactionRequest { Transaction = ByteString.CopyFrom(tx) })).TxId);
        }
        var last = await client.Chain.WaitForReceiptAsync(new WaitForReceiptRequest { TxId = ids[^1], TimeoutMs = 60_000 });
        Assert.True(last.Receipt is not null, "the transfers were not committed within 60 s");
    }

    private static async Task<ulong> WaitForAsync(Func<Task<ulong?>> condition, string what, NodeProcess node, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            if (await condition() is { } value)
            {
                return value;
            }
            if (node.HasExited || deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"{what} did not happen within {timeout}:\n{node.Log}");
            }
            await Task.Delay(NodeBinary.PollInterval * 4);
        }
    }

    private static async Task<ulong> HeightAsync(ApiClient client) => (await client.Chain.GetStatusAsync(new GetStatusRequest())).HeadHeight;

    private static async Task AssertSameStateAsync(ApiClient validator, ApiClient follower, ulong height)
    {
        foreach (var address in new[] { Created(0), Created(CreatedAccounts - 1), GenesisAccount(0), GenesisAccount(GenesisAccounts - 1) })
        {
            Assert.Equal(await validator.BalanceOfAsync(address), await follower.BalanceOfAsync(address));
        }
        var request = new GetProofRequest { Address = ByteString.CopyFrom(Created(7).ToArray()), Height = height };
        var expected = await validator.Chain.GetProofAsync(request);
        var actual = await follower.Chain.GetProofAsync(request);
        Assert.Equal(expected.StateRoot, actual.StateRoot);
        Assert.Equal(expected.AccountRlp, actual.AccountRlp);
    }

    [Fact]
    public async Task A_new_node_state_syncs_from_a_validators_snapshot_agrees_on_the_state_and_follows_new_blocks()
    {
        var (chain, follower) = NewChain();
        using (chain)
        {
            await using var validator = await chain.StartAsync(Snapshots);
            using var validatorClient = new ApiClient(validator.Url);
            await CreateAccountsAsync(chain, validatorClient);
            var afterTransfers = await HeightAsync(validatorClient);
            // A snapshot that holds the created accounts.
            var snapshotHeight = await WaitForAsync(() => Task.FromResult(SnapshotWritten().Matches(validator.Log)
                .Select(m => ulong.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))
                .Where(h => h >= afterTransfers).Select(h => (ulong?)h).FirstOrDefault()), "a snapshot after the transfers", validator, TimeSpan.FromSeconds(90));
            Assert.Contains(SnapshotWritten().Matches(validator.Log), m => int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) > 1);

            File.Copy(chain.Home.GenesisFile, follower.Home.GenesisFile, overwrite: true);
            await using var node = await NodeProcess.StartAsync(follower.Home.Root, follower.Port, null, "--state-sync");
            var restored = Restored().Match(node.Log);
            Assert.True(restored.Success, node.Log);
            var restoredHeight = ulong.Parse(restored.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(restoredHeight >= snapshotHeight, $"restored {restoredHeight}, a snapshot of {snapshotHeight} was offered");
            Assert.Contains("chunks (100 %)", node.Log, StringComparison.Ordinal);

            using var followerClient = new ApiClient(follower.Url);
            // It follows: new blocks past the validator's head when it looked.
            var target = await HeightAsync(validatorClient) + 3;
            await WaitForAsync(async () => await HeightAsync(followerClient) >= target ? target : null, $"the follower reaching {target}", node, TimeSpan.FromSeconds(90));
            await AssertSameStateAsync(validatorClient, followerClient, target);
            Assert.Equal((await validatorClient.Chain.GetBlockAsync(new GetBlockRequest { Height = target })).BlockHash,
                (await followerClient.Chain.GetBlockAsync(new GetBlockRequest { Height = target })).BlockHash);
            // Below the snapshot nothing is kept, and the node says so.
            var pruned = await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () => await followerClient.Chain.GetBlockAsync(new GetBlockRequest { Height = 1 }));
            Assert.Equal("PRUNED", pruned.Trailers.GetValue("shc-reason"));
            Assert.Contains("pruned below the snapshot height", pruned.Status.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Without_an_offered_snapshot_a_state_sync_node_syncs_from_genesis()
    {
        var (chain, follower) = NewChain();
        using (chain)
        {
            await using var validator = await chain.StartAsync();
            using var validatorClient = new ApiClient(validator.Url);
            await WaitForAsync(async () => await HeightAsync(validatorClient) >= 3 ? 3ul : null, "height 3", validator, TimeSpan.FromSeconds(60));
            File.Copy(chain.Home.GenesisFile, follower.Home.GenesisFile, overwrite: true);
            await using var node = await NodeProcess.StartAsync(follower.Home.Root, follower.Port, null, "--state-sync");
            Assert.Contains("state sync: no usable snapshot; the node syncs blocks from genesis", node.Log, StringComparison.Ordinal);
            using var followerClient = new ApiClient(follower.Url);
            await WaitForAsync(async () => await HeightAsync(followerClient) >= 3 ? 3ul : null, "the follower reaching 3", node, TimeSpan.FromSeconds(60));
            Assert.NotNull((await followerClient.Chain.GetBlockAsync(new GetBlockRequest { Height = 1 })).Block);
        }
    }

    [Fact]
    public async Task An_operator_creates_a_snapshot_of_a_stopped_node_and_restores_it_into_a_new_home_refusing_damaged_files()
    {
        var (chain, follower) = NewChain();
        using (chain)
        {
            var validator = await chain.StartAsync();
            using var validatorClient = new ApiClient(validator.Url);
            await CreateAccountsAsync(chain, validatorClient);
            // The snapshot is of the head - 1: two more blocks, so it holds every created account.
            var created = await HeightAsync(validatorClient);
            await WaitForAsync(async () => await HeightAsync(validatorClient) >= created + 2 ? created : null, "two more blocks", validator, TimeSpan.FromSeconds(60));
            using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
            {
                await validator.TerminateAsync(stop.Token);
            }
            await validator.DisposeAsync();
            var file = Path.Combine(chain.Root, "state.shcsnap");
            var create = await NodeBinary.RunAsync("snapshot", "create", "--home", chain.Home.Root, file);
            Assert.True(create.ExitCode == 0, create.Stderr + create.Stdout);
            var accounts = Regex.Match(create.Stdout, @"(\d+) accounts");
            Assert.True(accounts.Success && int.Parse(accounts.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= GenesisAccounts + CreatedAccounts, create.Stdout);

            File.Copy(chain.Home.GenesisFile, follower.Home.GenesisFile, overwrite: true);
            var bytes = await File.ReadAllBytesAsync(file);
            var truncated = Path.Combine(chain.Root, "truncated.shcsnap");
            await File.WriteAllBytesAsync(truncated, bytes[..(bytes.Length / 2)]);
            var refused = await NodeBinary.RunAsync("snapshot", "restore", "--home", follower.Home.Root, truncated);
            Assert.Equal(1, refused.ExitCode);
            Assert.Contains("it is truncated or damaged; nothing was restored", refused.Stderr, StringComparison.Ordinal);
            var damaged = Path.Combine(chain.Root, "damaged.shcsnap");
            bytes[bytes.Length / 3] ^= 0x40;
            await File.WriteAllBytesAsync(damaged, bytes);
            refused = await NodeBinary.RunAsync("snapshot", "restore", "--home", follower.Home.Root, damaged);
            Assert.Equal(1, refused.ExitCode);
            Assert.Contains("does not match its SHA-256 digest", refused.Stderr, StringComparison.Ordinal);
            Assert.False(Directory.Exists(follower.Home.ChainDbDir));

            var restore = await NodeBinary.RunAsync("snapshot", "restore", "--home", follower.Home.Root, file);
            Assert.True(restore.ExitCode == 0, restore.Stderr + restore.Stdout);
            Assert.Contains("certified by block", restore.Stdout, StringComparison.Ordinal);
            // The restored store holds blocks from the snapshot height on: an export from block 1 says so instead of failing midway.
            var export = await NodeBinary.RunAsync("blocks", "export", "--home", follower.Home.Root, Path.Combine(Path.GetDirectoryName(file)!, "below.shcblocks"));
            Assert.Equal(2, export.ExitCode);
            Assert.Contains("is below this node's first block: it started from a snapshot of height", export.Stderr, StringComparison.Ordinal);

            await using var again = await chain.StartAsync();
            await using var node = await NodeProcess.StartAsync(follower.Home.Root, follower.Port);
            using var followerClient = new ApiClient(follower.Url);
            var target = await HeightAsync(validatorClient) + 2;
            await WaitForAsync(async () => await HeightAsync(followerClient) >= target ? target : null, $"the follower reaching {target}", node, TimeSpan.FromSeconds(90));
            await AssertSameStateAsync(validatorClient, followerClient, target);
        }
    }
}
