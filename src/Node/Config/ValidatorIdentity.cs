using ShanghaiChain.Core.Keys;

namespace ShanghaiChain.Node.Config;

/// <summary>The validator key of this node (registered only on validators).</summary>
public sealed record ValidatorIdentity(KeyFile Key);
