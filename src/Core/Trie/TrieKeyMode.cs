namespace ShanghaiChain.Core.Trie;

/// <summary>How a caller's key becomes a path in the trie.</summary>
public enum TrieKeyMode
{
    /// <summary>The key bytes are the path (receipt and transaction tries, conformance vectors).</summary>
    Plain,

    /// <summary>The path is the hash of the key, which bounds depth and spreads keys evenly (account and storage tries).</summary>
    Secure,
}

/// <summary>The trie found its node store inconsistent (a missing node, a node whose hash does not match, an undecodable node).</summary>
public sealed class TrieException(string message) : Exception(message);
