using System.Buffers.Binary;
using System.Text;
using ShanghaiChain.Core.Primitives;

namespace ShanghaiChain.Core.Blocks;

/// <summary>
/// The bytes a validator signs (after the Vote domain tag) to vote for a block; a quorum certificate is a
/// set of such signatures. Layout: chain id length (1 byte) and UTF-8 bytes, epoch, round and height
/// (8 bytes big-endian each), block hash (32 bytes).
/// </summary>
public static class VoteSignBytes
{
    public static byte[] Encode(string chainId, ulong epoch, ulong round, ulong height, Hash32 blockHash)
    {
        var id = Encoding.UTF8.GetBytes(chainId);
        var bytes = new byte[1 + id.Length + 24 + Hash32.Size];
        bytes[0] = (byte)id.Length;
        id.CopyTo(bytes, 1);
        var offset = 1 + id.Length;
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(offset), epoch);
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(offset + 8), round);
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(offset + 16), height);
        blockHash.WriteTo(bytes.AsSpan(offset + 24));
        return bytes;
    }
}
