using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Relay.Clients;
using ShanghaiChain.Relay.Tests.Support;
using ShanghaiChain.V1;

namespace ShanghaiChain.Relay.Tests;

/// <summary>
/// The light client alone, on headers signed by real validator keys of either suite: following its epoch, crossing an
/// epoch change by the announced set, and refusing everything a relayer could forge or get wrong.
/// </summary>
public sealed class LightClientTests
{
    public static TheoryData<string> Suites => [CryptoSuite.Ed25519Sha256Name, CryptoSuite.Sm2Sm3Name];

    private sealed class Tracked
    {
        public required LightClientState State;
        public readonly Dictionary<ulong, RelayConsensusState> Trusted = [];

        public UpdateOutcome Apply(LightClientUpdate update, ulong nowSeconds)
        {
            var outcome = LightClient.Update(State, update, nowSeconds, h => Trusted.GetValueOrDefault(h));
            if (outcome.Verdict == UpdateVerdict.Accepted)
            {
                State = outcome.State;
                Trusted[outcome.Height] = outcome.Consensus!;
            }
            return outcome;
        }
    }

    private static (HeaderChain Chain, Tracked Client, ulong Now) Start(string suiteName, int blocks = 5)
    {
        var suite = CryptoSuite.FromName(suiteName);
        var chain = new HeaderChain(Committee.Generate(suite, "hongkong", epoch: 1));
        chain.AppendMany(blocks);
        var now = chain.TimeMs(chain.Height) / 1000 + 5;
        var state = LightClient.TryCreate(chain.Create(1), now, out var consensus, out var height, out var problem);
        Assert.True(state is not null, problem);
        var client = new Tracked { State = state! };
        client.Trusted[height] = consensus;
        return (chain, client, now);
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Follows_committed_headers_and_crosses_an_epoch_change_by_the_announced_set(string suiteName)
    {
        var (chain, client, _) = Start(suiteName, blocks: 3);
        var epoch1 = chain.Committee;
        var epoch2 = epoch1.NextWithOneReplaced();
        chain.Append(next: epoch2);             // height 4: the last header of epoch 1 announces epoch 2's set
        chain.AppendMany(3);                    // heights 5..7 signed by epoch 2
        var now = chain.TimeMs(chain.Height) / 1000 + 5;

        Assert.Equal(UpdateVerdict.Accepted, client.Apply(chain.Update(3), now).Verdict);
        Assert.Equal(3UL, client.State.LatestHeight);
        // Epoch 2's header before the client saw the announcement: the set is not yet trusted.
        Assert.Equal(UpdateVerdict.Refused, client.Apply(chain.Update(5, epoch2.Relay), now).Verdict);

        // The epoch's last header, committed by its suffix child, announces the next set...
        Assert.Equal(UpdateVerdict.Accepted, client.Apply(chain.Update(4), now).Verdict);
        Assert.True(epoch2.Hash.Matches(client.State.NextValidatorSetHash.Span));
        // ...and the first header of epoch 2 comes with that set and is committed by it.
        var crossed = client.Apply(chain.Update(5, epoch2.Relay), now);
        Assert.Equal(UpdateVerdict.Accepted, crossed.Verdict);
        Assert.Equal(2UL, client.State.Epoch);
        Assert.Equal(epoch2.Keys[^1].PublicKey, client.State.Validators.Validators[^1].PublicKey.ToByteArray());
        Assert.Equal(chain.Header(5).StateRootOfParent, client.Trusted[5].StateRoot);
        // From there on epoch 2's set alone: no set needs to travel.
        Assert.Equal(UpdateVerdict.Accepted, client.Apply(chain.Update(6), now).Verdict);
        Assert.Equal(6UL, client.State.LatestHeight);
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Refuses_a_certificate_short_of_a_quorum_or_signed_by_keys_outside_the_set(string suiteName)
    {
        var (chain, client, now) = Start(suiteName);
        var committee = chain.Committee;

        var short2 = client.Apply(new LightClientUpdate { Header = chain.Certified(3, quorum: 2) }, now);
        Assert.Equal(UpdateVerdict.Refused, short2.Verdict);
        Assert.Contains("quorum", short2.Problem);

        var outsiders = Committee.Generate(committee.Suite, committee.ChainId, committee.Epoch);
        var forged = client.Apply(new LightClientUpdate { Header = chain.Certified(3, signers: outsiders) }, now);
        Assert.Equal(UpdateVerdict.Refused, forged.Verdict);

        // One signature replaced by a signature of another block: the count is a quorum, the signatures are not.
        var certified = chain.Certified(3);
        certified.Commit.Certificate.Signatures[0].Signature = committee.Certify(99, 1, committee.Hash).Signatures[0].Signature;
        Assert.Equal(UpdateVerdict.Refused, client.Apply(new LightClientUpdate { Header = certified }, now).Verdict);

        // The same validator counted twice does not make a quorum.
        var doubled = chain.Certified(3);
        doubled.Commit.Certificate.Signatures[2] = doubled.Commit.Certificate.Signatures[0];
        Assert.Equal(UpdateVerdict.Refused, client.Apply(new LightClientUpdate { Header = doubled }, now).Verdict);

        // A tampered header no longer matches what its child and certificate name.
        var tampered = chain.Certified(3);
        var header = BlockHeader.Parser.ParseFrom(tampered.Header);
        header.StateRootOfParent = Google.Protobuf.ByteString.CopyFrom(new byte[32]);
        tampered.Header = Google.Protobuf.MessageExtensions.ToByteString(header);
        Assert.Equal(UpdateVerdict.Refused, client.Apply(new LightClientUpdate { Header = tampered }, now).Verdict);

        Assert.Equal(1UL, client.State.LatestHeight);
        Assert.Equal(UpdateVerdict.Accepted, client.Apply(chain.Update(3), now).Verdict);
    }

    [Fact]
    public void Refuses_a_certified_header_without_the_two_chain_commit()
    {
        var (chain, client, now) = Start(CryptoSuite.Ed25519Sha256Name);
        var certified = chain.Certified(3);
        // The child proposed two rounds later (after a timeout): certified, but it does not commit its parent.
        var child = BlockHeader.Parser.ParseFrom(certified.Commit.Descendants[0]);
        child.Round += 1;
        var childBytes = Google.Protobuf.MessageExtensions.ToByteString(child);
        certified.Commit.Descendants[0] = childBytes;
        certified.Commit.Certificate = chain.Committee.Certify(child.Height, child.Round, chain.Committee.Suite.Hash(childBytes.Span));
        var outcome = client.Apply(new LightClientUpdate { Header = certified }, now);
        Assert.Equal(UpdateVerdict.Refused, outcome.Verdict);
        Assert.Contains("two-chain", outcome.Problem);
    }

    [Fact]
    public void A_suffix_block_after_an_epochs_last_header_is_not_taken_for_committed()
    {
        var (chain, client, _) = Start(CryptoSuite.Ed25519Sha256Name, blocks: 2);
        var next = chain.Committee.NextWithOneReplaced();
        chain.Append(next: next);
        chain.AppendMany(2);
        var now = chain.TimeMs(chain.Height) / 1000 + 5;

        // Certified with a two-chain above it, signed by the old epoch, announcing the next set: but a suffix block.
        var suffix = client.Apply(new LightClientUpdate { Header = chain.Suffix(3) }, now);
        Assert.Equal(UpdateVerdict.Refused, suffix.Verdict);
        Assert.Contains("suffix", suffix.Problem);
        // The last header itself needs its parent to show it.
        var withoutParent = chain.Certified(3);
        withoutParent.Parent = Google.Protobuf.ByteString.Empty;
        Assert.Equal(UpdateVerdict.Refused, client.Apply(new LightClientUpdate { Header = withoutParent }, now).Verdict);
        Assert.Equal(UpdateVerdict.Accepted, client.Apply(chain.Update(3), now).Verdict);
        Assert.Equal(UpdateVerdict.Accepted, client.Apply(chain.Update(4, next.Relay), now).Verdict);
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Refuses_a_next_epoch_set_other_than_the_announced_one(string suiteName)
    {
        var (chain, client, _) = Start(suiteName, blocks: 2);
        var announced = chain.Committee.NextWithOneReplaced();
        chain.Append(next: announced);
        chain.AppendMany(2);
        var now = chain.TimeMs(chain.Height) / 1000 + 5;
        Assert.Equal(UpdateVerdict.Accepted, client.Apply(chain.Update(3), now).Verdict);

        // A relayer offering another set (here: the announced one with a validator swapped) is refused before any signature counts.
        var impostor = new Committee(announced.Suite, announced.ChainId, announced.Epoch, [.. announced.Keys.Take(3), KeyFile.Generate(announced.Suite)]);
        var wrongSet = client.Apply(chain.Update(4, impostor.Relay), now);
        Assert.Equal(UpdateVerdict.Refused, wrongSet.Verdict);
        Assert.Contains("announced", wrongSet.Problem);
        var noSet = client.Apply(chain.Update(4), now);
        Assert.Equal(UpdateVerdict.Refused, noSet.Verdict);
        Assert.Equal(UpdateVerdict.Accepted, client.Apply(chain.Update(4, announced.Relay), now).Verdict);
    }

    [Fact]
    public void An_expired_client_refuses_updates_and_a_header_older_than_the_trusting_period_is_refused()
    {
        var (chain, client, now) = Start(CryptoSuite.Sm2Sm3Name);
        var period = client.State.TrustingPeriodSeconds;
        var expiry = chain.TimeMs(1) / 1000 + period;
        Assert.Equal(LightClientStatus.Active, LightClient.StatusAt(client.State, expiry - 1));
        Assert.Equal(LightClientStatus.Expired, LightClient.StatusAt(client.State, expiry));
        var late = client.Apply(chain.Update(3), expiry);
        Assert.Equal(UpdateVerdict.Refused, late.Verdict);
        Assert.Contains("expired", late.Problem);

        // Creating from a header already past the period is refused too.
        Assert.Null(LightClient.TryCreate(chain.Create(1, trustingPeriodSeconds: 10), chain.TimeMs(1) / 1000 + 10, out _, out _, out var problem));
        Assert.Contains("trusting period", problem);
        Assert.Equal(UpdateVerdict.Accepted, client.Apply(chain.Update(3), now).Verdict);
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Two_committed_headers_at_one_height_are_misbehaviour_and_a_conflicting_update_is_a_conflict(string suiteName)
    {
        var (chain, client, now) = Start(suiteName);
        Assert.Equal(UpdateVerdict.Accepted, client.Apply(chain.Update(3), now).Verdict);
        var fork = new LightClientUpdate { Header = chain.Conflicting(3) };

        Assert.Equal(UpdateVerdict.Conflict, client.Apply(fork, now).Verdict);
        var evidence = new LightClientMisbehaviour { First = chain.Update(4), Second = new LightClientUpdate { Header = chain.Conflicting(4) } };
        Assert.True(LightClient.IsMisbehaviour(client.State, evidence, out var problem), problem);

        // The same header twice, or two heights, is no evidence.
        Assert.False(LightClient.IsMisbehaviour(client.State, new LightClientMisbehaviour { First = chain.Update(4), Second = chain.Update(4) }, out _));
        Assert.False(LightClient.IsMisbehaviour(client.State, new LightClientMisbehaviour { First = chain.Update(3), Second = chain.Update(4) }, out _));

        client.State.Frozen = true;
        Assert.Equal(LightClientStatus.Frozen, LightClient.StatusAt(client.State, now));
        Assert.Equal(UpdateVerdict.Refused, client.Apply(chain.Update(4), now).Verdict);
    }

    [Fact]
    public void Signatures_of_the_right_validators_for_another_chain_do_not_verify()
    {
        var (chain, client, now) = Start(CryptoSuite.Ed25519Sha256Name);
        var committee = chain.Committee;
        var twin = new HeaderChain(new Committee(committee.Suite, "singapore", committee.Epoch, committee.Keys));
        twin.AppendMany(4);
        // The twin's headers name another chain id; its certificates are signed over that id.
        Assert.Equal(UpdateVerdict.Refused, client.Apply(twin.Update(3), now).Verdict);
    }
}
