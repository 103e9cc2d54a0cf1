namespace ShanghaiChain.Core.Crypto;

/// <summary>
/// Domain tags prepended to every signed message, so a signature made for one purpose can never be
/// replayed as another (a transaction body can never pass for a vote, and so on).
/// </summary>
public static class SigningDomain
{
    public static ReadOnlySpan<byte> Transaction => "shanghaichain.v1.tx\0"u8;

    public static ReadOnlySpan<byte> Vote => "shanghaichain.v1.vote\0"u8;

    public static ReadOnlySpan<byte> Timeout => "shanghaichain.v1.timeout\0"u8;

    public static ReadOnlySpan<byte> Proposal => "shanghaichain.v1.proposal\0"u8;

    public static ReadOnlySpan<byte> PeerHandshake => "shanghaichain.v1.peer\0"u8;

    /// <summary>A signed API request: who asks (the regulator's API; docs/api.md, "Signed requests").</summary>
    public static ReadOnlySpan<byte> ApiRequest => "shanghaichain.v1.api\0"u8;
}
