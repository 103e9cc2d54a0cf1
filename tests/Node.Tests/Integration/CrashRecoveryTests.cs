using System.Collections.Concurrent;
using Google.Protobuf;
using Grpc.Core;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Trie;
using ShanghaiChain.Storage;
using ShanghaiChain.V1;
using Xunit.Abstractions;

namespace ShanghaiChain.Node.Tests.Integration;

/// <summary>
/// Kills the node with SIGKILL while it commits under load, several times, and checks that every transaction
/// whose receipt a client was given survives each restart and that the chain goes on. After each kill the data dir
/// is reopened directly and its state checked against the root recorded for the head. The kill moments are drawn
/// from a seed (SHC_SEED replays one), printed on failure.
/// </summary>
public sealed class CrashRecoveryTests(ITestOutputHelper output)
{
    private static readonly Address Sink = Address.Parse("0x00000000000000000000000000000000000000e5");

    [Fact]
    public async Task Every_confirmed_transaction_survives_SIGKILL_during_commits_and_the_chain_continues()
    {
        var seed = ShanghaiChain.Tests.TestSeed.Or(Environment.TickCount);
        var random = new Random(seed);
        output.WriteLine(ShanghaiChain.Tests.TestSeed.Describe(seed));
        using var chain = new TestChain(CryptoSuite.Ed25519Sha256, fundedAccounts: 8, emptyBlockIntervalMs: 100);
        var confirmed = new ConcurrentDictionary<ByteString, ulong>();
        ulong lastHeight = 0;

        for (var cycle = 0; cycle < 3; cycle++)
        {
            await using var node = await chain.StartAsync();
            using var client = new ApiClient(node.Url);

            // Everything confirmed before the previous kill is still there, in the same block.
            foreach (var (txId, height) in confirmed)
            {
                var receipt = (await client.Chain.GetReceiptAsync(new GetReceiptRequest { TxId = txId })).Receipt;
                Assert.True(receipt.BlockHeight == height, $"seed {seed}: receipt moved from {height} to {receipt.BlockHeight}");
            }
            var status = await client.Chain.GetStatusAsync(new GetStatusRequest());
            Assert.True(status.HeadHeight >= lastHeight, $"seed {seed}: head went back from {lastHeight} to {status.HeadHeight}");

            using var stop = new CancellationTokenSource();
            var collector = CollectReceiptsAsync(client, status.HeadHeight + 1, confirmed, stop.Token);
            var load = SubmitLoadAsync(client, chain, stop.Token);

            // Let commits happen under load, then kill at a seeded moment.
            var target = confirmed.Count + 200;
            using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
            {
                while (confirmed.Count < target)
                {
                    await Task.Delay(NodeBinary.PollInterval, wait.Token);
                }
            }
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(0, 300)));
            await node.KillAsync();
            await stop.CancelAsync();
            await Task.WhenAll(Swallow(collector), Swallow(load));
            lastHeight = confirmed.Values.DefaultIfEmpty(0UL).Max();
            var head = AssertStateMatchesRecordedRoot(chain, seed);
            Assert.True(head >= lastHeight, $"seed {seed}: the reopened store's head {head} is below the confirmed block {lastHeight}");
            output.WriteLine($"cycle {cycle}: killed with {confirmed.Count} confirmed transactions, highest confirmed block {lastHeight}, " +
                $"reopened head {head} with a consistent state");
        }

        await using var final = await chain.StartAsync();
        using var finalClient = new ApiClient(final.Url);
        foreach (var (txId, height) in confirmed)
        {
            Assert.Equal(height, (await finalClient.Chain.GetReceiptAsync(new GetReceiptRequest { TxId = txId })).Receipt.BlockHeight);
        }
        // The chain continues: a new transfer commits after all the crashes.
        var key = chain.Accounts[0];
        var tx = await finalClient.SignTransferAsync(key, Sink, 1, await finalClient.NonceOfAsync(key.Address));
        var id = (await finalClient.Chain.SubmitTransactionAsync(new SubmitTransactionRequest { Transaction = ByteString.CopyFrom(tx) })).TxId;
        var last = await finalClient.Chain.WaitForReceiptAsync(new WaitForReceiptRequest { TxId = id, TimeoutMs = 20_000 });
        Assert.Equal(ReceiptStatus.Success, last.Receipt.Status);
        Assert.True(last.Receipt.BlockHeight > lastHeight);
    }

    /// <summary>
    /// Reopens the killed node's store as the node would, with the full state check: the trie is opened against the
    /// root recorded for the head and every node is loaded and checked against its hash, every flat account is
    /// compared with its trie leaf and both sides hold as many accounts. On top of that, explicitly: the root the
    /// reopened trie hashes to is the recorded one, the head block's header commits to the root recorded for its
    /// parent, and each known account's flat value is what a proof against the recorded root proves.
    /// </summary>
    private static ulong AssertStateMatchesRecordedRoot(TestChain chain, int seed)
    {
        var genesis = GenesisFile.Load(chain.Home.GenesisFile);
        using var store = ChainStore.Open(chain.Home.ChainDbDir, genesis, StateCheck.Full);
        var head = store.HeadHeight;
        var recorded = store.GetStateRoot(head);
        Assert.True(recorded is not null, $"seed {seed}: no state root recorded for head {head}");
        Assert.True(store.StateRoot == recorded, $"seed {seed}: the reopened trie has root {store.StateRoot}, head {head} recorded {recorded}");
        if (head > 0)
        {
            var header = BlockHeader.Parser.ParseFrom(store.GetCommittedBlock(head)!.Block.Header);
            Assert.True(new Hash32(header.StateRootOfParent.Span) == store.GetStateRoot(head - 1),
                $"seed {seed}: head {head} carries parent state root {Hex.Encode(header.StateRootOfParent.Span)}, the store recorded {store.GetStateRoot(head - 1)}");
        }
        foreach (var address in chain.Accounts.Select(a => a.Address).Append(Sink))
        {
            var proof = store.GetAccountProof(address);
            var result = TrieProof.Verify<Sha256Hasher>(recorded!.Value, address.ToArray(), proof.Nodes, TrieKeyMode.Secure, out var leaf);
            Assert.True(result != TrieProofResult.Invalid, $"seed {seed}: the proof of {address} does not verify against the recorded root");
            Assert.True(proof.Account == store.GetAccount(address), $"seed {seed}: {address} is {store.GetAccount(address)} in the flat state, {proof.Account} in the trie");
            Assert.True((result == TrieProofResult.Present) == !store.GetAccount(address).IsEmpty && leaf.SequenceEqual(proof.Leaf ?? []),
                $"seed {seed}: the proven leaf of {address} differs from the trie's");
        }
        return head;
    }

    /// <summary>Records every receipt the node streams: these are the transactions a client was told are committed.</summary>
    private static async Task CollectReceiptsAsync(ApiClient client, ulong from, ConcurrentDictionary<ByteString, ulong> confirmed, CancellationToken cancel)
    {
        using var stream = client.Chain.SubscribeBlocks(new SubscribeBlocksRequest { FromHeight = from, IncludeReceipts = true }, cancellationToken: cancel);
        while (await stream.ResponseStream.MoveNext(cancel))
        {
            foreach (var receipt in stream.ResponseStream.Current.Receipts)
            {
                confirmed[receipt.TxId] = receipt.BlockHeight;
            }
        }
    }

    /// <summary>Each funded account sends batches of transfers with consecutive nonces until stopped.</summary>
    private static async Task SubmitLoadAsync(ApiClient client, TestChain chain, CancellationToken cancel)
    {
        var nonces = new Dictionary<Address, ulong>();
        foreach (var key in chain.Accounts)
        {
            nonces[key.Address] = await client.NonceOfAsync(key.Address);
        }
        while (!cancel.IsCancellationRequested)
        {
            var request = new SubmitTransactionsRequest();
            foreach (var key in chain.Accounts)
            {
                for (var i = 0; i < 10; i++)
                {
                    request.Transactions.Add(ByteString.CopyFrom(await client.SignTransferAsync(key, Sink, 1, nonces[key.Address]++)));
                }
            }
            var response = await client.Chain.SubmitTransactionsAsync(request, cancellationToken: cancel);
            if (response.Results.Any(r => r.Reason == "MEMPOOL_FULL"))
            {
                return;
            }
        }
    }

    private static async Task Swallow(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception ex) when (ex is RpcException or OperationCanceledException or IOException)
        {
            // The node was killed under the client: expected.
        }
    }
}
