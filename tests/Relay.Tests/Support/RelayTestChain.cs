using Google.Protobuf;
using ShanghaiChain.Core.Blocks;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Merkle;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Transactions;
using ShanghaiChain.Governance;
using ShanghaiChain.Relay.Contract;
using ShanghaiChain.Storage;
using ShanghaiChain.V1;
using ShanghaiChain.Vm.Abi;
using ShanghaiChain.Vm.Evm.SystemContracts;
using ShanghaiChain.Vm.Execution;

namespace ShanghaiChain.Relay.Tests.Support;

/// <summary>
/// One chain of a relay test, built as the node builds it: a genesis with a consortium (the operator is the admin key of
/// its one member, which holds the only committee seat), the governance and cross-chain contracts registered, a real RocksDB store in a temp dir and the real block
/// executor. Each <see cref="Commit"/> executes one block and commits it with headers the chain's four validators sign
/// as consensus does (consecutive rounds, each header carrying its parent's QC), so a light client elsewhere can follow it.
/// </summary>
internal sealed class RelayTestChain : IDisposable
{
    public const ulong StartMs = 1_750_000_000_000;

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "shc-relay-" + Guid.NewGuid().ToString("N"));
    private readonly List<(ByteString Bytes, Hash32 Hash, QuorumCertificate Qc)> _headers = [];
    private readonly TransactionValidator _transactions;

    public RelayTestChain(string chainId, CryptoSuite suite)
    {
        ChainId = chainId;
        Suite = suite;
        Operator = KeyFile.Generate(suite);
        Relayer = KeyFile.Generate(suite);
        Committee = Committee.Generate(suite, chainId, epoch: 1);
        Genesis = new GenesisFile
        {
            ChainId = chainId,
            CryptoSuite = suite.Name,
            Parameters = new ChainParameters(),
            Validators = [.. Committee.Keys.Select((v, i) => new GenesisValidator { Name = $"v{i}", PublicKey = Hex.Encode(v.PublicKey), Member = "city" })],
            Accounts = [.. new[] { Operator, Relayer }.Select(k => new GenesisAccount { Address = k.Address.ToString(), Balance = "1000000000000" })],
            Consortium = new GenesisConsortium
            {
                Members = [new GenesisMember { Name = "city", AdminKeys = [Hex.Encode(Operator.PublicKey)] }],
                Committee = [new CommitteeSeat { Member = "city", Weight = 1 }],
                Roles = [new RoleGrant { Role = "admin", Account = Operator.Address.ToString() }, new RoleGrant { Role = "deployer", Account = Operator.Address.ToString() }],
            },
        };
        Assert.Empty(Genesis.Validate());
        var contracts = SystemContractRegistry.CreateStandard();
        contracts.Register(GovernanceLayout.Address, new GovernanceContract(suite, Genesis.Parameters));
        contracts.Register(CrossChainLayout.Address, new CrossChainContract(suite, chainId, GovernanceLayout.Address));
        Store = ChainStore.Open(_directory, Genesis, genesisCode: SystemContractGenesis.CodeOf(contracts), genesisStorage: GovernanceGenesis.Storage(Genesis));
        Executor = new BlockExecutor(Genesis.Parameters, suite, contracts, new GovernancePermissions());
        _transactions = new TransactionValidator(chainId, suite, Genesis.Parameters);
    }

    public string ChainId { get; }
    public CryptoSuite Suite { get; }
    public KeyFile Operator { get; }
    public KeyFile Relayer { get; }
    public Committee Committee { get; }
    public GenesisFile Genesis { get; }
    public ChainStore Store { get; }
    public BlockExecutor Executor { get; }
    public ulong Height => Store.HeadHeight;

    public static ulong TimeMs(ulong height) => StartMs + height * 1000;

    /// <summary>The time contracts see in the next block, in seconds.</summary>
    public ulong NextBlockSeconds => TimeMs(Height + 1) / 1000;

    public Receipt Send(KeyFile from, Address? to, byte[] data, ulong gas = 8_000_000, UInt256 value = default) => Commit([Sign(from, to, data, gas, value)])[0];

    /// <summary>Sends and requires success, with the receipt's reason in the failure message.</summary>
    public Receipt Succeed(KeyFile from, Address? to, byte[] data)
    {
        var receipt = Send(from, to, data);
        Assert.True(receipt.Status == ReceiptStatus.Success, $"{receipt.Error}: {receipt.ErrorMessage}");
        return receipt;
    }

    /// <summary>
    /// The operator proposes to the governance contract; its member holds the only seat, so the proposal passes and
    /// executes in the same transaction. Returns the receipt, which must carry <paramref name="expected"/> (an event of
    /// the executed action) when given.
    /// </summary>
    public Receipt Decide(byte[] proposal, Hash32? expected = null)
    {
        var receipt = Succeed(Operator, GovernanceLayout.Address, proposal);
        if (expected is { } topic)
        {
            Assert.True(receipt.Logs.Any(l => topic.Matches(l.Topics[0].Span)),
                "the proposal did not execute: " + string.Join("; ", receipt.Logs.Select(l => Convert.ToHexString(l.Data.Span))));
        }
        return receipt;
    }

    public Address Deploy(byte[] code) => new(Succeed(Operator, null, code).ContractAddress.Span);

    public void AdvanceBy(int blocks)
    {
        for (var i = 0; i < blocks; i++)
        {
            Commit([]);
        }
    }

    public IReadOnlyList<Receipt> Commit(IReadOnlyList<VerifiedTransaction> transactions)
    {
        var height = Height + 1;
        var header = new BlockHeader
        {
            ChainId = ChainId,
            Height = height,
            Round = height,
            ParentHash = Store.HeadHash.ToByteString(),
            Proposer = ByteString.CopyFrom(Committee.Set[0].Address.ToArray()),
            TimestampMs = TimeMs(height),
            TxRoot = ByteString.CopyFrom(BinaryMerkleTree.ComputeRoot(Suite, transactions.Select(t => t.Id).ToList()).ToArray()),
            StateRootOfParent = Store.StateRoot.ToByteString(),
            ReceiptsRootOfParent = ByteString.CopyFrom(new byte[32]),
            ValidatorSetHash = Committee.Hash.ToByteString(),
            NextValidatorSetHash = Committee.Hash.ToByteString(),
            ParentQc = _headers.Count == 0 ? null : _headers[^1].Qc,
            Epoch = 1,
        };
        var block = new SealedBlock(header, transactions.Select(t => t.Encoded), Suite);
        var qc = Committee.Certify(height, header.Round, block.Hash);
        _headers.Add((block.Block.Header, block.Hash, qc));
        var result = Executor.Execute(Store, Executor.ContextFor(height, block.Hash, header.TimestampMs, Address.Zero), transactions);
        Store.Commit(block, qc, result.Receipts, result.StateDiff, result.Contracts);
        return result.Receipts;
    }

    /// <summary>The committed header at <paramref name="height"/> with its commit proof: the next committed header and its QC.</summary>
    public LightClientUpdate Update(ulong height)
    {
        Assert.True(height < Height, $"header {height} is committed by its child: commit past it first");
        var child = _headers[(int)height];
        return new LightClientUpdate
        {
            Header = new CertifiedHeader
            {
                Header = _headers[(int)height - 1].Bytes,
                Commit = new CommitProof { Descendants = { child.Bytes }, Certificate = child.Qc },
            },
        };
    }

    /// <summary>
    /// A second header at <paramref name="height"/> (another timestamp) with a commit proof signed by this chain's own
    /// validators: what a Byzantine quorum would produce to fork the chain.
    /// </summary>
    public LightClientUpdate ConflictingUpdate(ulong height)
    {
        var header = BlockHeader.Parser.ParseFrom(_headers[(int)height - 1].Bytes);
        header.TimestampMs += 1;
        var bytes = header.ToByteString();
        var hash = Suite.Hash(bytes.Span);
        var child = BlockHeader.Parser.ParseFrom(_headers[(int)height].Bytes);
        child.ParentHash = hash.ToByteString();
        child.ParentQc = Committee.Certify(height, header.Round, hash);
        var childBytes = child.ToByteString();
        return new LightClientUpdate
        {
            Header = new CertifiedHeader
            {
                Header = bytes,
                Commit = new CommitProof { Descendants = { childBytes }, Certificate = Committee.Certify(child.Height, child.Round, Suite.Hash(childBytes.Span)) },
            },
        };
    }

    public LightClientCreate CreateClientOfThis(ulong height, ulong trustingPeriodSeconds = 86_400) => new()
    {
        ChainId = ChainId,
        CryptoSuite = Suite.Name,
        TrustingPeriodSeconds = trustingPeriodSeconds,
        TrustedHeader = _headers[(int)height - 1].Bytes,
        Validators = Committee.Relay,
    };

    /// <summary>A proof of cross-chain contract slots at the head: header head + 1 will carry this state root.</summary>
    public RelaySlotProof ProveSlot(UInt256 slot)
    {
        var proof = Store.GetAccountProof(CrossChainLayout.Address, [slot]);
        var relay = new RelaySlotProof();
        relay.AccountProof.AddRange(proof.Nodes.Select(ByteString.CopyFrom));
        relay.StorageProof.AddRange(proof.Storage[0].Nodes.Select(ByteString.CopyFrom));
        return relay;
    }

    /// <summary>A read-only call at the head (view functions).</summary>
    public byte[] View(Address to, byte[] data)
    {
        var calls = new ReadOnlyCalls(Executor);
        var outcome = calls.CallAsync(Store, Executor.ContextFor(Height + 1, Hash32.Zero, TimeMs(Height + 1), Address.Zero),
            new CallArgs(Operator.Address, to, data, UInt256.Zero, 5_000_000, UInt256.Zero)).GetAwaiter().GetResult();
        Assert.True(outcome.Success, outcome.ErrorMessage);
        return outcome.Output;
    }

    public ulong ViewUInt(Address to, string signature) => UInt256.ReadBigEndian(View(to, Call(signature, new AbiTuple()))).U0;

    public static byte[] Call(string signature, AbiTuple arguments)
    {
        var selector = AbiSignature.Selector(signature);
        return [(byte)(selector >> 24), (byte)(selector >> 16), (byte)(selector >> 8), (byte)selector, .. arguments.Encode()];
    }

    private VerifiedTransaction Sign(KeyFile from, Address? to, byte[] data, ulong gas, UInt256 value)
    {
        var body = new TransactionBody
        {
            ChainId = ChainId,
            Nonce = Store.GetAccount(from.Address).Nonce,
            GasLimit = gas,
            To = to is { } t ? t.ToByteString() : ByteString.Empty,
            Data = ByteString.CopyFrom(data),
            Value = value.IsZero ? ByteString.Empty : ByteString.CopyFrom(value.ToBigEndian()),
            ExpiresAtHeight = Height + 100,
        };
        var validation = _transactions.Validate(TransactionSigner.Sign(body, from));
        Assert.True(validation.Transaction is not null, validation.Message);
        return validation.Transaction!;
    }

    public void Dispose()
    {
        Store.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp dir is not worth failing a test over.
        }
    }
}
