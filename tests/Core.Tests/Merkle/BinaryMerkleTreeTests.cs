using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Merkle;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Core.Tests.Merkle;

public sealed class BinaryMerkleTreeTests
{
    private static Hash32 H(byte b) => CryptoSuite.Ed25519Sha256.Hash([b]);

    [Fact]
    public void The_root_of_no_items_is_the_hash_of_the_empty_string()
    {
        Assert.Equal(CryptoSuite.Ed25519Sha256.Hash([]), BinaryMerkleTree.ComputeRoot(CryptoSuite.Ed25519Sha256, []));
    }

    [Fact]
    public void Two_items_hash_as_node_of_their_leaves()
    {
        var suite = CryptoSuite.Ed25519Sha256;
        var leaf = (Hash32 h) => suite.Hash([0x00, .. h.ToArray()]);
        var expected = suite.Hash([0x01, .. leaf(H(1)).ToArray(), .. leaf(H(2)).ToArray()]);
        Assert.Equal(expected, BinaryMerkleTree.ComputeRoot(suite, [H(1), H(2)]));
    }

    [Fact]
    public void Order_and_content_change_the_root_and_a_leaf_is_not_an_inner_node()
    {
        var suite = CryptoSuite.Sm2Sm3;
        var root = BinaryMerkleTree.ComputeRoot(suite, [H(1), H(2), H(3)]);
        Assert.NotEqual(root, BinaryMerkleTree.ComputeRoot(suite, [H(2), H(1), H(3)]));
        Assert.NotEqual(root, BinaryMerkleTree.ComputeRoot(suite, [H(1), H(2), H(4)]));
        Assert.NotEqual(root, BinaryMerkleTree.ComputeRoot(suite, [H(1), H(2)]));
    }
}
