using System.Runtime.CompilerServices;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Vm.Evm;

/// <summary>
/// A frame's byte-addressed memory, grown in 32-byte words. The buffer is kept between uses of the same call depth,
/// so steady-state execution does not allocate.
/// </summary>
internal sealed class EvmMemory
{
    /// <summary>
    /// Beyond this size expansion is treated as out of gas: 2 GiB costs more than 8.8·10^12 gas, above any block gas limit.
    /// </summary>
    public const long MaxSize = int.MaxValue & ~31L;

    private byte[] _buffer = new byte[1024];

    /// <summary>The active size in bytes, always a multiple of 32 (MSIZE).</summary>
    public long Size { get; private set; }

    public void Reset()
    {
        _buffer.AsSpan(0, (int)Size).Clear();
        Size = 0;
    }

    /// <summary>
    /// The gas to grow memory so that [offset, offset+length) is addressable; false when the range is unaddressable.
    /// A zero length never expands memory, whatever the offset.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryGetExpansionCost(in UInt256 offset, in UInt256 length, out long cost)
    {
        cost = 0;
        if (length.IsZero)
        {
            return true;
        }
        if (!offset.IsUInt64 || !length.IsUInt64 || offset.U0 > MaxSize || length.U0 > MaxSize)
        {
            return false;
        }
        var end = (long)(offset.U0 + length.U0);
        if (end > MaxSize)
        {
            return false;
        }
        if (end <= Size)
        {
            return true;
        }
        cost = GasCosts.MemoryCost(GasCosts.Words(end)) - GasCosts.MemoryCost(Size / 32);
        return true;
    }

    /// <summary>Grows the active size to cover [offset, offset+length); the cost must have been charged.</summary>
    public void Expand(in UInt256 offset, in UInt256 length)
    {
        if (length.IsZero)
        {
            return;
        }
        var end = (long)(offset.U0 + length.U0);
        if (end <= Size)
        {
            return;
        }
        var newSize = GasCosts.Words(end) * 32;
        if (newSize > _buffer.Length)
        {
            var capacity = Math.Max(newSize, Math.Min((long)_buffer.Length * 2, MaxSize));
            Array.Resize(ref _buffer, (int)capacity);
        }
        Size = newSize;
    }

    public Span<byte> Slice(long offset, long length) => _buffer.AsSpan((int)offset, (int)length);

    public Span<byte> Slice(in UInt256 offset, in UInt256 length) =>
        length.IsZero ? Span<byte>.Empty : _buffer.AsSpan((int)offset.U0, (int)length.U0);

    /// <summary>A view of active memory, valid until this memory next grows or is reset.</summary>
    public ReadOnlyMemory<byte> AsMemory(in UInt256 offset, in UInt256 length) =>
        length.IsZero ? ReadOnlyMemory<byte>.Empty : _buffer.AsMemory((int)offset.U0, (int)length.U0);

    public UInt256 Load(long offset) => UInt256.ReadBigEndian32(_buffer.AsSpan((int)offset, 32));

    public void Store(long offset, in UInt256 value) => value.WriteBigEndian(_buffer.AsSpan((int)offset, 32));

    public void StoreByte(long offset, byte value) => _buffer[offset] = value;
}
