using System.Numerics;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Vm.Evm;
using ShanghaiChain.Vm.Evm.Precompiles;

namespace ShanghaiChain.Vm.Tests.Evm;

/// <summary>Known-answer vectors for the precompiles (inputs and outputs from the defining EIPs and hash standards).</summary>
public class PrecompileTests
{
    private static CallResult Run(int index, string inputHex, long gas = 10_000_000) =>
        PrecompileSet.Get(PrecompileSet.AddressOf(index))!.Run(Convert.FromHexString(inputHex), gas);

    [Fact]
    public void Sha256_of_empty_input()
    {
        var result = Run(2, "");
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Convert.ToHexStringLower(result.Output.Span));
        Assert.Equal(10_000_000 - 60, result.GasLeft);
    }

    [Fact]
    public void Ripemd160_of_empty_input_is_left_padded()
    {
        var result = Run(3, "");
        Assert.Equal("0000000000000000000000009c1185a5c5e9fc54612808977ee8f548b2258d31", Convert.ToHexStringLower(result.Output.Span));
    }

    [Fact]
    public void Identity_copies_and_charges_per_word()
    {
        var result = Run(4, "0102030405");
        Assert.Equal("0102030405", Convert.ToHexStringLower(result.Output.Span));
        Assert.Equal(10_000_000 - 18, result.GasLeft);
    }

    [Fact]
    public void Ecrecover_recovers_the_signer()
    {
        // A signature over keccak256("hello") ... from the widely used go-ethereum ecrecover test vector.
        var input =
            "18c547e4f7b0f325ad1e56f57e26c745b09a3e503d86e00e5255ff7f715d3d1c" +
            "000000000000000000000000000000000000000000000000000000000000001c" +
            "73b1693892219d736caba55bdb67216e485557ea6b6af75f37096c9aa6a5a75f" +
            "eeb940b1d03b21e36b0e47e79769f095fe2ab855bd91e3a38756b7d75a9c4549";
        var result = Run(1, input);
        Assert.Equal(EvmStatus.Returned, result.Status);
        Assert.Equal("000000000000000000000000a94f5374fce5edbc8e2a8697c15331677e6ebf0b", Convert.ToHexStringLower(result.Output.Span));
    }

    [Fact]
    public void Ecrecover_with_bad_v_returns_nothing_but_succeeds()
    {
        var result = Run(1, new string('0', 62) + "01" + new string('0', 62) + "1d" + new string('1', 128));
        Assert.Equal(EvmStatus.Returned, result.Status);
        Assert.Equal(0, result.Output.Length);
        Assert.Equal(10_000_000 - 3000, result.GasLeft);
    }

    [Fact]
    public void Modexp_computes_fermat_little_theorem()
    {
        // 3^(p-1) mod p = 1 for p = 2^256 - 2^32 - 977 (the EIP-198 example).
        var input = "0000000000000000000000000000000000000000000000000000000000000001" +
                    "0000000000000000000000000000000000000000000000000000000000000020" +
                    "0000000000000000000000000000000000000000000000000000000000000020" +
                    "03" +
                    "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2e" +
                    "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f";
        var result = Run(5, input);
        Assert.Equal(EvmStatus.Returned, result.Status);
        Assert.Equal(new UInt256(1), UInt256.ReadBigEndian32(result.Output.Span));
        // EIP-2565: words = 4, complexity 16, iterations 255 → 16·255/3 = 1360.
        Assert.Equal(10_000_000 - 1360, result.GasLeft);
    }

    [Fact]
    public void Blake2f_matches_the_eip152_vector()
    {
        var h = "48c9bdf267e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5d182e6ad7f520e511f6c3e2b8c68059b6bbd41fbabd9831f79217e1319cde05b";
        var m = "616263".PadRight(256, '0');
        var t = "0300000000000000" + "0000000000000000";
        var input = "0000000c" + h + m + t + "01";
        var result = Run(9, input);
        Assert.Equal(EvmStatus.Returned, result.Status);
        Assert.Equal("ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923",
            Convert.ToHexStringLower(result.Output.Span));
        Assert.Equal(10_000_000 - 12, result.GasLeft);
    }

    private static string Word(BigInteger v) => v.ToString("x64")[^64..];

    private const string G2 =
        "198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2" +
        "1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed" +
        "090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b" +
        "12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa";

    [Fact]
    public void Bn254_add_and_mul_agree()
    {
        var g = Word(1) + Word(2);
        var doubled = Run(6, g + g);
        var times2 = Run(7, g + Word(2));
        Assert.Equal(EvmStatus.Returned, doubled.Status);
        Assert.Equal(doubled.Output.ToArray(), times2.Output.ToArray());
        // 2G has x = 0x030644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd3.
        Assert.Equal("030644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd3", Convert.ToHexStringLower(doubled.Output.Span[..32]));
        // r·G is the point at infinity.
        Assert.All(Run(7, g + Word(Bn254.R)).Output.ToArray(), b => Assert.Equal(0, b));
    }

    [Fact]
    public void Bn254_add_rejects_a_point_off_the_curve() =>
        Assert.Equal(EvmStatus.PrecompileFailure, Run(6, Word(1) + Word(3) + Word(1) + Word(2)).Status);

    [Fact]
    public void Bn254_pairing_of_a_point_and_its_negation_is_one()
    {
        var g1 = Word(1) + Word(2);
        var negG1 = Word(1) + Word(Bn254.P - 2);
        var check = Run(8, g1 + G2 + negG1 + G2, gas: 200_000);
        Assert.Equal(EvmStatus.Returned, check.Status);
        Assert.Equal(1, check.Output.Span[31]);
        Assert.Equal(200_000 - 45_000 - 2 * 34_000, check.GasLeft);

        var single = Run(8, g1 + G2, gas: 200_000);
        Assert.Equal(0, single.Output.Span[31]);
    }

    [Fact]
    public void Bn254_pairing_is_bilinear()
    {
        // e(2·G1, G2) · e(−G1, 2·G2)... checked as e(2·G1, G2) · e(G1, G2)^−2 via e(2G1, G2)·e(−G1, G2)·e(−G1, G2).
        var twoG1 = Convert.ToHexStringLower(Run(7, Word(1) + Word(2) + Word(2)).Output.Span);
        var negG1 = Word(1) + Word(Bn254.P - 2);
        var check = Run(8, twoG1 + G2 + negG1 + G2 + negG1 + G2, gas: 1_000_000);
        Assert.Equal(1, check.Output.Span[31]);
    }
}
