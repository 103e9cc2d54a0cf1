namespace ShanghaiChain.Core.Rlp;

/// <summary>Why a byte sequence is not a canonical RLP encoding; <see cref="None"/> when it is.</summary>
public enum RlpError
{
    None = 0,

    /// <summary>The input ends before the item its header announces.</summary>
    Truncated,

    /// <summary>A single byte below 0x80 written as a one-byte string (0x81 0x00..0x7f).</summary>
    NonCanonicalSingleByte,

    /// <summary>A long-form header for a payload shorter than 56 bytes.</summary>
    NonCanonicalLengthForm,

    /// <summary>A long-form length with leading zero bytes.</summary>
    LeadingZeroInLength,

    /// <summary>A length that does not fit in a 32-bit signed integer.</summary>
    LengthOverflow,

    /// <summary>Bytes left over after the item (top level) or inside a list after its last item.</summary>
    TrailingBytes,

    /// <summary>A list where a byte string was expected.</summary>
    ExpectedString,

    /// <summary>A byte string where a list was expected.</summary>
    ExpectedList,

    /// <summary>An integer with leading zero bytes (zero is the empty string).</summary>
    NonCanonicalInteger,

    /// <summary>An integer wider than the type it is read into.</summary>
    IntegerTooLarge,

    /// <summary>Lists nested deeper than <see cref="RlpCodec.MaxDepth"/>.</summary>
    TooDeep,
}

/// <summary>Thrown by the throwing convenience methods of <see cref="RlpReader"/>; hot paths use the Try methods.</summary>
public sealed class RlpException(RlpError error) : FormatException($"invalid RLP: {error}")
{
    public RlpError Error { get; } = error;
}
