using Google.Protobuf;
using Grpc.Core;

namespace ShanghaiChain.Node.Peers;

/// <summary>
/// How failures of calls to and from peers are told apart: the peer's fault, which costs it score, or the transport's,
/// which never does.
/// </summary>
public static class PeerFailures
{
    /// <summary>
    /// True for a failed or refused call, a broken connection, or a client disposed under the call (dropped after another
    /// failure): the caller gives up on this peer for now, tells <see cref="PeerClients.Failed"/>, and tries later or elsewhere.
    /// </summary>
    public static bool IsPeerFailure(Exception error) =>
        error is RpcException or PeerRefusedException or HttpRequestException or IOException or ObjectDisposedException;

    /// <summary>
    /// True only when the peer sent bytes that are not a valid frame: a message that does not decode (the decoder's
    /// exception, directly or as the cause of the gRPC error) or one over the size cap. Streams reset by a peer that shuts
    /// down, keep-alive timeouts while it is paused or partitioned, and refused connections are transport events: false.
    /// </summary>
    public static bool IsMalformedFrame(Exception error)
    {
        if (error is RpcException { StatusCode: StatusCode.ResourceExhausted })
        {
            return true;
        }
        for (var cause = error; cause is not null; cause = cause is RpcException rpc && rpc.Status.DebugException is { } debug ? debug : cause.InnerException)
        {
            if (cause is InvalidProtocolBufferException or InvalidDataException)
            {
                return true;
            }
        }
        return false;
    }
}
