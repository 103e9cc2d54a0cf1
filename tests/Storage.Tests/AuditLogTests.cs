using ShanghaiChain.V1;

namespace ShanghaiChain.Storage.Tests;

/// <summary>The regulators' audit trail: numbered without gaps, read in pages and by kind, durable with its audited height, bounded.</summary>
public sealed class AuditLogTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("shc-audit-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static AuditEvent Event(AuditKind kind, string detail) => new() { Kind = kind, Detail = detail };

    [Fact]
    public void Events_are_numbered_in_order_and_read_after_a_sequence_by_kind_and_survive_a_reopen_with_the_audited_height()
    {
        var directory = Path.Combine(_dir, "audit");
        using (var log = AuditLog.Open(directory))
        {
            log.Append([Event(AuditKind.ProposalCreated, "a"), Event(AuditKind.Voted, "b")], auditedHeight: 5);
            log.Append([Event(AuditKind.RefusedAtAdmission, "c")]);
            // More than one block of 256 sequence numbers, so a page crosses the key prefix the reader walks.
            log.Append([.. Enumerable.Range(0, 600).Select(i => Event(AuditKind.Voted, $"v{i}"))], auditedHeight: 9);
            Assert.Equal(603UL, log.LastSequence);
        }
        using var reopened = AuditLog.Open(directory);
        Assert.Equal((1UL, 603UL, 9UL), (reopened.FirstSequence, reopened.LastSequence, reopened.AuditedHeight));
        Assert.Equal(["a", "b", "c"], reopened.Read(0, 3).Select(e => e.Detail));
        Assert.Equal(["v252", "v253"], reopened.Read(255, 2).Select(e => e.Detail));
        Assert.Equal([256UL, 257UL], reopened.Read(255, 2).Select(e => e.Sequence));
        Assert.Equal(["c"], reopened.Read(0, 10, [AuditKind.RefusedAtAdmission]).Select(e => e.Detail));
        Assert.Equal(600, reopened.Read(2, 1_000).Count(e => e.Kind == AuditKind.Voted));
        Assert.Empty(reopened.Read(603, 10));
        // Appending resumes the numbering.
        reopened.Append([Event(AuditKind.ProposalExecuted, "d")]);
        Assert.Equal(604UL, Assert.Single(reopened.Read(603, 10)).Sequence);
    }

    [Fact]
    public void Past_its_bound_the_oldest_events_are_pruned_and_the_first_sequence_moves_on()
    {
        using var log = AuditLog.OpenInMemory(maxEvents: 10);
        for (var i = 0; i < 4; i++)
        {
            log.Append([.. Enumerable.Range(0, 4).Select(j => Event(AuditKind.Voted, $"{i}.{j}"))]);
        }
        Assert.Equal((7UL, 16UL), (log.FirstSequence, log.LastSequence));
        var kept = log.Read(0, 100);
        Assert.Equal(Enumerable.Range(7, 10).Select(i => (ulong)i), kept.Select(e => e.Sequence));
        Assert.Equal("1.2", kept[0].Detail);
    }
}
