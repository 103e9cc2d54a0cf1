namespace ShanghaiChain.Storage;

/// <summary>The data dir cannot be used: corrupt, from another chain, or from an unknown schema. Never reset silently.</summary>
public sealed class StoreException(string message, Exception? inner = null) : Exception(message, inner);
