namespace ShanghaiChain.Core.Crypto;

/// <summary>
/// The deterministic SM2 nonce: RFC 6979 section 3.2 (HMAC-DRBG seeded with the private key and the message hash),
/// with HMAC-SM3 as the HMAC, for the curve order n of sm2p256v1 (qlen = hlen = 256, so bits2int is the identity).
/// </summary>
/// <remarks>
/// Why deterministic: a signature needs no random source, so a weak or repeated one can never leak the key, and signing
/// is reproducible in tests. Why SM3: the <c>sm2-sm3</c> suite then uses national algorithms throughout. The message hash
/// h1 is SM2's e = SM3(Z ‖ message), reduced mod n (bits2octets). A candidate k outside [1, n−1], or one that gives r = 0,
/// r + k = n or s = 0, is replaced by the next output of the generator (K = HMAC_K(V ‖ 0x00), V = HMAC_K(V)), as RFC 6979
/// prescribes. Two keys or two messages never share a k unless HMAC-SM3 collides.
/// </remarks>
internal ref struct Sm2Nonce
{
    private const int BlockSize = 64; // SM3's block, HMAC's key pad
    private const int Size = 32;

    private Span<byte> _k;
    private Span<byte> _v;
    private bool _started;

    /// <summary>Seeds the generator; <paramref name="state"/> is 64 bytes of scratch for K and V, cleared by <see cref="Clear"/>.</summary>
    public Sm2Nonce(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> messageHash, Span<byte> state)
    {
        _k = state[..Size];
        _v = state[Size..(2 * Size)];
        _v.Fill(0x01);
        _k.Clear();
        _started = false;
        // h1 mod n as 32 bytes (bits2octets).
        Span<byte> h = stackalloc byte[Size];
        Sm2Scalar.Reduce(Sm2Scalar.FromBytes(messageHash)).WriteBytes(h);
        Span<byte> seed = stackalloc byte[Size + 1 + Size + Size];
        for (byte round = 0; round < 2; round++)
        {
            // K = HMAC_K(V ‖ round ‖ x ‖ h1); V = HMAC_K(V).
            _v.CopyTo(seed);
            seed[Size] = round;
            privateKey.CopyTo(seed[(Size + 1)..]);
            h.CopyTo(seed[(Size + 1 + Size)..]);
            Hmac(_k, seed, _k);
            Hmac(_k, _v, _v);
        }
        seed.Clear();
    }

    /// <summary>The next candidate k in [1, n−1].</summary>
    public Sm2Scalar Next()
    {
        Span<byte> extended = stackalloc byte[Size + 1];
        while (true)
        {
            if (_started)
            {
                // After a rejected candidate: K = HMAC_K(V ‖ 0x00); V = HMAC_K(V).
                _v.CopyTo(extended);
                extended[Size] = 0;
                Hmac(_k, extended, _k);
                Hmac(_k, _v, _v);
            }
            _started = true;
            Hmac(_k, _v, _v);
            var candidate = Sm2Scalar.FromBytes(_v);
            // Rejection is public (it happens with probability about 2^-32 and only discards this candidate).
            if ((candidate.BelowNMask() & ~candidate.ZeroMask()) != 0)
            {
                return candidate;
            }
        }
    }

    public readonly void Clear()
    {
        _k.Clear();
        _v.Clear();
    }

    /// <summary>HMAC-SM3 (RFC 2104) with a 32-byte key; <paramref name="destination"/> may overlap either input.</summary>
    internal static void Hmac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> message, Span<byte> destination)
    {
        Span<byte> pad = stackalloc byte[BlockSize];
        Span<byte> inner = stackalloc byte[Size];
        pad.Clear();
        key.CopyTo(pad);
        for (var i = 0; i < BlockSize; i++)
        {
            pad[i] ^= 0x36;
        }
        Sm3Hasher.Hash(pad, message, inner);
        for (var i = 0; i < BlockSize; i++)
        {
            pad[i] ^= 0x36 ^ 0x5C;
        }
        Sm3Hasher.Hash(pad, inner, destination);
        pad.Clear();
    }
}
