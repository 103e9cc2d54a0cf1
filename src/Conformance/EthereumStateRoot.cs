using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Rlp;
using ShanghaiChain.Core.Trie;
using ShanghaiChain.Vm.Evm;
using ShanghaiChain.Vm.Evm.State;

namespace ShanghaiChain.Conformance;

/// <summary>
/// Ethereum's state root and logs hash over an in-memory world state, as the public state tests expect them:
/// secure Keccak-256 tries of rlp([nonce, balance, storage_root, code_hash]) and of rlp(slot value) per account,
/// built with the node's own RLP and trie (conformance mode).
/// </summary>
public static class EthereumStateRoot
{
    public static Hash32 Compute(InMemoryWorldState state)
    {
        var accounts = new List<KeyValuePair<byte[], byte[]>>();
        foreach (var (address, account) in state.Accounts)
        {
            var storage = account.Storage
                .Where(kv => !kv.Value.IsZero)
                .Select(kv => new KeyValuePair<byte[], byte[]>(kv.Key.ToBigEndian(), EncodeUInt256(kv.Value)));
            var storageRoot = MerklePatriciaTrie<Keccak256Hasher>.RootOf(storage, TrieKeyMode.Secure).ToArray();
            var fields = new[] { RlpCodec.EncodeUInt64(account.Nonce), EncodeUInt256(account.Balance), RlpCodec.EncodeString(storageRoot),
                RlpCodec.EncodeString(account.CodeHash.ToArray()) };
            accounts.Add(new(address.ToArray(), List(fields)));
        }
        return MerklePatriciaTrie<Keccak256Hasher>.RootOf(accounts, TrieKeyMode.Secure);
    }

    /// <summary>Keccak-256 of rlp([[address, [topics...], data], ...]).</summary>
    public static Hash32 LogsHash(IEnumerable<LogEntry> logs)
    {
        var encoded = List([.. logs.Select(log => List(
            RlpCodec.EncodeString(log.Address.ToArray()),
            RlpCodec.EncodeList([.. log.Topics.Select(t => t.ToArray())]),
            RlpCodec.EncodeString(log.Data)))]);
        Span<byte> hash = stackalloc byte[Hash32.Size];
        Keccak256Hasher.Hash(encoded, hash);
        return new Hash32(hash);
    }

    /// <summary>A list of items that are already RLP-encoded.</summary>
    private static byte[] List(params byte[][] encodedItems)
    {
        var payload = encodedItems.Sum(i => i.Length);
        var result = new byte[RlpCodec.LengthOfList(payload)];
        var writer = new RlpWriter(result);
        writer.WriteListHeader(payload);
        foreach (var item in encodedItems)
        {
            writer.WriteEncoded(item);
        }
        return result;
    }

    private static byte[] EncodeUInt256(in UInt256 value)
    {
        var encoded = new byte[RlpCodec.LengthOfUInt256(value)];
        var writer = new RlpWriter(encoded);
        writer.WriteUInt256(value);
        return encoded;
    }
}
