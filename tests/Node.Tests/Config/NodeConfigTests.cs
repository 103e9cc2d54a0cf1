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
}
