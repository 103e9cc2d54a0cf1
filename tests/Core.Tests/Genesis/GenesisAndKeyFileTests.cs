using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Core.Tests.Genesis;

public sealed class GenesisAndKeyFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("shc-genesis-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static GenesisFile Valid(CryptoSuite suite)
    {
        var validator = KeyFile.Generate(suite);
        return new GenesisFile
        {
            ChainId = "unit-chain",
            CryptoSuite = suite.Name,
            Validators = [new GenesisValidator { Name = "v0", PublicKey = Hex.Encode(validator.PublicKey), Power = 1 }],
            Accounts = [new GenesisAccount { Address = KeyFile.Generate(suite).Address.ToString(), Balance = "1000" }],
        };
    }

    [Fact]
    public void Genesis_survives_save_and_load_with_the_same_hash()
    {
        var genesis = Valid(CryptoSuite.Sm2Sm3);
        var path = Path.Combine(_dir, "genesis.json");
        genesis.Save(path);
        var loaded = GenesisFile.Load(path);
        Assert.Equal(genesis.ComputeHash(), loaded.ComputeHash());
        Assert.Equal(CryptoSuite.Sm2Sm3, loaded.Suite);
    }

    [Fact]
    public void Different_genesis_content_gives_a_different_hash()
    {
        var genesis = Valid(CryptoSuite.Ed25519Sha256);
        Assert.NotEqual(genesis.ComputeHash(), (genesis with { ChainId = "unit-chain-2" }).ComputeHash());
    }

    [Fact]
    public void The_genesis_hash_depends_on_what_the_genesis_says_not_on_how_the_json_is_written()
    {
        var genesis = Valid(CryptoSuite.Ed25519Sha256);
        var json = genesis.ToJson();
        var key = genesis.Validators[0].PublicKey;
        var address = genesis.Accounts[0].Address;
        // Layout, hex case and leading zeros of an amount: the same genesis written differently.
        var rewritten = json.Replace("\n", " ", StringComparison.Ordinal).Replace("  ", " ", StringComparison.Ordinal)
            .Replace(key, key.ToUpperInvariant(), StringComparison.Ordinal)
            .Replace(address, "0x" + address[2..].ToUpperInvariant(), StringComparison.Ordinal)
            .Replace("\"1000\"", "\"0001000\"", StringComparison.Ordinal);
        Assert.NotEqual(json, rewritten);

        Assert.Equal(genesis.ComputeHash(), GenesisFile.Parse(rewritten).ComputeHash());
    }

    [Fact]
    public void Every_field_of_the_genesis_is_part_of_its_hash()
    {
        var genesis = Valid(CryptoSuite.Ed25519Sha256);
        GenesisFile[] changed =
        [
            genesis with { GenesisTimeMs = 1 },
            genesis with { CryptoSuite = CryptoSuite.Sm2Sm3.Name },
            genesis with { Parameters = genesis.Parameters with { EpochLength = 999 } },
            genesis with { Parameters = genesis.Parameters with { MinGasPrice = "1" } },
            genesis with { Parameters = genesis.Parameters with { BlockReward = "5" } },
            genesis with { Validators = [genesis.Validators[0] with { Power = 2 }] },
            genesis with { Validators = [genesis.Validators[0] with { Name = "other" }] },
            genesis with { Accounts = [genesis.Accounts[0] with { Balance = "1001" }] },
            genesis with { Nodes = [new GenesisNode { Name = "n0", PublicKey = genesis.Validators[0].PublicKey }] },
        ];
        var hashes = changed.Select(g => g.ComputeHash()).Append(genesis.ComputeHash()).ToList();
        Assert.Equal(hashes.Count, hashes.Distinct().Count());
        // Unset and zero amounts are one form.
        Assert.Equal(genesis.ComputeHash(), (genesis with { Parameters = genesis.Parameters with { BlockReward = "0" } }).ComputeHash());
    }

    [Fact]
    public void The_genesis_hash_is_the_suite_hash_of_the_documented_encoding()
    {
        // The worked example of docs/operator-guide.md, "The genesis hash": an independent implementation checks itself here.
        var genesis = new GenesisFile
        {
            ChainId = "example",
            GenesisTimeMs = 1_700_000_000_000,
            Validators = [new GenesisValidator { Name = "v0", PublicKey = new string('1', 64), Power = 1 }],
            Accounts = [new GenesisAccount { Address = "0x" + new string('2', 40), Balance = "1000" }],
        };
        var encoded = GenesisEncoding.Encode(genesis);

        Assert.Equal(ExampleEncoding, Hex.Encode(encoded));
        Assert.Equal(CryptoSuite.Ed25519Sha256.Hash(encoded), genesis.ComputeHash());
        Assert.Equal(ExampleHash, genesis.ComputeHash().ToString());
    }

    private const string ExampleEncoding =
        "0a076578616d706c65120e656432353531392d7368613235361880d095ffbc3122250880800810904e1880808004208094ebdc032888a40138904e40e80748e80750e80758c03e2a280a02763012201111111111111111111111111111111111111111111111111111111111111111180132380a142222222222222222222222222222222222222222122000000000000000000000000000000000000000000000000000000000000003e8";
    private const string ExampleHash = "f35985f2960d0bd915d2fd0d90422179a178eb192745991bb551afd715361860";

    [Fact]
    public void Every_problem_of_an_invalid_genesis_is_reported()
    {
        var json = Valid(CryptoSuite.Ed25519Sha256).ToJson()
            .Replace("\"unit-chain\"", "\"Bad Chain!\"", StringComparison.Ordinal)
            .Replace("\"balance\": \"1000\"", "\"balance\": \"-5\"", StringComparison.Ordinal);
        var ex = Assert.Throws<GenesisException>(() => GenesisFile.Parse(json));
        Assert.Contains("chain_id", ex.Message, StringComparison.Ordinal);
        Assert.Contains("balance", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_genesis_fields_and_a_validator_key_of_the_wrong_suite_are_refused()
    {
        var json = Valid(CryptoSuite.Ed25519Sha256).ToJson();
        Assert.Throws<GenesisException>(() => GenesisFile.Parse(json.Replace("\"chain_id\"", "\"typo_field\": 1, \"chain_id\"", StringComparison.Ordinal)));
        var sm2Genesis = Valid(CryptoSuite.Sm2Sm3) with { CryptoSuite = CryptoSuite.Ed25519Sha256Name };
        var ex = Assert.Throws<GenesisException>(() => GenesisFile.Parse(sm2Genesis.ToJson()));
        Assert.Contains("not a valid ed25519-sha256 key", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_total_validator_power_above_2_to_the_64_is_refused_not_an_overflow_later()
    {
        // A finding of tools/fuzz (target genesis): Parse accepted it and ToValidatorSet threw OverflowException.
        var genesis = Valid(CryptoSuite.Ed25519Sha256);
        var heavy = genesis with
        {
            Validators = [genesis.Validators[0] with { Power = ulong.MaxValue }, new GenesisValidator
            {
                Name = "v1", PublicKey = Hex.Encode(KeyFile.Generate(CryptoSuite.Ed25519Sha256).PublicKey), Power = 1,
            }],
        };
        var ex = Assert.Throws<GenesisException>(() => GenesisFile.Parse(heavy.ToJson()));
        Assert.Contains("total power", ex.Message, StringComparison.Ordinal);
        var atTheLimit = heavy with { Validators = [heavy.Validators[0]] };
        Assert.Equal(ulong.MaxValue, GenesisFile.Parse(atTheLimit.ToJson()).ToValidatorSet().TotalPower);
    }

    [Fact]
    public void A_total_supply_above_2_to_the_256_is_refused()
    {
        var genesis = Valid(CryptoSuite.Ed25519Sha256);
        var max = UInt256.MaxValue.ToString();
        var overflowing = genesis with
        {
            Accounts = [new GenesisAccount { Address = "0x" + new string('1', 40), Balance = max }, new GenesisAccount { Address = "0x" + new string('2', 40), Balance = "1" }],
        };
        var ex = Assert.Throws<GenesisException>(() => GenesisFile.Parse(overflowing.ToJson()));
        Assert.Contains("2^256", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(CryptoSuite.Ed25519Sha256Name)]
    [InlineData(CryptoSuite.Sm2Sm3Name)]
    public void Key_files_round_trip_and_are_readable_by_their_owner_only(string suiteName)
    {
        var key = KeyFile.Generate(CryptoSuite.FromName(suiteName));
        var path = Path.Combine(_dir, "key.json");
        key.Save(path);
        var loaded = KeyFile.Load(path);
        Assert.Equal(key.Address, loaded.Address);
        Assert.Equal(key.PublicKey, loaded.PublicKey);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    [Fact]
    public void A_key_file_whose_address_was_edited_is_refused()
    {
        var key = KeyFile.Generate(CryptoSuite.Ed25519Sha256);
        var path = Path.Combine(_dir, "key.json");
        key.Save(path);
        var text = File.ReadAllText(path).Replace(key.Address.ToString(), "0x" + new string('1', 40), StringComparison.Ordinal);
        File.WriteAllText(path, text);
        Assert.Throws<KeyFileException>(() => KeyFile.Load(path));
    }
}
