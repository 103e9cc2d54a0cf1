using ShanghaiChain.Node.Config;

namespace ShanghaiChain.Node.Tests.Config;

public sealed class NodeConfigTests : IDisposable
{
    private readonly string _path = Path.Combine(Directory.CreateTempSubdirectory("shc-config-").FullName, "node.toml");

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_path)!, recursive: true);

    [Fact]
    public void Saved_config_loads_back_equal()
    {
        var config = new NodeConfig { Moniker = "v7", ApiListen = "127.0.0.1:30001", MempoolMaxTxs = 5 };
        config.Save(_path);
        Assert.Equal(config, NodeConfig.Load(_path, new Dictionary<string, string?>()));
    }

    [Theory]
    [InlineData("a\"b")]
    [InlineData("back\\slash")]
    [InlineData("two\nlines\tand\u0001control")]
    public void Saved_config_with_quotes_and_control_characters_loads_back_equal(string moniker)
    {
        var config = new NodeConfig { Moniker = moniker };
        config.Save(_path);
        Assert.Equal(config, NodeConfig.Load(_path, new Dictionary<string, string?>()));
    }

    [Fact]
    public void Environment_variables_override_the_file()
    {
        new NodeConfig().Save(_path);
        var loaded = NodeConfig.Load(_path, new Dictionary<string, string?> { ["SHC_API_LISTEN"] = "127.0.0.1:4000", ["SHC_MEMPOOL_MAX_TXS"] = "77" });
        Assert.Equal("127.0.0.1:4000", loaded.ApiListen);
        Assert.Equal(77, loaded.MempoolMaxTxs);
    }

    [Fact]
    public void Snapshot_and_state_sync_settings_load_back_and_bad_ones_are_named()
    {
        var config = new NodeConfig { SnapshotInterval = 1000, SnapshotKeep = 3, StateSync = true, StateSyncTrustHash = new string('a', 64) };
        config.Save(_path);
        Assert.Equal(config, NodeConfig.Load(_path, new Dictionary<string, string?>()));
        Assert.Contains("enable = true", File.ReadAllText(_path), StringComparison.Ordinal);
        File.WriteAllText(_path, "[state_sync]\ntrust_hash = \"0x1234\"\n");
        Assert.Contains("state_sync.trust_hash must be a block hash of 64 hex digits", Assert.Throws<ConfigException>(() => NodeConfig.Load(_path, new Dictionary<string, string?>())).Message);
        File.WriteAllText(_path, "[state_sync]\nenable = \"maybe\"\n");
        Assert.Contains("state_sync.enable must be true or false", Assert.Throws<ConfigException>(() => NodeConfig.Load(_path, new Dictionary<string, string?>())).Message);
        File.WriteAllText(_path, "[state]\nsnapshot_chunk_bytes = 1024\n");
        Assert.Contains("state.snapshot_chunk_bytes", Assert.Throws<ConfigException>(() => NodeConfig.Load(_path, new Dictionary<string, string?>())).Message);
    }

    [Theory]
    [InlineData("[api]\nlisten = \"localhost\"\n", "api.listen")]
    [InlineData("[mempool]\nmax_txs = -3\n", "mempool.max_txs")]
    [InlineData("[mempool]\nmax_tx = 3\n", "unknown key mempool.max_tx")]
    [InlineData("[nonsense]\n", "unknown section")]
    [InlineData("[api\n", "not valid TOML")]
    [InlineData("\"\\", "not valid TOML")]
    [InlineData("[node]\nmoniker = \"abc\\", "not valid TOML")]
    public void Bad_values_and_unknown_keys_are_named_in_the_error(string toml, string expected)
    {
        File.WriteAllText(_path, toml);
        var ex = Assert.Throws<ConfigException>(() => NodeConfig.Load(_path, new Dictionary<string, string?>()));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_environment_override_is_an_error_not_ignored()
    {
        new NodeConfig().Save(_path);
        Assert.Throws<ConfigException>(() => NodeConfig.Load(_path, new Dictionary<string, string?> { ["SHC_MEMPOOL_MAX_BYTES"] = "lots" }));
    }
    [Fact]
    public void Effective_config_takes_flags_over_environment_over_file_over_defaults_and_names_each_source()
    {
        File.WriteAllText(_path, "[api]\nlisten = \"127.0.0.1:30001\"\n[mempool]\nmax_txs = 10\n");
        var effective = NodeConfig.LoadEffective(_path,
            new Dictionary<string, string?> { ["SHC_MEMPOOL_MAX_TXS"] = "20", ["SHC_API_LISTEN"] = "127.0.0.1:30002" },
            [("api.listen", "127.0.0.1:30003", "--api-listen")]);

        Assert.Equal("127.0.0.1:30003", effective.Config.ApiListen);
        Assert.Equal(20, effective.Config.MempoolMaxTxs);
        var sources = effective.Settings.ToDictionary(s => s.Key, s => s.Source);
        Assert.Equal("flag --api-listen", sources["api.listen"]);
        Assert.Equal("env SHC_MEMPOOL_MAX_TXS", sources["mempool.max_txs"]);
        Assert.Equal("default", sources["node.moniker"]);
        Assert.Equal(effective.Settings.Count, effective.Settings.Select(s => s.Key).Distinct().Count());
        Assert.All(effective.Settings, s => Assert.StartsWith("SHC_", s.EnvironmentVariable, StringComparison.Ordinal));
        // The file alone: its values say "file".
        Assert.Equal("file", NodeConfig.LoadEffective(_path, new Dictionary<string, string?>(), []).Settings.Single(s => s.Key == "mempool.max_txs").Source);
    }

    [Theory]
    [InlineData("stauts", "status")]
    [InlineData("validatros", "validators")]
    [InlineData("val", "validators")]
    [InlineData("--api-listn", "--api-listen")]
    [InlineData("mempool.max_tx", "mempool.max_txs")]
    [InlineData("xyzzy", null)]
    public void Nearest_match_suggests_only_a_plausible_typo(string typed, string? expected)
    {
        string[] known = ["status", "start", "validators", "peers", "--api-listen", "--p2p-listen", "mempool.max_txs", "mempool.max_bytes"];
        Assert.Equal(expected, NearestMatch.Find(typed, known));
    }
}
