using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Node.Tests.Integration;

/// <summary>The operator's path: init, start, transfer and read back, all through the real executable.</summary>
public sealed class CliEndToEndTests
{
    [Theory]
    [InlineData(CryptoSuite.Ed25519Sha256Name)]
    [InlineData(CryptoSuite.Sm2Sm3Name)]
    public async Task A_transfer_sent_with_the_cli_shows_in_the_recipient_account(string suiteName)
    {
        using var chain = new TestChain(CryptoSuite.FromName(suiteName));
        await using var node = await chain.StartAsync();
        const string recipient = "0x000000000000000000000000000000000000beef";

        var transfer = await NodeBinary.RunAsync("tx", "transfer", "--node", node.Url, "--key", chain.Home.OperatorKeyFile,
            "--to", recipient, "--amount", "777");
        Assert.True(transfer.ExitCode == 0, transfer.Stdout + transfer.Stderr + node.Log);
        Assert.Contains("status:   success", transfer.Stdout, StringComparison.Ordinal);

        var account = await NodeBinary.RunAsync("account", "show", recipient, "--node", node.Url);
        Assert.Equal(0, account.ExitCode);
        Assert.Contains("balance: 777", account.Stdout, StringComparison.Ordinal);

        var status = await NodeBinary.RunAsync("status", "--node", node.Url);
        Assert.Contains($"crypto suite: {suiteName}", status.Stdout, StringComparison.Ordinal);

        // The recipient's account is proven against the state root, and an untouched address is proven absent.
        var proof = await NodeBinary.RunAsync("state", "proof", recipient, "--node", node.Url);
        Assert.True(proof.ExitCode == 0, proof.Stdout + proof.Stderr);
        Assert.Contains("balance:    777", proof.Stdout, StringComparison.Ordinal);
        Assert.Contains("verified:   present", proof.Stdout, StringComparison.Ordinal);
        var absent = await NodeBinary.RunAsync("state", "proof", "0x00000000000000000000000000000000000000aa", "--node", node.Url);
        Assert.Contains("verified:   absent", absent.Stdout, StringComparison.Ordinal);
        // Before the transfer's block the recipient did not exist: the proof at height 1 says so.
        var before = await NodeBinary.RunAsync("state", "proof", recipient, "--node", node.Url, "--height", "1");
        Assert.True(before.ExitCode == 0, before.Stdout + before.Stderr);
        Assert.Contains("verified:   absent", before.Stdout, StringComparison.Ordinal);

        var validators = await NodeBinary.RunAsync("validators", "--node", node.Url);
        Assert.True(validators.ExitCode == 0, validators.Stderr);
        Assert.Contains("1 validator(s), total power 1, quorum 1", validators.Stdout, StringComparison.Ordinal);
        Assert.Contains("validator-0", validators.Stdout, StringComparison.Ordinal);

        var block = await NodeBinary.RunAsync("block", "show", "1", "--node", node.Url);
        Assert.Equal(0, block.ExitCode);
        Assert.Contains("certificate:  1 signature(s)", block.Stdout, StringComparison.Ordinal);

        // The same transfer replayed with the nonce it used is refused with a typed reason.
        var replay = await NodeBinary.RunAsync("tx", "transfer", "--node", node.Url, "--key", chain.Home.OperatorKeyFile,
            "--to", recipient, "--amount", "777", "--nonce", "0");
        Assert.Equal(1, replay.ExitCode);
        Assert.StartsWith("error: NONCE_TOO_LOW", replay.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2, "start", "--bogus")]
    [InlineData(2, "init", "--crypto", "rsa")]
    [InlineData(2, "tx", "transfer", "--to", "0x12", "--amount", "1", "--key", "k.json")]
    [InlineData(2, "tx", "transfer", "--to", "0x000000000000000000000000000000000000beef", "--amount", "-1", "--key", "k.json")]
    [InlineData(2, "status", "--node", "not a url")]
    [InlineData(1, "start", "--home", "/nonexistent/shanghaichain-home")]
    [InlineData(1, "keys", "show", "/nonexistent/key.json")]
    [InlineData(1, "keys", "new", "--out", "/nonexistent/dir/k.json")]
    [InlineData(1, "status", "--node", "http://127.0.0.1:9")]
    public async Task Bad_flags_and_input_give_a_one_line_error_and_a_non_zero_exit(int expectedExit, params string[] args)
    {
        var result = await NodeBinary.RunAsync(args);
        Assert.Equal(expectedExit, result.ExitCode);
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1 && lines[0].StartsWith("error: ", StringComparison.Ordinal), $"stderr was:\n{result.Stderr}");
    }

    [Fact]
    public async Task Evm_statetest_runs_fixture_files_and_ends_with_the_summary_line()
    {
        var folder = Path.Combine(ShanghaiChain.Tests.RepositoryPaths.Fixtures, "ethereum-tests", "GeneralStateTests", "VMTests", "vmBitwiseLogicOperation");
        var result = await NodeBinary.RunAsync("evm", "statetest", "--quiet", folder);
        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        var summary = result.Stdout.Trim().Split('\n')[^1];
        Assert.Matches(@"^[1-9][0-9]* passed, 0 failed$", summary);
        Assert.Equal(2, (await NodeBinary.RunAsync("evm", "statetest", "/nonexistent/tests")).ExitCode);

        // Per folder, with files in parallel: the table counts what the summary line counts.
        var vmTests = Path.GetDirectoryName(folder)!;
        var tabled = await NodeBinary.RunAsync("evm", "statetest", "--quiet", "--table", "--workers", "2", Path.Combine(vmTests, "vmBitwiseLogicOperation"),
            Path.Combine(vmTests, "vmLogTest"));
        Assert.True(tabled.ExitCode == 0, tabled.Stdout + tabled.Stderr);
        Assert.Contains("| vmBitwiseLogicOperation |", tabled.Stdout, StringComparison.Ordinal);
        Assert.Contains("| vmLogTest |", tabled.Stdout, StringComparison.Ordinal);
        var total = System.Text.RegularExpressions.Regex.Match(tabled.Stdout, @"\| \*\*total\*\* \| \d+ \| (\d+) \| 0 \|");
        Assert.True(total.Success, tabled.Stdout);
        Assert.EndsWith($"{total.Groups[1].Value} passed, 0 failed", tabled.Stdout.Trim(), StringComparison.Ordinal);
        Assert.Equal(2, (await NodeBinary.RunAsync("evm", "statetest", "--workers", "0", folder)).ExitCode);
    }

    [Fact]
    public async Task Init_refuses_to_overwrite_an_existing_home()
    {
        using var chain = new TestChain(CryptoSuite.Ed25519Sha256);
        var result = await NodeBinary.RunAsync("init", "--home", chain.Home.Root);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("already initialised", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Init_never_replaces_a_key_made_before_it()
    {
        var dir = Directory.CreateTempSubdirectory("shc-init-").FullName;
        try
        {
            var key = Path.Combine(dir, "home", "config", "validator_key.json");
            Directory.CreateDirectory(Path.GetDirectoryName(key)!);
            Assert.Equal(0, (await NodeBinary.RunAsync("keys", "new", "--out", key)).ExitCode);
            var before = await File.ReadAllTextAsync(key);
            var result = await NodeBinary.RunAsync("init", "--home", Path.Combine(dir, "home"));
            Assert.Equal(1, result.ExitCode);
            Assert.Contains("never replaces a key", result.Stderr, StringComparison.Ordinal);
            Assert.Equal(before, await File.ReadAllTextAsync(key));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Testnet_writes_a_genesis_whose_default_consortium_the_operator_key_administers()
    {
        var dir = Directory.CreateTempSubdirectory("shc-consortium-").FullName;
        try
        {
            var result = await NodeBinary.RunAsync("testnet", "--validators", "2", "--output", dir);
            Assert.Equal(0, result.ExitCode);

            var genesis = Core.Genesis.GenesisFile.Load(Path.Combine(dir, "node0", "config", "genesis.json"));
            var operatorKey = Core.Keys.KeyFile.Load(Path.Combine(dir, "operator_key.json"));
            var consortium = Assert.IsType<Core.Genesis.GenesisConsortium>(genesis.Consortium);
            var member = Assert.Single(consortium.Members);
            Assert.Equal(Core.Primitives.Hex.Encode(operatorKey.PublicKey), Assert.Single(member.AdminKeys));
            Assert.Equal(member.Name, Assert.Single(consortium.Committee).Member);
            Assert.Contains(consortium.Roles, r => r.Role == "deployer" && Address.Parse(r.Account) == operatorKey.Address);
            Assert.All(genesis.Validators, v => Assert.Equal(member.Name, v.Member));
            // Every home holds the same genesis.
            Assert.Equal(genesis.ComputeHash(), Core.Genesis.GenesisFile.Load(Path.Combine(dir, "node1", "config", "genesis.json")).ComputeHash());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Keys_new_into_a_missing_directory_is_refused_and_creates_nothing()
    {
        var dir = Path.Combine(Path.GetTempPath(), "shc-missing-" + Guid.NewGuid().ToString("N"));
        var result = await NodeBinary.RunAsync("keys", "new", "--out", Path.Combine(dir, "k.json"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("does not exist", result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public async Task Keys_new_writes_a_key_that_keys_show_reads()
    {
        var dir = Directory.CreateTempSubdirectory("shc-keys-").FullName;
        try
        {
            var path = Path.Combine(dir, "k.json");
            var created = await NodeBinary.RunAsync("keys", "new", "--out", path, "--crypto", "sm2-sm3");
            Assert.Equal(0, created.ExitCode);
            var shown = await NodeBinary.RunAsync("keys", "show", path);
            Assert.Equal(0, shown.ExitCode);
            var address = shown.Stdout.Split('\n').Single(l => l.StartsWith("address:", StringComparison.Ordinal))[8..].Trim();
            Assert.True(Address.TryParse(address, out _));
            Assert.Contains(address, created.Stdout, StringComparison.Ordinal);
            Assert.Equal(1, (await NodeBinary.RunAsync("keys", "new", "--out", path)).ExitCode);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Start_refuses_a_corrupt_data_dir_with_a_clear_error_and_leaves_it_in_place()
    {
        using var chain = new TestChain(CryptoSuite.Ed25519Sha256);
        await using (var node = await chain.StartAsync())
        {
            await node.KillAsync();
        }
        var manifests = Directory.GetFiles(chain.Home.ChainDbDir, "MANIFEST-*");
        Assert.NotEmpty(manifests);
        foreach (var manifest in manifests)
        {
            File.WriteAllBytes(manifest, new byte[100]);
        }
        var result = await NodeBinary.RunAsync("start", "--home", chain.Home.Root);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("corrupt", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(manifests.Length, Directory.GetFiles(chain.Home.ChainDbDir, "MANIFEST-*").Length);
    }

    [Fact]
    public async Task Start_refuses_a_data_dir_that_belongs_to_another_chain()
    {
        using var first = new TestChain(CryptoSuite.Ed25519Sha256);
        using var second = new TestChain(CryptoSuite.Ed25519Sha256);
        await using (var node = await first.StartAsync())
        {
            await node.KillAsync();
        }
        // The second home's data dir holds only its fresh safety record: replace it with the first chain's.
        Directory.Delete(second.Home.DataDir, recursive: true);
        Directory.Move(first.Home.DataDir, second.Home.DataDir);
        var result = await NodeBinary.RunAsync("start", "--home", second.Home.Root);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("belongs to chain", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_refuses_a_safety_record_saved_on_another_chain()
    {
        // What a stale process of an earlier network writing into a recreated home, or a record copied across
        // networks, looks like: the validator's rounds from elsewhere would decide what it may sign here.
        using var first = new TestChain(CryptoSuite.Ed25519Sha256);
        using var second = new TestChain(CryptoSuite.Ed25519Sha256);
        var firstRecord = new ShanghaiChain.Storage.SafetyRecordFile(first.Home.SafetyRecordFile);
        await using (var node = await first.StartAsync())
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (firstRecord.Load() is not { GenesisHash.IsEmpty: false })
            {
                await Task.Delay(NodeBinary.PollInterval, timeout.Token);
            }
            await node.KillAsync();
        }
        File.Copy(first.Home.SafetyRecordFile, second.Home.SafetyRecordFile, overwrite: true);

        var result = await NodeBinary.RunAsync("start", "--home", second.Home.Root);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("belongs to another chain", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllBytes(first.Home.SafetyRecordFile), File.ReadAllBytes(second.Home.SafetyRecordFile));
    }

    [Fact]
    public async Task Sigterm_stops_a_node_promptly_while_a_subscriber_streams_and_ends_the_stream()
    {
        using var chain = new TestChain(CryptoSuite.Ed25519Sha256);
        await using var node = await chain.StartAsync();
        using var client = new ApiClient(node.Url);
        using var stream = client.Chain.SubscribeBlocks(new V1.SubscribeBlocksRequest { FromHeight = 1 });
        Assert.True(await stream.ResponseStream.MoveNext(CancellationToken.None));

        var watch = System.Diagnostics.Stopwatch.StartNew();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(25));
        var exitCode = await node.TerminateAsync(deadline.Token);

        Assert.Equal(0, exitCode);
        // Open streams used to hold the server's graceful shutdown until the host's 30 s timeout.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"stopping took {watch.Elapsed}:\n{node.Log}");
        // The subscriber's stream ends instead of hanging (the deadline fails the test otherwise), with UNAVAILABLE: what
        // a client retries elsewhere or later, where it used to read INTERNAL.
        var ended = await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () =>
        {
            while (await stream.ResponseStream.MoveNext(deadline.Token))
            {
            }
        });
        Assert.Equal(Grpc.Core.StatusCode.Unavailable, ended.StatusCode);
    }
}
