using Grpc.Core;
using ShanghaiChain.Client;
using ShanghaiChain.Core.Transactions;

namespace ShanghaiChain.Node.Api;

/// <summary>
/// Typed API errors: a gRPC status code plus the machine-readable reason in the "shc-reason" trailer
/// (docs/api.md lists them).
/// </summary>
public static class ApiErrors
{
    /// <summary>The trailer names are the client library's (<see cref="ApiTrailers"/>): one definition for both sides.</summary>
    public const string ReasonTrailer = ApiTrailers.ReasonTrailer;

    /// <inheritdoc cref="ApiTrailers.RevertDataTrailer"/>
    public const string RevertDataTrailer = ApiTrailers.RevertDataTrailer;

    public static RpcException Create(StatusCode code, string reason, string message) =>
        new(new Status(code, message), new Metadata { { ReasonTrailer, reason } });

    public static RpcException FromRejection(TxRejectReason reason, string message) =>
        Create(CodeOf(reason), reason.ToWireName(), message);

    public static RpcException InvalidArgument(string message) => Create(StatusCode.InvalidArgument, "INVALID_ARGUMENT", message);

    /// <summary>A per-client bound of the API (docs/resource-limits.md) was reached.</summary>
    public static RpcException Exhausted(string reason, string message) => Create(StatusCode.ResourceExhausted, reason, message);

    public static RpcException NotFound(string message) => Create(StatusCode.NotFound, "NOT_FOUND", message);

    public static StatusCode CodeOf(TxRejectReason reason) => reason switch
    {
        TxRejectReason.Malformed or TxRejectReason.Oversized or TxRejectReason.BadSignature or TxRejectReason.WrongChainId
            or TxRejectReason.InvalidField => StatusCode.InvalidArgument,
        TxRejectReason.Duplicate => StatusCode.AlreadyExists,
        TxRejectReason.MempoolFull or TxRejectReason.SenderLimitReached => StatusCode.ResourceExhausted,
        TxRejectReason.Unsupported => StatusCode.Unimplemented,
        TxRejectReason.PermissionDenied => StatusCode.PermissionDenied,
        _ => StatusCode.FailedPrecondition,
    };
}
