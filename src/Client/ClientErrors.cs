using Grpc.Core;

namespace ShanghaiChain.Client;

/// <summary>
/// The node's typed errors as the client sees them: every API error carries a machine-readable reason in the
/// <see cref="ReasonTrailer"/> trailer (docs/api.md, "Errors"); the library turns them into these exceptions.
/// </summary>
public static class ApiTrailers
{
    /// <summary>The trailer holding the reason of a refusal, e.g. NONCE_TOO_LOW.</summary>
    public const string ReasonTrailer = "shc-reason";

    /// <summary>Hex revert data of a failed EstimateGas (a custom error's selector and arguments, or Error(string)).</summary>
    public const string RevertDataTrailer = "shc-revert-data";

    /// <summary>The reason of a failed call, or null when the node sent none (a transport failure).</summary>
    public static string? ReasonOf(RpcException exception) => exception.Trailers.GetValue(ReasonTrailer);
}

/// <summary>Something the node refused or could not do, with its reason (e.g. NONCE_GAP, MEMPOOL_FULL, NOT_FOUND).</summary>
public class ShanghaiChainException(string reason, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The node's machine-readable reason (docs/api.md, "Errors").</summary>
    public string Reason { get; } = reason;

    internal static ShanghaiChainException From(RpcException exception) =>
        new(ApiTrailers.ReasonOf(exception) ?? exception.StatusCode.ToString().ToUpperInvariant(), exception.Status.Detail, exception);
}

/// <summary>A transaction the node's admission refused: nothing was added to the mempool.</summary>
public sealed class TransactionRejectedException(string reason, string message, Exception? inner = null)
    : ShanghaiChainException(reason, message, inner);

/// <summary>A transaction executed and failed; its receipt says why (the gas it used was charged).</summary>
public sealed class TransactionFailedException(V1.Receipt receipt, string message)
    : ShanghaiChainException(receipt.Error.ToString(), message)
{
    public V1.Receipt Receipt { get; } = receipt;
}

/// <summary>
/// A call or a transaction's gas estimate that failed in execution: <see cref="RevertData"/> is what the contract
/// reverted with (a custom error's selector and arguments, Error(string), or nothing).
/// </summary>
public sealed class ExecutionRevertedException(string message, byte[] revertData, Exception? inner = null)
    : ShanghaiChainException("EXECUTION_FAILED", message, inner)
{
    public byte[] RevertData { get; } = revertData;
}
