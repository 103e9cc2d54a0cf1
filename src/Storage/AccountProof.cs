using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Storage;

/// <summary>
/// A proof of one account under the state root after <paramref name="Height"/>: the trie nodes, and the leaf they
/// prove (rlp([nonce, balance, storage_root, code_hash]), null for an absent account) with its decoded account.
/// </summary>
public sealed record AccountProof(ulong Height, Hash32 StateRoot, byte[][] Nodes, byte[]? Leaf, AccountState Account);
