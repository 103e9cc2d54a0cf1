namespace ShanghaiChain.Storage;

/// <summary>The column families of the node's one RocksDB database.</summary>
internal static class ColumnFamilyNames
{
    public const string Metadata = "metadata";
    public const string Blocks = "blocks";
    public const string Certificates = "certificates";
    public const string BlockHashes = "block_hashes";
    public const string TxIndex = "tx_index";
    public const string Receipts = "receipts";
    public const string Accounts = "accounts";
    public const string TrieNodes = "trie_nodes";
    public const string StateRoots = "state_roots";
    public const string TrieHistory = "trie_history";
    public const string Storage = "storage";
    public const string Code = "code";
    public const string StateJournal = "state_journal";
    public const string StateUndo = "state_undo";

    public static readonly string[] All = [Metadata, Blocks, Certificates, BlockHashes, TxIndex, Receipts, Accounts, TrieNodes, StateRoots, TrieHistory, Storage, Code, StateJournal, StateUndo];
}
