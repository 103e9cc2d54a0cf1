using System.Text;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Vm.Abi;

namespace ShanghaiChain.Vm.Execution;

/// <summary>Readable text from revert data: Solidity's Error(string) and Panic(uint256), else the data in hex.</summary>
public static class RevertReason
{
    private static readonly byte[] PanicSelector = [0x4e, 0x48, 0x7b, 0x71];

    public static string Decode(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return "execution reverted";
        }
        if (data.Length >= 4 + 64 && AbiReader.TryCreate(data, out var selector, out var args) && selector == AbiWriter.ErrorSelector &&
            args.TryBytes(0, out var message))
        {
            return $"execution reverted: {Encoding.UTF8.GetString(message)}";
        }
        if (data.Length == 4 + 32 && data[..4].SequenceEqual(PanicSelector))
        {
            var code = UInt256.ReadBigEndian(data[4..]);
            return $"execution reverted: panic 0x{(code.IsUInt64 ? ((ulong)code).ToString("x2", System.Globalization.CultureInfo.InvariantCulture) : Hex.Encode(data[4..]))} ({PanicMeaning(code)})";
        }
        return $"execution reverted: custom error 0x{Hex.Encode(data[..Math.Min(4, data.Length)])}" +
            (data.Length > 4 ? $" with data 0x{Hex.Encode(data[4..])}" : "");
    }

    private static string PanicMeaning(UInt256 code) => code.IsUInt64 ? (ulong)code switch
    {
        0x00 => "generic compiler panic",
        0x01 => "assertion failed",
        0x11 => "arithmetic overflow or underflow",
        0x12 => "division or modulo by zero",
        0x21 => "invalid enum value",
        0x22 => "invalid storage byte array",
        0x31 => "pop on an empty array",
        0x32 => "array index out of bounds",
        0x41 => "out of memory",
        0x51 => "call to an uninitialised function",
        _ => "unknown panic code",
    } : "unknown panic code";
}
