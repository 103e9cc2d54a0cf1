using Grpc.Core;

namespace ShanghaiChain.Node.Peers;

/// <summary>The errors a call to a peer ends with when the peer, the link or the client is at fault (not this node).</summary>
public static class PeerFailures
{
    /// <summary>
    /// True for a failed or refused call, a broken connection, or a client disposed under the call (dropped after another
    /// failure): the caller gives up on this peer for now, tells <see cref="PeerClients.Failed"/>, and tries later or elsewhere.
    /// </summary>
    public static bool IsPeerFailure(Exception error) =>
        error is RpcException or PeerRefusedException or HttpRequestException or IOException or ObjectDisposedException;
}
