using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Relay;
using ShanghaiChain.Relay.Contract;
using ShanghaiChain.RelayBench;
using ShanghaiChain.V1;
using ShanghaiChain.Vm.Abi;

// Usage: shanghaichain-relaybench A_URL A_KEY B_URL B_KEY CLIENT_ON_A PING_JSON [LATENCY_SECONDS] [PACKETS]
// The relayer must be running between A and B. Deploys CrossChainPing on both, opens a channel from A (the relayer
// completes the handshake), then: (1) one packet at a time for LATENCY_SECONDS, each timed from submitting the send on A
// to its AcknowledgePacket event on A; (2) PACKETS packets submitted at once, timed until B received them all and until A
// saw them all acknowledged.
if (args.Length < 6)
{
    Console.Error.WriteLine("usage: shanghaichain-relaybench A_URL A_KEY B_URL B_KEY CLIENT_ON_A PING_JSON [LATENCY_SECONDS] [PACKETS]");
    return 2;
}
var latencySeconds = args.Length > 6 ? int.Parse(args[6], CultureInfo.InvariantCulture) : 20;
var packets = args.Length > 7 ? int.Parse(args[7], CultureInfo.InvariantCulture) : 5_000;
using var a = await BenchChain.ConnectAsync(args[0], args[1]);
using var b = await BenchChain.ConnectAsync(args[2], args[3]);
byte[] code;
using (var json = JsonDocument.Parse(File.ReadAllText(args[5])))
{
    code = Convert.FromHexString(json.RootElement.GetProperty("bytecode").GetString()!);
}
var pingA = new Address((await a.SendAsync(null, code)).ContractAddress.Span);
var pingB = new Address((await b.SendAsync(null, code)).ContractAddress.Span);
var opened = await a.SendAsync(pingA, BenchChain.Call("open(string,address,bool)", new AbiTuple().String(args[4]).Address(pingB).Bool(false)));
var initLog = opened.Logs.Single(l => CrossChainEvents.ChannelOpenInit.Matches(l.Topics[0].Span));
new AbiReader(initLog.Data.Span).TryBytes(0, out var channelBytes);
var channel = System.Text.Encoding.UTF8.GetString(channelBytes);
var clock = Stopwatch.StartNew();
while ((await a.Relay.GetRelayChannelAsync(new GetRelayChannelRequest { ChannelId = channel })).Channel.State != RelayChannelState.Open)
{
    if (clock.Elapsed > TimeSpan.FromMinutes(2))
    {
        Console.Error.WriteLine("error: the channel did not open within 2 minutes: is the relayer running?");
        return 1;
    }
    await Task.Delay(20);
}
Console.WriteLine($"channel {channel} open after {clock.Elapsed.TotalSeconds:0.00} s (handshake: try, ack, confirm through the relayer)");

// Acknowledgements seen on A, by sequence, with the time they were seen.
var acked = new System.Collections.Concurrent.ConcurrentDictionary<ulong, long>();
using var stop = new CancellationTokenSource();
var head = (await a.Api.GetStatusAsync(new GetStatusRequest())).HeadHeight;
var subscription = Task.Run(async () =>
{
    var request = new SubscribeEventsRequest { FromHeight = head, Addresses = { CrossChainLayout.Address.ToByteString() } };
    request.Topics.Add(new TopicFilter { Values = { CrossChainEvents.AcknowledgePacket.ToByteString() } });
    try
    {
        using var stream = a.Api.SubscribeEvents(request, cancellationToken: stop.Token);
        await foreach (var evt in stream.ResponseStream.ReadAllAsync(stop.Token))
        {
            if (new AbiReader(evt.Log.Data.Span).TryUInt256(1, out var sequence))
            {
                acked.TryAdd(sequence.U0, Stopwatch.GetTimestamp());
            }
        }
    }
    catch (Exception ex) when (ex is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
    {
    }
});

byte[] SendCall(int i) => BenchChain.Call("send(bytes,uint64,uint64)", new AbiTuple().Bytes(new byte[32]).UInt(0).UInt(4_000_000_000));

// (1) Round trips, one packet at a time.
var roundTrips = new List<double>();
clock.Restart();
var sequence = 0UL;
while (clock.Elapsed < TimeSpan.FromSeconds(latencySeconds))
{
    var started = Stopwatch.GetTimestamp();
    var receipt = await a.SendAsync(pingA, SendCall(0), 1_000_000);
    new AbiReader(receipt.Logs.Single(l => CrossChainEvents.SendPacket.Matches(l.Topics[0].Span)).Data.Span).TryUInt256(1, out var seq);
    sequence = seq.U0;
    while (!acked.ContainsKey(sequence))
    {
        if (Stopwatch.GetElapsedTime(started) > TimeSpan.FromMinutes(1))
        {
            Console.Error.WriteLine($"error: packet {sequence} was not acknowledged within a minute");
            return 1;
        }
        await Task.Delay(2);
    }
    roundTrips.Add(Stopwatch.GetElapsedTime(started, acked[sequence]).TotalMilliseconds);
}
roundTrips.Sort();
double Percentile(double p) => roundTrips[Math.Min(roundTrips.Count - 1, (int)Math.Ceiling(p * roundTrips.Count) - 1)];
Console.WriteLine($"round trip send→ack, one at a time: {roundTrips.Count} packets, p50 {Percentile(0.50):0} ms, p99 {Percentile(0.99):0} ms, " +
    $"min {roundTrips[0]:0} ms, max {roundTrips[^1]:0} ms");

// (2) Sustained: many packets submitted at once (pre-signed, in batches of 500).
var receivedBefore = await b.CounterAsync(pingB, "received()");
var ackedBefore = await a.CounterAsync(pingA, "acknowledged()");
var signed = new List<byte[]>(packets);
for (var i = 0; i < packets; i++)
{
    signed.Add(await a.SignAsync(pingA, SendCall(i), 300_000));
}
clock.Restart();
for (var i = 0; i < signed.Count; i += 500)
{
    var request = new SubmitTransactionsRequest();
    request.Transactions.AddRange(signed.Skip(i).Take(500).Select(ByteString.CopyFrom));
    var refused = (await a.Api.SubmitTransactionsAsync(request)).Results.FirstOrDefault(r => r.Reason.Length > 0);
    if (refused is not null)
    {
        Console.Error.WriteLine($"error: the source refused a send: {refused.Reason} {refused.Message}");
        return 1;
    }
}
var submitted = clock.Elapsed;
double? sentAt = null, receivedAt = null;
while (true)
{
    var sends = (await a.Relay.GetRelayChannelAsync(new GetRelayChannelRequest { ChannelId = channel })).NextSend;
    sentAt ??= sends > sequence + (ulong)packets ? clock.Elapsed.TotalSeconds : null;
    var received = await b.CounterAsync(pingB, "received()") - receivedBefore;
    receivedAt ??= received >= (ulong)packets ? clock.Elapsed.TotalSeconds : null;
    if (await a.CounterAsync(pingA, "acknowledged()") - ackedBefore >= (ulong)packets)
    {
        break;
    }
    if (clock.Elapsed > TimeSpan.FromMinutes(10))
    {
        Console.Error.WriteLine($"error: only {received} of {packets} packets received within 10 minutes");
        return 1;
    }
    await Task.Delay(50);
}
var ackedAt = clock.Elapsed.TotalSeconds;
Console.WriteLine($"sustained: {packets} packets submitted in {submitted.TotalSeconds:0.00} s, all sent (committed on A) at {sentAt ?? ackedAt:0.00} s, " +
    $"received on B at {receivedAt ?? ackedAt:0.00} s, acknowledged on A at {ackedAt:0.00} s");
Console.WriteLine($"sustained relayed packets/s: {packets / (receivedAt ?? ackedAt):0} received, {packets / ackedAt:0} acknowledged (round trips complete)");
await stop.CancelAsync();
await subscription;
return 0;
