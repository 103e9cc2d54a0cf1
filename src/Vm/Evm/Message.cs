using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Vm.Evm;

public enum CallKind : byte
{
    Call,
    CallCode,
    DelegateCall,
    StaticCall,
    Create,
    Create2,
}

/// <summary>
/// A message call or contract creation. For calls, <see cref="Recipient"/> is the account whose storage and balance
/// the code acts on and <see cref="CodeAddress"/> is where the code comes from (they differ for CALLCODE and
/// DELEGATECALL). For creations <see cref="Input"/> is the init code and the recipient is the new address.
/// </summary>
public readonly record struct Message(
    CallKind Kind,
    Address Caller,
    Address Recipient,
    Address CodeAddress,
    UInt256 Value,
    ReadOnlyMemory<byte> Input,
    long Gas,
    bool IsStatic = false,
    int Depth = 0);

/// <summary>The outcome of a message call or creation.</summary>
public readonly record struct CallResult(EvmStatus Status, long GasLeft, ReadOnlyMemory<byte> Output, Address CreatedAddress = default)
{
    public bool Success => Status.IsSuccess();
}
