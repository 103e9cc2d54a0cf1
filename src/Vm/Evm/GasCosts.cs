namespace ShanghaiChain.Vm.Evm;

/// <summary>Gas constants of the Cancun rules (yellow paper appendix G with EIP-2929, EIP-3529, EIP-3860, EIP-1153, EIP-5656).</summary>
public static class GasCosts
{
    public const long Zero = 0;
    public const long Base = 2;
    public const long VeryLow = 3;
    public const long Low = 5;
    public const long Mid = 8;
    public const long High = 10;
    public const long JumpDest = 1;
    public const long Exp = 10;
    public const long ExpByte = 50;
    public const long Keccak256 = 30;
    public const long Keccak256Word = 6;
    public const long Copy = 3;
    public const long Memory = 3;
    public const long QuadraticMemoryDivisor = 512;
    public const long BlockHash = 20;
    public const long Log = 375;
    public const long LogTopic = 375;
    public const long LogData = 8;

    public const long WarmStorageRead = 100;
    public const long ColdSload = 2100;
    public const long ColdAccountAccess = 2600;
    public const long SstoreSet = 20_000;
    public const long SstoreReset = 5000 - ColdSload;
    public const long SstoreClearsRefund = 4800;
    public const long SstoreSentry = 2300;
    public const long TransientStorage = 100;

    public const long Create = 32_000;
    public const long InitCodeWord = 2;
    public const long CodeDeposit = 200;
    public const long CallValue = 9000;
    public const long CallStipend = 2300;
    public const long NewAccount = 25_000;
    public const long SelfDestruct = 5000;

    public const long Transaction = 21_000;
    public const long TransactionCreate = 53_000;
    public const long TransactionDataZero = 4;
    public const long TransactionDataNonZero = 16;
    public const long AccessListAddress = 2400;
    public const long AccessListStorageKey = 1900;

    /// <summary>EIP-3529: at most a fifth of the gas used is refunded.</summary>
    public const long MaxRefundQuotient = 5;

    /// <summary>The total cost of <paramref name="words"/> words of memory: 3·w + w²/512.</summary>
    public static long MemoryCost(long words) => Memory * words + words * words / QuadraticMemoryDivisor;

    public static long Words(long bytes) => (bytes + 31) / 32;
}
