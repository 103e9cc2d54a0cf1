using System.Text;
using System.Text.Json;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Tests;
using ShanghaiChain.Vm.Evm;
using ShanghaiChain.Vm.Evm.SystemContracts;
using ShanghaiChain.Vm.SystemContracts;

namespace ShanghaiChain.Vm.Tests.Evm.SystemContracts;

/// <summary>
/// The SM3/SM2 system contract against the GB/T 32905 and GM/T 0003 vectors in shared/fixtures/crypto/vectors.json,
/// called directly and from a compiled Solidity contract (contracts/src/GmCryptoUser.sol).
/// </summary>
public class GmCryptoContractTests
{
    private static readonly Address User = Address.Parse("0x00000000000000000000000000000000000a11ce");

    private static JsonElement Vectors(string name)
    {
        using var json = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(RepositoryPaths.Fixtures, "crypto", "vectors.json")));
        return json.RootElement.GetProperty(name).Clone();
    }

    private sealed record Sm2Vector(byte[] X, byte[] Y, byte[] UserId, byte[] Message, byte[] R, byte[] S);

    private static Sm2Vector Sm2Example()
    {
        var v = Vectors("sm2_sign")[0];
        byte[] Hex(string field) => Convert.FromHexString(v.GetProperty(field).GetString()!);
        return new(Hex("public_key_x"), Hex("public_key_y"), Encoding.ASCII.GetBytes(v.GetProperty("user_id_ascii").GetString()!),
            Encoding.ASCII.GetBytes(v.GetProperty("message_ascii").GetString()!), Hex("r"), Hex("s"));
    }

    private static byte[] Sm2VerifyCall(Sm2Vector v) => Abi.Call("sm2Verify(bytes32,bytes32,bytes,bytes32,bytes32)",
        AbiArg.Word(v.X), AbiArg.Word(v.Y), AbiArg.Bytes(v.Message), AbiArg.Word(v.R), AbiArg.Word(v.S));

    private static SystemContractHost Host() => new(SystemContractRegistry.CreateStandard());

    [Fact]
    public void Sm3_returns_the_GB_T_32905_digests_and_charges_base_plus_per_word()
    {
        var host = Host();
        foreach (var vector in Vectors("sm3").EnumerateArray())
        {
            var message = Encoding.ASCII.GetBytes(vector.GetProperty("message_ascii").GetString()!);
            var result = host.Message(CallKind.StaticCall, GmCryptoContract.Address, Abi.Call("sm3(bytes)", AbiArg.Bytes(message)), 100_000, isStatic: true);
            Assert.Equal(EvmStatus.Returned, result.Status);
            Assert.Equal(vector.GetProperty("digest").GetString(), Convert.ToHexStringLower(result.Output.Span));
            Assert.Equal(GmCryptoContract.Sm3BaseGas + GmCryptoContract.Sm3WordGas * ((message.Length + 31) / 32), 100_000 - result.GasLeft);
        }
    }

    [Fact]
    public void Sm2Verify_accepts_the_GM_T_0003_example_and_rejects_any_change()
    {
        var host = Host();
        var v = Sm2Example();
        bool Verify(Sm2Vector vector)
        {
            var result = host.Message(CallKind.StaticCall, GmCryptoContract.Address, Sm2VerifyCall(vector), isStatic: true);
            Assert.Equal(EvmStatus.Returned, result.Status);
            return Abi.DecodeBool(result.Output.Span);
        }

        Assert.True(Verify(v));
        Assert.False(Verify(v with { Message = Encoding.ASCII.GetBytes("message digesT") }));
        var r = (byte[])v.R.Clone();
        r[31] ^= 1;
        Assert.False(Verify(v with { R = r }));
        Assert.False(Verify(v with { S = new byte[32] }));
        // A point off the curve is not an error: it simply does not verify.
        var y = (byte[])v.Y.Clone();
        y[0] ^= 0x80;
        Assert.False(Verify(v with { Y = y }));
    }

    [Fact]
    public void Sm2VerifyWithId_uses_the_given_user_id_and_refuses_ids_longer_than_GM_T_0003_allows()
    {
        var host = Host();
        var v = Sm2Example();
        CallResult Call(byte[] id) => host.Message(CallKind.StaticCall, GmCryptoContract.Address,
            Abi.Call("sm2VerifyWithId(bytes32,bytes32,bytes,bytes,bytes32,bytes32)",
                AbiArg.Word(v.X), AbiArg.Word(v.Y), AbiArg.Bytes(id), AbiArg.Bytes(v.Message), AbiArg.Word(v.R), AbiArg.Word(v.S)), isStatic: true);

        Assert.True(Abi.DecodeBool(Call(v.UserId).Output.Span));
        Assert.False(Abi.DecodeBool(Call(Encoding.ASCII.GetBytes("ALICE123@YAHOO.COM")).Output.Span));
        var tooLong = Call(new byte[GmCryptoContract.MaxUserIdBytes + 1]);
        Assert.Equal(EvmStatus.Reverted, tooLong.Status);
        Assert.Contains("user ID longer", Abi.DecodeErrorReason(tooLong.Output.Span));
    }

    [Fact]
    public void Malformed_calldata_reverts_with_a_reason_and_keeps_the_unused_gas()
    {
        var host = Host();
        var call = Abi.Call("sm3(bytes)", AbiArg.Bytes([1, 2, 3]));
        // The length word claims more bytes than the calldata holds.
        call[4 + 32 + 31] = 0xff;
        var result = host.Message(CallKind.Call, GmCryptoContract.Address, call, 50_000);
        Assert.Equal(EvmStatus.Reverted, result.Status);
        Assert.Equal("GmCrypto: malformed sm3 arguments", Abi.DecodeErrorReason(result.Output.Span));
        Assert.Equal(50_000, result.GasLeft);

        var unknown = host.Message(CallKind.Call, GmCryptoContract.Address, [0xde, 0xad, 0xbe, 0xef]);
        Assert.Equal("GmCrypto: unknown function", Abi.DecodeErrorReason(unknown.Output.Span));
    }

    [Fact]
    public void Too_little_gas_for_a_verification_fails_and_consumes_it_all()
    {
        var host = Host();
        var result = host.Message(CallKind.StaticCall, GmCryptoContract.Address, Sm2VerifyCall(Sm2Example()), GmCryptoContract.Sm2VerifyGas, isStatic: true);
        Assert.Equal(EvmStatus.OutOfGas, result.Status);
        Assert.Equal(0, result.GasLeft);
    }

    [Fact]
    public void A_solidity_contract_hashes_verifies_and_records_through_the_system_contract()
    {
        var host = Host();
        host.DeployArtifact("GmCryptoUser", User);
        var sm3Vector = Vectors("sm3")[0];
        var abc = Encoding.ASCII.GetBytes(sm3Vector.GetProperty("message_ascii").GetString()!);

        var hash = host.Send(User, Abi.Call("hash(bytes)", AbiArg.Bytes(abc)));
        Assert.Equal(EvmStatus.Returned, hash.Status);
        Assert.Equal(sm3Vector.GetProperty("digest").GetString(), Convert.ToHexStringLower(hash.Output.Span));

        var delegated = host.Send(User, Abi.Call("hashByDelegateCall(bytes)", AbiArg.Bytes(abc)));
        Assert.Equal(EvmStatus.Returned, delegated.Status);
        Assert.Equal(sm3Vector.GetProperty("digest").GetString(), Convert.ToHexStringLower(delegated.Output.Span));

        var v = Sm2Example();
        var submit = Abi.Call("submit(bytes32,bytes32,bytes,bytes32,bytes32)",
            AbiArg.Word(v.X), AbiArg.Word(v.Y), AbiArg.Bytes(v.Message), AbiArg.Word(v.R), AbiArg.Word(v.S));
        var accepted = host.Send(User, submit);
        Assert.Equal(EvmStatus.Returned, accepted.Status);
        var digest = accepted.Output.ToArray();
        var log = Assert.Single(accepted.Logs);
        Assert.Equal(User, log.Address);
        Assert.Equal(Abi.Topic("Accepted(bytes32,address)"), log.Topics[0]);
        Assert.Equal(new Hash32(digest), log.Topics[1]);
        var isAccepted = host.Send(User, Abi.Call("accepted(bytes32)", AbiArg.Word(digest)));
        Assert.True(Abi.DecodeBool(isAccepted.Output.Span));

        var forged = Abi.Call("submit(bytes32,bytes32,bytes,bytes32,bytes32)",
            AbiArg.Word(v.X), AbiArg.Word(v.Y), AbiArg.Bytes(Encoding.ASCII.GetBytes("another message")), AbiArg.Word(v.R), AbiArg.Word(v.S));
        var refused = host.Send(User, forged);
        Assert.Equal(EvmStatus.Reverted, refused.Status);
        Assert.Equal("bad SM2 signature", Abi.DecodeErrorReason(refused.Output.Span));
        Assert.Empty(refused.Logs);
    }

    [Fact]
    public void Value_sent_to_the_system_contract_is_refused_and_stays_with_the_caller()
    {
        var host = Host();
        host.DeployArtifact("GmCryptoUser", User);
        var result = host.Send(User, Abi.Call("sendValue(bytes)", AbiArg.Bytes([1])), new UInt256(1000));
        Assert.Equal(EvmStatus.Returned, result.Status);
        // Returns (bool ok, bytes out): ok is false and out is the system contract's Error(string).
        Assert.Equal(0, result.Output.Span[31]);
        var reason = Abi.DecodeErrorReason(result.Output.Span[(32 + 32 + 32)..]);
        Assert.Equal("GmCrypto: value is not accepted", reason);
        Assert.Equal(new UInt256(1000), host.State.GetBalance(User));
        Assert.Equal(UInt256.Zero, host.State.GetBalance(GmCryptoContract.Address));
    }

    [Fact]
    public void In_conformance_mode_there_are_no_system_contracts()
    {
        var host = new SystemContractHost(registry: null);
        host.DeployArtifact("GmCryptoUser", User);
        // The address is an empty account there: the call returns no data and Solidity's decoding reverts.
        var hash = host.Send(User, Abi.Call("hash(bytes)", AbiArg.Bytes([1, 2, 3])));
        Assert.Equal(EvmStatus.Reverted, hash.Status);
        Assert.True(hash.Output.IsEmpty);
        var direct = host.Message(CallKind.Call, GmCryptoContract.Address, Abi.Call("sm3(bytes)", AbiArg.Bytes([1])));
        Assert.Equal(EvmStatus.Stopped, direct.Status);
        Assert.True(direct.Output.IsEmpty);
        Assert.Null(EvmRules.Cancun.SystemContracts);
    }
}
