using Google.Protobuf;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Core.Genesis;

/// <summary>
/// The canonical encoding of a genesis (<see cref="GenesisDocument"/>, proto/shanghaichain/v1/genesis.proto): what the
/// genesis hash is taken over. Only a validated genesis is encoded (keys, addresses and amounts parse).
/// </summary>
public static class GenesisEncoding
{
    public static byte[] Encode(GenesisFile genesis) => ToDocument(genesis).ToByteArray();

    public static GenesisDocument ToDocument(GenesisFile genesis)
    {
        var p = genesis.Parameters;
        var document = new GenesisDocument
        {
            ChainId = genesis.ChainId,
            CryptoSuite = genesis.CryptoSuite,
            GenesisTimeMs = genesis.GenesisTimeMs,
            Parameters = new GenesisParameters
            {
                MaxTxBytes = p.MaxTxBytes,
                MaxBlockTxs = p.MaxBlockTxs,
                MaxBlockBytes = p.MaxBlockBytes,
                BlockGasLimit = p.BlockGasLimit,
                IntrinsicGas = p.IntrinsicGas,
                MinGasPrice = Amount(p.MinGasPrice),
                TxMaxLifetimeBlocks = p.TxMaxLifetimeBlocks,
                EmptyBlockIntervalMs = p.EmptyBlockIntervalMs,
                EpochLength = p.EpochLength,
                BaseRoundTimeoutMs = p.BaseRoundTimeoutMs,
                MaxRoundTimeoutMs = p.MaxRoundTimeoutMs,
                BaseFeePerGas = Amount(p.BaseFeePerGas),
                BlockReward = Amount(p.BlockReward),
                EvmChainId = p.EvmChainId,
                MaxCodeSize = p.MaxCodeSize,
            },
        };
        foreach (var v in genesis.Validators)
        {
            document.Validators.Add(new GenesisValidatorEntry { Name = v.Name, PublicKey = ByteString.CopyFrom(Hex.Decode(v.PublicKey)), Power = v.Power });
        }
        foreach (var a in genesis.Accounts)
        {
            document.Accounts.Add(new GenesisAccountEntry { Address = ByteString.CopyFrom(Address.Parse(a.Address).ToArray()), Balance = Amount(a.Balance) });
        }
        foreach (var n in genesis.Nodes)
        {
            document.Nodes.Add(new GenesisNodeEntry { Name = n.Name, PublicKey = ByteString.CopyFrom(Hex.Decode(n.PublicKey)) });
        }
        return document;
    }

    /// <summary>A decimal amount as 32 bytes big-endian; empty for zero or unset, so "0", "00" and no value are one form.</summary>
    private static ByteString Amount(string? decimalValue)
    {
        if (decimalValue is null || !UInt256.TryParse(decimalValue, out var value))
        {
            if (decimalValue is not null)
            {
                throw new GenesisException($"'{decimalValue}' is not a 256-bit decimal amount");
            }
            return ByteString.Empty;
        }
        return value.IsZero ? ByteString.Empty : ByteString.CopyFrom(value.ToBigEndian());
    }
}
