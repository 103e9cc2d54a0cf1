using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Vm.SystemContracts;

namespace ShanghaiChain.Vm.Evm.SystemContracts;

/// <summary>
/// The system contracts of a chain, by address. The node fills it at start-up and hands it to the EVM through
/// <see cref="EvmRules.SystemContracts"/>; conformance mode (<see cref="EvmRules.Cancun"/>) has none.
/// Addresses are reserved in the range 0x…1000 to 0x…10ff (the last two bytes 0x10XX, all others zero), clear of
/// Ethereum's precompiles (0x01–0x11 and 0x100 as of Prague and RIP-7212).
/// </summary>
public sealed class SystemContractRegistry
{
    /// <summary>The number of reserved addresses.</summary>
    public const int Capacity = 256;

    /// <summary>The code placed at each registered address at genesis, so that EXTCODESIZE is non-zero (Solidity
    /// checks it before calls without return values) and the account is never empty (EIP-161 clean-up would
    /// otherwise delete a touched system contract with storage). 0xFE is INVALID: the bytes never run.</summary>
    public static ReadOnlySpan<byte> GenesisCode => [0xFE];

    private readonly ISystemContract?[] _byIndex = new ISystemContract?[Capacity];
    private readonly SortedDictionary<Address, ISystemContract> _all = [];

    /// <summary>The registry with the contracts every ShanghaiChain chain carries (today: <see cref="GmCryptoContract"/>).</summary>
    public static SystemContractRegistry CreateStandard()
    {
        var registry = new SystemContractRegistry();
        registry.Register(GmCryptoContract.Address, new GmCryptoContract());
        return registry;
    }

    /// <summary>The reserved address with index <paramref name="index"/> (0..255): 0x00…0010XX.</summary>
    public static Address AddressOf(int index)
    {
        if ((uint)index >= Capacity)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"system contract indexes are 0..{Capacity - 1}");
        }
        Span<byte> bytes = stackalloc byte[Address.Size];
        bytes.Clear();
        bytes[^2] = 0x10;
        bytes[^1] = (byte)index;
        return new Address(bytes);
    }

    /// <summary>True when <paramref name="address"/> lies in the reserved range; sets its index.</summary>
    public static bool TryGetIndex(in Address address, out int index)
    {
        Span<byte> bytes = stackalloc byte[Address.Size];
        address.WriteTo(bytes);
        index = bytes[^1];
        return bytes[^2] == 0x10 && !bytes[..^2].ContainsAnyExcept((byte)0);
    }

    /// <summary>Adds a contract. Validated here: the address must be in the reserved range and free.</summary>
    public SystemContractRegistry Register(in Address address, ISystemContract contract)
    {
        ArgumentNullException.ThrowIfNull(contract);
        if (!TryGetIndex(address, out var index))
        {
            throw new ArgumentException($"{address} is outside the system-contract range 0x…1000–0x…10ff", nameof(address));
        }
        if (_byIndex[index] is { } existing)
        {
            throw new ArgumentException($"{address} already holds the system contract '{existing.Name}'", nameof(address));
        }
        _byIndex[index] = contract;
        _all.Add(address, contract);
        return this;
    }

    /// <summary>The contract at <paramref name="address"/>, or null. Cheap enough for every call the EVM makes.</summary>
    public ISystemContract? Find(in Address address) =>
        _all.Count != 0 && TryGetIndex(address, out var index) ? _byIndex[index] : null;

    /// <summary>Every registered contract in address order (deterministic).</summary>
    public IEnumerable<KeyValuePair<Address, ISystemContract>> Contracts => _all;

    /// <summary>Places <see cref="GenesisCode"/> at every registered address that has no code yet (the node does this
    /// when it builds the genesis state).</summary>
    public void SeedGenesis(IWorldState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        foreach (var (address, _) in _all)
        {
            if (state.GetCode(address).Length == 0)
            {
                state.SetCode(address, GenesisCode.ToArray());
            }
        }
    }
}
