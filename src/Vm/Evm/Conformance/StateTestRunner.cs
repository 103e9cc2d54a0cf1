using System.Globalization;
using System.Numerics;
using System.Text.Json;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Vm.Evm.State;

namespace ShanghaiChain.Vm.Evm.Conformance;

/// <summary>The verdict on one (test, fork, data/gas/value index) case of an Ethereum state test.</summary>
public sealed record StateTestCaseResult(string File, string Name, int Data, int Gas, int Value, bool Passed, bool Skipped, string Message)
{
    public override string ToString() =>
        $"{(Skipped ? "SKIP" : Passed ? "PASS" : "FAIL")} {Name} [d={Data},g={Gas},v={Value}] {Message}";
}

/// <summary>
/// Runs Ethereum state-test JSON (GeneralStateTests format) for one fork: builds the pre-state, applies the
/// transaction selected by each post entry's indexes, and compares the logs hash, the validity expectation and,
/// when a state-root function is supplied, the post-state root.
/// </summary>
public sealed class StateTestRunner
{
    private readonly Func<InMemoryWorldState, Hash32>? _stateRoot;
    private readonly string _fork;

    /// <param name="stateRoot">Computes the Merkle Patricia root of a state; null skips the root check.</param>
    public StateTestRunner(Func<InMemoryWorldState, Hash32>? stateRoot, string fork = "Cancun")
    {
        _stateRoot = stateRoot;
        _fork = fork;
    }

    /// <summary>Stack for the runner's worker thread: nested calls recurse up to 1,025 frames deep.</summary>
    public const int WorkerStackBytes = 256 * 1024 * 1024;

    /// <summary>
    /// Runs a state-test file or every *.json under a folder (in ordinal path order) on a worker thread with a deep
    /// stack, reporting each case to <paramref name="onResult"/> as it completes.
    /// </summary>
    public (int Passed, int Failed, int Skipped) RunPath(string path, Action<StateTestCaseResult>? onResult = null)
    {
        var files = Directory.Exists(path)
            ? Directory.EnumerateFiles(path, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList()
            : [path];
        int passed = 0, failed = 0, skipped = 0;
        Exception? crash = null;
        var worker = new Thread(() =>
        {
            try
            {
                foreach (var file in files)
                {
                    foreach (var result in RunFile(file))
                    {
                        if (result.Skipped)
                        {
                            skipped++;
                        }
                        else if (result.Passed)
                        {
                            passed++;
                        }
                        else
                        {
                            failed++;
                        }
                        onResult?.Invoke(result);
                    }
                }
            }
            catch (Exception e)
            {
                crash = e;
            }
        }, WorkerStackBytes);
        worker.Start();
        worker.Join();
        if (crash is not null)
        {
            throw new InvalidOperationException("the state-test runner failed", crash);
        }
        return (passed, failed, skipped);
    }

    /// <summary>The closing line in the format of geth's <c>evm statetest</c>.</summary>
    public static string Summary(int passed, int failed) => $"{passed} passed, {failed} failed";

    public IEnumerable<StateTestCaseResult> RunFile(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var results = new List<StateTestCaseResult>();
        foreach (var test in document.RootElement.EnumerateObject())
        {
            results.AddRange(RunTest(Path.GetFileName(path), test.Name, test.Value));
        }
        return results;
    }

    private List<StateTestCaseResult> RunTest(string file, string name, JsonElement test)
    {
        var results = new List<StateTestCaseResult>();
        if (!test.GetProperty("post").TryGetProperty(_fork, out var posts))
        {
            return results;
        }
        var txJson = test.GetProperty("transaction");
        // Out of scope for this chain: blob transactions and the KZG point-evaluation precompile (0x0a).
        var needsBlobs = txJson.TryGetProperty("blobVersionedHashes", out _) ||
            name.Contains("point_evaluation", StringComparison.Ordinal);
        foreach (var post in posts.EnumerateArray())
        {
            var indexes = post.GetProperty("indexes");
            var (d, g, v) = (indexes.GetProperty("data").GetInt32(), indexes.GetProperty("gas").GetInt32(), indexes.GetProperty("value").GetInt32());
            if (needsBlobs)
            {
                results.Add(new(file, name, d, g, v, false, true, "blob transactions and point evaluation are out of scope"));
                continue;
            }
            try
            {
                results.Add(RunCase(file, name, test, post, d, g, v));
            }
            catch (Exception e) when (e is FormatException or OverflowException or KeyNotFoundException or InvalidOperationException or ArgumentException)
            {
                results.Add(new(file, name, d, g, v, false, false, $"runner error: {e.GetType().Name}: {e.Message}"));
            }
        }
        return results;
    }

    private StateTestCaseResult RunCase(string file, string name, JsonElement test, JsonElement post, int d, int g, int v)
    {
        var state = new InMemoryWorldState();
        foreach (var account in test.GetProperty("pre").EnumerateObject())
        {
            var storage = account.Value.GetProperty("storage").EnumerateObject()
                .Select(s => new KeyValuePair<UInt256, UInt256>(ParseWord(s.Name), ParseWord(s.Value.GetString())));
            state.Seed(Address.Parse(account.Name), ParseWord(account.Value.GetProperty("balance").GetString()),
                (ulong)ParseWord(account.Value.GetProperty("nonce").GetString()),
                Hex.Decode(account.Value.GetProperty("code").GetString()!), storage);
        }

        var env = test.GetProperty("env");
        var block = new BlockContext
        {
            Coinbase = Address.Parse(env.GetProperty("currentCoinbase").GetString()!),
            Number = (ulong)ParseWord(env.GetProperty("currentNumber").GetString()),
            Timestamp = (ulong)ParseWord(env.GetProperty("currentTimestamp").GetString()),
            GasLimit = ToGas(ParseWord(env.GetProperty("currentGasLimit").GetString())),
            BaseFee = env.TryGetProperty("currentBaseFee", out var baseFee) ? ParseWord(baseFee.GetString()) : UInt256.Zero,
            PrevRandao = env.TryGetProperty("currentRandom", out var random) ? ParseWord(random.GetString()) : UInt256.Zero,
            BlobBaseFee = BlobBaseFee(env.TryGetProperty("currentExcessBlobGas", out var excess) ? ParseWord(excess.GetString()) : UInt256.Zero),
            ChainId = UInt256.One,
            BlockHashes = new TestBlockHashes(),
        };

        var txJson = test.GetProperty("transaction");
        var to = txJson.TryGetProperty("to", out var toJson) && !string.IsNullOrEmpty(toJson.GetString()) ? Address.Parse(toJson.GetString()!) : (Address?)null;
        var accessList = new List<AccessListItem>();
        if (txJson.TryGetProperty("accessLists", out var lists) && lists.ValueKind == JsonValueKind.Array && d < lists.GetArrayLength() &&
            lists[d].ValueKind == JsonValueKind.Array)
        {
            foreach (var item in lists[d].EnumerateArray())
            {
                accessList.Add(new AccessListItem(Address.Parse(item.GetProperty("address").GetString()!),
                    [.. item.GetProperty("storageKeys").EnumerateArray().Select(k => ParseWord(k.GetString()))]));
            }
        }
        EvmTransaction? tx;
        string? malformed = null;
        try
        {
            tx = new EvmTransaction
            {
                Sender = Address.Parse(txJson.GetProperty("sender").GetString()!),
                To = to,
                Nonce = (ulong)ParseWord(txJson.GetProperty("nonce").GetString()),
                GasLimit = ToGas(ParseWord(txJson.GetProperty("gasLimit")[g].GetString())),
                Value = ParseWord(txJson.GetProperty("value")[v].GetString()),
                Data = Hex.Decode(txJson.GetProperty("data")[d].GetString()!),
                GasPrice = txJson.TryGetProperty("gasPrice", out var gp) ? ParseWord(gp.GetString()) : UInt256.Zero,
                MaxFeePerGas = txJson.TryGetProperty("maxFeePerGas", out var mf) ? ParseWord(mf.GetString()) : null,
                MaxPriorityFeePerGas = txJson.TryGetProperty("maxPriorityFeePerGas", out var mp) ? ParseWord(mp.GetString()) : null,
                AccessList = accessList,
            };
        }
        catch (Exception e) when (e is ArgumentException or OverflowException or FormatException)
        {
            // A field that does not fit its type (a value above 2^256, a nonce above 2^64) cannot be encoded: invalid.
            tx = null;
            malformed = "malformed transaction: " + e.Message;
        }
        var result = tx is not null
            ? new TransactionProcessor(new VirtualMachine(state, block)).Execute(tx)
            : TransactionResult.Invalid(malformed!);

        var problems = new List<string>();
        var expectsException = post.TryGetProperty("expectException", out var expected);
        if (expectsException && result.IsValid)
        {
            problems.Add($"expected exception {expected.GetString()} but the transaction was valid");
        }
        if (!expectsException && !result.IsValid)
        {
            problems.Add($"unexpected invalid transaction: {result.InvalidReason}");
        }
        var logsHash = EthereumStateRoot.LogsHash(result.Logs);
        var expectedLogs = Hash32.Parse(post.GetProperty("logs").GetString()!);
        if (logsHash != expectedLogs)
        {
            problems.Add($"logs hash {logsHash} != {expectedLogs}");
        }
        if (_stateRoot is not null)
        {
            var root = _stateRoot(state);
            var expectedRoot = Hash32.Parse(post.GetProperty("hash").GetString()!);
            if (root != expectedRoot)
            {
                problems.Add($"state root {root} != {expectedRoot}");
            }
        }
        var detail = $"status={result.Status} gasUsed={result.GasUsed}" + (result.IsValid ? "" : $" invalid={result.InvalidReason}");
        return new(file, name, d, g, v, problems.Count == 0, false, problems.Count == 0 ? detail : string.Join("; ", problems) + " (" + detail + ")");
    }

    private static long ToGas(in UInt256 value) => value.IsUInt64 && value.U0 <= long.MaxValue ? (long)value.U0 : long.MaxValue;

    /// <summary>Parses a "0x" hex quantity of at most 256 bits (leading zeros allowed).</summary>
    public static UInt256 ParseWord(string? text)
    {
        var hex = (text ?? "").Trim();
        // The fillers mark integers wider than their field as "0x:bigint 0x...".
        if (hex.StartsWith("0x:bigint ", StringComparison.Ordinal))
        {
            hex = hex["0x:bigint ".Length..];
        }
        if (hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            hex = hex[2..];
        }
        hex = hex.TrimStart('0');
        if (hex.Length == 0)
        {
            return UInt256.Zero;
        }
        if (hex.Length % 2 == 1)
        {
            hex = "0" + hex;
        }
        return UInt256.ReadBigEndian(Convert.FromHexString(hex));
    }

    /// <summary>EIP-4844 blob base fee: fake_exponential(1, excess_blob_gas, 3338477).</summary>
    private static UInt256 BlobBaseFee(in UInt256 excessBlobGas)
    {
        var numerator = excessBlobGas.ToBigInteger();
        var denominator = new BigInteger(3_338_477);
        BigInteger output = 0;
        BigInteger accumulator = denominator;
        for (var i = 1; accumulator > 0; i++)
        {
            output += accumulator;
            accumulator = accumulator * numerator / (denominator * i);
        }
        UInt256.TryFromBigInteger(output / denominator, out var fee);
        return fee;
    }

    /// <summary>The block hashes the reference clients use in state tests: keccak256 of the decimal block number.</summary>
    private sealed class TestBlockHashes : IBlockHashProvider
    {
        public Hash32 GetBlockHash(ulong number)
        {
            Span<byte> hash = stackalloc byte[32];
            Keccak256Hasher.Hash(System.Text.Encoding.ASCII.GetBytes(number.ToString(CultureInfo.InvariantCulture)), hash);
            return new Hash32(hash);
        }
    }
}
