namespace ShanghaiChain.Core.Consensus;

/// <summary>Why a proposed validator-set change is refused (or <see cref="Accepted"/>).</summary>
public enum ValidatorSetChangeVerdict
{
    Accepted,
    EmptySet,
    TooLargeChange,
    DuplicateValidator,
    /// <summary>The epoch's last height the change names is already committed.</summary>
    TooLate,
}

/// <summary>
/// The rule for validator-set changes: the new set may not be empty, and unless forced it may not move a third
/// or more of the voting power at once (so a quorum of the old set is still a quorum-overlapping part of the new one).
/// </summary>
public static class ValidatorSetChange
{
    /// <summary>
    /// Changed power = power removed from old members (dropped or reduced) plus power added (new or increased),
    /// measured against the old total; a change of one third or more is refused unless <paramref name="force"/>.
    /// </summary>
    public static ValidatorSetChangeVerdict Check(ValidatorSet current, IReadOnlyList<Validator> next, bool force)
    {
        if (next.Count == 0 || next.All(v => v.VotingPower == 0))
        {
            return ValidatorSetChangeVerdict.EmptySet;
        }
        if (next.Select(v => v.Address).Distinct().Count() != next.Count)
        {
            return ValidatorSetChangeVerdict.DuplicateValidator;
        }
        if (force)
        {
            return ValidatorSetChangeVerdict.Accepted;
        }
        var old = current.Validators.ToDictionary(v => v.Address, v => v.VotingPower);
        var neu = next.ToDictionary(v => v.Address, v => v.VotingPower);
        decimal changed = 0;
        foreach (var (address, power) in old)
        {
            neu.TryGetValue(address, out var newPower);
            changed += Math.Abs((decimal)power - newPower);
        }
        foreach (var (address, power) in neu)
        {
            if (!old.ContainsKey(address))
            {
                changed += power;
            }
        }
        return changed * 3 >= current.TotalPower ? ValidatorSetChangeVerdict.TooLargeChange : ValidatorSetChangeVerdict.Accepted;
    }
}
