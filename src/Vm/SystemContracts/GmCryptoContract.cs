using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Vm.Abi;
using ShanghaiChain.Vm.Evm;
using ShanghaiChain.Vm.Evm.SystemContracts;
using Address = ShanghaiChain.Core.Primitives.Address;

namespace ShanghaiChain.Vm.SystemContracts;

/// <summary>
/// National-cryptography helpers for Solidity on every chain (whatever its own crypto suite): the SM3 hash (GB/T 32905)
/// and SM2 signature verification (GB/T 32918 / GM/T 0003, curve sm2p256v1). Stateless and pure, so STATICCALL,
/// DELEGATECALL and CALLCODE all work; value is refused. ABI: contracts/IGmCrypto.sol; prices: docs/evm.md.
/// Input validated here: malformed ABI and over-long user IDs revert with a reason; an invalid public key or signature
/// is not an error, it verifies as false.
/// </summary>
public sealed class GmCryptoContract : ISystemContract
{
    /// <summary>0x0000000000000000000000000000000000001001.</summary>
    public static readonly Address Address = SystemContractRegistry.AddressOf(0x01);

    /// <summary>sm3(bytes) → bytes32: base + per 32-byte word of input.</summary>
    public const long Sm3BaseGas = 60;
    public const long Sm3WordGas = 12;

    /// <summary>
    /// sm2Verify / sm2VerifyWithId → bool: a fixed price plus SM3 per word of message and user ID. BouncyCastle's SM2
    /// verification takes about 3.7 ms (docs/benchmarks.md), so 100,000 gas keeps it near 27 Mgas/s, the pace of the
    /// interpreter's slow paths; the price comes down with the fast SM2 of our own.
    /// </summary>
    public const long Sm2VerifyGas = 100_000;

    /// <summary>GM/T 0003 encodes the user ID's bit length in 16 bits.</summary>
    public const int MaxUserIdBytes = 8191;

    public static readonly uint Sm3Selector = AbiSignature.Selector("sm3(bytes)");
    public static readonly uint Sm2VerifySelector = AbiSignature.Selector("sm2Verify(bytes32,bytes32,bytes,bytes32,bytes32)");
    public static readonly uint Sm2VerifyWithIdSelector = AbiSignature.Selector("sm2VerifyWithId(bytes32,bytes32,bytes,bytes,bytes32,bytes32)");

    public string Name => "GmCrypto";

    public bool AllowsDelegation => true;

    public bool AcceptsValue => false;

    public SystemCallResult Run(SystemCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!AbiReader.TryCreate(context.Input.Span, out var selector, out var args))
        {
            return SystemCallResult.RevertWithReason("GmCrypto: calldata shorter than a selector");
        }
        if (selector == Sm3Selector)
        {
            return Sm3(context, args);
        }
        if (selector == Sm2VerifySelector)
        {
            return Sm2Verify(context, args, withId: false);
        }
        if (selector == Sm2VerifyWithIdSelector)
        {
            return Sm2Verify(context, args, withId: true);
        }
        return SystemCallResult.RevertWithReason("GmCrypto: unknown function");
    }

    private static SystemCallResult Sm3(SystemCallContext context, AbiReader args)
    {
        if (!args.TryBytes(0, out var data))
        {
            return SystemCallResult.RevertWithReason("GmCrypto: malformed sm3 arguments");
        }
        if (!context.TryUseGas(Sm3BaseGas + Sm3WordGas * GasCosts.Words(data.Length)))
        {
            return SystemCallResult.Fail(context.FailureStatus);
        }
        var digest = new byte[32];
        Sm3Hasher.Hash(data, digest);
        return SystemCallResult.Return(digest);
    }

    private static SystemCallResult Sm2Verify(SystemCallContext context, AbiReader args, bool withId)
    {
        // Arguments: x, y, [userId,] message, r, s.
        var m = withId ? 3 : 2;
        ReadOnlySpan<byte> userId = Sm2.DefaultUserId;
        if (!args.TryWord(0, out var x) || !args.TryWord(1, out var y) ||
            (withId && !args.TryBytes(2, out userId)) || !args.TryBytes(m, out var message) ||
            !args.TryWord(m + 1, out var r) || !args.TryWord(m + 2, out var s))
        {
            return SystemCallResult.RevertWithReason("GmCrypto: malformed sm2Verify arguments");
        }
        if (userId.Length > MaxUserIdBytes)
        {
            return SystemCallResult.RevertWithReason($"GmCrypto: user ID longer than {MaxUserIdBytes} bytes");
        }
        if (!context.TryUseGas(Sm2VerifyGas + Sm3WordGas * (GasCosts.Words(message.Length) + GasCosts.Words(userId.Length))))
        {
            return SystemCallResult.Fail(context.FailureStatus);
        }
        Span<byte> publicKey = stackalloc byte[65];
        publicKey[0] = 0x04;
        x.CopyTo(publicKey[1..]);
        y.CopyTo(publicKey[33..]);
        Span<byte> signature = stackalloc byte[64];
        r.CopyTo(signature);
        s.CopyTo(signature[32..]);
        var valid = Sm2.Verify(publicKey, userId, [], message, signature);
        return SystemCallResult.Return(AbiWriter.Bool(valid));
    }
}
