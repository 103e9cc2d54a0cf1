using System.CommandLine;
using System.Globalization;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Governance;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Cli;

/// <summary>
/// The committee's commands: every change is a proposal (a transaction to the governance contract signed with a
/// member's admin key, --key), decided by votes (`gov vote`). Each prints the transaction, the contract's events and
/// where the proposal stands. Reads go through the GovernanceService. Arguments validated here: keys (hex of the
/// chain's suite, or a key file), accounts (20-byte hex), roles and yes/no; the contract validates the rest.
/// </summary>
internal static class GovernanceCommands
{
    public static Command CreateGov()
    {
        var gov = new Command("gov", "Committee governance: proposals, votes and the consortium's record");
        var propose = new Command("propose", "Open a proposal (validators, nodes and roles have their own commands)");
        propose.Add(Proposal("parameter", "Change a chain parameter (genesis.json name) or members_only (0/1)",
            [new Argument<string>("name"), new Argument<string>("value")],
            (parse, args) =>
            {
                var value = (string)parse.GetValue((Argument<string>)args[1])!;
                if (!UInt256.TryParse(value, out var number))
                {
                    throw new CliUsageException($"value '{value}' is not a non-negative decimal integer");
                }
                return GovernanceCalls.SetParameter(parse.GetValue((Argument<string>)args[0])!, number);
            }));
        propose.Add(Proposal("seat", "Give a member a committee seat of WEIGHT (0 removes it)",
            [new Argument<string>("member"), new Argument<ulong>("weight")],
            (parse, args) => GovernanceCalls.SetCommitteeSeat(parse.GetValue((Argument<string>)args[0])!, parse.GetValue((Argument<ulong>)args[1]))));
        var adminKey = new Option<string[]>("--admin-key") { Description = "Admin public key (hex) or key file of the new member; repeat for several", Required = true, AllowMultipleArgumentsPerToken = false };
        propose.Add(Proposal("member", "Admit a new member organisation with its admin keys", [new Argument<string>("name"), adminKey],
            (parse, args) => GovernanceCalls.AddMember(parse.GetValue((Argument<string>)args[0])!, [.. parse.GetValue(adminKey)!.Select(k => PublicKeyOf(k, "--admin-key"))])));
        gov.Add(propose);

        var id = new Argument<ulong>("id") { Description = "Proposal id" };
        var verdict = new Argument<string>("vote") { Description = "yes or no" }.AcceptOnlyFromAmong("yes", "no");
        gov.Add(Proposal("vote", "Vote on a proposal with your member's weight", [id, verdict],
            (parse, _) => GovernanceCalls.Vote(parse.GetValue(id), parse.GetValue(verdict) == "yes")));

        var node = CommonOptions.Node();
        var showId = new Argument<ulong>("id") { Description = "Proposal id" };
        var show = new Command("show", "Show a proposal, its votes and its status") { node, showId };
        show.SetAction(async (parse, cancel) =>
        {
            using var client = await CliClient.ConnectAsync(parse.GetValue(node)!, cancel);
            PrintProposal(await client.Governance.GetProposalAsync(new GetProposalRequest { Id = parse.GetValue(showId) }, cancellationToken: cancel));
            return 0;
        });
        gov.Add(show);

        var listNode = CommonOptions.Node();
        var open = new Option<bool>("--open") { Description = "Only proposals still open for votes" };
        var limit = new Option<uint>("--limit") { Description = "At most this many (newest first)", DefaultValueFactory = _ => 50 };
        var list = new Command("list", "List proposals, newest first") { listNode, open, limit };
        list.SetAction(async (parse, cancel) =>
        {
            using var client = await CliClient.ConnectAsync(parse.GetValue(listNode)!, cancel);
            var response = await client.Governance.ListProposalsAsync(
                new ListProposalsRequest { OpenOnly = parse.GetValue(open), Limit = parse.GetValue(limit) }, cancellationToken: cancel);
            Console.WriteLine($"{response.Proposals.Count} of {response.Total} proposal(s) at height {response.Height}");
            foreach (var p in response.Proposals)
            {
                Console.WriteLine($"  {p.Id,4}  {GovernanceReader.StatusName(p.Status),-8}  {GovernanceRules.Describe(p.Action, p.Force)}  by {p.ProposerMember}, " +
                    $"{p.Votes.Count} vote(s), expires at {p.ExpiresAtHeight}");
            }
            return 0;
        });
        gov.Add(list);

        var membersNode = CommonOptions.Node();
        var members = new Command("members", "Show the members, the committee and the thresholds") { membersNode };
        members.SetAction(async (parse, cancel) =>
        {
            var registry = await RegistryAsync(parse.GetValue(membersNode)!, cancel);
            Console.WriteLine($"{registry.Members.Count} member(s); transaction policy {(registry.MembersOnly ? "members" : "open")}; proposals open for {registry.ProposalLifetimeBlocks} blocks");
            foreach (var m in registry.Members)
            {
                var seat = GovernanceRules.SeatWeight(registry, m.Name);
                Console.WriteLine($"  {m.Name,-24} seat {(seat == 0 ? "-" : seat.ToString(CultureInfo.InvariantCulture)),-6} admin keys {string.Join(", ", m.AdminKeys.Select(k => Hex.Encode(k.Span)[..16] + "…"))}");
            }
            var t = registry.Thresholds;
            Console.WriteLine($"thresholds: validators {F(t.Validators)}, validators_forced {F(t.ValidatorsForced)}, nodes {F(t.Nodes)}, roles {F(t.Roles)}, " +
                $"parameters {F(t.Parameters)}, committee {F(t.Committee)}");
            foreach (var p in registry.Parameters)
            {
                Console.WriteLine($"parameter {p.Name} = {UInt256.ReadBigEndian(p.Value.Span)}");
            }
            return 0;
        });
        gov.Add(members);
        return gov;
    }

    /// <summary>`validators add|remove` beside the listing `validators` does on its own.</summary>
    public static void AddValidatorChanges(Command validators)
    {
        var key = new Option<string>("--public-key") { Description = "The validator's consensus public key (hex) or its key file", Required = true };
        var power = new Option<ulong>("--power") { Description = "Voting power", DefaultValueFactory = _ => 1 };
        var member = new Option<string>("--member") { Description = "The member that runs it", DefaultValueFactory = _ => "" };
        var force = new Option<bool>("--force") { Description = "Allow a change of a third or more of the voting power (needs the validators_forced threshold)" };
        validators.Add(Proposal("add", "Propose adding a validator (takes effect at an epoch boundary)", [key, power, member, force],
            (parse, _) => GovernanceCalls.AddValidator(PublicKeyOf(parse.GetValue(key)!, "--public-key"), parse.GetValue(power), parse.GetValue(member)!, parse.GetValue(force))));
        var removeKey = new Option<string>("--public-key") { Description = "The validator's consensus public key (hex) or its key file", Required = true };
        var removeForce = new Option<bool>("--force") { Description = "Allow a change of a third or more of the voting power" };
        validators.Add(Proposal("remove", "Propose removing a validator (takes effect at an epoch boundary)", [removeKey, removeForce],
            (parse, _) => GovernanceCalls.RemoveValidator(PublicKeyOf(parse.GetValue(removeKey)!, "--public-key"), parse.GetValue(removeForce))));
    }

    public static Command CreateNodes()
    {
        var nodes = new Command("nodes", "The node registry: which node keys may join the peer network");
        var key = new Option<string>("--public-key") { Description = "The node's identity public key (hex) or its key file", Required = true };
        var name = new Option<string>("--name") { Description = "A name for the node", Required = true };
        var member = new Option<string>("--member") { Description = "The member that runs it", DefaultValueFactory = _ => "" };
        nodes.Add(Proposal("admit", "Propose admitting a node", [key, name, member],
            (parse, _) => GovernanceCalls.AdmitNode(PublicKeyOf(parse.GetValue(key)!, "--public-key"), parse.GetValue(name)!, parse.GetValue(member)!)));
        var revokeKey = new Option<string>("--public-key") { Description = "The node's identity public key (hex) or its key file", Required = true };
        nodes.Add(Proposal("revoke", "Propose revoking a node (its connections close)", [revokeKey],
            (parse, _) => GovernanceCalls.RevokeNode(PublicKeyOf(parse.GetValue(revokeKey)!, "--public-key"))));
        var node = CommonOptions.Node();
        var list = new Command("list", "List the admitted nodes and the validators") { node };
        list.SetAction(async (parse, cancel) =>
        {
            var registry = await RegistryAsync(parse.GetValue(node)!, cancel);
            Console.WriteLine($"{registry.Nodes.Count} admitted node(s), {registry.Validators.Count} validator(s) in epoch {registry.Epoch}");
            foreach (var n in registry.Nodes)
            {
                Console.WriteLine($"  node       {Hex.Encode(n.PublicKey.Span)}  {n.Name}  {n.Member}");
            }
            foreach (var v in registry.Validators)
            {
                Console.WriteLine($"  validator  {Hex.Encode(v.PublicKey.Span)}  power {v.Power}  {v.Member}");
            }
            if (registry.PendingValidators is { } pending)
            {
                Console.WriteLine($"  scheduled: {pending.Validators.Count} validator(s) from height {pending.LastHeightOfEpoch + 1}");
            }
            return 0;
        });
        nodes.Add(list);
        return nodes;
    }

    public static Command CreateRoles()
    {
        var roles = new Command("roles", "Roles of accounts: admin, member, deployer, regulator");
        foreach (var (verb, grant) in new[] { ("grant", true), ("revoke", false) })
        {
            var account = new Argument<string>("account") { Description = "20-byte hex address" };
            var role = new Argument<string>("role").AcceptOnlyFromAmong([.. Core.Genesis.GenesisConsortium.RoleNames]);
            roles.Add(Proposal(verb, $"Propose to {verb} a role", [account, role], (parse, _) =>
            {
                var text = parse.GetValue(account)!;
                if (!Address.TryParse(text, out var address))
                {
                    throw new CliUsageException($"account '{text}' is not a 20-byte hex address");
                }
                return grant ? GovernanceCalls.GrantRole(address, parse.GetValue(role)!) : GovernanceCalls.RevokeRole(address, parse.GetValue(role)!);
            }));
        }
        var node = CommonOptions.Node();
        var list = new Command("list", "List role grants") { node };
        list.SetAction(async (parse, cancel) =>
        {
            var registry = await RegistryAsync(parse.GetValue(node)!, cancel);
            Console.WriteLine($"{registry.Roles.Count} grant(s)");
            foreach (var g in registry.Roles)
            {
                Console.WriteLine($"  {new Address(g.Account.Span)}  {g.Role}");
            }
            return 0;
        });
        roles.Add(list);
        return roles;
    }

    /// <summary>A command that sends one governance transaction and reports where the proposal stands.</summary>
    private static Command Proposal(string name, string description, Symbol[] symbols, Func<ParseResult, Symbol[], byte[]> call)
    {
        var command = new Command(name, description);
        foreach (var symbol in symbols)
        {
            if (symbol is Argument argument) command.Add(argument);
            else command.Add((Option)symbol);
        }
        var options = new ContractCommands.TxOptions();
        options.AddTo(command);
        command.SetAction(async (parse, cancel) =>
        {
            var data = call(parse, symbols);
            var receipt = await ContractCommands.SendAsync(parse, options, GovernanceLayout.Address, data, GovernanceAbi.Contract, cancel);
            if (receipt.Status != ReceiptStatus.Success)
            {
                return ShanghaiChainCli.Failure;
            }
            var proposalId = receipt.Logs.Select(l => l.Topics.Count > 1 ? UInt256.ReadBigEndian(l.Topics[1].Span).U0 : 0).FirstOrDefault(x => x != 0);
            if (proposalId != 0)
            {
                using var client = await CliClient.ConnectAsync(parse.GetValue(options.Node)!, cancel);
                PrintProposal(await client.Governance.GetProposalAsync(new GetProposalRequest { Id = proposalId }, cancellationToken: cancel));
            }
            return 0;
        });
        return command;
    }

    private static void PrintProposal(GetProposalResponse response)
    {
        var p = response.Proposal;
        Console.WriteLine($"proposal {p.Id}: {GovernanceRules.Describe(p.Action, p.Force)}");
        Console.WriteLine($"  status:    {GovernanceReader.StatusName(p.Status)}{(p.DecidedAtHeight > 0 ? $" at height {p.DecidedAtHeight}" : "")}{(p.Failure.Length > 0 ? $" ({p.Failure})" : "")}");
        Console.WriteLine($"  proposed:  by {p.ProposerMember} ({new Address(p.Proposer.Span)}) at height {p.CreatedAtHeight}, open until {p.ExpiresAtHeight}");
        Console.WriteLine($"  weight:    yes {response.YesWeight}, no {response.NoWeight} of {response.TotalWeight}; needs {F(response.Threshold)} of the weight");
        foreach (var v in p.Votes)
        {
            Console.WriteLine($"  vote:      {v.Member} {(v.Approve ? "yes" : "no")} (weight {v.Weight}) at height {v.Height}");
        }
    }

    private static string F(GovernanceFraction f) => $"{f.Numerator}/{f.Denominator}";

    private static async Task<GovernanceRegistry> RegistryAsync(string url, CancellationToken cancel)
    {
        using var client = await CliClient.ConnectAsync(url, cancel);
        return (await client.Governance.GetRegistryAsync(new GetRegistryRequest(), cancellationToken: cancel)).Registry;
    }

    /// <summary>A public key given as hex or as the path of a key file (whose public key is used).</summary>
    private static byte[] PublicKeyOf(string text, string option)
    {
        if (File.Exists(text))
        {
            return KeyFile.Load(text).PublicKey;
        }
        return Hex.TryDecode(text, out var key) && key.Length > 0
            ? key
            : throw new CliUsageException($"{option} '{text}' is neither hex nor an existing key file");
    }
}
