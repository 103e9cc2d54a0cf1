using ShanghaiChain.Consensus.Tests.Simulation;
using ShanghaiChain.Core.Consensus;
using ShanghaiChain.Core.Crypto;

namespace ShanghaiChain.Consensus.Tests;

public class ValidatorSetTests
{
    private static readonly CryptoSuite Suite = CryptoSuite.Ed25519Sha256;

    private static Validator V(int i, ulong power = 1)
    {
        var key = SimKeys.For(Suite, i).Public;
        return new Validator(key, Suite.AddressOf(key), power);
    }

    [Theory]
    [InlineData(1, 1UL)]
    [InlineData(3, 3UL)]
    [InlineData(4, 3UL)]
    [InlineData(7, 5UL)]
    [InlineData(16, 11UL)]
    public void Quorum_is_more_than_two_thirds_of_the_power(int count, ulong quorum)
    {
        var set = new ValidatorSet(Enumerable.Range(0, count).Select(i => V(i)));
        Assert.Equal(quorum, set.QuorumPower);
        Assert.True(3 * set.QuorumPower > 2 * set.TotalPower);
        Assert.True(3 * (set.QuorumPower - 1) <= 2 * set.TotalPower);
    }

    [Fact]
    public void An_empty_set_is_refused_even_when_forced()
    {
        var current = new ValidatorSet([V(0), V(1), V(2), V(3)]);
        Assert.Equal(ValidatorSetChangeVerdict.EmptySet, ValidatorSetChange.Check(current, [], force: true));
        Assert.Throws<ArgumentException>(() => new ValidatorSet([]));
    }

    [Fact]
    public void Replacing_less_than_a_third_is_accepted_and_a_third_or_more_needs_force()
    {
        var current = new ValidatorSet([V(0), V(1), V(2), V(3), V(4), V(5), V(6)]);
        // One of seven removed: 1/7 of the power.
        Assert.Equal(ValidatorSetChangeVerdict.Accepted, ValidatorSetChange.Check(current, [V(0), V(1), V(2), V(3), V(4), V(5)], force: false));
        // One replaced by a newcomer: 2/7 moved.
        Assert.Equal(ValidatorSetChangeVerdict.Accepted, ValidatorSetChange.Check(current, [V(0), V(1), V(2), V(3), V(4), V(5), V(7)], force: false));
        // Two replaced: 4/7 moved.
        Assert.Equal(ValidatorSetChangeVerdict.TooLargeChange, ValidatorSetChange.Check(current, [V(0), V(1), V(2), V(3), V(4), V(7), V(8)], force: false));
        Assert.Equal(ValidatorSetChangeVerdict.Accepted, ValidatorSetChange.Check(current, [V(0), V(1), V(2), V(3), V(4), V(7), V(8)], force: true));
        // Power shift counts too.
        Assert.Equal(ValidatorSetChangeVerdict.TooLargeChange, ValidatorSetChange.Check(current, [V(0, 4), V(1), V(2), V(3), V(4), V(5), V(6)], force: false));
    }

    [Fact]
    public void Duplicate_validators_are_refused()
    {
        var current = new ValidatorSet([V(0), V(1), V(2), V(3)]);
        Assert.Equal(ValidatorSetChangeVerdict.DuplicateValidator, ValidatorSetChange.Check(current, [V(0), V(1), V(2), V(2)], force: true));
    }
}
