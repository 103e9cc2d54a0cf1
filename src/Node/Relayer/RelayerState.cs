using System.Text.Json;
using System.Text.Json.Serialization;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Relayer;

/// <summary>
/// The relayer's persisted cursor per chain (state_dir/cursors.json): every cross-chain event up to and including the
/// cursor has been handled (its packet received, acknowledged or timed out on the other chain, as that chain's state
/// shows). A restarted relayer follows each chain from its cursor, so nothing is lost; what it handled is never sent
/// again, and what it had not confirmed is checked against the destination's state before it is sent. Written by
/// replacing the file with a synced temporary one, so a crash leaves the old or the new cursors, never a torn file.
/// A lock file keeps a second relayer off the same state directory.
/// </summary>
public sealed class RelayerState : IDisposable
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private readonly string _file;
    private readonly FileStream _lock;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, SavedCursor> _cursors;

    private RelayerState(string directory, FileStream lockFile, Dictionary<string, SavedCursor> cursors)
    {
        Directory = directory;
        _file = CursorFile(directory);
        _lock = lockFile;
        _cursors = cursors;
    }

    public string Directory { get; }

    public static string CursorFile(string directory) => Path.Combine(directory, "cursors.json");

    public static string StatusFile(string directory) => Path.Combine(directory, "status.json");

    public static RelayerState Open(string directory)
    {
        System.IO.Directory.CreateDirectory(directory);
        FileStream lockFile;
        try
        {
            lockFile = new FileStream(Path.Combine(directory, "lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw new RelayerConfigException($"another relayer is running on {directory} (its lock file is held); give this one its own state_dir");
        }
        return new RelayerState(directory, lockFile, LoadCursors(directory));
    }

    /// <summary>Reads the cursors (for `relay status` too); a corrupt file is an error, never a silent restart from scratch.</summary>
    public static Dictionary<string, SavedCursor> LoadCursors(string directory)
    {
        var file = CursorFile(directory);
        if (!File.Exists(file))
        {
            return [];
        }
        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, SavedCursor>>(File.ReadAllText(file), Json) ?? [];
        }
        catch (JsonException ex)
        {
            throw new RelayerConfigException($"{file} is corrupt ({ex.Message}); restore it, or remove it and set start_height to re-scan from a known height");
        }
    }

    /// <summary>The event the chain's relaying resumes after; null: start at start_height.</summary>
    public EventCursor? CursorOf(string chain)
    {
        lock (_gate)
        {
            return _cursors.TryGetValue(chain, out var saved) ? new EventCursor { Height = saved.Height, TxIndex = saved.TxIndex, LogIndex = saved.LogIndex } : null;
        }
    }

    public void Save(string chain, EventCursor cursor)
    {
        lock (_gate)
        {
            if (_cursors.TryGetValue(chain, out var old) && old == new SavedCursor(cursor.Height, cursor.TxIndex, cursor.LogIndex))
            {
                return;
            }
            _cursors[chain] = new SavedCursor(cursor.Height, cursor.TxIndex, cursor.LogIndex);
            WriteAtomically(_file, JsonSerializer.SerializeToUtf8Bytes(_cursors, Json));
        }
    }

    public void SaveStatus(RelayerStatus status) => WriteAtomically(StatusFile(Directory), JsonSerializer.SerializeToUtf8Bytes(status, Json));

    public static RelayerStatus? LoadStatus(string directory)
    {
        try
        {
            return File.Exists(StatusFile(directory)) ? JsonSerializer.Deserialize<RelayerStatus>(File.ReadAllText(StatusFile(directory)), Json) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static void WriteAtomically(string file, byte[] bytes)
    {
        var temporary = file + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, file, overwrite: true);
    }

    public void Dispose() => _lock.Dispose();
}

public sealed record SavedCursor(ulong Height, uint TxIndex, uint LogIndex);

/// <summary>What the running relayer last reported (state_dir/status.json), read by `relay status`.</summary>
public sealed record RelayerStatus(
    [property: JsonPropertyName("updated_at_ms")] long UpdatedAtMs,
    [property: JsonPropertyName("process_id")] int ProcessId,
    [property: JsonPropertyName("directions")] IReadOnlyList<DirectionStatus> Directions);

public sealed record DirectionStatus(
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("destination")] string Destination,
    [property: JsonPropertyName("client")] string Client,
    [property: JsonPropertyName("pending")] int Pending,
    [property: JsonPropertyName("client_height")] ulong ClientHeight,
    [property: JsonPropertyName("relayed")] long Relayed,
    [property: JsonPropertyName("last_error")] string LastError);
