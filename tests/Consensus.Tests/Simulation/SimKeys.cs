using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using ShanghaiChain.Core.Consensus;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Consensus.Tests.Simulation;

/// <summary>Fixed validator keys for simulations (derived from the index, so a seed replays exactly).</summary>
public static class SimKeys
{
    public const string ChainId = "shanghai-sim";

    private static readonly ConcurrentDictionary<(string Suite, int Index), (byte[] Private, byte[] Public)> Cache = new();

    public static (byte[] Private, byte[] Public) For(CryptoSuite suite, int index) =>
        Cache.GetOrAdd((suite.Name, index), key =>
        {
            var secret = SHA256.HashData(Encoding.UTF8.GetBytes($"shanghaichain-sim-key-{key.Suite}-{key.Index}"));
            // Keep SM2 scalars well inside the group order.
            secret[0] &= 0x7f;
            secret[31] |= 1;
            return (secret, suite.DerivePublicKey(secret));
        });

    public static ValidatorSet ValidatorSet(CryptoSuite suite, int count) =>
        Core.Consensus.ValidatorSet.FromPublicKeys(suite, Enumerable.Range(0, count).Select(i => For(suite, i).Public));

    /// <summary>A set of the given keys with the given powers, in that order.</summary>
    public static ValidatorSet SetOf(CryptoSuite suite, IEnumerable<(int Key, ulong Power)> members) =>
        new(members.Select(m => new Validator(For(suite, m.Key).Public, suite.AddressOf(For(suite, m.Key).Public), m.Power)));

    public static Hash32 GenesisHash(CryptoSuite suite) => suite.Hash(Encoding.UTF8.GetBytes("shanghaichain-sim-genesis"));
}
