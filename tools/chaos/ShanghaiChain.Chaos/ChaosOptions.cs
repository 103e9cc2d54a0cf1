using System.Globalization;

namespace ShanghaiChain.Chaos;

/// <summary>How a run is set up. The short mode is CI's (about two minutes); the long mode runs for <see cref="Duration"/>.</summary>
internal sealed record ChaosOptions
{
    public required int Seed { get; init; }

    public bool LongMode { get; init; }

    /// <summary>Long mode: how long to keep injecting faults.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(30);

    public int Validators { get; init; } = 4;

    public int LoadAccounts { get; init; } = 8;

    /// <summary>The size of the tmpfs under one validator's data dir; 0 runs without the full-disk fault.</summary>
    public int TmpfsMegabytes { get; init; } = 384;

    /// <summary>How long after a heal a quorum of validators must have committed new blocks.</summary>
    public TimeSpan RecoveryBound { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long after a heal every validator must have caught up (a wiped one resyncs the whole chain).</summary>
    public TimeSpan CatchUpBound { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a node may keep running once its disk is full before that counts as a violation.</summary>
    public TimeSpan DiskFullStopBound { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Whether to use network namespaces (partitions and degraded links need them).</summary>
    public bool UseNamespaces { get; init; } = true;

    /// <summary>Kinds left out of the schedule (by name), e.g. to study one kind alone.</summary>
    public IReadOnlySet<FaultKind> Excluded { get; init; } = new HashSet<FaultKind>();

    /// <summary>Only these kinds, when set.</summary>
    public IReadOnlySet<FaultKind>? Only { get; init; }

    /// <summary>Where homes and logs go; a new temp directory when null. Kept after a failed run.</summary>
    public string? WorkDir { get; init; }

    public required string NodeDll { get; init; }

    /// <summary>Parses `--seed N --long --duration 30m --only KillOne,Pause --exclude DiskFull --work DIR --node-dll PATH`.</summary>
    public static ChaosOptions Parse(IReadOnlyList<string> args, Func<string, string?> environment)
    {
        int? seed = environment("SHC_SEED") is { } s ? ParseInt(s, "SHC_SEED") : null;
        var longMode = environment("SHC_CHAOS_LONG") is "1" or "true";
        TimeSpan? duration = environment("SHC_CHAOS_DURATION") is { } d ? ParseDuration(d, "SHC_CHAOS_DURATION") : null;
        string? work = null;
        string? dll = null;
        HashSet<FaultKind>? only = null;
        var excluded = new HashSet<FaultKind>();
        for (var i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--seed": seed = ParseInt(Value(), "--seed"); break;
                case "--long": longMode = true; break;
                case "--duration": duration = ParseDuration(Value(), "--duration"); longMode = true; break;
                case "--work": work = Value(); break;
                case "--node-dll": dll = Value(); break;
                case "--only": only = [.. ParseKinds(Value())]; break;
                case "--exclude": excluded.UnionWith(ParseKinds(Value())); break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }
        return new ChaosOptions
        {
            Seed = seed ?? Random.Shared.Next(),
            LongMode = longMode,
            Duration = duration ?? TimeSpan.FromMinutes(30),
            WorkDir = work,
            NodeDll = dll ?? FindNodeDll(),
            Only = only,
            Excluded = excluded,
        };
    }

    /// <summary>src/Node's build output in the configuration this harness was built with, next to this repository.</summary>
    public static string FindNodeDll()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ShanghaiChain.sln")))
            {
                var path = Path.Combine(dir.FullName, "src", "Node", "bin", configuration, "net10.0", "shanghaichain.dll");
                return File.Exists(path) ? path : throw new FileNotFoundException($"build src/Node ({configuration}) first, or pass --node-dll", path);
            }
        }
        throw new FileNotFoundException("cannot find the repository (ShanghaiChain.sln) above " + AppContext.BaseDirectory + "; pass --node-dll");
    }

    private static int ParseInt(string value, string name) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : throw new ArgumentException($"{name} must be an integer, not '{value}'");

    private static TimeSpan ParseDuration(string value, string name)
    {
        var unit = value.Length > 0 ? value[^1] : ' ';
        var number = char.IsLetter(unit) ? value[..^1] : value;
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) || n <= 0)
        {
            throw new ArgumentException($"{name} must be a positive duration like 90s, 15m or 1h, not '{value}'");
        }
        return unit switch
        {
            's' => TimeSpan.FromSeconds(n),
            'h' => TimeSpan.FromHours(n),
            'm' or _ when char.IsDigit(unit) || unit == 'm' => TimeSpan.FromMinutes(n),
            _ => throw new ArgumentException($"{name}: unknown unit '{unit}' (use s, m or h)"),
        };
    }

    private static IEnumerable<FaultKind> ParseKinds(string list) =>
        list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(name =>
            Enum.TryParse<FaultKind>(name, ignoreCase: true, out var kind) && Enum.IsDefined(kind)
                ? kind
                : throw new ArgumentException($"unknown fault kind '{name}'; kinds: {string.Join(", ", Enum.GetNames<FaultKind>())}"));
}
