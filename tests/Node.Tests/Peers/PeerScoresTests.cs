using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Time.Testing;
using ShanghaiChain.Node.Peers;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Tests.Peers;

public sealed class PeerScoresTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Three_malformed_frames_in_a_row_ban_a_peer_with_the_evidence()
    {
        var scores = new PeerScores(_time);

        Assert.Null(scores.Penalize("peer", PeerScores.MalformedPenalty, "frame 1"));
        Assert.Null(scores.Penalize("peer", PeerScores.MalformedPenalty, "frame 2"));
        var evidence = scores.Penalize("peer", PeerScores.MalformedPenalty, "frame 3");

        Assert.Equal(["frame 1", "frame 2", "frame 3"], evidence);
        Assert.True(scores.IsBanned("peer", out var until));
        Assert.Equal(_time.GetUtcNow() + PeerScores.BanDuration, until);
        _time.Advance(PeerScores.BanDuration + TimeSpan.FromSeconds(1));
        Assert.False(scores.IsBanned("peer", out _));
        Assert.Equal(0, scores.ScoreOf("peer"));
    }

    [Fact]
    public void Scores_recover_over_time_so_rare_faults_never_add_up_to_a_ban()
    {
        var scores = new PeerScores(_time);
        // One malformed frame an hour, for a day: each is forgiven before the next.
        for (var hour = 0; hour < 24; hour++)
        {
            Assert.Null(scores.Penalize("peer", PeerScores.MalformedPenalty, $"hour {hour}"));
            _time.Advance(TimeSpan.FromHours(1));
        }
        Assert.False(scores.IsBanned("peer", out _));
        Assert.Equal(0, scores.ScoreOf("peer"));
    }

    [Fact]
    public void Recovery_is_gradual_and_stops_at_zero()
    {
        var scores = new PeerScores(_time);
        scores.Penalize("peer", PeerScores.MalformedPenalty, "x");
        _time.Advance(PeerScores.RecoveryInterval * 10);
        Assert.Equal(-30, scores.ScoreOf("peer"));
        _time.Advance(PeerScores.RecoveryInterval * 100);
        Assert.Equal(0, scores.ScoreOf("peer"));
        Assert.Equal(0, scores.ScoreOf("someone else"));
    }

    [Fact]
    public void Only_frames_that_do_not_decode_or_exceed_the_cap_count_as_malformed()
    {
        var decodeError = Assert.ThrowsAny<InvalidProtocolBufferException>(() => PeerMessage.Parser.ParseFrom([0xff, 0xff, 0xff, 0xff]));

        Assert.True(PeerFailures.IsMalformedFrame(decodeError));
        Assert.True(PeerFailures.IsMalformedFrame(new RpcException(new Status(StatusCode.Internal, "Error reading next message", decodeError))));
        Assert.True(PeerFailures.IsMalformedFrame(new IOException("wrapped", decodeError)));
        Assert.True(PeerFailures.IsMalformedFrame(new RpcException(new Status(StatusCode.ResourceExhausted, "Received message exceeds the maximum size"))));

        // What a peer's graceful shutdown, a pause or a partition looks like: never the peer's fault.
        Assert.False(PeerFailures.IsMalformedFrame(new RpcException(new Status(StatusCode.Internal, "Error reading next message",
            new IOException("The request stream was aborted.")))));
        Assert.False(PeerFailures.IsMalformedFrame(new RpcException(new Status(StatusCode.Internal, "RST_STREAM"))));
        Assert.False(PeerFailures.IsMalformedFrame(new RpcException(new Status(StatusCode.Unavailable, "keep-alive ping timed out"))));
        Assert.False(PeerFailures.IsMalformedFrame(new IOException("connection reset")));
        Assert.False(PeerFailures.IsMalformedFrame(new OperationCanceledException()));
    }
}
