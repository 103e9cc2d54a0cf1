using System.Text.Json;
using System.Text.Json.Serialization;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Core.Genesis;

/// <summary>A validator named in genesis: its consensus public key (hex, suite encoding) and voting power.</summary>
public sealed record GenesisValidator
{
    public string Name { get; init; } = "";
    public string PublicKey { get; init; } = "";
    public ulong Power { get; init; } = 1;

    /// <summary>The consortium member that runs it (optional).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Member { get; init; }
}

/// <summary>A node admitted to the peer network at genesis: its identity public key (hex, suite encoding).</summary>
public sealed record GenesisNode
{
    public string Name { get; init; } = "";
    public string PublicKey { get; init; } = "";

    /// <summary>The consortium member that runs it (optional).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Member { get; init; }
}

/// <summary>An account funded at genesis.</summary>
public sealed record GenesisAccount
{
    public string Address { get; init; } = "";
    /// <summary>Decimal string (balances can exceed 64 bits).</summary>
    public string Balance { get; init; } = "0";
}

/// <summary>
/// The genesis document (config/genesis.json): chain id, crypto suite, parameters, validators and funded
/// accounts. Its hash identifies the chain: a data dir records it and refuses to open for another genesis.
/// </summary>
public sealed record GenesisFile
{
    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        NumberHandling = JsonNumberHandling.Strict,
    };

    public string ChainId { get; init; } = "";
    public string CryptoSuite { get; init; } = Crypto.CryptoSuite.Ed25519Sha256Name;
    public ulong GenesisTimeMs { get; init; }
    public ChainParameters Parameters { get; init; } = new();
    public IReadOnlyList<GenesisValidator> Validators { get; init; } = [];
    public IReadOnlyList<GenesisAccount> Accounts { get; init; } = [];

    /// <summary>Node identity keys admitted to the peer network (the on-chain node registry extends this later).</summary>
    public IReadOnlyList<GenesisNode> Nodes { get; init; } = [];

    /// <summary>Who governs the chain (docs/governance.md); left out of the JSON when there is none.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public GenesisConsortium? Consortium { get; init; }

    [JsonIgnore]
    public CryptoSuite Suite => Crypto.CryptoSuite.FromName(CryptoSuite);

    /// <summary>
    /// Suite hash of the canonical encoding (<see cref="GenesisEncoding"/>): the chain's identity and block 1's parent
    /// hash. Independent of the JSON's layout (whitespace, key case of hex, leading zeros of amounts).
    /// </summary>
    public Hash32 ComputeHash() => Suite.Hash(GenesisEncoding.Encode(this));

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>The first epoch's validator set, in genesis order (certificate indices refer to it).</summary>
    public Consensus.ValidatorSet ToValidatorSet() =>
        new(Validators.Select(v =>
        {
            var key = Hex.Decode(v.PublicKey);
            return new Consensus.Validator(key, Suite.AddressOf(key), v.Power);
        }));

    /// <summary>Parses and validates; every problem is reported in one <see cref="GenesisException"/>.</summary>
    public static GenesisFile Parse(string json)
    {
        GenesisFile? genesis;
        try
        {
            genesis = JsonSerializer.Deserialize<GenesisFile>(json, JsonOptions);
        }
        catch (JsonException ex)
        {
            throw new GenesisException($"genesis is not valid JSON of the expected shape: {ex.Message}");
        }
        if (genesis is null)
        {
            throw new GenesisException("genesis is empty");
        }
        var problems = genesis.Validate().ToList();
        if (problems.Count > 0)
        {
            throw new GenesisException("invalid genesis: " + string.Join("; ", problems));
        }
        return genesis;
    }

    public static GenesisFile Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new GenesisException($"genesis file not found: {path}");
        }
        return Parse(File.ReadAllText(path));
    }

    /// <summary>Writes through a temporary file and a rename, so a crash never leaves half a genesis.</summary>
    public void Save(string path)
    {
        var temp = path + ".tmp";
        File.WriteAllText(temp, ToJson() + "\n");
        File.Move(temp, path, overwrite: true);
    }

    public IEnumerable<string> Validate()
    {
        if (!IsValidChainId(ChainId)) yield return "chain_id must be 1-64 characters of [a-z0-9-_.]";
        if (!Crypto.CryptoSuite.TryFromName(CryptoSuite, out var suite))
        {
            yield return $"crypto_suite must be one of {string.Join(", ", Crypto.CryptoSuite.Names)}";
            yield break;
        }
        foreach (var problem in Parameters.Problems) yield return problem;
        if (Validators.Count == 0) yield return "at least one validator is required";
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var v in Validators)
        {
            if (!Hex.TryDecode(v.PublicKey, out var key) || !suite.IsValidPublicKey(key))
            {
                yield return $"validator '{v.Name}' has a public key that is not a valid {suite.Name} key";
            }
            else if (!keys.Add(Hex.Encode(key)))
            {
                yield return $"validator '{v.Name}' repeats another validator's key";
            }
            if (v.Power == 0) yield return $"validator '{v.Name}' has zero power";
        }
        // ValidatorSet sums the powers in checked arithmetic: a sum past 2^64 - 1 must be refused here, not crash the
        // node later with an OverflowException (found by tools/fuzz, target genesis).
        if (!Validators.Aggregate((ulong?)0, (sum, v) => sum is { } s && s <= ulong.MaxValue - v.Power ? s + v.Power : null).HasValue)
        {
            yield return "the validators' total power exceeds 18446744073709551615";
        }
        var nodeKeys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var n in Nodes)
        {
            if (!Hex.TryDecode(n.PublicKey, out var key) || !suite.IsValidPublicKey(key))
            {
                yield return $"node '{n.Name}' has a public key that is not a valid {suite.Name} key";
            }
            else if (!nodeKeys.Add(Hex.Encode(key)))
            {
                yield return $"node '{n.Name}' repeats another node's key";
            }
        }
        foreach (var problem in ConsortiumProblems(suite)) yield return problem;
        var addresses = new HashSet<Address>();
        var supply = UInt256.Zero;
        var supplyOverflows = false;
        foreach (var a in Accounts)
        {
            if (!Address.TryParse(a.Address, out var address)) yield return $"account '{a.Address}' is not a 20-byte hex address";
            else if (!addresses.Add(address)) yield return $"account {a.Address} is listed twice";
            if (!UInt256.TryParse(a.Balance, out var balance)) yield return $"account {a.Address} balance '{a.Balance}' is not a 256-bit decimal integer";
            else supplyOverflows |= !UInt256.TryAdd(supply, balance, out supply);
        }
        // Execution relies on no balance ever overflowing, which holds while the total supply fits in 256 bits.
        if (supplyOverflows) yield return "the genesis balances add up to more than 2^256 - 1";
    }

    private IEnumerable<string> ConsortiumProblems(CryptoSuite suite)
    {
        var stated = Validators.Select(v => ("validator", v.Name, v.Member)).Concat(Nodes.Select(n => ("node", n.Name, n.Member)))
            .Where(x => x.Member is not null).ToList();
        if (Consortium is null)
        {
            foreach (var (kind, name, _) in stated) yield return $"{kind} '{name}' names a member, but genesis has no consortium";
            yield break;
        }
        foreach (var problem in Consortium.Problems(suite)) yield return problem;
        // A governed chain changes validators at epoch ends: the epoch must outlast how far execution trails consensus.
        if (Parameters.EpochLength < 10) yield return "epoch_length must be at least 10 on a chain with a consortium";
        foreach (var (kind, name, member) in stated)
        {
            if (!Consortium.Names(member!)) yield return $"{kind} '{name}' names member '{member}', which the consortium does not list";
        }
    }

    public static bool IsValidChainId(string? chainId) =>
        !string.IsNullOrEmpty(chainId) && chainId.Length <= 64 &&
        chainId.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_' or '.');
}

/// <summary>The genesis document is missing or invalid.</summary>
public sealed class GenesisException(string message) : Exception(message);

