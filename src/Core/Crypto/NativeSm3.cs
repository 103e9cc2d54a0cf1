using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Digests;

namespace ShanghaiChain.Core.Crypto;

/// <summary>
/// SM3 through OpenSSL's EVP interface, with one digest context per thread that is reset, never reallocated, between
/// hashes, and the algorithm fetched once (<c>EVP_MD_fetch</c>, so no implicit lookup per hash).
/// </summary>
/// <remarks>
/// Why: SM3 hashes every trie node and transaction id of an <c>sm2-sm3</c> chain. BouncyCastle's managed SM3 allocates a
/// digest object per hash and runs at about a sixth of OpenSSL's speed on the project's machine (docs/benchmarks.md,
/// "SM3"). OpenSSL 3 exports no low-level SM3 functions (unlike SHA-256, see <see cref="NativeSha256"/>), so the EVP
/// calls are used, on a context kept per thread.
/// <para>
/// When it applies: Linux with OpenSSL 3 (which .NET itself needs there) built with SM3, as Debian's is. The result is
/// checked against BouncyCastle on known inputs before use; anywhere else <see cref="Available"/> is false and
/// <see cref="Sm3Hasher"/> uses BouncyCastle. The two give the same digests; only the speed differs.
/// </para>
/// <para>
/// Inputs up to <see cref="NoTransitionLimit"/> bytes are hashed without the GC transition; longer ones take the
/// ordinary P/Invoke transition.
/// </para>
/// </remarks>
internal static unsafe class NativeSm3
{
    /// <summary>Longest input hashed without a GC transition (one 4 KiB page takes about 20 µs).</summary>
    internal const int NoTransitionLimit = 4096;

    private static readonly nint s_md;
    private static readonly delegate* unmanaged[Cdecl]<nint> s_newContext;
    private static readonly delegate* unmanaged[Cdecl]<nint, void> s_freeContext;
    private static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, nint, nint, int> s_initFast;
    private static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, byte*, nuint, int> s_updateFast;
    private static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, byte*, uint*, int> s_finalFast;
    private static readonly delegate* unmanaged[Cdecl]<nint, byte*, nuint, int> s_update;

    [ThreadStatic]
    private static ContextHolder? t_context;

    /// <summary>True when OpenSSL's SM3 was found and passed the known-answer check.</summary>
    internal static bool Available { get; }

    static NativeSm3()
    {
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libcrypto.so.3", out var library))
        {
            return;
        }
        if (NativeLibrary.TryGetExport(library, "EVP_MD_fetch", out var fetch)
            && NativeLibrary.TryGetExport(library, "EVP_MD_CTX_new", out var newContext)
            && NativeLibrary.TryGetExport(library, "EVP_MD_CTX_free", out var freeContext)
            && NativeLibrary.TryGetExport(library, "EVP_DigestInit_ex", out var init)
            && NativeLibrary.TryGetExport(library, "EVP_DigestUpdate", out var update)
            && NativeLibrary.TryGetExport(library, "EVP_DigestFinal_ex", out var final))
        {
            var name = Marshal.StringToCoTaskMemUTF8("SM3");
            try
            {
                s_md = ((delegate* unmanaged[Cdecl]<nint, nint, nint, nint>)fetch)(0, name, 0);
            }
            finally
            {
                Marshal.FreeCoTaskMem(name);
            }
            if (s_md != 0)
            {
                s_newContext = (delegate* unmanaged[Cdecl]<nint>)newContext;
                s_freeContext = (delegate* unmanaged[Cdecl]<nint, void>)freeContext;
                s_initFast = (delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, nint, nint, int>)init;
                s_updateFast = (delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, byte*, nuint, int>)update;
                s_finalFast = (delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, byte*, uint*, int>)final;
                s_update = (delegate* unmanaged[Cdecl]<nint, byte*, nuint, int>)update;
                Available = SelfTest();
                if (Available)
                {
                    return;
                }
            }
        }
        NativeLibrary.Free(library);
    }

    /// <summary>Hashes the concatenation of two inputs into the first 32 bytes of <paramref name="destination"/>.</summary>
    internal static void Hash(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, Span<byte> destination)
    {
        if (destination.Length < 32)
        {
            throw new ArgumentException("The destination must hold 32 bytes.", nameof(destination));
        }
        var context = (t_context ??= new ContextHolder()).Context;
        uint length = 0;
        fixed (byte* a = first, b = second, output = destination)
        {
            // OpenSSL returns 1 on success; these cannot fail for a valid context, but a failure must not pass silently.
            var ok = s_initFast(context, s_md, 0) == 1 && Update(context, a, first.Length) && Update(context, b, second.Length)
                && s_finalFast(context, output, &length) == 1;
            if (!ok || length != 32)
            {
                throw new CryptographicException("OpenSSL SM3 failed.");
            }
        }
    }

    private static bool Update(nint context, byte* data, int length) => length == 0
        || (length <= NoTransitionLimit ? s_updateFast(context, data, (nuint)length) : s_update(context, data, (nuint)length)) == 1;

    /// <summary>The managed reference (BouncyCastle), used where OpenSSL's SM3 is not available and to check it.</summary>
    internal static void HashManaged(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, Span<byte> destination)
    {
        var digest = new SM3Digest();
        digest.BlockUpdate(first);
        digest.BlockUpdate(second);
        digest.DoFinal(destination);
    }

    private static bool SelfTest() => NativeDigestCheck.Agrees(static (data, destination) => HashManaged(data, [], destination), Hash, NoTransitionLimit);

    /// <summary>A thread's digest context, freed when the thread (and so this holder) is gone.</summary>
    private sealed class ContextHolder
    {
        public ContextHolder()
        {
            Context = s_newContext();
            if (Context == 0)
            {
                throw new OutOfMemoryException("OpenSSL could not allocate an SM3 context.");
            }
        }

        public nint Context { get; }

        ~ContextHolder() => s_freeContext(Context);
    }
}
