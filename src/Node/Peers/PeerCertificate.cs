using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Peers;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Node.Peers;

/// <summary>
/// This node's TLS certificate on the peer port: a fresh self-signed ECDSA P-256 certificate per process start,
/// bound to the node's identity key by <see cref="PeerBinding"/>. Nothing to manage on disk but the identity key.
/// </summary>
public sealed class PeerCertificate : IDisposable
{
    public const string KeyHeader = "shc-node-key";
    public const string BindingHeader = "shc-node-binding";

    private PeerCertificate(X509Certificate2 certificate, KeyFile identity, byte[] binding)
    {
        Certificate = certificate;
        Identity = identity;
        Binding = binding;
    }

    public X509Certificate2 Certificate { get; }

    public KeyFile Identity { get; }

    /// <summary>The identity key's signature over the chain id and this certificate's key hash.</summary>
    public byte[] Binding { get; }

    public string IdentityHex => Hex.Encode(Identity.PublicKey);

    public static PeerCertificate Create(KeyFile identity, string chainId)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=shanghaichain-node-" + identity.Address, key, HashAlgorithmName.SHA256);
        var now = DateTimeOffset.UtcNow;
        using var created = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
        // Re-import through PKCS#12 so the private key is usable by the TLS stack on every platform.
        var certificate = X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
        var binding = identity.Sign(SigningDomain.PeerHandshake, PeerBinding.SignBytes(chainId, SpkiHash(certificate)));
        return new PeerCertificate(certificate, identity, binding);
    }

    /// <summary>SHA-256 of the certificate's SubjectPublicKeyInfo: what a binding signs.</summary>
    public static byte[] SpkiHash(X509Certificate certificate)
    {
        using var certificate2 = new X509Certificate2(certificate);
        return SHA256.HashData(certificate2.PublicKey.ExportSubjectPublicKeyInfo());
    }

    public void Dispose() => Certificate.Dispose();
}
