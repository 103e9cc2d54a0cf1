using ShanghaiChain.Fuzz.Targets;

namespace ShanghaiChain.Fuzz;

/// <summary>Every target by name.</summary>
public static class FuzzTargets
{
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new TransactionTarget(),
        new TransactionBodyTarget(),
        new BlockTarget(),
        new ConsensusMessageTarget(),
        new PeerFrameTarget(),
        new RlpTarget(),
        new TrieProofTarget(),
        new AbiTarget(),
        new GenesisTarget(),
        new NodeTomlTarget(),
    ];

    public static FuzzTarget? Find(string name) => All.FirstOrDefault(t => t.Name == name);
}
