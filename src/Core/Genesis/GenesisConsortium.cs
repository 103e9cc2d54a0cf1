using System.Text.Json.Serialization;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Core.Genesis;

/// <summary>
/// Who governs the chain, as genesis founds it (docs/governance.md): the member organisations with their admin keys,
/// the committee that votes and its weights, the share of weight each kind of decision needs, how long a proposal
/// stays open, who may send transactions, and the roles granted to accounts.
/// </summary>
public sealed record GenesisConsortium
{
    public IReadOnlyList<GenesisMember> Members { get; init; } = [];

    public IReadOnlyList<CommitteeSeat> Committee { get; init; } = [];

    public GovernanceThresholds Thresholds { get; init; } = new();

    /// <summary>Blocks a proposal stays open for votes; past it, it can no longer pass or be executed.</summary>
    public ulong ProposalLifetimeBlocks { get; init; } = 100_000;

    /// <summary><see cref="OpenPolicy"/>: any account may send transactions; <see cref="MembersPolicy"/>: accounts with the member role or a member's admin key only.</summary>
    public string TransactionPolicy { get; init; } = OpenPolicy;

    public IReadOnlyList<RoleGrant> Roles { get; init; } = [];

    public const string OpenPolicy = "open";
    public const string MembersPolicy = "members";

    /// <summary>Roles an account can be granted; validators are named by the validator set, not by a role.</summary>
    public static readonly IReadOnlyList<string> RoleNames = ["admin", "member", "deployer", "regulator"];

    /// <summary>The default of `init` and `testnet`: one member whose admin key also administers and deploys.</summary>
    public static GenesisConsortium SingleOperator(string memberName, KeyFile operatorKey) => new()
    {
        Members = [new GenesisMember { Name = memberName, AdminKeys = [Hex.Encode(operatorKey.PublicKey)] }],
        Committee = [new CommitteeSeat { Member = memberName, Weight = 1 }],
        Roles =
        [
            new RoleGrant { Role = "admin", Account = operatorKey.Address.ToString() },
            new RoleGrant { Role = "deployer", Account = operatorKey.Address.ToString() },
        ],
    };

    /// <summary>Every problem, for <see cref="GenesisFile.Validate"/>.</summary>
    public IEnumerable<string> Problems(CryptoSuite suite)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var adminKeys = new HashSet<string>(StringComparer.Ordinal);
        if (Members.Count == 0) yield return "consortium: at least one member is required";
        foreach (var m in Members)
        {
            if (!GenesisFile.IsValidChainId(m.Name)) yield return $"consortium: member name '{m.Name}' must be 1-64 characters of [a-z0-9-_.]";
            else if (!names.Add(m.Name)) yield return $"consortium: member '{m.Name}' is listed twice";
            if (m.AdminKeys.Count == 0) yield return $"consortium: member '{m.Name}' has no admin key";
            foreach (var hex in m.AdminKeys)
            {
                if (!Hex.TryDecode(hex, out var key) || !suite.IsValidPublicKey(key)) yield return $"consortium: member '{m.Name}' has an admin key that is not a valid {suite.Name} key";
                else if (!adminKeys.Add(Hex.Encode(key))) yield return $"consortium: member '{m.Name}' repeats an admin key already listed";
            }
        }
        if (Committee.Count == 0) yield return "consortium: the committee needs at least one seat";
        var seated = new HashSet<string>(StringComparer.Ordinal);
        ulong totalWeight = 0;
        foreach (var seat in Committee)
        {
            if (!names.Contains(seat.Member)) yield return $"consortium: committee seat names '{seat.Member}', which is not a member";
            else if (!seated.Add(seat.Member)) yield return $"consortium: member '{seat.Member}' has two committee seats";
            if (seat.Weight == 0) yield return $"consortium: committee seat of '{seat.Member}' has zero weight";
            else if (seat.Weight > uint.MaxValue) yield return $"consortium: committee seat of '{seat.Member}' weighs more than {uint.MaxValue}";
            else totalWeight += seat.Weight;
        }
        foreach (var problem in Thresholds.Problems) yield return problem;
        if (ProposalLifetimeBlocks == 0) yield return "consortium: proposal_lifetime_blocks must be at least 1";
        if (TransactionPolicy is not (OpenPolicy or MembersPolicy)) yield return $"consortium: transaction_policy must be '{OpenPolicy}' or '{MembersPolicy}'";
        var grants = new HashSet<(string, Address)>();
        foreach (var grant in Roles)
        {
            if (!RoleNames.Contains(grant.Role)) yield return $"consortium: role '{grant.Role}' is not one of {string.Join(", ", RoleNames)} (validators are named in validators)";
            if (!Address.TryParse(grant.Account, out var account)) yield return $"consortium: role '{grant.Role}' is granted to '{grant.Account}', which is not a 20-byte hex address";
            else if (!grants.Add((grant.Role, account))) yield return $"consortium: role '{grant.Role}' is granted to {grant.Account} twice";
        }
    }

    /// <summary>Whether a validator's or node's member field names a member (empty: not stated).</summary>
    internal bool Names(string member) => member.Length == 0 || Members.Any(m => m.Name == member);
}

/// <summary>A member organisation: its name and the public keys of the accounts that act for it.</summary>
public sealed record GenesisMember
{
    public string Name { get; init; } = "";
    public IReadOnlyList<string> AdminKeys { get; init; } = [];
}

/// <summary>A member's seat on the committee and the weight of its vote.</summary>
public sealed record CommitteeSeat
{
    public string Member { get; init; } = "";
    public ulong Weight { get; init; } = 1;
}

/// <summary>A role granted to an account at genesis.</summary>
public sealed record RoleGrant
{
    public string Role { get; init; } = "";
    public string Account { get; init; } = "";
}

/// <summary>
/// The share of the committee's weight each kind of decision needs, written "numerator/denominator" (a decision passes
/// when the weight voting yes is at least that share of the total).
/// </summary>
public sealed record GovernanceThresholds
{
    /// <summary>Adding or removing validators.</summary>
    public string Validators { get; init; } = "2/3";

    /// <summary>A validator change that replaces a third or more of the voting power at once (must be at least <see cref="Validators"/>).</summary>
    public string ValidatorsForced { get; init; } = "3/4";

    /// <summary>Admitting or revoking nodes.</summary>
    public string Nodes { get; init; } = "1/2";

    /// <summary>Granting or revoking roles.</summary>
    public string Roles { get; init; } = "1/2";

    /// <summary>Changing chain parameters.</summary>
    public string Parameters { get; init; } = "2/3";

    /// <summary>Changing the committee itself.</summary>
    public string Committee { get; init; } = "2/3";

    /// <summary>Recovering or replacing a cross-chain light client.</summary>
    public string ClientRecovery { get; init; } = "2/3";

    [JsonIgnore]
    public IEnumerable<(string Name, string Value)> All =>
    [
        ("validators", Validators), ("validators_forced", ValidatorsForced), ("nodes", Nodes), ("roles", Roles),
        ("parameters", Parameters), ("committee", Committee), ("client_recovery", ClientRecovery),
    ];

    [JsonIgnore]
    public IEnumerable<string> Problems
    {
        get
        {
            foreach (var (name, value) in All)
            {
                if (!Fraction.TryParse(value, out _)) yield return $"consortium: threshold {name} '{value}' must be a fraction n/d with 0 < n <= d";
            }
            if (Fraction.TryParse(Validators, out var normal) && Fraction.TryParse(ValidatorsForced, out var forced) && forced.CompareTo(normal) < 0)
            {
                yield return "consortium: threshold validators_forced must be at least validators";
            }
        }
    }
}

/// <summary>A share n/d with 0 &lt; n ≤ d, kept reduced (so "4/6" and "2/3" are one value).</summary>
public readonly record struct Fraction(uint Numerator, uint Denominator) : IComparable<Fraction>
{
    public static bool TryParse(string? text, out Fraction fraction)
    {
        fraction = default;
        var slash = text?.IndexOf('/') ?? -1;
        if (slash <= 0 || !uint.TryParse(text![..slash], System.Globalization.NumberStyles.None, null, out var n) ||
            !uint.TryParse(text[(slash + 1)..], System.Globalization.NumberStyles.None, null, out var d) || n == 0 || n > d)
        {
            return false;
        }
        var gcd = Gcd(n, d);
        fraction = new Fraction(n / gcd, d / gcd);
        return true;
    }

    public int CompareTo(Fraction other) => ((ulong)Numerator * other.Denominator).CompareTo((ulong)other.Numerator * Denominator);

    public override string ToString() => $"{Numerator}/{Denominator}";

    private static uint Gcd(uint a, uint b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }
        return a;
    }
}
