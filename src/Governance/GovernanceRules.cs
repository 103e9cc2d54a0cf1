using Google.Protobuf;
using ShanghaiChain.Core.Consensus;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Governance;

/// <summary>
/// The committee's rules over a <see cref="GovernanceRegistry"/>, with no storage and no EVM: which proposals are valid,
/// which threshold each needs, and what executing one changes. Deterministic: every list it writes stays in a fixed
/// order, so every node derives the same registry bytes. Used by the contract at proposal time (to refuse a proposal
/// that could never take effect) and again at execution (the registry may have changed since).
/// </summary>
public static class GovernanceRules
{
    /// <summary>Parameters the committee may change, with their smallest allowed value (genesis.json names).</summary>
    public static readonly IReadOnlyDictionary<string, ulong> Parameters = new Dictionary<string, ulong>(StringComparer.Ordinal)
    {
        ["block_gas_limit"] = 21_000,
        ["max_block_bytes"] = 128,
        ["max_block_txs"] = 1,
        ["max_tx_bytes"] = 128,
        // Long enough that every validator has executed a change's deciding block before the epoch it schedules ends
        // (execution trails consensus by a few blocks; docs/consensus.md, "Epochs").
        ["epoch_length"] = 10,
        ["tx_max_lifetime_blocks"] = 1,
        ["empty_block_interval_ms"] = 10,
        ["members_only"] = 0,
    };

    /// <summary>The registry genesis founds: null when genesis names no consortium (no governance on that chain).</summary>
    public static GovernanceRegistry? FromGenesis(GenesisFile genesis)
    {
        if (genesis.Consortium is not { } consortium)
        {
            return null;
        }
        var registry = new GovernanceRegistry
        {
            Thresholds = new GovernanceThresholdSet
            {
                Validators = FractionOf(consortium.Thresholds.Validators),
                ValidatorsForced = FractionOf(consortium.Thresholds.ValidatorsForced),
                Nodes = FractionOf(consortium.Thresholds.Nodes),
                Roles = FractionOf(consortium.Thresholds.Roles),
                Parameters = FractionOf(consortium.Thresholds.Parameters),
                Committee = FractionOf(consortium.Thresholds.Committee),
                ClientRecovery = FractionOf(consortium.Thresholds.ClientRecovery),
            },
            ProposalLifetimeBlocks = consortium.ProposalLifetimeBlocks,
            MembersOnly = consortium.TransactionPolicy == GenesisConsortium.MembersPolicy,
            Epoch = 1,
        };
        foreach (var m in consortium.Members)
        {
            var member = new GovernanceMember { Name = m.Name };
            member.AdminKeys.AddRange(m.AdminKeys.Select(k => ByteString.CopyFrom(Hex.Decode(k))));
            registry.Members.Add(member);
        }
        registry.Committee.AddRange(consortium.Committee.Select(s => new GovernanceSeat { Member = s.Member, Weight = s.Weight }));
        registry.Roles.AddRange(consortium.Roles.Select(r => new GovernanceRoleGrant { Account = Address.Parse(r.Account).ToByteString(), Role = r.Role }));
        registry.Nodes.AddRange(genesis.Nodes.Select(n => new GovernanceNode { PublicKey = ByteString.CopyFrom(Hex.Decode(n.PublicKey)), Name = n.Name, Member = n.Member ?? "" }));
        // Validators keep genesis order: certificate indices refer to it.
        registry.Validators.AddRange(genesis.Validators.Select(v => new GovernanceValidator { PublicKey = ByteString.CopyFrom(Hex.Decode(v.PublicKey)), Power = v.Power, Member = v.Member ?? "" }));
        Normalise(registry);
        return registry;
    }

    /// <summary>The epoch length in force in the record's current epoch: the committee's value when it changed it, else genesis'.</summary>
    public static ulong EpochLength(GovernanceRegistry registry, ChainParameters genesisParameters) =>
        Overlay(genesisParameters, registry.Parameters).EpochLength;

    /// <summary>
    /// The chain parameters that govern the block at <paramref name="height"/>: genesis' with the committee's changes of
    /// that block's epoch (the scheduled epoch's once <paramref name="height"/> is past the current one's last block).
    /// </summary>
    public static ChainParameters ParametersAt(GovernanceRegistry registry, ChainParameters genesisParameters, ulong height) =>
        Overlay(genesisParameters, registry.PendingValidators is { } pending && height > pending.LastHeightOfEpoch ? pending.Parameters : registry.Parameters);

    /// <summary><paramref name="genesisParameters"/> with the committee's values (names as in genesis.json) in their place.</summary>
    public static ChainParameters Overlay(ChainParameters genesisParameters, IEnumerable<GovernanceParameter> changed)
    {
        var result = genesisParameters;
        foreach (var p in changed)
        {
            var value = UInt256.ReadBigEndian(p.Value.Span);
            var small = (int)Math.Min(value.U0, int.MaxValue);
            result = p.Name switch
            {
                "block_gas_limit" => result with { BlockGasLimit = value.U0 },
                "max_block_bytes" => result with { MaxBlockBytes = small },
                "max_block_txs" => result with { MaxBlockTxs = small },
                "max_tx_bytes" => result with { MaxTxBytes = small },
                "epoch_length" => result with { EpochLength = value.U0 },
                "tx_max_lifetime_blocks" => result with { TxMaxLifetimeBlocks = value.U0 },
                "empty_block_interval_ms" => result with { EmptyBlockIntervalMs = small },
                _ => result,
            };
        }
        return result;
    }

    /// <summary>A proposal's action in words, as the CLI and the audit trail show it.</summary>
    public static string Describe(GovernanceAction action, bool force)
    {
        static string Short(ByteString key) => Hex.Encode(key.Span)[..Math.Min(16, key.Length * 2)] + "…";
        var text = action.ActionCase switch
        {
            GovernanceAction.ActionOneofCase.AddValidator => $"add validator {Short(action.AddValidator.PublicKey)} with power {action.AddValidator.Power}",
            GovernanceAction.ActionOneofCase.RemoveValidator => $"remove validator {Short(action.RemoveValidator.PublicKey)}",
            GovernanceAction.ActionOneofCase.AdmitNode => $"admit node '{action.AdmitNode.Name}' {Short(action.AdmitNode.PublicKey)}",
            GovernanceAction.ActionOneofCase.RevokeNode => $"revoke node {Short(action.RevokeNode.PublicKey)}",
            GovernanceAction.ActionOneofCase.GrantRole => $"grant {action.GrantRole.Role} to {new Address(action.GrantRole.Account.Span)}",
            GovernanceAction.ActionOneofCase.RevokeRole => $"revoke {action.RevokeRole.Role} from {new Address(action.RevokeRole.Account.Span)}",
            GovernanceAction.ActionOneofCase.SetParameter => $"set {action.SetParameter.Name} to {UInt256.ReadBigEndian(action.SetParameter.Value.Span)}",
            GovernanceAction.ActionOneofCase.SetCommitteeSeat => $"seat {action.SetCommitteeSeat.Member} with weight {action.SetCommitteeSeat.Weight}",
            GovernanceAction.ActionOneofCase.AddMember => $"add member '{action.AddMember.Name}'",
            GovernanceAction.ActionOneofCase.CrossChainClient =>
                $"{(action.CrossChainClient.Recover ? "recover" : "create")} cross-chain client '{action.CrossChainClient.ClientId}'",
            _ => "(no action)",
        };
        return force ? text + " (forced)" : text;
    }

    /// <summary>The kind of a proposal, as events and the CLI name it.</summary>
    public static string KindOf(GovernanceAction action) => action.ActionCase switch
    {
        GovernanceAction.ActionOneofCase.AddValidator => "add_validator",
        GovernanceAction.ActionOneofCase.RemoveValidator => "remove_validator",
        GovernanceAction.ActionOneofCase.AdmitNode => "admit_node",
        GovernanceAction.ActionOneofCase.RevokeNode => "revoke_node",
        GovernanceAction.ActionOneofCase.GrantRole => "grant_role",
        GovernanceAction.ActionOneofCase.RevokeRole => "revoke_role",
        GovernanceAction.ActionOneofCase.SetParameter => "set_parameter",
        GovernanceAction.ActionOneofCase.SetCommitteeSeat => "set_committee_seat",
        GovernanceAction.ActionOneofCase.AddMember => "add_member",
        GovernanceAction.ActionOneofCase.CrossChainClient => action.CrossChainClient.Recover ? "recover_client" : "create_client",
        _ => "none",
    };

    /// <summary>The share of the committee's weight that must vote yes.</summary>
    public static GovernanceFraction ThresholdOf(GovernanceRegistry registry, GovernanceAction action, bool force)
    {
        var t = registry.Thresholds;
        return action.ActionCase switch
        {
            GovernanceAction.ActionOneofCase.AddValidator or GovernanceAction.ActionOneofCase.RemoveValidator => force ? t.ValidatorsForced : t.Validators,
            GovernanceAction.ActionOneofCase.AdmitNode or GovernanceAction.ActionOneofCase.RevokeNode => t.Nodes,
            GovernanceAction.ActionOneofCase.GrantRole or GovernanceAction.ActionOneofCase.RevokeRole => t.Roles,
            GovernanceAction.ActionOneofCase.SetParameter => t.Parameters,
            GovernanceAction.ActionOneofCase.CrossChainClient when action.CrossChainClient.Recover => t.ClientRecovery,
            _ => t.Committee,
        };
    }

    public static ulong TotalWeight(GovernanceRegistry registry) => registry.Committee.Aggregate(0UL, (sum, s) => sum + s.Weight);

    /// <summary>True when <paramref name="yes"/> of <paramref name="total"/> reaches <paramref name="threshold"/>.</summary>
    public static bool Reaches(ulong yes, ulong total, GovernanceFraction threshold) =>
        (UInt128)yes * threshold.Denominator >= (UInt128)threshold.Numerator * total;

    /// <summary>The member whose admin key has <paramref name="account"/> as its address, or null.</summary>
    public static GovernanceMember? MemberOf(GovernanceRegistry registry, CryptoSuite suite, Address account) =>
        registry.Members.FirstOrDefault(m => m.AdminKeys.Any(k => suite.AddressOf(k.Span) == account));

    /// <summary>The yes and no weight of a proposal's votes, at the seats' current weights (a committee change applies to open proposals too).</summary>
    public static (ulong Yes, ulong No) Tally(GovernanceRegistry registry, GovernanceProposal proposal)
    {
        ulong yes = 0, no = 0;
        foreach (var vote in proposal.Votes)
        {
            var weight = SeatWeight(registry, vote.Member);
            if (vote.Approve) yes += weight; else no += weight;
        }
        return (yes, no);
    }

    public static ulong SeatWeight(GovernanceRegistry registry, string member) =>
        registry.Committee.FirstOrDefault(s => s.Member == member)?.Weight ?? 0;

    /// <summary>The validators that sign at <paramref name="height"/>: the scheduled set once its epoch has begun.</summary>
    public static IReadOnlyList<GovernanceValidator> ValidatorsAt(GovernanceRegistry registry, ulong height) =>
        registry.PendingValidators is { } pending && height > pending.LastHeightOfEpoch ? pending.Validators : registry.Validators;

    /// <summary>Makes a scheduled validator set current once its epoch has begun (before any change is made at <paramref name="height"/>).</summary>
    public static void Advance(GovernanceRegistry registry, ulong height)
    {
        if (registry.PendingValidators is { } pending && height > pending.LastHeightOfEpoch)
        {
            registry.Validators.Clear();
            registry.Validators.AddRange(pending.Validators);
            registry.Parameters.Clear();
            registry.Parameters.AddRange(pending.Parameters);
            registry.PendingValidators = null;
            registry.Epoch++;
            registry.EpochStartHeight = pending.LastHeightOfEpoch;
        }
    }

    /// <summary>
    /// The public key of the validator <paramref name="facts"/> names (its index in the set signing at
    /// <paramref name="height"/>), and whether the registry already records that (validator, epoch, round).
    /// </summary>
    public static (ByteString? Validator, bool Recorded) EvidenceStatus(GovernanceRegistry registry, EvidenceFacts facts, ulong height)
    {
        var validators = ValidatorsAt(registry, height);
        if (facts.ValidatorIndex >= (uint)validators.Count)
        {
            return (null, false);
        }
        var key = validators[(int)facts.ValidatorIndex].PublicKey;
        return (key, registry.Evidence.Any(e => e.Validator == key && e.Epoch == facts.Epoch && e.Round == facts.Round));
    }

    public static ValidatorSet ToValidatorSet(IEnumerable<GovernanceValidator> validators, CryptoSuite suite) =>
        new(validators.Select(v => new Validator(v.PublicKey.ToByteArray(), suite.AddressOf(v.PublicKey.Span), v.Power)));

    /// <summary>
    /// Null when <paramref name="action"/> can take effect on <paramref name="registry"/> at <paramref name="height"/>;
    /// otherwise why not. The same check runs when the proposal is made and when it passes.
    /// </summary>
    /// <param name="genesisParameters">
    /// The chain's genesis parameters, to check a parameter change against the others; null where no parameter change is
    /// asked for (the evidence recorder's removal proposals).
    /// </param>
    public static string? Problem(GovernanceRegistry registry, GovernanceAction action, bool force, CryptoSuite suite, ulong height,
        ChainParameters? genesisParameters = null)
    {
        switch (action.ActionCase)
        {
            case GovernanceAction.ActionOneofCase.AddValidator:
            {
                var a = action.AddValidator;
                if (!suite.IsValidPublicKey(a.PublicKey.Span)) return $"the validator key is not a valid {suite.Name} public key";
                if (a.Power == 0) return "a validator needs a voting power of at least 1";
                if (a.Member.Length > 0 && registry.Members.All(m => m.Name != a.Member)) return $"'{a.Member}' is not a member";
                return ValidatorChangeProblem(registry, suite, height, force, current =>
                    current.Any(v => v.PublicKey == a.PublicKey) ? "the key is already a validator" : null,
                    current => [.. current, new GovernanceValidator { PublicKey = a.PublicKey, Power = a.Power, Member = a.Member }]);
            }
            case GovernanceAction.ActionOneofCase.RemoveValidator:
            {
                var key = action.RemoveValidator.PublicKey;
                return ValidatorChangeProblem(registry, suite, height, force, current =>
                    current.All(v => v.PublicKey != key) ? "the key is not a validator" : null,
                    current => [.. current.Where(v => v.PublicKey != key)]);
            }
            case GovernanceAction.ActionOneofCase.AdmitNode:
            {
                var a = action.AdmitNode;
                if (!suite.IsValidPublicKey(a.PublicKey.Span)) return $"the node key is not a valid {suite.Name} public key";
                if (!GenesisFile.IsValidChainId(a.Name)) return $"node name '{a.Name}' must be 1-64 characters of [a-z0-9-_.]";
                if (a.Member.Length > 0 && registry.Members.All(m => m.Name != a.Member)) return $"'{a.Member}' is not a member";
                return registry.Nodes.Any(n => n.PublicKey == a.PublicKey) ? "the node key is already admitted" : null;
            }
            case GovernanceAction.ActionOneofCase.RevokeNode:
                return registry.Nodes.Any(n => n.PublicKey == action.RevokeNode.PublicKey) ? null : "the node key is not admitted";
            case GovernanceAction.ActionOneofCase.GrantRole:
            case GovernanceAction.ActionOneofCase.RevokeRole:
            {
                var grant = action.ActionCase == GovernanceAction.ActionOneofCase.GrantRole;
                var r = grant ? action.GrantRole : action.RevokeRole;
                if (r.Account.Length != Address.Size) return "the account must be a 20-byte address";
                if (!GenesisConsortium.RoleNames.Contains(r.Role)) return $"role '{r.Role}' is not one of {string.Join(", ", GenesisConsortium.RoleNames)}";
                var held = registry.Roles.Any(g => g.Account == r.Account && g.Role == r.Role);
                return grant == held ? (grant ? "the account already holds the role" : "the account does not hold the role") : null;
            }
            case GovernanceAction.ActionOneofCase.SetParameter:
            {
                var p = action.SetParameter;
                if (!Parameters.TryGetValue(p.Name, out var minimum)) return $"parameter '{p.Name}' is not one of {string.Join(", ", Parameters.Keys)}";
                if (p.Value.Length != 32) return "a parameter value is a 32-byte big-endian integer";
                var value = UInt256.ReadBigEndian(p.Value.Span);
                if (!value.IsUInt64 || value.U0 > int.MaxValue && p.Name is "max_block_bytes" or "max_block_txs" or "max_tx_bytes" or "empty_block_interval_ms") return $"{p.Name} {value} is too large";
                if (value.U0 < minimum) return $"{p.Name} must be at least {minimum}";
                if (p.Name == "members_only")
                {
                    // The transaction policy is a rule execution reads from the record: it applies from the next transaction.
                    return value.U0 > 1 ? "members_only is 0 (open) or 1 (members only)" : null;
                }
                // Every other parameter governs blocks, so it takes effect with an epoch of its own: one scheduled change
                // at a time, as for validators.
                if (registry.PendingValidators is { } pending && height <= pending.LastHeightOfEpoch)
                {
                    return $"a change is already scheduled for the end of the epoch at height {pending.LastHeightOfEpoch}";
                }
                // The parameters must make sense together (max_block_bytes at least max_tx_bytes, and so on).
                return genesisParameters is not null && Overlay(genesisParameters, [.. registry.Parameters, new GovernanceParameter { Name = p.Name, Value = p.Value }]).Problems.FirstOrDefault() is { } conflict
                    ? conflict
                    : null;
            }
            case GovernanceAction.ActionOneofCase.SetCommitteeSeat:
            {
                var s = action.SetCommitteeSeat;
                if (registry.Members.All(m => m.Name != s.Member)) return $"'{s.Member}' is not a member";
                if (s.Weight > uint.MaxValue) return $"a seat weighs at most {uint.MaxValue}";
                if (s.Weight == 0 && registry.Committee.All(c => c.Member == s.Member)) return "the committee cannot be left without seats";
                if (s.Weight == 0 && registry.Committee.All(c => c.Member != s.Member)) return $"'{s.Member}' has no seat to remove";
                return null;
            }
            case GovernanceAction.ActionOneofCase.AddMember:
            {
                var m = action.AddMember;
                if (!GenesisFile.IsValidChainId(m.Name)) return $"member name '{m.Name}' must be 1-64 characters of [a-z0-9-_.]";
                if (registry.Members.Any(x => x.Name == m.Name)) return $"'{m.Name}' is already a member";
                if (m.AdminKeys.Count == 0) return "a member needs at least one admin key";
                foreach (var key in m.AdminKeys)
                {
                    if (!suite.IsValidPublicKey(key.Span)) return $"an admin key is not a valid {suite.Name} public key";
                    if (registry.Members.Any(x => x.AdminKeys.Contains(key)) || m.AdminKeys.Count(k => k == key) > 1) return "an admin key is already listed";
                }
                return null;
            }
            case GovernanceAction.ActionOneofCase.CrossChainClient:
            {
                // The cross-chain contract validates the request itself when the proposal executes; here only its shape.
                var c = action.CrossChainClient;
                if (c.ClientId.Length is 0 or > 64 || c.ClientId.Any(ch => !(ch is >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '.')))
                    return $"client id '{c.ClientId}' must be 1-64 characters of [a-z0-9.-]";
                if (c.Create.Length is 0 or > 64 * 1024) return "the client's creation record must be 1 byte to 64 KiB";
                return null;
            }
            default:
                return "the proposal names no action";
        }
    }

    private static string? ValidatorChangeProblem(GovernanceRegistry registry, CryptoSuite suite, ulong height, bool force,
        Func<IReadOnlyList<GovernanceValidator>, string?> precondition, Func<IReadOnlyList<GovernanceValidator>, List<GovernanceValidator>> change)
    {
        if (registry.PendingValidators is { } pending && height <= pending.LastHeightOfEpoch)
        {
            return $"a change is already scheduled for the end of the epoch at height {pending.LastHeightOfEpoch}";
        }
        var current = ValidatorsAt(registry, height);
        if (precondition(current) is { } problem)
        {
            return problem;
        }
        var next = change(current);
        return ValidatorSetChange.Check(ToValidatorSet(current, suite), [.. next.Select(v => new Validator(v.PublicKey.ToByteArray(), suite.AddressOf(v.PublicKey.Span), v.Power))], force) switch
        {
            ValidatorSetChangeVerdict.Accepted => null,
            ValidatorSetChangeVerdict.EmptySet => "the validator set would be empty",
            ValidatorSetChangeVerdict.DuplicateValidator => "the validator set would list a validator twice",
            ValidatorSetChangeVerdict.TooLargeChange => "the change replaces a third or more of the voting power at once: it needs force (and the validators_forced threshold)",
            _ => "the validator change is refused",
        };
    }

    /// <summary>
    /// Applies a passed proposal (already checked by <see cref="Problem"/>) to <paramref name="registry"/> at
    /// <paramref name="height"/>. A validator change, and a change of any parameter but the transaction policy, is
    /// scheduled as the next epoch (<see cref="ScheduleEpoch"/>).
    /// </summary>
    public static void Apply(GovernanceRegistry registry, GovernanceProposal proposal, ulong height, ulong epochLength)
    {
        var action = proposal.Action;
        switch (action.ActionCase)
        {
            case GovernanceAction.ActionOneofCase.AddValidator:
            case GovernanceAction.ActionOneofCase.RemoveValidator:
            {
                var current = ValidatorsAt(registry, height);
                List<GovernanceValidator> next = action.ActionCase == GovernanceAction.ActionOneofCase.AddValidator
                    ? [.. current, new GovernanceValidator { PublicKey = action.AddValidator.PublicKey, Power = action.AddValidator.Power, Member = action.AddValidator.Member }]
                    : [.. current.Where(v => v.PublicKey != action.RemoveValidator.PublicKey)];
                registry.PendingValidators = ScheduleEpoch(proposal, height, epochLength, next, registry.Parameters);
                break;
            }
            case GovernanceAction.ActionOneofCase.AdmitNode:
                registry.Nodes.Add(new GovernanceNode { PublicKey = action.AdmitNode.PublicKey, Name = action.AdmitNode.Name, Member = action.AdmitNode.Member });
                break;
            case GovernanceAction.ActionOneofCase.RevokeNode:
                RemoveAll(registry.Nodes, n => n.PublicKey == action.RevokeNode.PublicKey);
                break;
            case GovernanceAction.ActionOneofCase.GrantRole:
                registry.Roles.Add(new GovernanceRoleGrant { Account = action.GrantRole.Account, Role = action.GrantRole.Role });
                break;
            case GovernanceAction.ActionOneofCase.RevokeRole:
                RemoveAll(registry.Roles, g => g.Account == action.RevokeRole.Account && g.Role == action.RevokeRole.Role);
                break;
            case GovernanceAction.ActionOneofCase.SetParameter:
            {
                var p = action.SetParameter;
                if (p.Name == "members_only")
                {
                    registry.MembersOnly = UInt256.ReadBigEndian(p.Value.Span).U0 == 1;
                    break;
                }
                List<GovernanceParameter> next = [.. registry.Parameters.Where(x => x.Name != p.Name), new GovernanceParameter { Name = p.Name, Value = p.Value }];
                next.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
                registry.PendingValidators = ScheduleEpoch(proposal, height, epochLength, ValidatorsAt(registry, height), next);
                break;
            }
            case GovernanceAction.ActionOneofCase.SetCommitteeSeat:
            {
                var s = action.SetCommitteeSeat;
                RemoveAll(registry.Committee, c => c.Member == s.Member);
                if (s.Weight > 0)
                {
                    registry.Committee.Add(new GovernanceSeat { Member = s.Member, Weight = s.Weight });
                }
                break;
            }
            case GovernanceAction.ActionOneofCase.AddMember:
            {
                var member = new GovernanceMember { Name = action.AddMember.Name };
                member.AdminKeys.AddRange(action.AddMember.AdminKeys);
                registry.Members.Add(member);
                break;
            }
        }
        Normalise(registry);
    }

    /// <summary>
    /// The next epoch, with its validators and parameters, beginning after the last block of the epoch after the next
    /// boundary: <c>(height / epochLength + 2) * epochLength − 1</c>, as the consensus engine computes it.
    /// </summary>
    private static PendingValidatorSet ScheduleEpoch(GovernanceProposal proposal, ulong height, ulong epochLength,
        IEnumerable<GovernanceValidator> validators, IEnumerable<GovernanceParameter> parameters)
    {
        var length = Math.Max(1, epochLength);
        var pending = new PendingValidatorSet
        {
            LastHeightOfEpoch = (height / length + 2) * length - 1,
            DecidedAtHeight = height,
            ProposalId = proposal.Id,
            Force = proposal.Force,
        };
        pending.Validators.AddRange(validators.Select(v => v.Clone()));
        pending.Parameters.AddRange(parameters.Select(p => p.Clone()));
        return pending;
    }

    /// <summary>The permission flags of every account the registry names (roles and members' admin keys).</summary>
    public static SortedDictionary<Address, Permission> PermissionsOf(GovernanceRegistry registry, CryptoSuite suite)
    {
        var result = new SortedDictionary<Address, Permission>();
        foreach (var grant in registry.Roles)
        {
            var account = new Address(grant.Account.Span);
            result[account] = (result.TryGetValue(account, out var p) ? p : Permission.None) | RoleFlag(grant.Role);
        }
        foreach (var member in registry.Members)
        {
            foreach (var key in member.AdminKeys)
            {
                var account = suite.AddressOf(key.Span);
                result[account] = (result.TryGetValue(account, out var p) ? p : Permission.None) | Permission.MemberAdmin;
            }
        }
        return result;
    }

    public static Permission RoleFlag(string role) => role switch
    {
        "admin" => Permission.Admin,
        "member" => Permission.Member,
        "deployer" => Permission.Deployer,
        "regulator" => Permission.Regulator,
        _ => Permission.None,
    };

    /// <summary>Sorts every keyed list so that equal registries have equal bytes (validators keep their set order).</summary>
    private static void Normalise(GovernanceRegistry registry)
    {
        Sort(registry.Members, (a, b) => string.CompareOrdinal(a.Name, b.Name));
        Sort(registry.Committee, (a, b) => string.CompareOrdinal(a.Member, b.Member));
        Sort(registry.Roles, (a, b) =>
        {
            var byAccount = a.Account.Span.SequenceCompareTo(b.Account.Span);
            return byAccount != 0 ? byAccount : string.CompareOrdinal(a.Role, b.Role);
        });
        Sort(registry.Nodes, (a, b) => a.PublicKey.Span.SequenceCompareTo(b.PublicKey.Span));
        Sort(registry.Parameters, (a, b) => string.CompareOrdinal(a.Name, b.Name));
    }

    private static void Sort<T>(Google.Protobuf.Collections.RepeatedField<T> field, Comparison<T> comparison)
    {
        var items = field.ToList();
        // A stable sort: List.Sort is not, and ties must keep their order on every node.
        var sorted = items.Select((item, index) => (item, index)).OrderBy(x => x.item, Comparer<T>.Create(comparison)).ThenBy(x => x.index).Select(x => x.item).ToList();
        field.Clear();
        field.AddRange(sorted);
    }

    private static void RemoveAll<T>(Google.Protobuf.Collections.RepeatedField<T> field, Func<T, bool> match)
    {
        var kept = field.Where(x => !match(x)).ToList();
        field.Clear();
        field.AddRange(kept);
    }

    private static GovernanceFraction FractionOf(string text)
    {
        Fraction.TryParse(text, out var f);
        return new GovernanceFraction { Numerator = f.Numerator, Denominator = f.Denominator };
    }
}
