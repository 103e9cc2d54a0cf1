using System.Text;
using ShanghaiChain.Core.Genesis;

namespace ShanghaiChain.Fuzz.Targets;

/// <summary>
/// The genesis file (JSON) as an operator hands it to `init` and `start`: GenesisFile.Parse refuses with GenesisException;
/// a genesis it accepts must give its validator set and hash, and survive a save and a reload with the same hash (operators
/// copy genesis files between machines, and the hash is what peers compare).
/// </summary>
internal sealed class GenesisTarget : FuzzTarget
{
    public override string Name => "genesis";

    public override string Description => "genesis.json text -> GenesisFile.Parse, ToValidatorSet, ComputeHash, JSON round trip";

    public override void Run(ReadOnlySpan<byte> input)
    {
        GenesisFile genesis;
        try
        {
            genesis = GenesisFile.Parse(Encoding.UTF8.GetString(input));
        }
        catch (GenesisException)
        {
            return;
        }
        genesis.ToValidatorSet();
        var hash = genesis.ComputeHash();
        var reloaded = GenesisFile.Parse(genesis.ToJson());
        if (reloaded.ComputeHash() != hash)
        {
            throw new FuzzInvariantException("a genesis file changes its hash when saved and loaded again");
        }
    }

    public override IEnumerable<(string Name, byte[] Data)> Seeds()
    {
        var json = FuzzChain.Genesis.ToJson();
        yield return ("four-validators", Encoding.UTF8.GetBytes(json));
        var sm2 = FuzzChain.Genesis with
        {
            CryptoSuite = Core.Crypto.CryptoSuite.Sm2Sm3Name,
            Validators = [new GenesisValidator { Name = "sm2", PublicKey = Core.Primitives.Hex.Encode(FuzzChain.Sm2Alice.PublicKey), Power = 3 }],
        };
        yield return ("sm2-one-validator", Encoding.UTF8.GetBytes(sm2.ToJson()));
        var consortium = FuzzChain.Genesis with { Consortium = GenesisConsortium.SingleOperator("operator", FuzzChain.Bob) };
        yield return ("consortium", Encoding.UTF8.GetBytes(consortium.ToJson()));
        yield return ("no-validators", Encoding.UTF8.GetBytes((FuzzChain.Genesis with { Validators = [] }).ToJson()));
        yield return ("bad-chain-id", Encoding.UTF8.GetBytes((FuzzChain.Genesis with { ChainId = "Bad Chain!" }).ToJson()));
        yield return ("truncated", Encoding.UTF8.GetBytes(json[..(json.Length / 2)]));
        yield return ("null", "null"u8.ToArray());
    }
}
