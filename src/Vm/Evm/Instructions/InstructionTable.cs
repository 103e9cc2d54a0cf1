namespace ShanghaiChain.Vm.Evm.Instructions;

/// <summary>One opcode's entry: its handler, the static gas charged before it runs, and its stack bounds.</summary>
internal readonly unsafe struct Instruction
{
    public readonly delegate*<EvmFrame, EvmStatus> Execute;
    public readonly long StaticGas;

    /// <summary>Items the opcode pops: fewer on the stack is an underflow.</summary>
    public readonly int MinStack;

    /// <summary>The largest stack height at which the opcode can run without exceeding 1024 items.</summary>
    public readonly int MaxStack;

    public Instruction(delegate*<EvmFrame, EvmStatus> execute, long staticGas, int pops, int pushes)
    {
        Execute = execute;
        StaticGas = staticGas;
        MinStack = pops;
        MaxStack = EvmFrame.StackLimit - Math.Max(0, pushes - pops);
    }
}

/// <summary>
/// The 256-entry dispatch table of the Cancun instruction set, built once per process. Handlers and static gas depend
/// only on the fork; the chain's configurable limits (<see cref="EvmRules"/>) are read by the handlers at run time, so
/// every rule set shares this table.
/// </summary>
internal sealed unsafe class InstructionTable
{
    public static InstructionTable Cancun { get; } = Build();

    public Instruction[] Entries { get; } = new Instruction[256];

    private static InstructionTable Build()
    {
        var t = new InstructionTable();
        var e = t.Entries;
        for (var i = 0; i < 256; i++)
        {
            e[i] = new Instruction(&Flow.Invalid, 0, 0, 0);
        }

        e[0x00] = new(&Flow.Stop, GasCosts.Zero, 0, 0);
        e[0x01] = new(&Arithmetic.Binary<Arithmetic.AddOp>, GasCosts.VeryLow, 2, 1);
        e[0x02] = new(&Arithmetic.Binary<Arithmetic.MulOp>, GasCosts.Low, 2, 1);
        e[0x03] = new(&Arithmetic.Binary<Arithmetic.SubOp>, GasCosts.VeryLow, 2, 1);
        e[0x04] = new(&Arithmetic.Binary<Arithmetic.DivOp>, GasCosts.Low, 2, 1);
        e[0x05] = new(&Arithmetic.Binary<Arithmetic.SDivOp>, GasCosts.Low, 2, 1);
        e[0x06] = new(&Arithmetic.Binary<Arithmetic.ModOp>, GasCosts.Low, 2, 1);
        e[0x07] = new(&Arithmetic.Binary<Arithmetic.SModOp>, GasCosts.Low, 2, 1);
        e[0x08] = new(&Arithmetic.Ternary<Arithmetic.AddModOp>, GasCosts.Mid, 3, 1);
        e[0x09] = new(&Arithmetic.Ternary<Arithmetic.MulModOp>, GasCosts.Mid, 3, 1);
        e[0x0a] = new(&Arithmetic.Exp, GasCosts.Exp, 2, 1);
        e[0x0b] = new(&Arithmetic.Binary<Arithmetic.SignExtendOp>, GasCosts.Low, 2, 1);

        e[0x10] = new(&Arithmetic.Binary<Arithmetic.LtOp>, GasCosts.VeryLow, 2, 1);
        e[0x11] = new(&Arithmetic.Binary<Arithmetic.GtOp>, GasCosts.VeryLow, 2, 1);
        e[0x12] = new(&Arithmetic.Binary<Arithmetic.SltOp>, GasCosts.VeryLow, 2, 1);
        e[0x13] = new(&Arithmetic.Binary<Arithmetic.SgtOp>, GasCosts.VeryLow, 2, 1);
        e[0x14] = new(&Arithmetic.Binary<Arithmetic.EqOp>, GasCosts.VeryLow, 2, 1);
        e[0x15] = new(&Arithmetic.IsZero, GasCosts.VeryLow, 1, 1);
        e[0x16] = new(&Arithmetic.Binary<Arithmetic.AndOp>, GasCosts.VeryLow, 2, 1);
        e[0x17] = new(&Arithmetic.Binary<Arithmetic.OrOp>, GasCosts.VeryLow, 2, 1);
        e[0x18] = new(&Arithmetic.Binary<Arithmetic.XorOp>, GasCosts.VeryLow, 2, 1);
        e[0x19] = new(&Arithmetic.Not, GasCosts.VeryLow, 1, 1);
        e[0x1a] = new(&Arithmetic.Binary<Arithmetic.ByteOp>, GasCosts.VeryLow, 2, 1);
        e[0x1b] = new(&Arithmetic.Binary<Arithmetic.ShlOp>, GasCosts.VeryLow, 2, 1);
        e[0x1c] = new(&Arithmetic.Binary<Arithmetic.ShrOp>, GasCosts.VeryLow, 2, 1);
        e[0x1d] = new(&Arithmetic.Binary<Arithmetic.SarOp>, GasCosts.VeryLow, 2, 1);

        e[0x20] = new(&MemoryOps.Keccak256, GasCosts.Keccak256, 2, 1);

        e[0x30] = new(&EnvironmentOps.SelfAddress, GasCosts.Base, 0, 1);
        e[0x31] = new(&EnvironmentOps.Balance, GasCosts.Zero, 1, 1);
        e[0x32] = new(&EnvironmentOps.Origin, GasCosts.Base, 0, 1);
        e[0x33] = new(&EnvironmentOps.Caller, GasCosts.Base, 0, 1);
        e[0x34] = new(&EnvironmentOps.CallValue, GasCosts.Base, 0, 1);
        e[0x35] = new(&EnvironmentOps.CallDataLoad, GasCosts.VeryLow, 1, 1);
        e[0x36] = new(&EnvironmentOps.CallDataSize, GasCosts.Base, 0, 1);
        e[0x37] = new(&EnvironmentOps.CallDataCopy, GasCosts.VeryLow, 3, 0);
        e[0x38] = new(&EnvironmentOps.CodeSize, GasCosts.Base, 0, 1);
        e[0x39] = new(&EnvironmentOps.CodeCopy, GasCosts.VeryLow, 3, 0);
        e[0x3a] = new(&EnvironmentOps.GasPrice, GasCosts.Base, 0, 1);
        e[0x3b] = new(&EnvironmentOps.ExtCodeSize, GasCosts.Zero, 1, 1);
        e[0x3c] = new(&EnvironmentOps.ExtCodeCopy, GasCosts.Zero, 4, 0);
        e[0x3d] = new(&EnvironmentOps.ReturnDataSize, GasCosts.Base, 0, 1);
        e[0x3e] = new(&EnvironmentOps.ReturnDataCopy, GasCosts.VeryLow, 3, 0);
        e[0x3f] = new(&EnvironmentOps.ExtCodeHash, GasCosts.Zero, 1, 1);

        e[0x40] = new(&EnvironmentOps.BlockHash, GasCosts.BlockHash, 1, 1);
        e[0x41] = new(&EnvironmentOps.Coinbase, GasCosts.Base, 0, 1);
        e[0x42] = new(&EnvironmentOps.Timestamp, GasCosts.Base, 0, 1);
        e[0x43] = new(&EnvironmentOps.Number, GasCosts.Base, 0, 1);
        e[0x44] = new(&EnvironmentOps.PrevRandao, GasCosts.Base, 0, 1);
        e[0x45] = new(&EnvironmentOps.GasLimit, GasCosts.Base, 0, 1);
        e[0x46] = new(&EnvironmentOps.ChainId, GasCosts.Base, 0, 1);
        e[0x47] = new(&EnvironmentOps.SelfBalance, GasCosts.Low, 0, 1);
        e[0x48] = new(&EnvironmentOps.BaseFee, GasCosts.Base, 0, 1);
        e[0x49] = new(&EnvironmentOps.BlobHash, GasCosts.VeryLow, 1, 1);
        e[0x4a] = new(&EnvironmentOps.BlobBaseFee, GasCosts.Base, 0, 1);

        e[0x50] = new(&Flow.Pop, GasCosts.Base, 1, 0);
        e[0x51] = new(&MemoryOps.MLoad, GasCosts.VeryLow, 1, 1);
        e[0x52] = new(&MemoryOps.MStore, GasCosts.VeryLow, 2, 0);
        e[0x53] = new(&MemoryOps.MStore8, GasCosts.VeryLow, 2, 0);
        e[0x54] = new(&Storage.SLoad, GasCosts.Zero, 1, 1);
        e[0x55] = new(&Storage.SStore, GasCosts.Zero, 2, 0);
        e[0x56] = new(&Flow.Jump, GasCosts.Mid, 1, 0);
        e[0x57] = new(&Flow.JumpI, GasCosts.High, 2, 0);
        e[0x58] = new(&Flow.Pc, GasCosts.Base, 0, 1);
        e[0x59] = new(&MemoryOps.MSize, GasCosts.Base, 0, 1);
        e[0x5a] = new(&Flow.Gas, GasCosts.Base, 0, 1);
        e[0x5b] = new(&Flow.JumpDest, GasCosts.JumpDest, 0, 0);
        e[0x5c] = new(&Storage.TLoad, GasCosts.TransientStorage, 1, 1);
        e[0x5d] = new(&Storage.TStore, GasCosts.TransientStorage, 2, 0);
        e[0x5e] = new(&MemoryOps.MCopy, GasCosts.VeryLow, 3, 0);
        e[0x5f] = new(&Stack.Push0, GasCosts.Base, 0, 1);

        e[0x60] = new(&Stack.Push1, GasCosts.VeryLow, 0, 1);
        for (var n = 2; n <= 32; n++)
        {
            e[0x5f + n] = new(&Stack.PushN, GasCosts.VeryLow, 0, 1);
        }
        e[0x80] = new(&Stack.Dup<Stack.N1>, GasCosts.VeryLow, 1, 2);
        e[0x81] = new(&Stack.Dup<Stack.N2>, GasCosts.VeryLow, 2, 3);
        e[0x82] = new(&Stack.Dup<Stack.N3>, GasCosts.VeryLow, 3, 4);
        e[0x83] = new(&Stack.Dup<Stack.N4>, GasCosts.VeryLow, 4, 5);
        e[0x84] = new(&Stack.Dup<Stack.N5>, GasCosts.VeryLow, 5, 6);
        e[0x85] = new(&Stack.Dup<Stack.N6>, GasCosts.VeryLow, 6, 7);
        e[0x86] = new(&Stack.Dup<Stack.N7>, GasCosts.VeryLow, 7, 8);
        e[0x87] = new(&Stack.Dup<Stack.N8>, GasCosts.VeryLow, 8, 9);
        e[0x88] = new(&Stack.Dup<Stack.N9>, GasCosts.VeryLow, 9, 10);
        e[0x89] = new(&Stack.Dup<Stack.N10>, GasCosts.VeryLow, 10, 11);
        e[0x8a] = new(&Stack.Dup<Stack.N11>, GasCosts.VeryLow, 11, 12);
        e[0x8b] = new(&Stack.Dup<Stack.N12>, GasCosts.VeryLow, 12, 13);
        e[0x8c] = new(&Stack.Dup<Stack.N13>, GasCosts.VeryLow, 13, 14);
        e[0x8d] = new(&Stack.Dup<Stack.N14>, GasCosts.VeryLow, 14, 15);
        e[0x8e] = new(&Stack.Dup<Stack.N15>, GasCosts.VeryLow, 15, 16);
        e[0x8f] = new(&Stack.Dup<Stack.N16>, GasCosts.VeryLow, 16, 17);
        e[0x90] = new(&Stack.Swap<Stack.N1>, GasCosts.VeryLow, 2, 2);
        e[0x91] = new(&Stack.Swap<Stack.N2>, GasCosts.VeryLow, 3, 3);
        e[0x92] = new(&Stack.Swap<Stack.N3>, GasCosts.VeryLow, 4, 4);
        e[0x93] = new(&Stack.Swap<Stack.N4>, GasCosts.VeryLow, 5, 5);
        e[0x94] = new(&Stack.Swap<Stack.N5>, GasCosts.VeryLow, 6, 6);
        e[0x95] = new(&Stack.Swap<Stack.N6>, GasCosts.VeryLow, 7, 7);
        e[0x96] = new(&Stack.Swap<Stack.N7>, GasCosts.VeryLow, 8, 8);
        e[0x97] = new(&Stack.Swap<Stack.N8>, GasCosts.VeryLow, 9, 9);
        e[0x98] = new(&Stack.Swap<Stack.N9>, GasCosts.VeryLow, 10, 10);
        e[0x99] = new(&Stack.Swap<Stack.N10>, GasCosts.VeryLow, 11, 11);
        e[0x9a] = new(&Stack.Swap<Stack.N11>, GasCosts.VeryLow, 12, 12);
        e[0x9b] = new(&Stack.Swap<Stack.N12>, GasCosts.VeryLow, 13, 13);
        e[0x9c] = new(&Stack.Swap<Stack.N13>, GasCosts.VeryLow, 14, 14);
        e[0x9d] = new(&Stack.Swap<Stack.N14>, GasCosts.VeryLow, 15, 15);
        e[0x9e] = new(&Stack.Swap<Stack.N15>, GasCosts.VeryLow, 16, 16);
        e[0x9f] = new(&Stack.Swap<Stack.N16>, GasCosts.VeryLow, 17, 17);

        e[0xa0] = new(&Logging.Log<Stack.N0>, GasCosts.Log, 2, 0);
        e[0xa1] = new(&Logging.Log<Stack.N1>, GasCosts.Log, 3, 0);
        e[0xa2] = new(&Logging.Log<Stack.N2>, GasCosts.Log, 4, 0);
        e[0xa3] = new(&Logging.Log<Stack.N3>, GasCosts.Log, 5, 0);
        e[0xa4] = new(&Logging.Log<Stack.N4>, GasCosts.Log, 6, 0);

        e[0xf0] = new(&Calls.Create, GasCosts.Create, 3, 1);
        e[0xf1] = new(&Calls.Call, GasCosts.Zero, 7, 1);
        e[0xf2] = new(&Calls.CallCode, GasCosts.Zero, 7, 1);
        e[0xf3] = new(&Flow.Return, GasCosts.Zero, 2, 0);
        e[0xf4] = new(&Calls.DelegateCall, GasCosts.Zero, 6, 1);
        e[0xf5] = new(&Calls.Create2, GasCosts.Create, 4, 1);
        e[0xfa] = new(&Calls.StaticCall, GasCosts.Zero, 6, 1);
        e[0xfd] = new(&Flow.Revert, GasCosts.Zero, 2, 0);
        e[0xfe] = new(&Flow.Invalid, GasCosts.Zero, 0, 0);
        e[0xff] = new(&Calls.SelfDestruct, GasCosts.SelfDestruct, 1, 0);
        return t;
    }
}
