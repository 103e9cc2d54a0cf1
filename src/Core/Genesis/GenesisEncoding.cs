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
            document.Validators.Add(new GenesisValidatorEntry
            {
                Name = v.Name, PublicKey = ByteString.CopyFrom(Hex.Decode(v.PublicKey)), Power = v.Power, Member = v.Member ?? "",
            });
        }
        foreach (var a in genesis.Accounts)
        {
            document.Accounts.Add(new GenesisAccountEntry { Address = ByteString.CopyFrom(Address.Parse(a.Address).ToArray()), Balance = Amount(a.Balance) });
        }
        foreach (var n in genesis.Nodes)
        {
            document.Nodes.Add(new GenesisNodeEntry { Name = n.Name, PublicKey = ByteString.CopyFrom(Hex.Decode(n.PublicKey)), Member = n.Member ?? "" });
        }
        if (genesis.Consortium is { } consortium)
        {
            document.Consortium = ToEntry(consortium);
        }
        return document;
    }

    private static GenesisConsortiumEntry ToEntry(GenesisConsortium consortium)
    {
        var entry = new GenesisConsortiumEntry
        {
            ProposalLifetimeBlocks = consortium.ProposalLifetimeBlocks,
            TransactionPolicy = consortium.TransactionPolicy,
        };
        foreach (var m in consortium.Members)
        {
            var member = new GenesisMemberEntry { Name = m.Name };
            member.AdminKeys.AddRange(m.AdminKeys.Select(k => ByteString.CopyFrom(Hex.Decode(k))));
            entry.Members.Add(member);
        }
        entry.Committee.AddRange(consortium.Committee.Select(seat => new GenesisCommitteeSeat { Member = seat.Member, Weight = seat.Weight }));
        foreach (var (name, value) in consortium.Thresholds.All)
        {
            var share = Fraction.TryParse(value, out var parsed) ? parsed : throw new GenesisException($"threshold {name} '{value}' is not a fraction");
            entry.Thresholds.Add(new GenesisThreshold { Decision = name, Numerator = share.Numerator, Denominator = share.Denominator });
        }
        entry.Roles.AddRange(consortium.Roles.Select(r => new GenesisRoleGrant { Role = r.Role, Account = ByteString.CopyFrom(Address.Parse(r.Account).ToArray()) }));
        return entry;
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
