using Google.Protobuf;
using Grpc.Core;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Transactions;
using ShanghaiChain.Core.Trie;
using ShanghaiChain.Node.Api;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Tests.Integration;

/// <summary>
/// The contract calls of the app API over real gRPC against a real node: reads at the head and at past heights, storage
/// proofs that verify with nothing but the state root, the event stream, and typed errors for bad requests.
/// </summary>
public sealed class ContractApiTests
{
    // With no calldata: returns slot 0. With a word: stores it in slot 0 and logs it under topic 0xaa.
    private static readonly byte[] Runtime = Convert.FromHexString("3615601357" + "5f35805f555f5260aa60205fa100" + "5b5f545f5260205ff3");

    private static byte[] Deployer(byte[] runtime) =>
        [0x60, (byte)runtime.Length, 0x80, 0x60, 0x0a, 0x5f, 0x39, 0x5f, 0xf3, 0x00, .. runtime];

    private static byte[] Word(ulong value) => new UInt256(value).ToBigEndian();

    private static async Task<Receipt> SendAsync(ApiClient client, TestChain chain, Address? to, byte[] data)
    {
        var status = await client.Chain.GetStatusAsync(new GetStatusRequest());
        var body = new TransactionBody
        {
            ChainId = status.ChainId,
            Nonce = await client.NonceOfAsync(chain.Operator.Address),
            GasLimit = 500_000,
            Data = ByteString.CopyFrom(data),
            ExpiresAtHeight = status.HeadHeight + 100,
        };
        if (to is { } address)
        {
            body.To = ByteString.CopyFrom(address.ToArray());
        }
        var submitted = await client.Chain.SubmitTransactionAsync(new SubmitTransactionRequest
        {
            Transaction = ByteString.CopyFrom(TransactionSigner.Sign(body, chain.Operator)),
        });
        var receipt = (await client.Chain.WaitForReceiptAsync(new WaitForReceiptRequest { TxId = submitted.TxId, TimeoutMs = 30_000 })).Receipt;
        Assert.True(receipt.Status == ReceiptStatus.Success, receipt.ErrorMessage);
        return receipt;
    }

    [Fact]
    public async Task Reads_calls_proofs_and_events_of_a_contract_at_the_head_and_at_past_heights()
    {
        using var chain = new TestChain(CryptoSuite.Ed25519Sha256);
        await using var node = await chain.StartAsync();
        using var client = new ApiClient(node.Url);
        var deployed = await SendAsync(client, chain, null, Deployer(Runtime));
        var contract = new Address(deployed.ContractAddress.Span);
        var first = await SendAsync(client, chain, contract, Word(5));
        var second = await SendAsync(client, chain, contract, Word(9));
        var contractBytes = ByteString.CopyFrom(contract.ToArray());
        var slot0 = ByteString.CopyFrom(new byte[32]);

        var code = await client.Chain.GetCodeAsync(new GetCodeRequest { Address = contractBytes });
        Assert.Equal(Runtime, code.Code.ToByteArray());
        Assert.Equal(CryptoSuite.Ed25519Sha256.Hash(Runtime).ToArray(), code.CodeHash.ToByteArray());

        // Storage and read-only calls at the head, and at the height of the first write.
        Assert.Equal(Word(9), (await client.Chain.GetStorageAsync(new GetStorageRequest { Address = contractBytes, Slot = slot0 })).Value.ToByteArray());
        var past = await client.Chain.GetStorageAsync(new GetStorageRequest { Address = contractBytes, Slot = slot0, Height = first.BlockHeight });
        Assert.Equal(Word(5), past.Value.ToByteArray());
        var call = await client.Chain.CallAsync(new CallRequest { To = contractBytes });
        Assert.True(call.Success, call.ErrorMessage);
        Assert.Equal(Word(9), call.Output.ToByteArray());
        var pastCall = await client.Chain.CallAsync(new CallRequest { To = contractBytes, Height = first.BlockHeight });
        Assert.Equal(Word(5), pastCall.Output.ToByteArray());
        Assert.Equal(first.BlockHeight, pastCall.Height);
        // A call that writes changes nothing: the slot still reads 9 afterwards.
        var write = await client.Chain.CallAsync(new CallRequest { To = contractBytes, Data = ByteString.CopyFrom(Word(77)) });
        Assert.True(write.Success);
        Assert.Single(write.Logs);
        Assert.Equal(Word(9), (await client.Chain.CallAsync(new CallRequest { To = contractBytes })).Output.ToByteArray());

        var estimate = await client.Chain.EstimateGasAsync(new CallRequest { To = contractBytes, Data = ByteString.CopyFrom(Word(11)) });
        Assert.InRange(estimate.GasLimit, estimate.GasUsed, estimate.GasUsed + 5_000);
        Assert.True(estimate.GasUsed > 21_000 + 2_900, $"gas used {estimate.GasUsed}");

        // The slot proven against the state root, at the head and at the first write's height.
        foreach (var (height, value) in new[] { (0UL, 9UL), (first.BlockHeight, 5UL) })
        {
            var proof = await client.Chain.GetProofAsync(new GetProofRequest { Address = contractBytes, StorageSlots = { slot0, ByteString.CopyFrom(Word(1)) }, Height = height });
            var root = new Hash32(proof.StateRoot.Span);
            var accountNodes = proof.AccountProof.Select(n => n.ToByteArray()).ToArray();
            Assert.Equal(TrieProofResult.Present, StateProofVerifier.VerifySlot<Sha256Hasher>(root, contract, accountNodes, UInt256.Zero,
                proof.StorageProofs[0].Proof.Select(n => n.ToByteArray()).ToArray(), out var proven));
            Assert.Equal(new UInt256(value), proven);
            Assert.Equal(TrieProofResult.Absent, StateProofVerifier.VerifySlot<Sha256Hasher>(root, contract, accountNodes, UInt256.One,
                proof.StorageProofs[1].Proof.Select(n => n.ToByteArray()).ToArray(), out _));
        }

        // Events: both writes from block 1 on, then resumed after the first one.
        var filter = new SubscribeEventsRequest { FromHeight = 1, Addresses = { contractBytes }, Topics = { new TopicFilter { Values = { ByteString.CopyFrom(Word(0xaa)) } } } };
        var events = await ReadEventsAsync(client, filter, 2);
        Assert.Equal([Word(5), Word(9)], events.Select(e => e.Log.Data.ToByteArray()));
        Assert.Equal(first.TxId, events[0].TxId);
        Assert.Equal(second.BlockHeight, events[1].Cursor.Height);
        var resumed = await ReadEventsAsync(client, new SubscribeEventsRequest { After = events[0].Cursor, Addresses = { contractBytes } }, 1);
        Assert.Equal(events[1].Cursor, resumed[0].Cursor);

        // Bad requests are refused with typed reasons.
        var shortSlot = await Assert.ThrowsAsync<RpcException>(async () =>
            await client.Chain.GetStorageAsync(new GetStorageRequest { Address = contractBytes, Slot = ByteString.CopyFrom(new byte[31]) }));
        Assert.Equal(StatusCode.InvalidArgument, shortSlot.StatusCode);
        var future = await Assert.ThrowsAsync<RpcException>(async () =>
            await client.Chain.CallAsync(new CallRequest { To = contractBytes, Height = 1_000_000 }));
        Assert.Equal("HEIGHT_NOT_AVAILABLE", future.Trailers.GetValue(ApiErrors.ReasonTrailer));
        var badTopic = await Assert.ThrowsAsync<RpcException>(async () =>
            await ReadEventsAsync(client, new SubscribeEventsRequest { Topics = { new TopicFilter { Values = { ByteString.CopyFrom([1, 2]) } } } }, 1));
        Assert.Equal(StatusCode.InvalidArgument, badTopic.StatusCode);
    }

    private static async Task<List<ContractEvent>> ReadEventsAsync(ApiClient client, SubscribeEventsRequest request, int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var stream = client.Chain.SubscribeEvents(request, cancellationToken: timeout.Token);
        var events = new List<ContractEvent>();
        while (events.Count < count && await stream.ResponseStream.MoveNext(timeout.Token))
        {
            events.Add(stream.ResponseStream.Current);
        }
        return events;
    }
}
