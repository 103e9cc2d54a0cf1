using System.Text.Json;

namespace ShanghaiChain.Benchmarks;

/// <summary>A compiled contract from contracts/build (written by bench/evm-compare/compile.mjs): creation and runtime code.</summary>
internal sealed record ContractArtifact(string Name, byte[] Bytecode, byte[] DeployedBytecode)
{
    public static ContractArtifact Load(string name)
    {
        var path = Path.Combine(RepositoryRoot(), "contracts", "build", name + ".json");
        using var json = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = json.RootElement;
        return new(name, Convert.FromHexString(root.GetProperty("bytecode").GetString()!),
            Convert.FromHexString(root.GetProperty("deployedBytecode").GetString()!));
    }

    private static string RepositoryRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "ShanghaiChain.sln")))
                {
                    return dir.FullName;
                }
            }
        }
        throw new DirectoryNotFoundException("ShanghaiChain.sln not found above " + AppContext.BaseDirectory);
    }
}
