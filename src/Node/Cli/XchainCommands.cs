using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Relay;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Cli;

/// <summary>
/// `xchain clients|channels|packets` (docs/relay.md, "The xchain commands"): the cross-chain contract's records on one
/// chain, read through RelayService (ListRelayClients, GetRelayClient, ListRelayChannels, GetRelayChannel,
/// GetPacketStates). `transfer` and `balance` are in <see cref="XchainTransferCommands"/>. Validated here: ids (the
/// contract's rule, [a-z0-9.-], 1 to 64), limits and URLs, each refused with one `error:` line and exit code 2.
/// </summary>
internal static class XchainCommands
{
    /// <summary>The most sequences one `packets` call lists (the API's GetPacketStates bound).</summary>
    private const uint MaxPackets = 4096;

    public static Command Create()
    {
        var xchain = new Command("xchain", "Cross-chain records and transfers: light clients, channels, packets");
        xchain.Add(CreateClients());
        xchain.Add(CreateChannels());
        xchain.Add(CreatePackets());
        xchain.Add(XchainTransferCommands.CreateTransfer());
        xchain.Add(XchainTransferCommands.CreateBalance());
        return xchain;
    }

    internal static Option<bool> JsonOption() => new("--json") { Description = "Print JSON instead of a table (for scripts)" };

    internal static string RequireId(string id, string what) =>
        CrossChainLayout.IsIdentifier(id) ? id : throw new CliUsageException($"{what} must be 1 to 64 characters of [a-z0-9.-], got '{id}'");

    private static Command CreateClients()
    {
        var node = CommonOptions.Node();
        var json = JsonOption();
        var clients = new Command("clients", "Every light client kept on this chain: counterparty, status, trusted height, time left") { node, json };
        clients.SetAction(async (parse, cancel) =>
        {
            using var client = await CliClient.ConnectAsync(parse.GetValue(node)!, cancel);
            var entries = new List<RelayClientEntry>();
            ListRelayClientsResponse page;
            do
            {
                page = await client.Relay.ListRelayClientsAsync(new ListRelayClientsRequest { StartIndex = (ulong)entries.Count, Limit = 256 }, cancellationToken: cancel);
                entries.AddRange(page.Clients);
            }
            while (page.Clients.Count > 0 && (ulong)entries.Count < page.Total);
            if (parse.GetValue(json))
            {
                Print(new JsonObject
                {
                    ["chain_id"] = client.ChainId,
                    ["height"] = page.Height,
                    ["clients"] = new JsonArray([.. entries.Select(e => ClientJson(e.ClientId, e.Client, e.Status, page.HeadTimestampMs))]),
                });
                return 0;
            }
            Console.WriteLine($"{entries.Count} light client(s) on {client.ChainId} at height {page.Height}");
            if (entries.Count > 0)
            {
                var table = CliOutput.Table("client", "counterparty", "suite", "status", "trusted height", "epoch", "trusting period", "time left");
                foreach (var e in entries)
                {
                    table.Row(e.ClientId, e.Client.ChainId, e.Client.CryptoSuite, e.Status, Number(e.Client.LatestHeight), Number(e.Client.Epoch),
                        Duration(e.Client.TrustingPeriodSeconds), TimeLeft(e.Client, e.Status, page.HeadTimestampMs));
                }
                CliOutput.Write(table);
            }
            return 0;
        });

        var showNode = CommonOptions.Node();
        var showJson = JsonOption();
        var id = new Argument<string>("id") { Description = "Client id" };
        var show = new Command("show", "One light client in full: trusted header, validators, generation, frozen height") { showNode, showJson, id };
        show.SetAction(async (parse, cancel) =>
        {
            var clientId = RequireId(parse.GetValue(id)!, "client id");
            using var client = await CliClient.ConnectAsync(parse.GetValue(showNode)!, cancel);
            var response = await client.Relay.GetRelayClientAsync(new GetRelayClientRequest { ClientId = clientId }, cancellationToken: cancel);
            if (response.Client is null)
            {
                throw new CliException($"no light client '{clientId}' on {client.ChainId} (`xchain clients` lists them)");
            }
            var c = response.Client;
            var consensus = (await client.Relay.GetRelayClientAsync(new GetRelayClientRequest { ClientId = clientId, ConsensusHeight = c.LatestHeight },
                cancellationToken: cancel)).Consensus;
            if (parse.GetValue(showJson))
            {
                var body = ClientJson(clientId, c, response.Status, response.HeadTimestampMs);
                body["generation"] = c.Generation;
                body["frozen_at"] = c.FrozenAt;
                body["next_validator_set_hash"] = Convert.ToHexStringLower(c.NextValidatorSetHash.Span);
                body["validators"] = new JsonArray([.. c.Validators.Validators.Select(v => (JsonNode)new JsonObject
                {
                    ["public_key"] = Convert.ToHexStringLower(v.PublicKey.Span),
                    ["power"] = v.Power,
                })]);
                body["latest_header_hash"] = consensus is null ? null : Convert.ToHexStringLower(consensus.HeaderHash.Span);
                body["latest_state_root"] = consensus is null ? null : Convert.ToHexStringLower(consensus.StateRoot.Span);
                body["height"] = response.Height;
                Print(body);
                return 0;
            }
            Console.WriteLine($"client:           {clientId} (on {client.ChainId}, height {response.Height})");
            Console.WriteLine($"counterparty:     {c.ChainId} ({c.CryptoSuite})");
            Console.WriteLine($"status:           {response.Status}{(c.Frozen ? $" at height {c.FrozenAt}: the committee must recover it (`relay propose-client --recover`)" : "")}");
            Console.WriteLine($"trusted height:   {c.LatestHeight} (epoch {c.Epoch}, header time {Time(c.LatestTimestampMs)})");
            if (consensus is not null)
            {
                Console.WriteLine($"trusted header:   {Convert.ToHexStringLower(consensus.HeaderHash.Span)}");
                Console.WriteLine($"state root:       {Convert.ToHexStringLower(consensus.StateRoot.Span)}");
            }
            Console.WriteLine($"trusting period:  {Duration(c.TrustingPeriodSeconds)}, time left {TimeLeft(c, response.Status, response.HeadTimestampMs)}");
            Console.WriteLine($"validators:       {c.Validators.Validators.Count} (power {c.Validators.Validators.Sum(v => (decimal)v.Power)}), next set {Convert.ToHexStringLower(c.NextValidatorSetHash.Span)}");
            Console.WriteLine($"generation:       {c.Generation}");
            return 0;
        });
        clients.Add(show);
        return clients;
    }

    private static Command CreateChannels()
    {
        var node = CommonOptions.Node();
        var json = JsonOption();
        var channels = new Command("channels", "Every channel end on this chain: contract, counterparty, state, order, version, sequences") { node, json };
        channels.SetAction(async (parse, cancel) =>
        {
            using var client = await CliClient.ConnectAsync(parse.GetValue(node)!, cancel);
            var entries = new List<RelayChannelEntry>();
            ListRelayChannelsResponse page;
            do
            {
                page = await client.Relay.ListRelayChannelsAsync(new ListRelayChannelsRequest { StartIndex = (ulong)entries.Count, Limit = 256 }, cancellationToken: cancel);
                entries.AddRange(page.Channels);
            }
            while (page.Channels.Count > 0 && (ulong)entries.Count < page.Total);
            if (parse.GetValue(json))
            {
                Print(new JsonObject
                {
                    ["chain_id"] = client.ChainId,
                    ["height"] = page.Height,
                    ["channels"] = new JsonArray([.. entries.Select(e => ChannelJson(e.ChannelId, e.Channel, e.NextSend, e.NextReceive, e.NextAcknowledge))]),
                });
                return 0;
            }
            Console.WriteLine($"{entries.Count} channel end(s) on {client.ChainId} at height {page.Height}");
            if (entries.Count > 0)
            {
                var table = CliOutput.Table("channel", "contract", "client", "counterparty", "state", "order", "version", "next send", "next recv", "next ack");
                foreach (var e in entries)
                {
                    var c = e.Channel;
                    table.Row(e.ChannelId, Hex(c.LocalContract), c.ClientId, $"{c.CounterpartyChainId}/{(c.CounterpartyChannel.Length > 0 ? c.CounterpartyChannel : "?")}",
                        StateName(c.State), c.Ordered ? "ordered" : "unordered", c.Version, Number(e.NextSend), Number(e.NextReceive), Number(e.NextAcknowledge));
                }
                CliOutput.Write(table);
            }
            return 0;
        });

        var showNode = CommonOptions.Node();
        var showJson = JsonOption();
        var id = new Argument<string>("id") { Description = "Channel id (channel-N)" };
        var show = new Command("show", "One channel end in full") { showNode, showJson, id };
        show.SetAction(async (parse, cancel) =>
        {
            var channelId = RequireId(parse.GetValue(id)!, "channel id");
            using var client = await CliClient.ConnectAsync(parse.GetValue(showNode)!, cancel);
            var r = await client.Relay.GetRelayChannelAsync(new GetRelayChannelRequest { ChannelId = channelId }, cancellationToken: cancel);
            if (r.Channel is null)
            {
                throw new CliException($"no channel '{channelId}' on {client.ChainId} (`xchain channels` lists them)");
            }
            if (parse.GetValue(showJson))
            {
                var body = ChannelJson(channelId, r.Channel, r.NextSend, r.NextReceive, r.NextAcknowledge);
                body["height"] = r.Height;
                Print(body);
                return 0;
            }
            var c = r.Channel;
            Console.WriteLine($"channel:          {channelId} (on {client.ChainId}, height {r.Height})");
            Console.WriteLine($"state:            {StateName(c.State)}, {(c.Ordered ? "ordered" : "unordered")}, version {c.Version}");
            Console.WriteLine($"contract:         {Hex(c.LocalContract)}");
            Console.WriteLine($"client:           {c.ClientId}");
            Console.WriteLine($"counterparty:     {c.CounterpartyChainId} {(c.CounterpartyChannel.Length > 0 ? c.CounterpartyChannel : "(not known yet)")}, contract {Hex(c.CounterpartyContract)}");
            Console.WriteLine($"next sequences:   send {r.NextSend}, receive {r.NextReceive}, acknowledge {r.NextAcknowledge}");
            return 0;
        });
        channels.Add(show);
        return channels;
    }

    private static Command CreatePackets()
    {
        var node = CommonOptions.Node();
        var json = JsonOption();
        var channel = new Option<string>("--channel") { Description = "Channel id on this chain (channel-N)", Required = true };
        var pending = new Option<bool>("--pending") { Description = "Only packets not yet acknowledged or timed out" };
        var limit = new Option<uint>("--limit") { Description = $"At most this many, newest first (1 to {MaxPackets})", DefaultValueFactory = _ => 100 };
        var counterparty = new Option<string?>("--counterparty")
        {
            CustomParser = r => CommonOptions.ParseUrl(r.Tokens.Single().Value, r, "--counterparty"),
            Description = "gRPC URL of a node of the other chain: tells packets it received (awaiting their acknowledgement) from those in flight",
        };
        var packets = new Command("packets", "Packets sent on a channel: sequence, state (sent, received, acknowledged, timed out), timeout")
            { node, json, channel, pending, limit, counterparty };
        packets.SetAction(async (parse, cancel) =>
        {
            var channelId = RequireId(parse.GetValue(channel)!, "--channel");
            var max = parse.GetValue(limit);
            if (max is 0 or > MaxPackets)
            {
                throw new CliUsageException($"--limit must be 1 to {MaxPackets}, got {max}");
            }
            using var client = await CliClient.ConnectAsync(parse.GetValue(node)!, cancel);
            var end = await client.Relay.GetRelayChannelAsync(new GetRelayChannelRequest { ChannelId = channelId }, cancellationToken: cancel);
            if (end.Channel is null)
            {
                throw new CliException($"no channel '{channelId}' on {client.ChainId} (`xchain channels` lists them)");
            }
            var request = new GetPacketStatesRequest { ChannelId = channelId };
            for (var s = end.NextSend - 1; s >= 1 && request.Sequences.Count < max; s--)
            {
                request.Sequences.Add(s);
            }
            var states = request.Sequences.Count == 0 ? [] : (await client.Relay.GetPacketStatesAsync(request, cancellationToken: cancel)).States.ToList();
            var received = await ReceivedOnCounterpartyAsync(parse.GetValue(counterparty), end.Channel, states, cancel);
            var rows = states.Where(s => !parse.GetValue(pending) || s.Outcome == RelayPacketOutcome.Pending)
                .Select(s => (s, State: StateOf(s, received)));
            if (parse.GetValue(json))
            {
                Print(new JsonObject
                {
                    ["chain_id"] = client.ChainId,
                    ["channel"] = channelId,
                    ["next_send"] = end.NextSend,
                    ["packets"] = new JsonArray([.. rows.Select(r => (JsonNode)new JsonObject
                    {
                        ["sequence"] = r.s.Sequence,
                        ["state"] = r.State,
                        ["timeout_height"] = r.s.TimeoutHeight,
                        ["timeout_timestamp"] = r.s.TimeoutTimestamp,
                    })]),
                });
                return 0;
            }
            var list = rows.ToList();
            Console.WriteLine($"{list.Count} packet(s) on {client.ChainId} {channelId} (to {end.Channel.CounterpartyChainId} {end.Channel.CounterpartyChannel}), " +
                $"{end.NextSend - 1} sent in all, newest first");
            if (list.Count > 0)
            {
                var table = CliOutput.Table("sequence", "state", "timeout height", "timeout time");
                foreach (var (s, state) in list)
                {
                    table.Row(Number(s.Sequence), state, s.TimeoutHeight == 0 ? "-" : Number(s.TimeoutHeight),
                        s.TimeoutTimestamp == 0 ? "-" : Time(s.TimeoutTimestamp * 1000));
                }
                CliOutput.Write(table);
            }
            return 0;
        });
        return packets;
    }

    /// <summary>The sequences of the pending packets that the counterparty's end shows received; empty without --counterparty.</summary>
    private static async Task<HashSet<ulong>> ReceivedOnCounterpartyAsync(string? url, RelayChannel channel, List<PacketState> states, CancellationToken cancel)
    {
        if (url is null)
        {
            return [];
        }
        using var other = await CliClient.ConnectAsync(url, cancel);
        if (other.ChainId != channel.CounterpartyChainId)
        {
            throw new CliUsageException($"--counterparty serves chain '{other.ChainId}', but the channel's counterparty is '{channel.CounterpartyChainId}'");
        }
        var inFlight = states.Where(s => s.Sent && s.Outcome == RelayPacketOutcome.Pending).Select(s => s.Sequence).ToList();
        if (inFlight.Count == 0 || channel.CounterpartyChannel.Length == 0)
        {
            return [];
        }
        var request = new GetPacketStatesRequest { ChannelId = channel.CounterpartyChannel };
        request.Sequences.AddRange(inFlight);
        var response = await other.Relay.GetPacketStatesAsync(request, cancellationToken: cancel);
        return [.. response.States.Where(s => s.Received).Select(s => s.Sequence)];
    }

    internal static string StateOf(PacketState state, IReadOnlySet<ulong> receivedOnCounterparty) => state.Outcome switch
    {
        RelayPacketOutcome.Acknowledged => "acknowledged",
        RelayPacketOutcome.AcknowledgedError => "acknowledged (error)",
        RelayPacketOutcome.TimedOut => "timed out",
        _ when !state.Sent => "unknown",
        _ when receivedOnCounterparty.Contains(state.Sequence) => "received",
        _ => "sent",
    };

    private static JsonObject ClientJson(string id, LightClientState c, string status, ulong headMs) => new()
    {
        ["client_id"] = id,
        ["counterparty_chain_id"] = c.ChainId,
        ["crypto_suite"] = c.CryptoSuite,
        ["status"] = status,
        ["trusted_height"] = c.LatestHeight,
        ["trusted_timestamp_ms"] = c.LatestTimestampMs,
        ["epoch"] = c.Epoch,
        ["trusting_period_seconds"] = c.TrustingPeriodSeconds,
        ["seconds_left"] = SecondsLeft(c, status, headMs),
    };

    private static JsonObject ChannelJson(string id, RelayChannel c, ulong send, ulong receive, ulong acknowledge) => new()
    {
        ["channel_id"] = id,
        ["state"] = StateName(c.State),
        ["ordered"] = c.Ordered,
        ["version"] = c.Version,
        ["contract"] = Hex(c.LocalContract),
        ["client_id"] = c.ClientId,
        ["counterparty_chain_id"] = c.CounterpartyChainId,
        ["counterparty_channel"] = c.CounterpartyChannel,
        ["counterparty_contract"] = Hex(c.CounterpartyContract),
        ["next_send"] = send,
        ["next_receive"] = receive,
        ["next_acknowledge"] = acknowledge,
    };

    internal static void Print(JsonNode node) => Console.WriteLine(node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

    private static string StateName(RelayChannelState state) => state switch
    {
        RelayChannelState.Init => "init",
        RelayChannelState.Tryopen => "tryopen",
        RelayChannelState.Open => "open",
        RelayChannelState.Closed => "closed",
        _ => "unknown",
    };

    /// <summary>Seconds until the client expires (0 once expired or frozen).</summary>
    private static ulong SecondsLeft(LightClientState c, string status, ulong headMs)
    {
        if (status != "active")
        {
            return 0;
        }
        var age = headMs > c.LatestTimestampMs ? (headMs - c.LatestTimestampMs) / 1000 : 0;
        return c.TrustingPeriodSeconds > age ? c.TrustingPeriodSeconds - age : 0;
    }

    private static string TimeLeft(LightClientState c, string status, ulong headMs) => status == "active" ? Duration(SecondsLeft(c, status, headMs)) : "-";

    private static string Duration(ulong seconds)
    {
        var span = TimeSpan.FromSeconds(Math.Min(seconds, (ulong)TimeSpan.MaxValue.TotalSeconds - 1));
        return span.TotalDays >= 1 ? $"{(int)span.TotalDays}d {span.Hours}h {span.Minutes}m"
            : span.TotalHours >= 1 ? $"{span.Hours}h {span.Minutes}m {span.Seconds}s"
            : span.TotalMinutes >= 1 ? $"{span.Minutes}m {span.Seconds}s" : $"{span.Seconds}s";
    }

    private static string Time(ulong ms) =>
        ms > (ulong)DateTimeOffset.MaxValue.ToUnixTimeMilliseconds() ? $"{ms} ms" : DateTimeOffset.FromUnixTimeMilliseconds((long)ms).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    private static string Number(ulong value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Hex(Google.Protobuf.ByteString bytes) => bytes.Length == Address.Size ? new Address(bytes.Span).ToString() : Convert.ToHexStringLower(bytes.Span);
}
