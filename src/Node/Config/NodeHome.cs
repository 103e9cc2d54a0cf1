namespace ShanghaiChain.Node.Config;

/// <summary>The layout of a node's home directory: config/ (node.toml, genesis.json, keys) and data/.</summary>
public sealed class NodeHome(string root)
{
    public string Root { get; } = Path.GetFullPath(root);

    public string ConfigDir => Path.Combine(Root, "config");

    public string DataDir => Path.Combine(Root, "data");

    public string ConfigFile => Path.Combine(ConfigDir, "node.toml");

    public string GenesisFile => Path.Combine(ConfigDir, "genesis.json");

    public string ValidatorKeyFile => Path.Combine(ConfigDir, "validator_key.json");

    /// <summary>The node's identity key on the peer network (separate from any validator key).</summary>
    public string NodeKeyFile => Path.Combine(ConfigDir, "node_key.json");

    /// <summary>Key of the account funded at genesis on a chain made by <c>init</c>.</summary>
    public string OperatorKeyFile => Path.Combine(ConfigDir, "operator_key.json");

    public string ChainDbDir => Path.Combine(DataDir, "chain");

    /// <summary>Where a state sync or a snapshot restore builds the store before it becomes <see cref="ChainDbDir"/>.</summary>
    public string RestoreDir => ChainDbDir + ".restore";

    /// <summary>The snapshot files the node offers its peers (docs/operations.md, "Snapshots and state sync").</summary>
    public string SnapshotsDir => Path.Combine(DataDir, "snapshots");

    /// <summary>A rollback's new store once it is whole and checked, before it replaces <see cref="ChainDbDir"/> (docs/operations.md).</summary>
    public string RollbackCompleteDir => ChainDbDir + ".rollback-complete";

    /// <summary>The regulators' audit trail on a governed chain (docs/governance.md).</summary>
    public string AuditDbDir => Path.Combine(DataDir, "audit");

    /// <summary>The validator's consensus safety record (docs/storage.md).</summary>
    public string SafetyRecordFile => Path.Combine(DataDir, "safety_record.pb");

    public bool IsInitialised => File.Exists(ConfigFile) && File.Exists(GenesisFile);

    /// <summary>The home used when none is given: $SHC_HOME, else ~/.shanghaichain.</summary>
    public static string DefaultRoot =>
        Environment.GetEnvironmentVariable("SHC_HOME") is { Length: > 0 } home
            ? home
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".shanghaichain");
}
