using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Grpc.Core;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Node.Api;

/// <summary>
/// Requests signed by an account (docs/api.md, "Signed requests"): three metadata entries name the account's public key,
/// the time of the request, and a signature over the chain id, the gRPC method and that time. The signature proves who
/// asks, not what: the methods that need it are reads. Validated here: each entry present and well-formed, the key a
/// valid key of the chain's suite, the time within <see cref="MaxSkew"/> of the node's clock, the signature. Whether
/// the account may call the method is the service's decision (the roles in the governance record).
/// </summary>
public static class SignedRequests
{
    public const string KeyHeader = "shc-auth-key";
    public const string TimeHeader = "shc-auth-time-ms";
    public const string SignatureHeader = "shc-auth-signature";

    /// <summary>How far a request's time may be from the node's clock, either way.</summary>
    public static readonly TimeSpan MaxSkew = TimeSpan.FromMinutes(2);

    /// <summary>The three entries signing a call of <paramref name="method"/> (e.g. "/shanghaichain.v1.AuditService/ListAuditEvents") now.</summary>
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

    /// <summary>The account that signed this call.</summary>
    /// <exception cref="RpcException">UNAUTHENTICATED, saying what is missing or wrong.</exception>
    public static Address Authenticate(ServerCallContext context, CryptoSuite suite, string chainId, DateTimeOffset now)
    {
        var headers = context.RequestHeaders;
        var keyText = headers.GetValue(KeyHeader);
        var timeText = headers.GetValue(TimeHeader);
        var signatureText = headers.GetValue(SignatureHeader);
        if (keyText is null || timeText is null || signatureText is null)
        {
            throw Unauthenticated($"this method needs a signed request: metadata {KeyHeader}, {TimeHeader} and {SignatureHeader} (docs/api.md, \"Signed requests\")");
        }
        if (!Hex.TryDecode(keyText, out var publicKey) || !suite.IsValidPublicKey(publicKey))
        {
            throw Unauthenticated($"{KeyHeader} is not a valid {suite.Name} public key in hex");
        }
        if (!ulong.TryParse(timeText, NumberStyles.None, CultureInfo.InvariantCulture, out var timeMs))
        {
            throw Unauthenticated($"{TimeHeader} is not a time in milliseconds since the Unix epoch");
        }
        var skew = Math.Abs((double)timeMs - now.ToUnixTimeMilliseconds());
        if (skew > MaxSkew.TotalMilliseconds)
        {
            throw Unauthenticated($"the request was signed for {timeMs}, {skew / 1000:F0} s from this node's clock (at most {MaxSkew.TotalSeconds:F0} s)");
        }
        if (!Hex.TryDecode(signatureText, out var signature) ||
            !suite.Verify(publicKey, SigningDomain.ApiRequest, SignBytes(chainId, context.Method, timeMs), signature))
        {
            throw Unauthenticated($"{SignatureHeader} does not verify for this chain, method and time");
        }
        return suite.AddressOf(publicKey);
    }

    private static RpcException Unauthenticated(string message) => ApiErrors.Create(StatusCode.Unauthenticated, "UNAUTHENTICATED", message);

    private static byte[] SignBytes(string chainId, string method, ulong timeMs)
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
