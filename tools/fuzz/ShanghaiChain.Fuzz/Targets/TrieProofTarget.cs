using System.Buffers.Binary;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Rlp;
using ShanghaiChain.Core.Trie;

namespace ShanghaiChain.Fuzz.Targets;

/// <summary>
/// Merkle Patricia proofs as a client or a light client receives them, through the verifiers that promise never to throw
/// (TrieProof.Verify, StateProofVerifier). Input: [flags][key length][key][u16 length][node]..., where flags bit 0 picks the
/// secure (hashed-key) mode and bit 1 verifies a storage slot behind an account instead (the key's first 20 bytes are the
/// address, the next 32 the slot, big-endian; an empty node separates the account proof from the storage
/// proof). The root is the hash of the first node, so every input gets past the root check. Refusal is
/// TrieProofResult.Invalid.
/// </summary>
internal sealed class TrieProofTarget : FuzzTarget
{
    public override string Name => "trie-proof";

    public override string Description => "flags, key, proof nodes -> TrieProof.Verify, StateProofVerifier.VerifySlot";

    public override void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length < 2)
        {
            return;
        }
        var flags = input[0];
        var keyLength = Math.Min(input[1], input.Length - 2);
        var key = input.Slice(2, keyLength);
        var nodes = new List<byte[]>();
        var rest = input[(2 + keyLength)..];
        while (rest.Length >= 2)
        {
            var length = Math.Min(BinaryPrimitives.ReadUInt16BigEndian(rest), rest.Length - 2);
            nodes.Add(rest.Slice(2, length).ToArray());
            rest = rest[(2 + length)..];
        }
        if (nodes.Count == 0)
        {
            return;
        }
        var root = Hash(nodes[0]);
        if ((flags & 2) == 0)
        {
            var mode = (flags & 1) == 0 ? TrieKeyMode.Plain : TrieKeyMode.Secure;
            var result = TrieProof.Verify<Sha256Hasher>(root, key, nodes.ToArray(), mode, out var value);
            if (result == TrieProofResult.Present && value.IsEmpty)
            {
                throw new FuzzInvariantException("a proof of presence with an empty value");
            }
            if (result == TrieProofResult.Present)
            {
                StateProofVerifier.TryReadStorageRoot(value, out _);
            }
            return;
        }
        var split = nodes.FindIndex(n => n.Length == 0);
        var accountProof = split < 0 ? nodes : nodes[..split];
        var storageProof = split < 0 ? [] : nodes[(split + 1)..];
        Span<byte> padded = stackalloc byte[Address.Size + UInt256.Size];
        key[..Math.Min(key.Length, padded.Length)].CopyTo(padded);
        var address = new Address(padded[..Address.Size]);
        var slot = UInt256.ReadBigEndian(padded[Address.Size..]);
        var slotResult = StateProofVerifier.VerifySlot<Sha256Hasher>(root, address, accountProof.ToArray(), slot, storageProof.ToArray(), out var slotValue);
        if (slotResult != TrieProofResult.Present && !slotValue.IsZero)
        {
            throw new FuzzInvariantException($"slot verification returned {slotResult} with a non-zero value");
        }
    }

    private static Hash32 Hash(byte[] data)
    {
        Span<byte> hash = stackalloc byte[Hash32.Size];
        Sha256Hasher.Hash(data, hash);
        return new Hash32(hash);
    }

    public override IEnumerable<(string Name, byte[] Data)> Seeds()
    {
        var (accounts, storage, address, slot) = SampleTries();
        var addressBytes = address.ToArray();
        var slotKey = new byte[UInt256.Size];
        slot.WriteBigEndian(slotKey);
        yield return ("account-present", Encode(1, addressBytes, accounts.GetProof(addressBytes)));
        var absent = new byte[Address.Size];
        absent[0] = 0xee;
        yield return ("account-absent", Encode(1, absent, accounts.GetProof(absent)));
        yield return ("slot-present", Encode(3, [.. addressBytes, .. slotKey], [.. accounts.GetProof(addressBytes), [], .. storage.GetProof(slotKey)]));
        var plain = new MerklePatriciaTrie<Sha256Hasher>(new InMemoryTrieNodeStore(), TrieKeyMode.Plain);
        for (byte i = 0; i < 20; i++)
        {
            plain.Set([i, (byte)(i * 7), 0x55], new byte[i + 1]);
        }
        plain.ComputeRoot();
        yield return ("plain-present", Encode(0, [3, 21, 0x55], plain.GetProof([3, 21, 0x55])));
        yield return ("plain-absent", Encode(0, [3, 22, 0x55], plain.GetProof([3, 22, 0x55])));
        yield return ("empty-trie", Encode(0, [1], [[RlpCodec.EmptyString]]));
    }

    /// <summary>Nodes of a small account trie, as RLP samples for the rlp target.</summary>
    internal static IEnumerable<(string Name, byte[] Node)> SampleNodes()
    {
        var (accounts, _, address, _) = SampleTries();
        var proof = accounts.GetProof(address.ToArray());
        for (var i = 0; i < proof.Length; i++)
        {
            yield return ($"node-{i}", proof[i]);
        }
    }

    /// <summary>Ten accounts, the first with three storage slots; its address and one of its slots.</summary>
    private static (MerklePatriciaTrie<Sha256Hasher> Accounts, MerklePatriciaTrie<Sha256Hasher> Storage, Address Address, UInt256 Slot) SampleTries()
    {
        var storage = new MerklePatriciaTrie<Sha256Hasher>(new InMemoryTrieNodeStore(), TrieKeyMode.Secure);
        var slotKey = new byte[UInt256.Size];
        for (ulong s = 1; s <= 3; s++)
        {
            new UInt256(s).WriteBigEndian(slotKey);
            storage.Set(slotKey, RlpCodec.EncodeUInt64(s * 1000));
        }
        var storageRoot = storage.ComputeRoot();
        var accounts = new MerklePatriciaTrie<Sha256Hasher>(new InMemoryTrieNodeStore(), TrieKeyMode.Secure);
        Address first = default;
        for (var i = 0; i < 10; i++)
        {
            var bytes = new byte[Address.Size];
            bytes[19] = (byte)(i + 1);
            var root = i == 0 ? storageRoot : MerklePatriciaTrie<Sha256Hasher>.EmptyRoot;
            accounts.Set(bytes, AccountLeaf((ulong)i, root));
            if (i == 0)
            {
                first = new Address(bytes);
            }
        }
        accounts.ComputeRoot();
        return (accounts, storage, first, new UInt256(2));
    }

    private static byte[] AccountLeaf(ulong nonce, Hash32 storageRoot)
    {
        var root = storageRoot.ToArray();
        var codeHash = new byte[Hash32.Size];
        var payload = RlpCodec.LengthOfUInt64(nonce) + RlpCodec.LengthOfUInt64(1_000) + RlpCodec.LengthOfString(root) + RlpCodec.LengthOfString(codeHash);
        var leaf = new byte[RlpCodec.LengthOfList(payload)];
        var writer = new RlpWriter(leaf);
        writer.WriteListHeader(payload);
        writer.WriteUInt64(nonce);
        writer.WriteUInt64(1_000);
        writer.WriteString(root);
        writer.WriteString(codeHash);
        return leaf;
    }

    private static byte[] Encode(byte flags, ReadOnlySpan<byte> key, IReadOnlyList<byte[]> nodes)
    {
        var output = new List<byte> { flags, (byte)key.Length };
        output.AddRange(key.ToArray());
        foreach (var node in nodes)
        {
            output.Add((byte)(node.Length >> 8));
            output.Add((byte)node.Length);
            output.AddRange(node);
        }
        return [.. output];
    }
}
