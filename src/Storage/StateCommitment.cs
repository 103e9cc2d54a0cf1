using RocksDbSharp;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Rlp;
using ShanghaiChain.Core.Trie;

namespace ShanghaiChain.Storage;

/// <summary>
/// The authenticated commitment to account state: a secure Merkle Patricia Trie keyed by suite_hash(address)
/// whose leaves are rlp([nonce, balance, storage_root, code_hash]) (docs/state.md). Reads never go through
/// it (they use the flat accounts family); it exists to compute the state root and proofs.
/// </summary>
internal interface IStateCommitment
{
    /// <summary>Root after the last applied diff.</summary>
    Hash32 Root { get; }

    /// <summary>Applies a block's account diff, adds the changed trie nodes to <paramref name="batch"/> and returns the new root.</summary>
    Hash32 Apply(IReadOnlyList<KeyValuePair<Address, AccountState>> diff, WriteBatch batch);

    /// <summary>The trie nodes proving an account's presence or absence at the current root.</summary>
    byte[][] GetProof(Address address);

    /// <summary>Reads an account back through the trie (for consistency checks), or null when absent.</summary>
    AccountState? ReadThroughTrie(Address address);

    /// <summary>The account's encoded leaf in the trie, or null when absent.</summary>
    byte[]? GetLeaf(Address address);

    /// <summary>Number of accounts in the trie (walks the whole trie: for full consistency checks only).</summary>
    long CountAccounts();
}

internal static class StateCommitment
{
    public static IStateCommitment Open(CryptoSuite suite, RocksDb db, ColumnFamilyHandle family, Hash32? expectedRoot) =>
        suite.Name == CryptoSuite.Sm2Sm3Name
            ? new StateCommitment<Sm3Hasher>(db, family, expectedRoot)
            : new StateCommitment<Sha256Hasher>(db, family, expectedRoot);
}

internal sealed class StateCommitment<THasher> : IStateCommitment where THasher : struct, IHasher
{
    /// <summary>Key prefix of the account trie's nodes in the trie family; storage tries get their own later.</summary>
    private const byte AccountTriePrefix = 0x00;

    // Committed nodes deeper than this stay on disk only, so memory does not grow with the number of accounts.
    private const int CachedLevels = 4;

    private static readonly byte[] EmptyCodeHash = HashOfEmpty();

    private readonly MerklePatriciaTrie<THasher> _trie;
    private readonly NodeStore _store;

    public StateCommitment(RocksDb db, ColumnFamilyHandle family, Hash32? expectedRoot)
    {
        _store = new NodeStore(db, family);
        try
        {
            _trie = expectedRoot is { } root
                ? new MerklePatriciaTrie<THasher>(_store, TrieKeyMode.Secure, root)
                : new MerklePatriciaTrie<THasher>(_store, TrieKeyMode.Secure);
        }
        catch (TrieException ex)
        {
            throw new StoreException($"the state trie does not match the recorded state root: {ex.Message}", ex);
        }
        Root = _trie.ComputeRoot();
    }

    public Hash32 Root { get; private set; }

    public Hash32 Apply(IReadOnlyList<KeyValuePair<Address, AccountState>> diff, WriteBatch batch)
    {
        Span<byte> key = stackalloc byte[Address.Size];
        Span<byte> value = stackalloc byte[128];
        foreach (var (address, account) in diff)
        {
            address.WriteTo(key);
            if (account.IsEmpty)
            {
                _trie.Delete(key);
            }
            else
            {
                _trie.Set(key, Encode(account, value));
            }
        }
        Root = _trie.Commit(new Batch(batch, _store.Family));
        _trie.ReleaseCache(CachedLevels);
        return Root;
    }

    public byte[][] GetProof(Address address) => _trie.GetProof(address.ToArray());

    public long CountAccounts()
    {
        var count = _trie.ToList().Count;
        _trie.ReleaseCache(CachedLevels);
        return count;
    }

    public byte[]? GetLeaf(Address address) => _trie.TryGet(address.ToArray(), out var encoded) ? encoded.ToArray() : null;

    public AccountState? ReadThroughTrie(Address address)
    {
        if (!_trie.TryGet(address.ToArray(), out var encoded))
        {
            return null;
        }
        return Decode(encoded);
    }

    /// <summary>rlp([nonce, balance, storage_root, code_hash]); an account without code has the hash of empty code.</summary>
    internal static ReadOnlySpan<byte> Encode(AccountState account, Span<byte> buffer)
    {
        var storageRoot = MerklePatriciaTrie<THasher>.EmptyRoot.ToArray();
        var codeHash = account.CodeHash.IsZero ? EmptyCodeHash : account.CodeHash.ToArray();
        var payload = RlpCodec.LengthOfUInt64(account.Nonce) + RlpCodec.LengthOfUInt256(account.Balance) +
            RlpCodec.LengthOfString(storageRoot) + RlpCodec.LengthOfString(codeHash);
        var writer = new RlpWriter(buffer);
        writer.WriteListHeader(payload);
        writer.WriteUInt64(account.Nonce);
        writer.WriteUInt256(account.Balance);
        writer.WriteString(storageRoot);
        writer.WriteString(codeHash);
        return buffer[..writer.Position];
    }

    private static AccountState Decode(ReadOnlySpan<byte> encoded)
    {
        var reader = new RlpReader(encoded);
        if (!reader.TryReadList(out var fields) || !fields.TryReadUInt64(out var nonce) || !fields.TryReadUInt256(out var balance) ||
            !fields.TryReadString(out _) || !fields.TryReadString(out var codeHash) || codeHash.Length != Hash32.Size)
        {
            throw new StoreException("an account leaf in the state trie does not decode");
        }
        var code = new Hash32(codeHash);
        return new AccountState(nonce, balance, code == new Hash32(EmptyCodeHash) ? Hash32.Zero : code);
    }

    private static byte[] HashOfEmpty()
    {
        var hash = new byte[Hash32.Size];
        THasher.Hash([], hash);
        return hash;
    }

    private static byte[] Key(ReadOnlySpan<byte> nibblePath)
    {
        var key = new byte[nibblePath.Length + 1];
        key[0] = AccountTriePrefix;
        nibblePath.CopyTo(key.AsSpan(1));
        return key;
    }

    private sealed class NodeStore(RocksDb db, ColumnFamilyHandle family) : ITrieNodeStore
    {
        public ColumnFamilyHandle Family => family;

        public bool TryLoad(ReadOnlySpan<byte> nibblePath, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out byte[]? encodedNode)
        {
            encodedNode = db.Get(Key(nibblePath), family);
            return encodedNode is not null;
        }
    }

    private sealed class Batch(WriteBatch batch, ColumnFamilyHandle family) : ITrieNodeWriteBatch
    {
        public void Put(ReadOnlySpan<byte> nibblePath, byte[] encodedNode) => batch.Put(Key(nibblePath), encodedNode, family);

        public void Delete(ReadOnlySpan<byte> nibblePath) => batch.Delete(Key(nibblePath), family);
    }
}
