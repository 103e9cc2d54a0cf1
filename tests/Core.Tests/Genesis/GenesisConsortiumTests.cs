using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Core.Tests.Genesis;

public sealed class GenesisConsortiumTests
{
    private static readonly CryptoSuite Suite = CryptoSuite.Ed25519Sha256;
    private static readonly KeyFile Operator = KeyFile.Generate(Suite);
    private static readonly KeyFile Validator = KeyFile.Generate(Suite);

    private static GenesisFile WithConsortium(GenesisConsortium? consortium, string? validatorMember = "operator") => new()
    {
        ChainId = "consortium-chain",
        Validators = [new GenesisValidator { Name = "v0", PublicKey = Hex.Encode(Validator.PublicKey), Member = validatorMember }],
        Accounts = [new GenesisAccount { Address = Operator.Address.ToString(), Balance = "1000" }],
        Consortium = consortium,
    };

    private static readonly GenesisConsortium Default = GenesisConsortium.SingleOperator("operator", Operator);

    [Fact]
    public void The_default_consortium_of_init_and_testnet_is_valid_and_survives_the_json()
    {
        var genesis = WithConsortium(Default);
        Assert.Empty(genesis.Validate());

        var loaded = GenesisFile.Parse(genesis.ToJson());

        Assert.Equal(genesis.ComputeHash(), loaded.ComputeHash());
        Assert.Equal("operator", loaded.Consortium!.Members[0].Name);
        Assert.Equal(["admin", "deployer"], loaded.Consortium.Roles.Select(r => r.Role));
        Assert.Equal("2/3", loaded.Consortium.Thresholds.Validators);
        Assert.Contains("\"consortium\"", genesis.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_genesis_without_a_consortium_keeps_its_json_and_needs_no_member_names()
    {
        var genesis = WithConsortium(null, validatorMember: null);
        Assert.Empty(genesis.Validate());
        Assert.DoesNotContain("\"consortium\"", genesis.ToJson(), StringComparison.Ordinal);
        Assert.DoesNotContain("\"member\"", genesis.ToJson(), StringComparison.Ordinal);
        Assert.NotEqual(genesis.ComputeHash(), WithConsortium(Default).ComputeHash());
    }

    [Fact]
    public void Every_problem_of_a_consortium_is_reported()
    {
        var consortium = Default with
        {
            Members =
            [
                new GenesisMember { Name = "Bad Name", AdminKeys = [Hex.Encode(Operator.PublicKey)] },
                new GenesisMember { Name = "twice", AdminKeys = ["zz"] },
                new GenesisMember { Name = "twice", AdminKeys = [] },
                new GenesisMember { Name = "repeats", AdminKeys = [Hex.Encode(Operator.PublicKey)] },
            ],
            Committee = [new CommitteeSeat { Member = "nobody", Weight = 1 }, new CommitteeSeat { Member = "twice", Weight = 0 }],
            Thresholds = new GovernanceThresholds { Validators = "3/2", Nodes = "0/5", Roles = "half", ValidatorsForced = "1/2", Parameters = "2/3" },
            ProposalLifetimeBlocks = 0,
            TransactionPolicy = "closed",
            Roles =
            [
                new RoleGrant { Role = "validator", Account = Operator.Address.ToString() },
                new RoleGrant { Role = "deployer", Account = "0x12" },
                new RoleGrant { Role = "admin", Account = Operator.Address.ToString() },
                new RoleGrant { Role = "admin", Account = Operator.Address.ToString() },
            ],
        };

        var problems = WithConsortium(consortium, validatorMember: "ghost").Validate().ToList();

        string[] expected =
        [
            "member name 'Bad Name'", "member 'twice' is listed twice", "member 'twice' has no admin key",
            "member 'twice' has an admin key that is not a valid", "member 'repeats' repeats an admin key",
            "names 'nobody', which is not a member", "seat of 'twice' has zero weight",
            "threshold validators '3/2'", "threshold nodes '0/5'", "threshold roles 'half'",
            "proposal_lifetime_blocks", "transaction_policy", "role 'validator' is not one of",
            "'0x12', which is not a 20-byte hex address", "role 'admin' is granted to", "validator 'v0' names member 'ghost'",
        ];
        foreach (var text in expected)
        {
            Assert.True(problems.Any(p => p.Contains(text, StringComparison.Ordinal)), $"no problem mentions \"{text}\":\n{string.Join("\n", problems)}");
        }
    }

    [Fact]
    public void A_forced_validator_threshold_below_the_normal_one_is_refused()
    {
        var consortium = Default with { Thresholds = new GovernanceThresholds { Validators = "2/3", ValidatorsForced = "1/2" } };
        Assert.Contains(WithConsortium(consortium).Validate(), p => p.Contains("validators_forced must be at least validators", StringComparison.Ordinal));
    }

    [Fact]
    public void Member_names_without_a_consortium_are_refused()
    {
        Assert.Contains(WithConsortium(null).Validate(), p => p.Contains("names a member, but genesis has no consortium", StringComparison.Ordinal));
    }

    [Fact]
    public void Thresholds_are_hashed_as_reduced_fractions_and_every_consortium_field_counts()
    {
        var genesis = WithConsortium(Default);
        Assert.Equal(genesis.ComputeHash(), WithConsortium(Default with { Thresholds = Default.Thresholds with { Nodes = "2/4" } }).ComputeHash());

        GenesisConsortium[] changed =
        [
            Default with { Thresholds = Default.Thresholds with { Nodes = "2/3" } },
            Default with { ProposalLifetimeBlocks = 7 },
            Default with { TransactionPolicy = GenesisConsortium.MembersPolicy },
            Default with { Committee = [new CommitteeSeat { Member = "operator", Weight = 2 }] },
            Default with { Roles = [.. Default.Roles, new RoleGrant { Role = "regulator", Account = Operator.Address.ToString() }] },
            Default with { Members = [Default.Members[0] with { AdminKeys = [.. Default.Members[0].AdminKeys, Hex.Encode(Validator.PublicKey)] }] },
        ];
        var hashes = changed.Select(c => WithConsortium(c).ComputeHash()).Append(genesis.ComputeHash()).ToList();
        Assert.Equal(hashes.Count, hashes.Distinct().Count());
    }

    [Theory]
    [InlineData("2/3", 2u, 3u)]
    [InlineData("4/6", 2u, 3u)]
    [InlineData("1/1", 1u, 1u)]
    [InlineData("10/20", 1u, 2u)]
    public void Fractions_parse_reduced(string text, uint numerator, uint denominator)
    {
        Assert.True(Fraction.TryParse(text, out var f));
        Assert.Equal(new Fraction(numerator, denominator), f);
    }

    [Theory]
    [InlineData("")]
    [InlineData("2/")]
    [InlineData("/3")]
    [InlineData("0/3")]
    [InlineData("4/3")]
    [InlineData("-1/3")]
    [InlineData("1/0")]
    [InlineData(" 1/3")]
    public void Malformed_fractions_are_refused(string text) => Assert.False(Fraction.TryParse(text, out _));
}
