using ShanghaiChain.Tests;

namespace ShanghaiChain.Conformance.Tests;

/// <summary>The runner itself: it must report mismatches, not only agreement.</summary>
public class StateTestRunnerTests
{
    private static string Fixture(string postHash, string logsHash, string expectException = "") => $$"""
        {
          "tiny": {
            "env": { "currentCoinbase": "0x2adc25665018aa1fe0e6bc666dac8fc2697ff9ba", "currentGasLimit": "0x05f5e100",
                     "currentNumber": "0x01", "currentTimestamp": "0x03e8", "currentBaseFee": "0x0a",
                     "currentRandom": "0x0000000000000000000000000000000000000000000000000000000000020000" },
            "pre": {
              "0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b": { "balance": "0x0ba1a9ce0ba1a9ce", "code": "0x", "nonce": "0x00", "storage": {} },
              "0xcccccccccccccccccccccccccccccccccccccccc": { "balance": "0x00", "code": "0x600160005500", "nonce": "0x00", "storage": {} }
            },
            "transaction": { "data": ["0x"], "gasLimit": ["0x0186a0"], "gasPrice": "0x0a", "nonce": "0x00",
                             "sender": "0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b", "to": "0xcccccccccccccccccccccccccccccccccccccccc", "value": ["0x00"] },
            "post": { "Cancun": [ { "hash": "{{postHash}}", "logs": "{{logsHash}}", "indexes": { "data": 0, "gas": 0, "value": 0 }{{expectException}} } ] }
          }
        }
        """;

    private const string EmptyLogs = "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347";

    private static StateTestCaseResult RunOne(string json)
    {
        var path = Path.Combine(Path.GetTempPath(), $"statetest-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        try
        {
            return Assert.Single(new StateTestRunner(EthereumStateRoot.Compute).RunFile(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Reports_a_wrong_post_state_root()
    {
        var result = RunOne(Fixture("0x" + new string('0', 64), EmptyLogs));
        Assert.False(result.Passed);
        Assert.Contains("state root", result.Message);
    }

    [Fact]
    public void Reports_a_wrong_logs_hash()
    {
        var result = RunOne(Fixture("0x" + new string('0', 64), "0x" + new string('1', 64)));
        Assert.False(result.Passed);
        Assert.Contains("logs hash", result.Message);
    }

    [Fact]
    public void Reports_a_valid_transaction_where_an_exception_was_expected()
    {
        var result = RunOne(Fixture("0x" + new string('0', 64), EmptyLogs, ", \"expectException\": \"TransactionException.INTRINSIC_GAS_TOO_LOW\""));
        Assert.False(result.Passed);
        Assert.Contains("expected exception", result.Message);
    }

    [Fact]
    public void RunPath_counts_every_case_of_a_folder()
    {
        var runner = new StateTestRunner(EthereumStateRoot.Compute);
        var seen = new List<StateTestCaseResult>();
        var (passed, failed, skipped) = runner.RunPath(Path.Combine(RepositoryPaths.Fixtures, "ethereum-tests", "GeneralStateTests", "VMTests", "vmLogTest"), seen.Add);
        Assert.Equal(seen.Count, passed + failed + skipped);
        Assert.True(passed > 0);
        Assert.Equal(0, failed);
        Assert.Equal($"{passed} passed, 0 failed", StateTestRunner.Summary(passed, failed));
    }
}
