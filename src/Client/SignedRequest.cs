using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Grpc.Core;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Client;

/// <summary>
/// Signed requests (docs/api.md, "Signed requests"): three metadata entries name the account's public key, the time
/// of the request, and its signature over the chain id, the gRPC method and that time. Methods that answer only some
/// accounts (the regulator's <c>AuditService</c>) need them. The node checks them in its own <c>SignedRequests</c>,
/// over the bytes <see cref="SignBytes"/> gives.
/// </summary>
public static class SignedRequest
{
    public const string KeyHeader = "shc-auth-key";
    public const string TimeHeader = "shc-auth-time-ms";
    public const string SignatureHeader = "shc-auth-signature";

    /// <summary>The three entries signing a call of <paramref name="method"/> (e.g. "/shanghaichain.v1.AuditService/ListAuditEvents") at <paramref name="now"/>.</summary>
    public static Metadata Sign(KeyFile key, string chainId, string method, DateTimeOffset now)
    {
        var timeMs = (ulong)now.ToUnixTimeMilliseconds();
        return new Metadata
        {
            { KeyHeader, Hex.Encode(key.PublicKey) },
            { TimeHeader, timeMs.ToString(CultureInfo.InvariantCulture) },
            { SignatureHeader, Hex.Encode(key.Sign(SigningDomain.ApiRequest, SignBytes(chainId, method, timeMs))) },
        };
    }

    /// <summary>What is signed: chain id, 0, method, 0, time in ms as 8 bytes big-endian.</summary>
    public static byte[] SignBytes(string chainId, string method, ulong timeMs)
    {
        var chain = Encoding.UTF8.GetBytes(chainId);
        var name = Encoding.UTF8.GetBytes(method);
        var bytes = new byte[chain.Length + 1 + name.Length + 1 + 8];
        chain.CopyTo(bytes, 0);
        name.CopyTo(bytes, chain.Length + 1);
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(bytes.Length - 8), timeMs);
        return bytes;
    }
}
