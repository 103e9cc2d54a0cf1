using System.Collections.Concurrent;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Ports;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Vm.Execution;

/// <summary>
/// Contract code by its suite hash, and the Keccak-256 of each code (what EXTCODEHASH returns), shared by block
/// execution and read-only calls. Code under a hash never changes, so caching it cannot go stale; the cache is bounded
/// by dropping everything when it grows past <see cref="MaxEntries"/>. Thread-safe.
/// </summary>
public sealed class CodeCache(CryptoSuite suite)
{
    public const int MaxEntries = 4096;

    private readonly ConcurrentDictionary<Hash32, byte[]> _code = new();
    private readonly ConcurrentDictionary<Hash32, Hash32> _keccak = new();

    public CryptoSuite Suite => suite;

    public Hash32 SuiteHash(ReadOnlySpan<byte> code) => suite.Hash(code);

    public byte[]? Get(Hash32 hash, IStateReader state)
    {
        if (_code.TryGetValue(hash, out var code))
        {
            return code;
        }
        code = state.GetCode(hash);
        if (code is not null)
        {
            if (_code.Count >= MaxEntries)
            {
                _code.Clear();
            }
            _code[hash] = code;
        }
        return code;
    }

    public Hash32 Keccak(Hash32 suiteHash, byte[] code)
    {
        if (_keccak.TryGetValue(suiteHash, out var keccak))
        {
            return keccak;
        }
        Span<byte> hash = stackalloc byte[Hash32.Size];
        Keccak256Hasher.Hash(code, hash);
        keccak = new Hash32(hash);
        if (_keccak.Count >= MaxEntries)
        {
            _keccak.Clear();
        }
        _keccak[suiteHash] = keccak;
        return keccak;
    }
}
