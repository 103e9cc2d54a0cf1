using System.Text.Json;
using Google.Protobuf;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Transactions;
using ShanghaiChain.Tests;
using ShanghaiChain.V1;
using ShanghaiChain.Vm.Abi;

namespace ShanghaiChain.Client.Tests;

/// <summary>One ed25519-sha256 node process shared by the tests of a class (they run one after another).</summary>
public sealed class NodeFixture : IAsyncLifetime
{
    internal LocalNode Node { get; private set; } = null!;

    public async Task InitializeAsync() => Node = await LocalNode.StartAsync(CryptoSuite.Ed25519Sha256Name);

    public async Task DisposeAsync() => await Node.DisposeAsync();
}

/// <summary>
/// The client library against a real node over real gRPC: what an application relies on when it connects, sends
/// transactions from one account in a row, reads state with proofs, works with a contract through its ABI, and
/// follows blocks and events. The example application of docs/api.md runs here too.
/// </summary>
public sealed class ClientLibraryTests(NodeFixture fixture) : IClassFixture<NodeFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private LocalNode Node => fixture.Node;

    [Fact]
    public async Task Connecting_names_the_chain_and_its_suite_and_a_wrong_address_fails_clearly()
    {
        using var client = await ShanghaiChainClient.ConnectAsync(Node.Url);
        Assert.Equal(("client-test", CryptoSuite.Ed25519Sha256Name), (client.ChainId, client.Suite.Name));
        Assert.NotEqual(default, client.GenesisHash);

        var notAUrl = await Assert.ThrowsAsync<ArgumentException>(() => ShanghaiChainClient.ConnectAsync("127.0.0.1:26657"));
        Assert.Contains("is not a node API address", notAUrl.Message, StringComparison.Ordinal);
        // Nothing listens on port 1: the node's absence is a typed error, not a hang or a raw transport exception.
        var nobody = await Assert.ThrowsAsync<ShanghaiChainException>(() => ShanghaiChainClient.ConnectAsync("http://127.0.0.1:1"));
        Assert.Equal("UNAVAILABLE", nobody.Reason);
    }

    [Fact]
    public async Task Sends_in_a_row_get_consecutive_nonces_and_all_commit()
    {
        using var client = await ShanghaiChainClient.ConnectAsync(Node.Url);
        var sender = client.Account(KeyFile.Load(Node.OperatorKeyFile));
        var recipient = KeyFile.Generate(client.Suite).Address;
        var before = await client.GetAccountAsync(sender.Address);

        // Ten sends without waiting: each takes the next nonce locally, so none waits for the one before to commit.
        var ids = new List<Hash32>();
        for (var i = 0; i < 10; i++)
        {
            ids.Add(await sender.SendAsync(recipient, new UInt256(7), ReadOnlyMemory<byte>.Empty));
        }
        var nonces = new List<ulong>();
        foreach (var id in ids)
        {
            var receipt = await client.WaitForReceiptAsync(id, Patience);
            Assert.Equal(ReceiptStatus.Success, receipt.Status);
            nonces.Add(await NonceOfAsync(client, id));
        }
        Assert.Equal(Enumerable.Range(0, 10).Select(i => before.Nonce + (ulong)i), nonces);
        Assert.Equal(new UInt256(70), (await client.GetAccountAsync(recipient)).Balance);
    }

    [Fact]
    public async Task A_nonce_taken_elsewhere_is_read_again_and_a_refused_send_does_not_use_one()
    {
        using var client = await ShanghaiChainClient.ConnectAsync(Node.Url);
        var key = KeyFile.Load(Node.OperatorKeyFile);
        var sender = client.Account(key);
        var recipient = KeyFile.Generate(client.Suite).Address;
        var first = await sender.TransferAsync(recipient, new UInt256(1));
        Assert.Equal(ReceiptStatus.Success, first.Status);
        var next = (await client.GetAccountAsync(key.Address)).Nonce;

        // Another program signs with the same key and takes the nonce this account would use next.
        var status = await client.GetStatusAsync();
        var elsewhere = TransactionSigner.Transfer(client.ChainId, next, recipient, new UInt256(2), status.IntrinsicGas, status.HeadHeight + 100);
        var elsewhereId = await client.SubmitAsync(TransactionSigner.Sign(elsewhere, key));
        // The node calls the stale nonce NONCE_TOO_LOW; the account reads the nonce again and sends with the next one.
        var second = await sender.TransferAsync(recipient, new UInt256(3));
        Assert.Equal(ReceiptStatus.Success, second.Status);
        Assert.Equal(next + 1, await NonceOfAsync(client, new Hash32(second.TxId.Span)));
        Assert.Equal(ReceiptStatus.Success, (await client.WaitForReceiptAsync(elsewhereId, Patience)).Status);

        // More than the balance: refused at admission with the node's reason, and its nonce is not used up.
        var balance = (await client.GetAccountAsync(key.Address)).Balance;
        var refused = await Assert.ThrowsAsync<TransactionRejectedException>(() =>
            sender.SendAsync(recipient, UInt256.MaxValue, ReadOnlyMemory<byte>.Empty));
        Assert.Equal("INSUFFICIENT_BALANCE", refused.Reason);
        var third = await sender.TransferAsync(recipient, new UInt256(4));
        Assert.Equal(next + 2, await NonceOfAsync(client, new Hash32(third.TxId.Span)));
        Assert.True(balance > UInt256.Zero);
        Assert.Equal(new UInt256(10), (await client.GetAccountAsync(recipient)).Balance);
    }

    [Fact]
    public async Task Proven_reads_match_the_state_and_a_tampered_proof_is_refused()
    {
        using var client = await ShanghaiChainClient.ConnectAsync(Node.Url);
        var key = KeyFile.Load(Node.OperatorKeyFile);
        var plain = await client.GetAccountAsync(key.Address);
        var proven = await client.GetVerifiedAccountAsync(key.Address, plain.Height);
        Assert.True(proven.Exists);
        Assert.Equal((plain.Nonce, plain.Balance, plain.Height), (proven.Nonce, proven.Balance, proven.Height));
        var stranger = KeyFile.Generate(client.Suite).Address;
        var absent = await client.GetVerifiedAccountAsync(stranger);
        Assert.Equal((false, UInt256.Zero), (absent.Exists, absent.Balance));

        // The values come from the verified leaf: a node that lies in the convenience fields changes nothing...
        var response = await client.Chain.GetProofAsync(new GetProofRequest { Address = key.Address.ToByteString(), Height = plain.Height });
        var lying = response.Clone();
        lying.Nonce = 999_999;
        lying.Balance = ByteString.CopyFrom(UInt256.MaxValue.ToBigEndian());
        Assert.Equal(plain.Balance, StateProofs.Verify(client.Suite, key.Address, [], lying).Balance);
        // ...and one that changes a proof node is caught.
        var tampered = response.Clone();
        var leaf = tampered.AccountProof[^1].ToByteArray();
        leaf[^1] ^= 1;
        tampered.AccountProof[^1] = ByteString.CopyFrom(leaf);
        Assert.Throws<ProofException>(() => StateProofs.Verify(client.Suite, key.Address, [], tampered));
        var otherRoot = response.Clone();
        otherRoot.StateRoot = ByteString.CopyFrom(new byte[32]);
        Assert.Throws<ProofException>(() => StateProofs.Verify(client.Suite, key.Address, [], otherRoot));
    }

    [Fact]
    public async Task An_erc20_is_deployed_called_sent_to_and_its_reverts_named_through_its_abi()
    {
        using var client = await ShanghaiChainClient.ConnectAsync(Node.Url);
        var owner = client.Account(KeyFile.Load(Node.OperatorKeyFile));
        var (code, abi) = BenchToken();
        var token = await owner.DeployAsync(code, abi, [1_000_000]);
        var bob = KeyFile.Generate(client.Suite).Address;

        Assert.Equal("1000000", (await token.CallAsync("balanceOf", [owner.Address])).Outputs[0]!.GetValue<string>());
        var receipt = await token.SendAsync(owner, "transfer", [bob, 250]);
        var transfer = Assert.Single(token.DecodeEvents(receipt));
        Assert.Equal(("Transfer", "250", bob.ToString()), (transfer.Name, transfer.Arguments["value"]!.GetValue<string>(), transfer.Arguments["to"]!.GetValue<string>()));
        Assert.Equal("250", (await token.CallAsync("balanceOf", [bob])).Outputs[0]!.GetValue<string>());

        // A send that would revert is not sent: the custom error is named with its arguments from the ABI.
        var nonceBefore = (await client.GetAccountAsync(owner.Address)).PendingNonce;
        var revert = await Assert.ThrowsAsync<ExecutionRevertedException>(() => token.SendAsync(owner, "transfer", [bob, 2_000_000]));
        Assert.Contains($"ERC20InsufficientBalance[\"{owner.Address}\",\"999750\",\"2000000\"]", revert.Message, StringComparison.Ordinal);
        Assert.Equal(nonceBefore, (await client.GetAccountAsync(owner.Address)).PendingNonce);
        // Arguments that do not fit the function are refused before anything reaches the node.
        Assert.Throws<AbiException>(() => token.Encode("transfer", bob));
        Assert.Throws<ArgumentException>(() => token.Encode("transfer", bob, new object()));
    }

    [Fact]
    public async Task The_example_application_of_the_docs_pays_proves_and_follows_blocks()
    {
        var recipient = KeyFile.Generate(CryptoSuite.Ed25519Sha256).Address.ToString();
        var (exitCode, output) = await LocalNode.RunAsync(LocalNode.Dll("docs/examples/ClientExample/bin", "ClientExample.dll"),
            Node.Url, Node.OperatorKeyFile, recipient, "12345");
        Assert.True(exitCode == 0, output);
        Assert.Contains("connected to chain client-test (ed25519-sha256)", output, StringComparison.Ordinal);
        Assert.Matches(@"transfer Success in block \d+", output);
        Assert.Matches($@"balance of {recipient}: 12345 \(proven at height \d+ against state root [0-9a-f]{{64}}\)", output);
        Assert.Equal(3, output.Split('\n').Count(l => l.StartsWith("block ", StringComparison.Ordinal)));

        var (usage, text) = await LocalNode.RunAsync(LocalNode.Dll("docs/examples/ClientExample/bin", "ClientExample.dll"), Node.Url);
        Assert.Equal(2, usage);
        Assert.Contains("usage: ClientExample", text, StringComparison.Ordinal);
    }

    internal static (byte[] Code, ContractAbi Abi) BenchToken()
    {
        using var artifact = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "contracts", "build", "BenchToken.json")));
        return (Convert.FromHexString(artifact.RootElement.GetProperty("bytecode").GetString()!),
            ContractAbi.Parse(artifact.RootElement.GetProperty("abi").GetRawText()));
    }

    private static async Task<ulong> NonceOfAsync(ShanghaiChainClient client, Hash32 id)
    {
        var tx = await client.GetTransactionAsync(id) ?? throw new InvalidOperationException($"transaction {id} is not committed");
        return TransactionBody.Parser.ParseFrom(SignedTransaction.Parser.ParseFrom(tx.Transaction).Body).Nonce;
    }
}
