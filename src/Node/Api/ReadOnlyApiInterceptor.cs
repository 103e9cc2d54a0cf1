using Grpc.Core;
using Grpc.Core.Interceptors;

namespace ShanghaiChain.Node.Api;

/// <summary>
/// The app API of `shanghaichain inspect`, which serves a stopped node's data dir: the application services answer only
/// their reading methods (by name: Get…, List…, Subscribe…, WaitFor…, Call, EstimateGas); anything else, submissions
/// first of all, is refused with FAILED_PRECONDITION and the reason READ_ONLY before the handler runs. An allow-list, so a
/// method added later is refused here until someone decides it only reads. Health and reflection pass.
/// </summary>
public sealed class ReadOnlyApiInterceptor : Interceptor
{
    public const string Reason = "READ_ONLY";

    private static readonly string[] ReadingPrefixes = ["Get", "List", "Subscribe", "WaitFor", "Call", "EstimateGas"];

    /// <summary>Whether a call of <paramref name="method"/> ("/package.Service/Method") may be served over a stopped node's data.</summary>
    public static bool Allows(string method)
    {
        var slash = method.LastIndexOf('/');
        var service = slash > 0 ? method[1..slash] : "";
        if (!service.StartsWith("shanghaichain.", StringComparison.Ordinal))
        {
            return true;
        }
        var name = method[(slash + 1)..];
        return ReadingPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal));
    }

    private static void Check(ServerCallContext context)
    {
        if (!Allows(context.Method))
        {
            throw ApiErrors.Create(StatusCode.FailedPrecondition, Reason,
                $"this process serves a stopped node's data read-only (shanghaichain inspect): {context.Method} is refused; start the node to submit");
        }
    }

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(request, responseStream, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context,
        ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(requestStream, context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(requestStream, responseStream, context);
    }
}
