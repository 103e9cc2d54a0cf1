using Google.Protobuf;
using ShanghaiChain.Core.Blocks;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Merkle;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Transactions;
using ShanghaiChain.Storage;
using ShanghaiChain.V1;
using ShanghaiChain.Vm.Evm.SystemContracts;
using ShanghaiChain.Vm.Execution;

namespace ShanghaiChain.Governance.Tests;

/// <summary>
/// A consortium chain in memory, built as the node builds it (the governance contract registered, its genesis storage
/// seeded, the roles rule given to the executor): three members, city (weight 2), port and bank (weight 1 each), four
/// validators, and an outsider account. Each <see cref="Send"/> executes and commits one block.
/// </summary>
internal sealed class GovernanceChain : IDisposable
{
    public const string ChainId = "gov-test";

    public CryptoSuite Suite { get; }
    public KeyFile City { get; }
    public KeyFile Port { get; }
    public KeyFile Bank { get; }
    public KeyFile Outsider { get; }
    public KeyFile[] Validators { get; }
    public GenesisFile Genesis { get; }
    public ChainStore Store { get; }
    public BlockExecutor Executor { get; }
    public TransactionValidator Transactions { get; }

    private ulong _round;

    public GovernanceChain(CryptoSuite? suite = null, string policy = GenesisConsortium.OpenPolicy, ulong lifetime = 100, ulong epochLength = 10)
    {
        Suite = suite ?? CryptoSuite.Ed25519Sha256;
        City = KeyFile.Generate(Suite);
        Port = KeyFile.Generate(Suite);
        Bank = KeyFile.Generate(Suite);
        Outsider = KeyFile.Generate(Suite);
        Validators = [.. Enumerable.Range(0, 4).Select(_ => KeyFile.Generate(Suite))];
        Genesis = new GenesisFile
        {
            ChainId = ChainId,
            CryptoSuite = Suite.Name,
            Parameters = new ChainParameters { EpochLength = epochLength },
            Validators = [.. Validators.Select((v, i) => new GenesisValidator { Name = $"v{i}", PublicKey = Hex.Encode(v.PublicKey), Member = "city" })],
            Accounts = [.. new[] { City, Port, Bank, Outsider }.Select(k => new GenesisAccount { Address = k.Address.ToString(), Balance = "1000000000000" })],
            Consortium = new GenesisConsortium
            {
                Members =
                [
                    new GenesisMember { Name = "city", AdminKeys = [Hex.Encode(City.PublicKey)] },
                    new GenesisMember { Name = "port", AdminKeys = [Hex.Encode(Port.PublicKey)] },
                    new GenesisMember { Name = "bank", AdminKeys = [Hex.Encode(Bank.PublicKey)] },
                ],
                Committee =
                [
                    new CommitteeSeat { Member = "city", Weight = 2 },
                    new CommitteeSeat { Member = "port", Weight = 1 },
                    new CommitteeSeat { Member = "bank", Weight = 1 },
                ],
                ProposalLifetimeBlocks = lifetime,
                TransactionPolicy = policy,
                Roles = [new RoleGrant { Role = "admin", Account = City.Address.ToString() }, new RoleGrant { Role = "deployer", Account = City.Address.ToString() }],
            },
        };
        Assert.Empty(Genesis.Validate());
        var contracts = SystemContractRegistry.CreateStandard();
        contracts.Register(GovernanceLayout.Address, new GovernanceContract(Suite, Genesis.Parameters));
        Store = ChainStore.OpenInMemory(Genesis, genesisCode: SystemContractGenesis.CodeOf(contracts), genesisStorage: GovernanceGenesis.Storage(Genesis));
        Permissions = new GovernancePermissions();
        Schedule = new Chain.Blocks.ValidatorSchedule(Genesis, Store);
        // Wired as the node wires it (NodeHost): GASLIMIT is the limit of the block's epoch.
        Executor = new BlockExecutor(Genesis.Parameters, Suite, contracts, Permissions)
        {
            EvidenceHandler = new GovernanceEvidenceRecorder(Suite),
            BlockGasLimitAt = height => Schedule.ParametersAt(height).BlockGasLimit,
        };
        Transactions = new TransactionValidator(ChainId, Suite, Genesis.Parameters);
    }

    public GovernancePermissions Permissions { get; }

    /// <summary>Epochs and their parameters, from the record at the head (as block validity and the builder read them).</summary>
    public Chain.Blocks.ValidatorSchedule Schedule { get; }

    public ulong Height => Store.HeadHeight;

    public GovernanceRegistry Registry => GovernanceReader.Registry(Store)!;

    public GovernanceProposal? Proposal(ulong id) => GovernanceReader.Proposal(Store, id, Height);

    /// <summary>Signs a transaction from <paramref name="from"/> (nonce from committed state).</summary>
    public VerifiedTransaction Sign(KeyFile from, Address? to, byte[] data, ulong gas = 5_000_000)
    {
        var body = new TransactionBody
        {
            ChainId = ChainId,
            Nonce = Store.GetAccount(from.Address).Nonce,
            GasLimit = gas,
            To = to is { } t ? t.ToByteString() : ByteString.Empty,
            Data = ByteString.CopyFrom(data),
            ExpiresAtHeight = Height + 100,
        };
        var validation = Transactions.Validate(TransactionSigner.Sign(body, from));
        Assert.True(validation.Transaction is not null, validation.Message);
        return validation.Transaction!;
    }

    /// <summary>Executes one transaction as the next block, commits it and returns its receipt.</summary>
    public Receipt Send(KeyFile from, Address? to, byte[] data, ulong gas = 5_000_000) => Commit([Sign(from, to, data, gas)])[0];

    public Receipt Governance(KeyFile from, byte[] call) => Send(from, GovernanceLayout.Address, call);

    /// <summary>Commits empty blocks until the head is <paramref name="height"/>.</summary>
    public void AdvanceTo(ulong height)
    {
        while (Height < height)
        {
            Commit([]);
        }
    }

    public IReadOnlyList<Receipt> Commit(IReadOnlyList<VerifiedTransaction> transactions, IReadOnlyList<EquivocationEvidence>? evidence = null)
    {
        var block = new SealedBlock(new BlockHeader
        {
            ChainId = ChainId,
            Height = Store.HeadHeight + 1,
            Round = ++_round,
            ParentHash = ByteString.CopyFrom(Store.HeadHash.ToArray()),
            TxRoot = ByteString.CopyFrom(BinaryMerkleTree.ComputeRoot(Suite, transactions.Select(t => t.Id).ToList()).ToArray()),
        }, transactions.Select(t => t.Encoded), Suite);
        var result = Executor.Execute(Store, Executor.ContextFor(block.Height, block.Hash, 0, Address.Zero), transactions, evidence);
        Store.Commit(block, new QuorumCertificate { Height = block.Height }, result.Receipts, result.StateDiff, result.Contracts);
        return result.Receipts;
    }

    /// <summary>The proposal id a successful propose call returned.</summary>
    public static ulong IdOf(Receipt receipt)
    {
        Assert.True(receipt.Status == ReceiptStatus.Success, $"{receipt.Error}: {receipt.ErrorMessage}");
        return UInt256.ReadBigEndian(receipt.Output.Span[..32]).U0;
    }

    public void Dispose() => Store.Dispose();
}
