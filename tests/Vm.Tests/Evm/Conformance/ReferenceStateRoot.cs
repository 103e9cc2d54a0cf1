using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Vm.Evm.Conformance;
using ShanghaiChain.Vm.Evm.State;

namespace ShanghaiChain.Vm.Tests.Evm.Conformance;

/// <summary>
/// A minimal, test-only Merkle Patricia Trie root over a whole in-memory state (secure trie of accounts, each with
/// its storage trie), so the conformance tests can check post-state roots before src/Core/Trie is merged.
/// Replace with the production trie when the branches merge (issue 6).
/// </summary>
internal static class ReferenceStateRoot
{
    public static Hash32 Compute(InMemoryWorldState state)
    {
        var entries = new List<(byte[] Key, byte[] Value)>();
        foreach (var (address, account) in state.Accounts)
        {
            var storage = account.Storage
                .Where(kv => !kv.Value.IsZero)
                .Select(kv => (Keccak(kv.Key.ToBigEndian()), StandInRlp.EncodeUInt(kv.Value)))
                .ToList();
            var accountRlp = StandInRlp.EncodeList(
            [
                StandInRlp.EncodeUInt(account.Nonce),
                StandInRlp.EncodeUInt(account.Balance),
                StandInRlp.EncodeBytes(Root(storage)),
                StandInRlp.EncodeBytes(account.CodeHash.ToArray()),
            ]);
            entries.Add((Keccak(address.ToArray()), accountRlp));
        }
        return new Hash32(Root(entries));
    }

    private static byte[] Keccak(ReadOnlySpan<byte> data)
    {
        var hash = new byte[32];
        Keccak256Hasher.Hash(data, hash);
        return hash;
    }

    private static byte[] Root(List<(byte[] Key, byte[] Value)> entries)
    {
        if (entries.Count == 0)
        {
            return Keccak(StandInRlp.EncodeBytes([]));
        }
        var items = entries
            .Select(e => (Path: ToNibbles(e.Key), e.Value))
            .OrderBy(e => Convert.ToHexString(e.Path))
            .ToList();
        return Keccak(Node(items, 0));
    }

    private static byte[] ToNibbles(byte[] key)
    {
        var nibbles = new byte[key.Length * 2];
        for (var i = 0; i < key.Length; i++)
        {
            nibbles[2 * i] = (byte)(key[i] >> 4);
            nibbles[2 * i + 1] = (byte)(key[i] & 0x0f);
        }
        return nibbles;
    }

    /// <summary>The RLP of the node holding <paramref name="items"/>, whose paths agree on their first <paramref name="depth"/> nibbles.</summary>
    private static byte[] Node(List<(byte[] Path, byte[] Value)> items, int depth)
    {
        if (items.Count == 1)
        {
            var (path, value) = items[0];
            return StandInRlp.EncodeList([StandInRlp.EncodeBytes(HexPrefix(path.AsSpan(depth), leaf: true)), StandInRlp.EncodeBytes(value)]);
        }
        var first = items[0].Path;
        var common = 0;
        while (depth + common < first.Length && items.All(i => i.Path[depth + common] == first[depth + common]))
        {
            common++;
        }
        if (common > 0)
        {
            var child = Node(items, depth + common);
            return StandInRlp.EncodeList([StandInRlp.EncodeBytes(HexPrefix(first.AsSpan(depth, common), leaf: false)), Reference(child)]);
        }
        var branch = new List<byte[]>();
        for (var nibble = 0; nibble < 16; nibble++)
        {
            var group = items.Where(i => i.Path[depth] == nibble).ToList();
            branch.Add(group.Count == 0 ? StandInRlp.EncodeBytes([]) : Reference(Node(group, depth + 1)));
        }
        branch.Add(StandInRlp.EncodeBytes([]));
        return StandInRlp.EncodeList(branch);
    }

    /// <summary>Nodes shorter than 32 bytes are embedded; longer ones are referenced by hash.</summary>
    private static byte[] Reference(byte[] node) => node.Length < 32 ? node : StandInRlp.EncodeBytes(Keccak(node));

    private static byte[] HexPrefix(ReadOnlySpan<byte> nibbles, bool leaf)
    {
        var odd = nibbles.Length % 2 == 1;
        var flag = (leaf ? 2 : 0) + (odd ? 1 : 0);
        var result = new byte[nibbles.Length / 2 + 1];
        var n = 0;
        if (odd)
        {
            result[0] = (byte)((flag << 4) | nibbles[0]);
            n = 1;
        }
        else
        {
            result[0] = (byte)(flag << 4);
        }
        for (var i = 1; i < result.Length; i++)
        {
            result[i] = (byte)((nibbles[n] << 4) | nibbles[n + 1]);
            n += 2;
        }
        return result;
    }
}
