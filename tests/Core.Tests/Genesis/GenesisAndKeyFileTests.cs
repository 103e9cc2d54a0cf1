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
