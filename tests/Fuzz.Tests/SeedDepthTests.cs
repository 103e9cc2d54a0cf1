using Google.Protobuf;
using ShanghaiChain.Chain.Blocks;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Trie;
using ShanghaiChain.V1;

namespace ShanghaiChain.Fuzz.Tests;

/// <summary>
/// The valid seeds really are valid for the node: a seed corpus that every decoder refused at its first check would leave
/// the fuzzer nowhere deep to start from.
/// </summary>
public sealed class SeedDepthTests
{
    private static byte[] Seed(string target, string name) => FuzzTargets.Find(target)!.Seeds().Single(s => s.Name == name).Data;

    [Fact]
    public void Valid_transfer_seed_is_admitted_by_the_mempool()
    {
        var result = FuzzChain.NewPool().Admit([Seed("transaction", "transfer-valid")]).Single();
        Assert.True(result.Accepted, result.Message);
    }

    [Fact]
    public void Sm2_transfer_seed_passes_the_sm2_validator()
    {
        var validation = FuzzChain.Sm2Transactions.Validate(Seed("transaction", "transfer-sm2"));
        Assert.True(validation.IsValid, validation.Message);
    }

    [Fact]
    public void Valid_proposal_seed_is_accepted_and_valid_committed_block_verifies()
    {
        var validator = FuzzChain.NewBlockValidator(FuzzChain.NewPool(), new PendingBlocks());
        var proposal = Block.Parser.ParseFrom(Seed("block", "proposal-valid").AsSpan(1));
        Assert.NotNull(validator.ValidateProposal(proposal.Header, proposal.Transactions, out var reason));
        Assert.Equal("", reason);
        var committed = CommittedBlock.Parser.ParseFrom(Seed("block", "committed-valid").AsSpan(1));
        Assert.Equal(2, validator.VerifyCommitted(committed, FuzzChain.Head.Tip, "seed").Transactions.Count);
    }

    [Fact]
    public void Consensus_seed_holds_proposals_votes_and_certificates_of_three_rounds()
    {
        var messages = ConsensusRun.Messages(rounds: 3);
        Assert.Contains(messages, m => m.Message.Proposal is { Round: 3 });
        Assert.Contains(messages, m => m.Message.Vote is { Round: 3 });
    }

    [Fact]
    public void Account_and_slot_proof_seeds_prove_presence()
    {
        var input = Seed("trie-proof", "account-present");
        var key = input.AsSpan(2, input[1]);
        var nodes = Nodes(input.AsSpan(2 + input[1]));
        var root = new Hash32(CryptoSuite.Ed25519Sha256.Hash(nodes[0]).ToArray());
        Assert.Equal(TrieProofResult.Present, TrieProof.Verify<Sha256Hasher>(root, key, nodes, TrieKeyMode.Secure, out _));
    }

    [Fact]
    public void Body_seed_signed_by_the_target_is_a_valid_transaction()
    {
        var body = Seed("transaction-body", "transfer");
        var signed = new SignedTransaction
        {
            Body = ByteString.CopyFrom(body),
            PublicKey = ByteString.CopyFrom(FuzzChain.Alice.PublicKey),
            Signature = ByteString.CopyFrom(FuzzChain.Alice.Sign(SigningDomain.Transaction, body)),
        };
        var validation = FuzzChain.Transactions.Validate(signed.ToByteArray());
        Assert.True(validation.IsValid, validation.Message);
    }

    [Fact]
    public void Abi_seeds_decode_to_the_values_they_were_encoded_from()
    {
        var decoded = Vm.Abi.AbiCodec.Decode(Targets.AbiTarget.Lists[3], Seed("abi", "list-3").AsSpan(1)).ToJsonString();
        Assert.Equal("""[[{"id":"7","payload":"0xdeadbeef"},{"id":"8","payload":"0x"}]]""", decoded);
        for (var i = 0; i < Targets.AbiTarget.Lists.Length; i++)
        {
            Assert.Equal(Targets.AbiTarget.Lists[i].Length, Vm.Abi.AbiCodec.Decode(Targets.AbiTarget.Lists[i], Seed("abi", $"list-{i}").AsSpan(1)).Count);
        }
    }

    private static byte[][] Nodes(ReadOnlySpan<byte> rest)
    {
        var nodes = new List<byte[]>();
        while (rest.Length >= 2)
        {
            var length = (rest[0] << 8) | rest[1];
            nodes.Add(rest.Slice(2, length).ToArray());
            rest = rest[(2 + length)..];
        }
        return [.. nodes];
    }
}
