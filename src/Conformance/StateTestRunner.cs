using System.Globalization;
using System.Numerics;
using System.Text.Json;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Vm.Evm;
using ShanghaiChain.Vm.Evm.State;

namespace ShanghaiChain.Conformance;

/// <summary>The verdict on one (test, fork, data/gas/value index) case of an Ethereum state test.</summary>
public sealed record StateTestCaseResult(string File, string Name, int Data, int Gas, int Value, bool Passed, bool Skipped, string Message)
{
    public override string ToString() =>
        $"{(Skipped ? "SKIP" : Passed ? "PASS" : "FAIL")} {Name} [d={Data},g={Gas},v={Value}] {Message}";
}

/// <summary>Verdicts of one folder of state tests, with the time its files took (summed, not wall-clock) and its slowest file.</summary>
public sealed record FolderSummary(string Folder, int Passed, int Failed, int Skipped, int Files, TimeSpan Elapsed, (string File, TimeSpan Elapsed) Slowest);

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
    /// Runs a state-test file or every *.json under a folder, reporting each case to <paramref name="onResult"/> as it
    /// completes (one call at a time). With one worker files run in ordinal path order; with more, files run in
    /// parallel (largest first), each worker on its own thread with a deep stack.
    /// </summary>
    public (int Passed, int Failed, int Skipped) RunPath(string path, Action<StateTestCaseResult>? onResult = null, int workers = 1)
    {
        var folders = RunFolders(path, workers, onResult);
        return (folders.Sum(f => f.Passed), folders.Sum(f => f.Failed), folders.Sum(f => f.Skipped));
    }

    /// <summary>
    /// Runs every *.json under <paramref name="path"/> (or one file) on <paramref name="workers"/> threads and totals the
    /// verdicts per top-level folder below <paramref name="path"/> (files directly in it count under "."), in ordinal
    /// folder order. Files are handed out largest first so that one long file does not end up last on a busy worker.
    /// </summary>
    public IReadOnlyList<FolderSummary> RunFolders(string path, int workers, Action<StateTestCaseResult>? onResult = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        var isFolder = Directory.Exists(path);
        if (!isFolder && !File.Exists(path))
        {
            throw new FileNotFoundException($"no state-test file or folder at {path}", path);
        }
        var files = isFolder
            ? Directory.EnumerateFiles(path, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray()
            : [path];
        int[] order = workers == 1
            ? [.. Enumerable.Range(0, files.Length)]
            : [.. Enumerable.Range(0, files.Length).OrderByDescending(i => new FileInfo(files[i]).Length).ThenBy(i => i)];
        var results = new FileOutcome[files.Length];
        var next = -1;
        var reportLock = new Lock();
        Exception? crash = null;

        void Work()
        {
            try
            {
                int i;
                while (Volatile.Read(ref crash) is null && (i = Interlocked.Increment(ref next)) < order.Length)
                {
                    var file = files[order[i]];
                    var started = System.Diagnostics.Stopwatch.GetTimestamp();
                    var cases = RunFile(file).ToList();
                    var outcome = new FileOutcome(file, cases, System.Diagnostics.Stopwatch.GetElapsedTime(started));
                    results[order[i]] = outcome;
                    if (onResult is not null)
                    {
                        lock (reportLock)
                        {
                            cases.ForEach(onResult);
                        }
                    }
                }
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref crash, e, null);
            }
        }

        var threads = Enumerable.Range(0, Math.Min(workers, order.Length)).Select(_ => new Thread(Work, WorkerStackBytes)).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        if (crash is not null)
        {
            throw new InvalidOperationException("the state-test runner failed", crash);
        }

        return [.. results
            .GroupBy(r => FolderOf(path, r.File, isFolder), StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new FolderSummary(g.Key,
                g.Sum(r => r.Cases.Count(c => c.Passed)),
                g.Sum(r => r.Cases.Count(c => !c.Passed && !c.Skipped)),
                g.Sum(r => r.Cases.Count(c => c.Skipped)),
                g.Count(),
                TimeSpan.FromTicks(g.Sum(r => r.Elapsed.Ticks)),
                g.MaxBy(r => r.Elapsed) is { } slowest ? (Path.GetFileName(slowest.File), slowest.Elapsed) : default))];
    }

    private sealed record FileOutcome(string File, List<StateTestCaseResult> Cases, TimeSpan Elapsed);

    private static string FolderOf(string root, string file, bool isFolder)
    {
        if (!isFolder)
        {
            return Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(file))) ?? ".";
        }
        var relative = Path.GetRelativePath(root, file);
        var separator = relative.IndexOfAny(['/', '\\']);
        return separator < 0 ? "." : relative[..separator];
    }

    /// <summary>The per-folder table as Markdown (the form docs/evm.md shows), with a total row.</summary>
    public static string FormatTable(IReadOnlyList<FolderSummary> folders)
    {
        ArgumentNullException.ThrowIfNull(folders);
        var text = new System.Text.StringBuilder();
        text.AppendLine("| Folder | Files | Passed | Failed | Skipped | Time (s, summed over files) | Slowest file |");
        text.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var f in folders)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {f.Folder} | {f.Files} | {f.Passed} | {f.Failed} | {f.Skipped} | {f.Elapsed.TotalSeconds:F1} | {f.Slowest.File} ({f.Slowest.Elapsed.TotalSeconds:F1} s) |");
        }
        text.AppendLine(CultureInfo.InvariantCulture,
            $"| **total** | {folders.Sum(f => f.Files)} | {folders.Sum(f => f.Passed)} | {folders.Sum(f => f.Failed)} | {folders.Sum(f => f.Skipped)} | {folders.Sum(f => f.Elapsed.TotalSeconds):F1} | |");
        return text.ToString();
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
        // The pre-state is parsed once per test and seeded afresh for each of its cases.
        PreAccount[]? pre = null;
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
                pre ??= ParsePreState(test);
                results.Add(RunCase(file, name, test, pre, post, d, g, v));
            }
            catch (Exception e) when (e is FormatException or OverflowException or KeyNotFoundException or InvalidOperationException or ArgumentException)
            {
                results.Add(new(file, name, d, g, v, false, false, $"runner error: {e.GetType().Name}: {e.Message}"));
            }
        }
        return results;
    }

    private sealed record PreAccount(Address Address, UInt256 Balance, ulong Nonce, byte[] Code, KeyValuePair<UInt256, UInt256>[] Storage);

    private static PreAccount[] ParsePreState(JsonElement test) =>
        [.. test.GetProperty("pre").EnumerateObject().Select(account => new PreAccount(
            Address.Parse(account.Name),
            ParseWord(account.Value.GetProperty("balance").GetString()),
            (ulong)ParseWord(account.Value.GetProperty("nonce").GetString()),
            Hex.Decode(account.Value.GetProperty("code").GetString()!),
            [.. account.Value.GetProperty("storage").EnumerateObject()
                .Select(s => new KeyValuePair<UInt256, UInt256>(ParseWord(s.Name), ParseWord(s.Value.GetString())))]))];

    private StateTestCaseResult RunCase(string file, string name, JsonElement test, PreAccount[] pre, JsonElement post, int d, int g, int v)
    {
        var state = new InMemoryWorldState();
        foreach (var account in pre)
        {
            // Code arrays are shared between cases: the EVM never writes into code, it only replaces it.
            state.Seed(account.Address, account.Balance, account.Nonce, account.Code, account.Storage);
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
