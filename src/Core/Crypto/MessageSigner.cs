namespace ShanghaiChain.Core.Crypto;

/// <summary>
/// A private key prepared once for repeated signing (the imported Ed25519 key; SM2's scalar and user hash), so a
/// validator or a load generator does not redo key setup for every signature.
/// </summary>
public abstract class MessageSigner : IDisposable
{
    /// <summary>Signs the domain tag followed by the message.</summary>
    public abstract byte[] Sign(ReadOnlySpan<byte> domain, ReadOnlySpan<byte> message);

    public virtual void Dispose() => GC.SuppressFinalize(this);
}
