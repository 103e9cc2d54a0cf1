using System.Buffers.Binary;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Core.Consensus;

/// <summary>One member of an epoch's validator set: its public key, derived address and voting power.</summary>
public sealed record Validator(byte[] PublicKey, Address Address, ulong VotingPower);

/// <summary>
/// The validators of one epoch, in their canonical order (validator indices in certificates refer to it),
/// with the quorum threshold: more than two thirds of the total voting power.
/// </summary>
public sealed class ValidatorSet
{
    private readonly Validator[] _validators;

    public ValidatorSet(IEnumerable<Validator> validators)
    {
        _validators = [.. validators];
        if (_validators.Length == 0)
        {
            throw new ArgumentException("a validator set cannot be empty");
        }
        ulong total = 0;
        foreach (var v in _validators)
        {
            if (v.VotingPower == 0)
            {
                throw new ArgumentException($"validator {v.Address} has zero voting power");
            }
            total = checked(total + v.VotingPower);
        }
        TotalPower = total;
        // floor(2 * total / 3) + 1, computed without overflow.
        QuorumPower = total / 3 * 2 + (total % 3) * 2 / 3 + 1;
        MaxFaultyPower = total - QuorumPower;
    }

    /// <summary>Builds a set of equal-power validators from public keys, in the given order.</summary>
    public static ValidatorSet FromPublicKeys(CryptoSuite suite, IEnumerable<byte[]> publicKeys, ulong power = 1) =>
        new(publicKeys.Select(k => new Validator(k, suite.AddressOf(k), power)));

    public int Count => _validators.Length;

    public Validator this[int index] => _validators[index];

    public IReadOnlyList<Validator> Validators => _validators;

    public ulong TotalPower { get; }

    /// <summary>Smallest voting power that is more than two thirds of the total (2f+1 for equal powers).</summary>
    public ulong QuorumPower { get; }

    /// <summary>Largest voting power the protocol tolerates being Byzantine (f for equal powers).</summary>
    public ulong MaxFaultyPower { get; }

    /// <summary>Power that guarantees at least one honest member (f+1 for equal powers).</summary>
    public ulong ValidityPower => MaxFaultyPower + 1;

    public int IndexOf(Address address)
    {
        for (var i = 0; i < _validators.Length; i++)
        {
            if (_validators[i].Address == address)
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>Suite hash over (public key length, public key, voting power) of every member in order.</summary>
    public Hash32 Hash(CryptoSuite suite) => HashOf(suite, _validators.Select(v => ((ReadOnlyMemory<byte>)v.PublicKey, v.VotingPower)));

    /// <summary>
    /// The same hash of a set as sent on the wire, without decoding its keys: what a node checks a received set against
    /// (the hash a certified header names) before anything else reads it.
    /// </summary>
    public static Hash32 Hash(CryptoSuite suite, RelayValidatorSet set) =>
        HashOf(suite, set.Validators.Select(v => (v.PublicKey.Memory, v.Power)));

    /// <summary>The wire form of the set, in its order.</summary>
    public RelayValidatorSet ToMessage()
    {
        var message = new RelayValidatorSet();
        foreach (var v in _validators)
        {
            message.Validators.Add(new RelayValidator { PublicKey = Google.Protobuf.ByteString.CopyFrom(v.PublicKey), Power = v.VotingPower });
        }
        return message;
    }

    private static Hash32 HashOf(CryptoSuite suite, IEnumerable<(ReadOnlyMemory<byte> PublicKey, ulong Power)> members)
    {
        using var stream = new MemoryStream();
        Span<byte> word = stackalloc byte[8];
        foreach (var (publicKey, power) in members)
        {
            BinaryPrimitives.WriteUInt32BigEndian(word, (uint)publicKey.Length);
            stream.Write(word[..4]);
            stream.Write(publicKey.Span);
            BinaryPrimitives.WriteUInt64BigEndian(word, power);
            stream.Write(word);
        }
        return suite.Hash(stream.ToArray());
    }
}
