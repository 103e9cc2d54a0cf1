using System.Collections.Frozen;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Genesis;
using ShanghaiChain.Core.Peers;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Node.Peers;

/// <summary>
/// Who may talk to this node on the peer port: the node identity keys admitted by genesis, then by the on-chain node
/// registry (<see cref="NodeRegistryService"/> replaces the set as the committee decides). A peer proves its identity
/// by the binding between its TLS certificate and an admitted key; see docs/peers.md.
/// </summary>
public sealed class PeerAdmission(GenesisFile genesis)
{
    private volatile FrozenSet<string> _admitted = genesis.Nodes.Select(n => Hex.Encode(Hex.Decode(n.PublicKey))).ToFrozenSet(StringComparer.Ordinal);
    private readonly CryptoSuite _suite = genesis.Suite;

    /// <summary>Replaces the admitted keys (the registry at the committed head); checks from now on use the new set.</summary>
    public void Update(IEnumerable<byte[]> publicKeys) => _admitted = publicKeys.Select(k => Hex.Encode(k)).ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Whether the node key (hex) is admitted now.</summary>
    public bool IsAdmitted(string identity) => _admitted.Contains(identity);

    public int Count => _admitted.Count;

    /// <summary>Checks identity metadata against the certificate the peer presented; returns the reason when refused.</summary>
    public bool Check(Metadata metadata, X509Certificate? certificate, out string identity, out string reason)
    {
        identity = metadata.GetValue(PeerCertificate.KeyHeader) ?? "";
        var binding = metadata.GetValue(PeerCertificate.BindingHeader) ?? "";
        if (certificate is null)
        {
            reason = "no TLS client certificate";
            return false;
        }
        if (!Hex.TryDecode(identity, out var key) || !Hex.TryDecode(binding, out var signature))
        {
            reason = "missing or malformed node identity";
            return false;
        }
        identity = Hex.Encode(key);
        if (!_admitted.Contains(identity))
        {
            reason = $"node key {identity} is not admitted on chain '{genesis.ChainId}'";
            return false;
        }
        if (!PeerBinding.Verify(_suite, key, genesis.ChainId, PeerCertificate.SpkiHash(certificate), signature))
        {
            reason = "the node identity does not sign this TLS certificate";
            return false;
        }
        reason = "";
        return true;
    }
}
