using System.Text;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Vm.Abi;

/// <summary>
/// Builds one ABI-encoded tuple of the few types system contracts return, log and call with (uint, bool, address,
/// string, bytes): static values in the head, dynamic ones as offsets into the tail.
/// </summary>
public sealed class AbiTuple
{
    private readonly List<(UInt256 Word, byte[]? Tail)> _items = [];

    public AbiTuple UInt(ulong value) => Add(new UInt256(value));

    public AbiTuple UInt(in UInt256 value) => Add(value);

    public AbiTuple Bool(bool value) => Add(value ? UInt256.One : UInt256.Zero);

    public AbiTuple Address(in Address value)
    {
        Span<byte> word = stackalloc byte[32];
        AbiWriter.WriteAddress(word, value);
        return Add(UInt256.ReadBigEndian(word));
    }

    public AbiTuple String(string value) => Bytes(Encoding.UTF8.GetBytes(value));

    public AbiTuple Bytes(ReadOnlySpan<byte> value)
    {
        _items.Add((UInt256.Zero, value.ToArray()));
        return this;
    }

    public byte[] Encode()
    {
        var headSize = _items.Count * 32;
        var size = headSize + _items.Sum(i => i.Tail is null ? 0 : AbiWriter.BytesLength(i.Tail.Length));
        var output = new byte[size];
        var tail = headSize;
        for (var i = 0; i < _items.Count; i++)
        {
            var (word, data) = _items[i];
            if (data is null)
            {
                AbiWriter.WriteUInt256(output.AsSpan(i * 32, 32), word);
                continue;
            }
            AbiWriter.WriteUInt256(output.AsSpan(i * 32, 32), new UInt256((ulong)tail));
            AbiWriter.WriteBytes(output.AsSpan(tail), data);
            tail += AbiWriter.BytesLength(data.Length);
        }
        return output;
    }

    private AbiTuple Add(in UInt256 word)
    {
        _items.Add((word, null));
        return this;
    }
}
