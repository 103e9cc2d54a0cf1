using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using ShanghaiChain.Chain.Blocks;
using ShanghaiChain.Chain.Execution;
using ShanghaiChain.Chain.Feed;
using ShanghaiChain.Chain.Mempool;
using ShanghaiChain.Chain.Observability;
using ShanghaiChain.Chain.Validation;
using ShanghaiChain.Consensus;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Merkle;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Transactions;
using ShanghaiChain.Storage;
using ShanghaiChain.V1;
using ShanghaiChain.Vm.Execution;

namespace ShanghaiChain.Fuzz;

/// <summary>
/// The chain every target decodes against, built once per process and deterministic (keys derived from fixed seeds, a fixed
/// clock), so a crash input replays the same way anywhere: four validators, two funded accounts, an in-memory store at
/// genesis, the node's validators. Mutable parts (mempool, pending blocks) are made fresh per input by the targets, so
/// one input never changes how the next runs.
/// </summary>
internal static class FuzzChain
{
    public const string ChainId = "fuzz-chain";
    public const ulong GenesisTimeMs = 1_700_000_000_000;
    public static readonly CryptoSuite Suite = CryptoSuite.Ed25519Sha256;
    public static readonly KeyFile[] ValidatorKeys = [.. Enumerable.Range(0, 4).Select(i => Key(Suite, $"validator-{i}"))];
    public static readonly KeyFile Alice = Key(Suite, "alice");
    public static readonly KeyFile Bob = Key(Suite, "bob");
    public static readonly KeyFile Sm2Alice = Key(CryptoSuite.Sm2Sm3, "sm2-alice");
    public static readonly Address Carol = Address.Parse("0x00000000000000000000000000000000000000c0");

    public static readonly GenesisFile Genesis = new()
    {
        ChainId = ChainId,
        GenesisTimeMs = GenesisTimeMs,
        Validators = [.. ValidatorKeys.Select((k, i) => new GenesisValidator { Name = $"v{i}", PublicKey = Hex.Encode(k.PublicKey) })],
        Accounts =
        [
            new GenesisAccount { Address = Alice.Address.ToString(), Balance = "1000000000" },
            new GenesisAccount { Address = Bob.Address.ToString(), Balance = "1000000000" },
        ],
    };

    /// <summary>A clock one minute after genesis: block timestamps are judged against it.</summary>
    public static readonly TimeProvider Clock = new FixedClock(DateTimeOffset.FromUnixTimeMilliseconds((long)GenesisTimeMs + 60_000));

    public static readonly ChainStore Store = ChainStore.OpenInMemory(Genesis);
    public static readonly ChainHead Head = new(ChainTip.Load(Store, Suite));
    public static readonly TransactionValidator Transactions = new(ChainId, Suite, Genesis.Parameters);
    public static readonly TransactionValidator Sm2Transactions = new(ChainId, CryptoSuite.Sm2Sm3, Genesis.Parameters);
    public static readonly EpochVerifier Certificates = new(ChainId, Suite, Genesis.ToValidatorSet(), ChainEpochs.First, Genesis.ComputeHash(), 0);

    /// <summary>A mempool of its own for one input, over the shared read-only store.</summary>
    public static TransactionPool NewPool() =>
        new(Transactions, Genesis.Parameters, Store, Store, Store.ContainsTransactions, 1_000, 16 << 20);

    /// <summary>The node's block validator with fresh mempool and pending blocks; the parent's results are never known.</summary>
    public static BlockValidator NewBlockValidator(TransactionPool pool, PendingBlocks pending) =>
        new(Genesis, pool, Transactions, Store, pending, NoResults.Instance, Clock, Schedule);

    /// <summary>The validator schedule over the shared store (genesis has no consortium: one epoch).</summary>
    public static readonly ValidatorSchedule Schedule = new(Genesis, Store);

    /// <summary>An execution pipeline that is never started: the peer router hands it accepted proposals, nothing runs them.</summary>
    public static ExecutionPipeline NewIdlePipeline(TransactionPool pool, PendingBlocks pending) =>
        new(Store, Head, new BlockExecutor(Genesis.Parameters, Suite), pending, pool, new ChainFeed(), Metrics, Suite, Clock,
            NullLogger<ExecutionPipeline>.Instance);

    private static readonly NodeMetrics Metrics = new();

    public static byte[] Transfer(KeyFile from, ulong nonce, ulong value = 10, ulong gasLimit = 21_000, ulong expiresAt = 1_000) =>
        TransactionSigner.Sign(TransactionSigner.Transfer(ChainId, nonce, Carol, new UInt256(value), gasLimit, expiresAt), from);

    /// <summary>A proposal payload on genesis, as a leader would build it (optionally with a wrong field).</summary>
    public static (BlockHeader Header, byte[][] Transactions) ProposalOnGenesis(IReadOnlyList<byte[]> transactions, ulong round = 1,
        Func<BlockHeader, BlockHeader>? tamper = null)
    {
        var ids = transactions.Select(t => Suite.Hash(t)).ToList();
        var setHash = ByteString.CopyFrom(Genesis.ToValidatorSet().Hash(Suite).ToArray());
        var tip = Head.Tip;
        var header = new BlockHeader
        {
            ChainId = ChainId,
            Epoch = ChainEpochs.First,
            Height = 1,
            Round = round,
            ParentHash = ByteString.CopyFrom(tip.Hash.ToArray()),
            Proposer = ByteString.CopyFrom(ValidatorKeys[1].Address.ToArray()),
            TimestampMs = GenesisTimeMs + 1_000,
            TxRoot = ByteString.CopyFrom(BinaryMerkleTree.ComputeRoot(Suite, ids).ToArray()),
            StateRootOfParent = ByteString.CopyFrom(tip.StateRoot.ToArray()),
            ReceiptsRootOfParent = ByteString.CopyFrom(tip.ReceiptsRoot.ToArray()),
            ValidatorSetHash = setHash,
            NextValidatorSetHash = setHash,
            ParentQc = Certificates.GenesisQc,
        };
        return (tamper?.Invoke(header) ?? header, [.. transactions]);
    }

    /// <summary>A quorum certificate over <paramref name="blockHash"/> signed by the first <paramref name="signers"/> validators.</summary>
    public static QuorumCertificate Certificate(ulong round, ulong height, Hash32 blockHash, int signers = 3)
    {
        var qc = new QuorumCertificate { Epoch = ChainEpochs.First, Round = round, Height = height, BlockHash = ByteString.CopyFrom(blockHash.ToArray()) };
        for (var i = 0; i < signers; i++)
        {
            qc.Signatures.Add(new ValidatorSignature
            {
                ValidatorIndex = (uint)i,
                Signature = ByteString.CopyFrom(Certificates.SignVote(ValidatorKeys[i].ExportPrivateKey(), round, height, blockHash)),
            });
        }
        return qc;
    }

    private static KeyFile Key(CryptoSuite suite, string name) =>
        KeyFile.FromPrivateKey(suite, SHA256.HashData(Encoding.UTF8.GetBytes("shanghaichain-fuzz/" + name)));

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private sealed class NoResults : IExecutedResults
    {
        public static readonly NoResults Instance = new();

        public bool TryGetResults(Hash32 blockHash, out Hash32 stateRoot, out Hash32 receiptsRoot)
        {
            stateRoot = default;
            receiptsRoot = default;
            return false;
        }
    }
}
