using ShanghaiChain.Core.Consensus;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.V1;

namespace ShanghaiChain.Relay.Clients;

/// <summary>
/// Turns a counterparty's validator set as submitted (<see cref="RelayValidatorSet"/>) into a <see cref="ValidatorSet"/>
/// under the counterparty's suite. Validated here: not empty, at most <see cref="MaxValidators"/>, every key well formed
/// for the suite, every power non-zero, no key twice, total power within 64 bits.
/// </summary>
public static class CounterpartyValidators
{
    /// <summary>Bounds the work one certificate check can cost the contract.</summary>
    public const int MaxValidators = 256;

    public static ValidatorSet? TryBuild(RelayValidatorSet? set, CryptoSuite suite, out string problem)
    {
        problem = "";
        if (set is null || set.Validators.Count == 0)
        {
            problem = "the validator set is empty";
            return null;
        }
        if (set.Validators.Count > MaxValidators)
        {
            problem = $"the validator set has {set.Validators.Count} members, more than {MaxValidators}";
            return null;
        }
        var members = new List<Validator>(set.Validators.Count);
        var seen = new HashSet<Core.Primitives.Address>();
        ulong total = 0;
        foreach (var v in set.Validators)
        {
            if (!suite.IsValidPublicKey(v.PublicKey.Span))
            {
                problem = $"a validator key is not a valid {suite.Name} public key";
                return null;
            }
            if (v.Power == 0 || total + v.Power < total)
            {
                problem = "a validator has zero power, or the total overflows";
                return null;
            }
            total += v.Power;
            var address = suite.AddressOf(v.PublicKey.Span);
            if (!seen.Add(address))
            {
                problem = $"validator {address} appears twice";
                return null;
            }
            members.Add(new Validator(v.PublicKey.ToByteArray(), address, v.Power));
        }
        return new ValidatorSet(members);
    }

    /// <summary>The wire form of a set, in its order.</summary>
    public static RelayValidatorSet ToRelay(ValidatorSet set) => set.ToMessage();
}
