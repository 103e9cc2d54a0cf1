using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Transactions;
using ShanghaiChain.V1;
using ShanghaiChain.Vm.Execution;

namespace ShanghaiChain.Benchmarks;

/// <summary>
/// A block of OpenZeppelin ERC-20 <c>transfer</c> calls (compiled by solc from tests/interop, which needs its npm
/// packages) executed by the node's BlockExecutor over a real RocksDB store, alone and with the commit (flat slots,
/// storage tries, account trie, one synced batch). Divide the block size by the time per operation for transfers/s.
/// Run: dotnet run -c Release --project bench/Benchmarks -- --filter '*Erc20BlockBenchmarks*' --job short --inProcess
/// </summary>
[MemoryDiagnoser]
public class Erc20BlockBenchmarks
{
    private const string ChainId = "bench-erc20";
    private readonly CryptoSuite _suite = CryptoSuite.Ed25519Sha256;
    private readonly ChainParameters _parameters = new();
    private BenchChain _chain = null!;
    private KeyFile _owner = null!;
    private Address _token;
    private List<VerifiedTransaction> _block = [];

    [Params(1_000)]
    public int Transfers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _owner = KeyFile.Generate(_suite);
        _chain = new BenchChain(ChainId, [_owner.Address], _parameters);
        var bytecode = Convert.FromHexString(File.ReadAllText(Path.Combine(Compile(), "Token.bin")).Trim());
        // constructor(uint256 supply): the whole supply to the deployer.
        var deploy = Sign(0, null, [.. bytecode, .. new UInt256(1_000_000_000_000).ToBigEndian()], 5_000_000);
        var result = _chain.ExecuteAndCommit([deploy]);
        if (result.Receipts[0].Status != ReceiptStatus.Success)
        {
            throw new InvalidOperationException($"deploying the token failed: {result.Receipts[0].ErrorMessage}");
        }
        _token = new Address(result.Receipts[0].ContractAddress.Span);
    }

    [GlobalCleanup]
    public void Cleanup() => _chain.Dispose();

    [IterationSetup]
    public void SignBlock()
    {
        var nonce = _chain.Store.GetAccount(_owner.Address).Nonce;
        // transfer(address,uint256) to a fresh recipient each time, so every call also creates a storage slot.
        _block = [.. Enumerable.Range(0, Transfers).Select(i =>
        {
            var recipient = new byte[32];
            BitConverter.TryWriteBytes(recipient.AsSpan(24), nonce + (ulong)i + 1);
            byte[] data = [0xa9, 0x05, 0x9c, 0xbb, .. recipient, .. new UInt256(1).ToBigEndian()];
            return Sign(nonce + (ulong)i, _token, data, 100_000);
        })];
    }

    [Benchmark(Description = "execute ERC-20 transfer block")]
    public int Execute()
    {
        var result = _chain.Executor.Execute(_chain.Store, _chain.Executor.ContextFor(_chain.Store.HeadHeight + 1, Hash32.Zero, 0, Address.Zero), _block);
        return Check(result).Receipts.Count;
    }

    [Benchmark(Description = "execute + commit ERC-20 transfer block")]
    public int ExecuteAndCommit() => Check(_chain.ExecuteAndCommit(_block)).Receipts.Count;

    private static ExecutionResult Check(ExecutionResult result)
    {
        if (result.Receipts.Any(r => r.Status != ReceiptStatus.Success))
        {
            throw new InvalidOperationException($"a transfer failed: {result.Receipts.First(r => r.Status != ReceiptStatus.Success).ErrorMessage}");
        }
        return result;
    }

    private VerifiedTransaction Sign(ulong nonce, Address? to, byte[] data, ulong gasLimit)
    {
        var body = new TransactionBody { ChainId = ChainId, Nonce = nonce, GasLimit = gasLimit, Data = ByteString.CopyFrom(data), ExpiresAtHeight = 1_000_000 };
        if (to is { } address)
        {
            body.To = ByteString.CopyFrom(address.ToArray());
        }
        return new TransactionValidator(ChainId, _suite, _parameters).Validate(TransactionSigner.Sign(body, _owner), checkSignature: false).Transaction!;
    }

    /// <summary>Compiles the interop contracts with solc (node tests/interop/compile.mjs) into a temp folder.</summary>
    private string Compile()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "ShanghaiChain.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("run the benchmark inside the repository");
        }
        var outDir = Path.Combine(_chain.Folder, "compiled");
        using var process = Process.Start(new ProcessStartInfo("node", [Path.Combine(root, "tests", "interop", "compile.mjs"), outDir])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"compiling the contracts failed (npm ci --prefix tests/interop?): {error}");
        }
        return outDir;
    }
}
