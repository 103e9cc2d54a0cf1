using Grpc.Core;
using ShanghaiChain.Core.Transactions;

namespace ShanghaiChain.Node.Api;

/// <summary>
/// Typed API errors: a gRPC status code plus the machine-readable reason in the "shc-reason" trailer
/// (docs/api.md lists them).
/// </summary>
public static class ApiErrors
{
    public const string ReasonTrailer = "shc-reason";

    /// <summary>Hex revert data of a failed EstimateGas (a custom error's selector and arguments, or Error(string)).</summary>
    public const string RevertDataTrailer = "shc-revert-data";

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
