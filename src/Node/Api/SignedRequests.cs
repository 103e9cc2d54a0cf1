using System.Globalization;
using Grpc.Core;
using ShanghaiChain.Client;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Node.Api;

/// <summary>
/// The node's check of requests signed by an account (docs/api.md, "Signed requests"; made by the client library's
/// <see cref="SignedRequest"/>): three metadata entries name the account's public key,
/// the time of the request, and a signature over the chain id, the gRPC method and that time. The signature proves who
/// asks, not what: the methods that need it are reads. Validated here: each entry present and well-formed, the key a
/// valid key of the chain's suite, the time within <see cref="MaxSkew"/> of the node's clock, the signature. Whether
/// the account may call the method is the service's decision (the roles in the governance record).
/// </summary>
public static class SignedRequests
{
    private const string KeyHeader = SignedRequest.KeyHeader;
    private const string TimeHeader = SignedRequest.TimeHeader;
    private const string SignatureHeader = SignedRequest.SignatureHeader;

    /// <summary>How far a request's time may be from the node's clock, either way.</summary>
    public static readonly TimeSpan MaxSkew = TimeSpan.FromMinutes(2);

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
            !suite.Verify(publicKey, SigningDomain.ApiRequest, SignedRequest.SignBytes(chainId, context.Method, timeMs), signature))
        {
            throw Unauthenticated($"{SignatureHeader} does not verify for this chain, method and time");
        }
        return suite.AddressOf(publicKey);
    }

    private static RpcException Unauthenticated(string message) => ApiErrors.Create(StatusCode.Unauthenticated, "UNAUTHENTICATED", message);
}
