using ShanghaiChain.Node.Relayer;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Tests.Relayer;

/// <summary>relay.toml is checked before anything starts, each error naming the file and the key; cursors advance only past confirmed events.</summary>
public sealed class RelayerConfigTests : IDisposable
{
    private const string Valid = """
        [[chains]]
        id = "shanghai"
        node = "http://127.0.0.1:1"
        key = "a.json"

        [[chains]]
        id = "hongkong"
        node = "http://127.0.0.1:2"
        key = "b.json"

        [[paths]]
        a = "shanghai"
        b = "hongkong"
        a_client = "hongkong-client"
        b_client = "shanghai-client"
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("shc-relayer-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string text)
    {
        var path = Path.Combine(_dir, "relay.toml");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void A_valid_file_resolves_paths_from_its_folder_and_takes_the_defaults()
    {
        var config = RelayerConfig.Load(Write(Valid));
        Assert.Equal(Path.Combine(_dir, "relayer-state"), config.StateDir);
        Assert.Equal(Path.Combine(_dir, "a.json"), config.Chains[0].KeyFile);
        Assert.Equal((1UL, 1_000, "127.0.0.1:26760"), (config.Chains[1].StartHeight, config.MaxBatch, config.MetricsListen));
        Assert.Equal(new RelayerPath("shanghai", "hongkong", "hongkong-client", "shanghai-client"), Assert.Single(config.Paths));
    }

    [Theory]
    [InlineData("max_batchh = 3\n", "unknown key max_batchh; did you mean 'max_batch'?")]
    [InlineData("max_batch = 0\n", "max_batch must be an integer from 1 to 100000, got '0'")]
    [InlineData("max_batch = \"ten\"\n", "max_batch must be an integer")]
    [InlineData("metrics_listen = \"nowhere\"\n", "metrics_listen must be host:port")]
    [InlineData("max_tx_gas = 2000000\ngas_per_message = 2000000\n", "max_tx_gas (2000000) must cover a client update")]
    public void A_bad_setting_is_named(string prefix, string expected)
    {
        var error = Assert.Throws<RelayerConfigException>(() => RelayerConfig.Load(Write(prefix + Valid)));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.StartsWith(Path.Combine(_dir, "relay.toml") + ": ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"http://127.0.0.1:2\"", "\"ftp://x\"", "chains[1].node must be an http:// or https:// URL")]
    [InlineData("b = \"hongkong\"", "b = \"singapore\"", "paths[0] names chain 'singapore', which no [[chains]] declares")]
    [InlineData("b = \"hongkong\"", "b = \"shanghai\"", "paths[0] links chain 'shanghai' with itself")]
    [InlineData("a_client = \"hongkong-client\"", "a_client = \"Hong Kong\"", "paths[0].a_client must be 1 to 64 characters of [a-z0-9.-]")]
    [InlineData("id = \"hongkong\"", "id = \"shanghai\"", "chain 'shanghai' is declared twice")]
    [InlineData("key = \"b.json\"", "kee = \"b.json\"", "unknown key chains[1].kee; did you mean 'key'?")]
    public void A_bad_chain_or_path_is_named(string from, string to, string expected)
    {
        var error = Assert.Throws<RelayerConfigException>(() => RelayerConfig.Load(Write(Valid.Replace(from, to, StringComparison.Ordinal))));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_toml_a_missing_file_and_a_corrupt_cursor_file_are_errors_not_a_fresh_start()
    {
        Assert.Contains("is not valid TOML", Assert.Throws<RelayerConfigException>(() => RelayerConfig.Load(Write("[[chains]\nid = "))).Message, StringComparison.Ordinal);
        Assert.Contains("not found", Assert.Throws<RelayerConfigException>(() => RelayerConfig.Load(Path.Combine(_dir, "none.toml"))).Message, StringComparison.Ordinal);
        var state = Path.Combine(_dir, "state");
        Directory.CreateDirectory(state);
        File.WriteAllText(RelayerState.CursorFile(state), "{ \"shanghai\": { \"height\": ");
        Assert.Contains("is corrupt", Assert.Throws<RelayerConfigException>(() => RelayerState.Open(state)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_second_relayer_on_one_state_dir_is_refused_and_saved_cursors_survive_a_reopen()
    {
        var state = Path.Combine(_dir, "state");
        using (var first = RelayerState.Open(state))
        {
            Assert.Contains("another relayer is running", Assert.Throws<RelayerConfigException>(() => RelayerState.Open(state)).Message, StringComparison.Ordinal);
            first.Save("shanghai", new EventCursor { Height = 7, TxIndex = 2, LogIndex = 1 });
        }
        using var reopened = RelayerState.Open(state);
        Assert.Equal(new EventCursor { Height = 7, TxIndex = 2, LogIndex = 1 }, reopened.CursorOf("shanghai"));
        Assert.Null(reopened.CursorOf("hongkong"));
    }

    [Fact]
    public void The_cursor_stops_before_the_first_event_whose_work_is_not_confirmed()
    {
        var tracker = new CursorTracker(new EventCursor { Height = 1 });
        var first = tracker.Add(new EventCursor { Height = 2 });
        tracker.Add(new EventCursor { Height = 3 }, done: true);
        var third = tracker.Add(new EventCursor { Height = 4 });
        Assert.Equal(1UL, tracker.Safe!.Height);
        third.Complete();
        Assert.Equal(1UL, tracker.Safe!.Height);
        first.Complete();
        Assert.Equal(4UL, tracker.Safe!.Height);
        Assert.Equal(0, tracker.Open);
    }
}
