using System.Text;
using ShanghaiChain.Core.Crypto;

namespace ShanghaiChain.Core.Peers;

/// <summary>
/// Binds a node's TLS certificate to its identity key: the identity key signs (after the peer-handshake domain tag)
/// the chain id and the SHA-256 of the certificate's SubjectPublicKeyInfo. A peer that presents a certificate with a
/// valid binding by an admitted identity key is that node; TLS alone proves only possession of the certificate key.
/// </summary>
public static class PeerBinding
{
    public const int SpkiHashLength = 32;

    public static byte[] SignBytes(string chainId, ReadOnlySpan<byte> spkiHash)
    {
        if (spkiHash.Length != SpkiHashLength)
        {
            throw new ArgumentException($"the certificate key hash is {SpkiHashLength} bytes");
        }
        var id = Encoding.UTF8.GetBytes(chainId);
        var bytes = new byte[2 + id.Length + SpkiHashLength];
        bytes[0] = (byte)(id.Length >> 8);
        bytes[1] = (byte)id.Length;
        id.CopyTo(bytes, 2);
        spkiHash.CopyTo(bytes.AsSpan(2 + id.Length));
        return bytes;
    }

    public static bool Verify(CryptoSuite suite, ReadOnlySpan<byte> identityKey, string chainId, ReadOnlySpan<byte> spkiHash, ReadOnlySpan<byte> signature) =>
        spkiHash.Length == SpkiHashLength && suite.Verify(identityKey, SigningDomain.PeerHandshake, SignBytes(chainId, spkiHash), signature);
}
