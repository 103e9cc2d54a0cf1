namespace ShanghaiChain.Fuzz;

/// <summary>
/// One decoder under fuzzing. The contract every target asserts: any input either decodes (and what was decoded is then
/// used the way the node uses it) or is refused with the project's typed error for that decoder. <see cref="Run"/> returns
/// normally in both cases; anything else (another exception type, a failed consistency check, a hang, a crash) escapes and
/// is a finding.
/// </summary>
public abstract class FuzzTarget
{
    /// <summary>The name run.sh and the corpus folder use (tools/fuzz/corpus/&lt;name&gt;).</summary>
    public abstract string Name { get; }

    /// <summary>What the target feeds the input to, for the README and the usage text.</summary>
    public abstract string Description { get; }

    public abstract void Run(ReadOnlySpan<byte> input);

    /// <summary>Small valid and near-valid inputs made with the project's own encoders: the committed seed corpus.</summary>
    public abstract IEnumerable<(string Name, byte[] Data)> Seeds();
}

/// <summary>A decoded input that breaks an invariant the decoder promises (a round trip, a derived value): a finding.</summary>
public sealed class FuzzInvariantException(string message) : Exception(message);
