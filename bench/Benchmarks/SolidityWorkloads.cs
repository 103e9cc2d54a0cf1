using System.Buffers.Binary;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Vm.Abi;
using ShanghaiChain.Vm.Evm;
using ShanghaiChain.Vm.Evm.State;

namespace ShanghaiChain.Benchmarks;

/// <summary>
/// Solidity workloads from contracts/build run on our EVM: an OpenZeppelin ERC-20 <c>transfer</c> and the compute-heavy
/// functions of ComputeBench. The same scenarios (same bytecode, same calldata, same sender and addresses) are run in
/// @ethereumjs/evm by bench/evm-compare/compare.mjs, which checks that both spend the same gas.
/// </summary>
internal sealed class SolidityWorkloads
{
    public static readonly Address Sender = Address.Parse("0x00000000000000000000000000000000000a11ce");
    public static readonly Address Recipient = Address.Parse("0x0000000000000000000000000000000000000b0b");
    public static readonly Address Token = Address.Parse("0x000000000000000000000000000000000000c0de");
    public static readonly Address Compute = Address.Parse("0x000000000000000000000000000000000000c0df");

    /// <summary>The scenario names the compare script and the <c>evm-run</c> command share.</summary>
    public static readonly string[] Scenarios = ["erc20-transfer", "hash-chain", "mod-exp", "sort"];

    public const long GasLimit = 30_000_000;

    private readonly InMemoryWorldState _state = new();
    private readonly VirtualMachine _vm;
    private readonly TransactionProcessor _processor;
    private ulong _nonce;

    public SolidityWorkloads()
    {
        _vm = new VirtualMachine(_state, new BlockContext { Coinbase = Address.Zero, Number = 1, Timestamp = 1, GasLimit = GasLimit });
        _processor = new TransactionProcessor(_vm);
        _state.Seed(Sender, new UInt256(1_000_000_000_000), 0, [], []);
        // Deploy through the constructors, as a chain would: BenchToken(supply) mints the supply to the sender.
        var supply = new byte[32];
        supply[0] = 0x01;
        Deploy(ContractArtifact.Load("BenchToken"), Token, supply);
        Deploy(ContractArtifact.Load("ComputeBench"), Compute, []);
    }

    private void Deploy(ContractArtifact artifact, Address address, byte[] constructorArgs)
    {
        _vm.BeginTransaction(new TransactionContext { Origin = Sender, GasPrice = UInt256.Zero });
        var result = _vm.Execute(new Message(CallKind.Create, Sender, address, address, UInt256.Zero, artifact.Bytecode.Concat(constructorArgs).ToArray(), GasLimit));
        if (!result.Success)
        {
            throw new InvalidOperationException($"deploying {artifact.Name} ended with {result.Status}");
        }
        _state.CommitTransaction();
    }

    /// <summary>Target and calldata of a scenario.</summary>
    public static (Address To, byte[] Data) CallOf(string scenario) => scenario switch
    {
        "erc20-transfer" => (Token, Call("transfer(address,uint256)", Word(Recipient), Word(1))),
        "hash-chain" => (Compute, Call("hashChain(bytes32,uint256)", Word(0x5eed), Word(2_000))),
        // 255-bit exponent, 256-bit odd modulus: 255 squarings and about as many multiplications with mulmod.
        "mod-exp" => (Compute, Call("modExp(uint256,uint256,uint256)", Word(3),
            Convert.FromHexString("7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"),
            Convert.FromHexString("fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f"))),
        "sort" => (Compute, Call("sort(uint256,uint256)", Word(120), Word(42))),
        _ => throw new ArgumentException($"unknown scenario '{scenario}'; known: {string.Join(", ", Scenarios)}"),
    };

    /// <summary>One message call at depth 0 in a fresh transaction context (what @ethereumjs/evm's runCall does).</summary>
    public long RunMessage(Address to, byte[] data)
    {
        _vm.BeginTransaction(new TransactionContext { Origin = Sender, GasPrice = UInt256.Zero });
        _vm.Substate.WarmAccount(Sender);
        _vm.Substate.WarmAccount(to);
        var result = _vm.Execute(new Message(CallKind.Call, Sender, to, to, UInt256.Zero, data, GasLimit));
        if (!result.Success)
        {
            throw new InvalidOperationException($"call ended with {result.Status}");
        }
        _state.CommitTransaction();
        return GasLimit - result.GasLeft;
    }

    /// <summary>One whole signed-and-checked-elsewhere transaction: validation, gas purchase, call, refund, clean-up.</summary>
    public long RunTransaction(Address to, byte[] data)
    {
        var result = _processor.Execute(new EvmTransaction { Sender = Sender, To = to, Nonce = _nonce++, GasLimit = 100_000 + GasLimit / 100, Data = data });
        if (!result.IsValid || result.Status != EvmStatus.Returned)
        {
            throw new InvalidOperationException($"transaction ended with {result.InvalidReason ?? result.Status.ToString()}");
        }
        return result.GasUsed;
    }

    public static byte[] Word(ulong value)
    {
        var word = new byte[AbiReader.WordSize];
        AbiWriter.WriteUInt256(word, new UInt256(value));
        return word;
    }

    public static byte[] Word(Address address)
    {
        var word = new byte[AbiReader.WordSize];
        AbiWriter.WriteAddress(word, address);
        return word;
    }

    private static byte[] Call(string signature, params byte[][] words)
    {
        var selector = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(selector, AbiSignature.Selector(signature));
        return [.. selector, .. words.SelectMany(w => w)];
    }
}
