using Org.BouncyCastle.Crypto.Digests;

namespace ShanghaiChain.Vm.Evm;

public sealed partial class VirtualMachine
{
    // One digest reused for every KECCAK256 in this machine, so the opcode does not allocate.
    private readonly KeccakDigest _keccak = new(256);

    internal void Keccak(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        _keccak.Reset();
        _keccak.BlockUpdate(data);
        _keccak.DoFinal(destination);
    }
}
