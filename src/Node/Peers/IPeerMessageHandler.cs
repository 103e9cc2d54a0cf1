using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Peers;

/// <summary>Judges and consumes each frame a peer sends after its Hello (the consensus side of a validator implements it).</summary>
public interface IPeerMessageHandler
{
    /// <summary>Runs on the link's receive loop; the verdict says whether the frame proves the peer faulty.</summary>
    PeerVerdict Handle(PeerLink link, PeerMessage message);
}
