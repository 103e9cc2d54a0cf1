namespace ShanghaiChain.Storage;

/// <summary>How much of the state the store compares with the trie when it opens.</summary>
public enum StateCheck
{
    /// <summary>The first <see cref="ChainStore.SampledAccounts"/> flat accounts.</summary>
    Sampled,

    /// <summary>Every account, both ways.</summary>
    Full,
}
