using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Keys;

namespace ShanghaiChain.Core.Tests.Transactions;

internal static class TestKeys
{
    public static readonly KeyFile Ed25519 = KeyFile.Generate(CryptoSuite.Ed25519Sha256);
    public static readonly KeyFile Sm2 = KeyFile.Generate(CryptoSuite.Sm2Sm3);

    public static KeyFile For(CryptoSuite suite) => suite == CryptoSuite.Sm2Sm3 ? Sm2 : Ed25519;
}
