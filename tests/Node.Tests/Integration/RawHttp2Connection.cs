using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Google.Protobuf;

namespace ShanghaiChain.Node.Tests.Integration;

/// <summary>
/// An HTTP/2 connection (cleartext, prior knowledge, as the app port speaks it) written frame by frame, so that a test can
/// do what a well-behaved client library never does: open more concurrent streams than the server's
/// SETTINGS_MAX_CONCURRENT_STREAMS allows. gRPC requests are encoded by hand (HPACK without Huffman or indexing).
/// </summary>
internal sealed class RawHttp2Connection : IAsyncDisposable
{
    public const byte RefusedStream = 0x7;

    private const byte Data = 0x0;
    private const byte Headers = 0x1;
    private const byte RstStream = 0x3;
    private const byte Settings = 0x4;
    private const byte Ping = 0x6;
    private const byte GoAway = 0x7;
    private const byte EndStream = 0x1;
    private const byte EndHeaders = 0x4;
    private const byte Ack = 0x1;

    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly string _authority;
    private readonly Task _reader;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource<uint> _serverMaxStreams = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<(uint Stream, uint Code)> _resets = [];
    private readonly List<uint> _responseHeaders = [];

    private RawHttp2Connection(TcpClient tcp, string authority)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        _authority = authority;
        _reader = Task.Run(ReadLoopAsync);
    }

    /// <summary>Streams the server reset, with the error code.</summary>
    public IReadOnlyList<(uint Stream, uint Code)> Resets
    {
        get
        {
            lock (_resets)
            {
                return [.. _resets];
            }
        }
    }

    /// <summary>Streams the server answered with headers (it ran the call, or ended it).</summary>
    public IReadOnlyList<uint> Answered
    {
        get
        {
            lock (_resets)
            {
                return [.. _responseHeaders];
            }
        }
    }

    /// <summary>Set when the server sent GOAWAY (it closed the whole connection).</summary>
    public bool GoneAway { get; private set; }

    /// <summary>Connects, exchanges SETTINGS, and returns once the server's own SETTINGS arrived and were acknowledged.</summary>
    public static async Task<(RawHttp2Connection Connection, uint MaxConcurrentStreams)> OpenAsync(Uri target, TimeSpan timeout)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(target.Host, target.Port);
        tcp.NoDelay = true;
        var stream = tcp.GetStream();
        await stream.WriteAsync("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray());
        await stream.WriteAsync(Frame(Settings, 0, 0, []));
        var connection = new RawHttp2Connection(tcp, $"{target.Host}:{target.Port}");
        var max = await connection._serverMaxStreams.Task.WaitAsync(timeout);
        return (connection, max);
    }

    /// <summary>
    /// Sends a unary gRPC call on each of <paramref name="streamIds"/> (odd, increasing) in one write: HEADERS, then the
    /// message in one DATA frame that ends the request. The calls stay open as long as their handlers run.
    /// </summary>
    public async Task SendUnaryCallsAsync(IEnumerable<uint> streamIds, string path, IMessage request)
    {
        var message = request.ToByteArray();
        var body = new byte[5 + message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(1), (uint)message.Length);
        message.CopyTo(body, 5);
        var block = HeaderBlock(path);
        using var buffer = new MemoryStream();
        foreach (var id in streamIds)
        {
            buffer.Write(Frame(Headers, EndHeaders, id, block));
            buffer.Write(Frame(Data, EndStream, id, body));
        }
        await WriteAsync(buffer.ToArray());
    }

    /// <summary>
    /// Opens <paramref name="streamId"/> with HEADERS that also end the request (no message): a stream the server refuses
    /// at once gets no DATA after its reset, which the server would take as a connection error.
    /// </summary>
    public Task SendHeadersOnlyAsync(uint streamId, string path) => WriteAsync(Frame(Headers, EndHeaders | EndStream, streamId, HeaderBlock(path)));

    /// <summary>Waits until the server reset <paramref name="streamId"/> or the timeout passes; the code, or null.</summary>
    public async Task<uint?> WaitForResetAsync(uint streamId, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && !_reader.IsCompleted)
        {
            foreach (var (stream, code) in Resets)
            {
                if (stream == streamId)
                {
                    return code;
                }
            }
            await Task.Delay(NodeBinary.PollInterval);
        }
        return Resets.Where(r => r.Stream == streamId).Select(r => (uint?)r.Code).FirstOrDefault();
    }

    private byte[] HeaderBlock(string path)
    {
        using var block = new MemoryStream();
        block.WriteByte(0x83); // :method POST (static table 3)
        block.WriteByte(0x86); // :scheme http (static table 6)
        Literal(block, indexedName: 4, name: null, path); // :path
        Literal(block, indexedName: 1, name: null, _authority); // :authority
        Literal(block, indexedName: 31, name: null, "application/grpc"); // content-type
        Literal(block, indexedName: 0, name: "te", "trailers");
        return block.ToArray();
    }

    /// <summary>A literal header field without indexing (RFC 7541 6.2.2), the name by static index or as a string.</summary>
    private static void Literal(MemoryStream block, int indexedName, string? name, string value)
    {
        // The name index is a 4-bit-prefix integer.
        if (indexedName < 15)
        {
            block.WriteByte((byte)indexedName);
        }
        else
        {
            block.WriteByte(0x0F);
            block.WriteByte((byte)(indexedName - 15));
        }
        if (name is not null)
        {
            String(block, name);
        }
        String(block, value);
    }

    private static void String(MemoryStream block, string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        if (bytes.Length >= 127)
        {
            throw new ArgumentException("header values here are short", nameof(text));
        }
        block.WriteByte((byte)bytes.Length);
        block.Write(bytes);
    }

    private static byte[] Frame(byte type, byte flags, uint streamId, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[9 + payload.Length];
        frame[0] = (byte)(payload.Length >> 16);
        frame[1] = (byte)(payload.Length >> 8);
        frame[2] = (byte)payload.Length;
        frame[3] = type;
        frame[4] = flags;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(5), streamId & 0x7FFF_FFFF);
        payload.CopyTo(frame.AsSpan(9));
        return frame;
    }

    private async Task WriteAsync(byte[] bytes)
    {
        await _writeGate.WaitAsync();
        try
        {
            await _stream.WriteAsync(bytes);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private async Task ReadLoopAsync()
    {
        var header = new byte[9];
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                await _stream.ReadExactlyAsync(header, _stop.Token);
                var length = (header[0] << 16) | (header[1] << 8) | header[2];
                var (type, flags) = (header[3], header[4]);
                var streamId = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(5)) & 0x7FFF_FFFF;
                var payload = new byte[length];
                await _stream.ReadExactlyAsync(payload, _stop.Token);
                switch (type)
                {
                    case Settings when (flags & Ack) == 0:
                        uint max = uint.MaxValue;
                        for (var i = 0; i + 6 <= payload.Length; i += 6)
                        {
                            if (BinaryPrimitives.ReadUInt16BigEndian(payload.AsSpan(i)) == 0x3)
                            {
                                max = BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(i + 2));
                            }
                        }
                        await WriteAsync(Frame(Settings, Ack, 0, []));
                        _serverMaxStreams.TrySetResult(max);
                        break;
                    case Ping when (flags & Ack) == 0:
                        await WriteAsync(Frame(Ping, Ack, 0, payload));
                        break;
                    case RstStream:
                        lock (_resets)
                        {
                            _resets.Add((streamId, BinaryPrimitives.ReadUInt32BigEndian(payload)));
                        }
                        break;
                    case Headers:
                        lock (_resets)
                        {
                            _responseHeaders.Add(streamId);
                        }
                        break;
                    case GoAway:
                        GoneAway = true;
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or EndOfStreamException or ObjectDisposedException)
        {
            // The connection closed: the test reads what arrived before.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _tcp.Dispose();
        await _reader;
        _stop.Dispose();
        _writeGate.Dispose();
    }
}
