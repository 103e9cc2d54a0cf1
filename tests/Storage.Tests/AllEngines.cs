namespace ShanghaiChain.Storage.Tests;

/// <summary>The engines a store runs on.</summary>
public enum Engine
{
    RocksDb,
    Memory,
}

/// <summary>Theory data: every engine, so that a test of the store runs on each.</summary>
public sealed class AllEngines : TheoryData<Engine>
{
    public AllEngines()
    {
        Add(Engine.RocksDb);
        Add(Engine.Memory);
    }
}
