namespace ShanghaiChain.Vm.Evm;

/// <summary>How a frame ended (or that it is still running). Errors are values, never exceptions, on the execution path.</summary>
public enum EvmStatus : byte
{
    Running = 0,
    Stopped,
    Returned,
    Reverted,
    OutOfGas,
    StackUnderflow,
    StackOverflow,
    InvalidJump,
    InvalidOpcode,
    StaticCallViolation,
    ReturnDataOutOfBounds,
    /// <summary>Deployed code would start with 0xEF (EIP-3541).</summary>
    InvalidCodePrefix,
    /// <summary>Deployed code exceeds the code-size limit (EIP-170).</summary>
    CodeSizeExceeded,
    /// <summary>Init code exceeds the init-code size limit (EIP-3860).</summary>
    InitCodeSizeExceeded,
    /// <summary>CREATE/CREATE2 target already has code, nonce or storage.</summary>
    ContractAddressCollision,
    CallDepthExceeded,
    InsufficientBalance,
    NonceOverflow,
    PrecompileFailure,
}

public static class EvmStatusExtensions
{
    /// <summary>True for a normal halt (STOP, RETURN, SELFDESTRUCT).</summary>
    public static bool IsSuccess(this EvmStatus status) => status is EvmStatus.Stopped or EvmStatus.Returned;

    /// <summary>True for an exceptional halt, which consumes all gas given to the frame.</summary>
    public static bool IsError(this EvmStatus status) => status > EvmStatus.Reverted;
}
