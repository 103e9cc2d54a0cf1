using SharpFuzz;
using ShanghaiChain.Fuzz;

// fuzz <target>         run under afl-fuzz (SharpFuzz's fork server; the input arrives on stdin or the file AFL names)
// replay <target> <file|dir>...   run inputs once in-process and report which break the contract
// seed <corpus-dir>     (re)write the seed corpus of every target from the project's encoders
if (args.Length == 0)
{
    return Usage();
}
switch (args[0])
{
    case "fuzz" when args.Length == 2 && FuzzTargets.Find(args[1]) is { } target:
        Fuzzer.OutOfProcess.Run(stream =>
        {
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            target.Run(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        });
        return 0;
    case "replay" when args.Length >= 3 && FuzzTargets.Find(args[1]) is { } target:
        return Replay(target, args[2..]);
    case "seed" when args.Length == 2:
        foreach (var t in FuzzTargets.All)
        {
            var dir = Path.Combine(args[1], t.Name);
            Directory.CreateDirectory(dir);
            foreach (var (name, data) in t.Seeds())
            {
                File.WriteAllBytes(Path.Combine(dir, name), data);
            }
            Console.WriteLine($"{t.Name}: {Directory.GetFiles(dir).Length} seeds in {dir}");
        }
        return 0;
    default:
        return Usage();
}

static int Replay(FuzzTarget target, string[] paths)
{
    var files = paths.SelectMany(p => Directory.Exists(p) ? Directory.GetFiles(p, "*", SearchOption.AllDirectories) : [p]).Order().ToList();
    var failures = 0;
    foreach (var file in files)
    {
        try
        {
            target.Run(File.ReadAllBytes(file));
        }
        catch (Exception ex)
        {
            failures++;
            Console.WriteLine($"FAIL {file}: {ex.GetType().FullName}: {ex.Message}");
            Console.WriteLine(ex.StackTrace);
        }
    }
    Console.WriteLine($"{target.Name}: {files.Count} inputs, {failures} broke the contract");
    return failures == 0 ? 0 : 1;
}

static int Usage()
{
    Console.Error.WriteLine("usage: ShanghaiChain.Fuzz fuzz <target> | replay <target> <file|dir>... | seed <corpus-dir>");
    Console.Error.WriteLine("targets:");
    foreach (var t in FuzzTargets.All)
    {
        Console.Error.WriteLine($"  {t.Name,-18} {t.Description}");
    }
    return 2;
}
