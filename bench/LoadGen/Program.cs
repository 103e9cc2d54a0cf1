using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Core.Transactions;
using ShanghaiChain.LoadGen;
using ShanghaiChain.V1;

// Usage: shanghaichain-loadgen [--node URL] [--key FILE] [--accounts N] [--duration S] [--tps N] [--batch N] [--streams N] [--window N] [--warmup S]
LoadOptions options;
try
{
    options = LoadOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine("error: " + ex.Message);
    return 2;
}

var funder = KeyFile.Load(options.KeyFile);
using var channel = GrpcChannel.ForAddress(options.Node, new GrpcChannelOptions
{
    HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
    MaxSendMessageSize = 64 * 1024 * 1024,
    MaxReceiveMessageSize = 64 * 1024 * 1024,
});
var client = new ChainService.ChainServiceClient(channel);
var status = await client.GetStatusAsync(new GetStatusRequest());
if (status.CryptoSuite != funder.Suite.Name)
{
    Console.Error.WriteLine($"error: the key is {funder.Suite.Name}, the chain uses {status.CryptoSuite}");
    return 1;
}
var chainId = status.ChainId;
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}");
Console.WriteLine($"command: shanghaichain-loadgen {string.Join(' ', args)}");
Console.WriteLine($"chain {chainId} ({status.CryptoSuite}) at height {status.HeadHeight}");

// 1. Fund the sending accounts from the funder key.
var accounts = Enumerable.Range(0, options.Accounts).Select(_ => KeyFile.Generate(funder.Suite)).ToArray();
var funderNonce = (await client.GetAccountAsync(new GetAccountRequest { Address = ByteString.CopyFrom(funder.Address.ToArray()) })).Nonce;
var expires = status.HeadHeight + 9_000;
var funding = accounts.Select((a, i) => TransactionSigner.Sign(
    TransactionSigner.Transfer(chainId, funderNonce + (ulong)i, a.Address, UInt256.Parse("1000000000000000000000"), 21_000, expires), funder)).ToArray();
ByteString lastFunding = ByteString.Empty;
foreach (var chunk in funding.Chunk(1_000))
{
    var request = new SubmitTransactionsRequest();
    request.Transactions.AddRange(chunk.Select(ByteString.CopyFrom));
    var response = await client.SubmitTransactionsAsync(request);
    var refused = response.Results.FirstOrDefault(r => r.Reason.Length > 0);
    if (refused is not null)
    {
        Console.Error.WriteLine($"error: funding refused: {refused.Reason} {refused.Message}");
        return 1;
    }
    lastFunding = response.Results[^1].TxId;
}
await client.WaitForReceiptAsync(new WaitForReceiptRequest { TxId = lastFunding, TimeoutMs = 120_000 });
Console.WriteLine($"funded {accounts.Length} accounts");

// 2. Pre-sign everything, so the measured phase only submits.
var totalSeconds = options.WarmupSeconds + options.DurationSeconds;
var perAccount = (int)Math.Ceiling((double)options.TargetTps * totalSeconds * 1.05 / accounts.Length);
var signWatch = Stopwatch.StartNew();
var signed = new (byte[] Bytes, Hash32 Id)[accounts.Length][];
Parallel.For(0, accounts.Length, a =>
{
    var list = new (byte[], Hash32)[perAccount];
    for (var k = 0; k < perAccount; k++)
    {
        var tx = TransactionSigner.Sign(TransactionSigner.Transfer(chainId, (ulong)k, Address.Zero, new UInt256(1), 21_000, expires), accounts[a]);
        list[k] = (tx, funder.Suite.Hash(tx));
    }
    signed[a] = list;
});
Console.WriteLine($"pre-signed {accounts.Length * perAccount} transfers in {signWatch.Elapsed.TotalSeconds:F1} s");

// 3. Follow commits and submit at the target rate, keeping at most --window transactions uncommitted.
var submittedAt = new ConcurrentDictionary<Hash32, long>();
var commits = new ConcurrentQueue<(long SubmitTicks, long CommitTicks)>();
long committed = 0, submitted = 0, refusedCount = 0;
var refusals = new ConcurrentDictionary<string, int>();
var clock = Stopwatch.StartNew();
using var stop = new CancellationTokenSource();
var current = await client.GetStatusAsync(new GetStatusRequest());
var follower = Task.Run(async () =>
{
    using var stream = client.SubscribeBlocks(new SubscribeBlocksRequest { FromHeight = current.HeadHeight + 1 }, cancellationToken: stop.Token);
    try
    {
        while (await stream.ResponseStream.MoveNext(stop.Token))
        {
            var now = clock.ElapsedTicks;
            foreach (var id in stream.ResponseStream.Current.TxIds)
            {
                if (submittedAt.TryRemove(new Hash32(id.Span), out var at))
                {
                    commits.Enqueue((at, now));
                    Interlocked.Increment(ref committed);
                }
            }
        }
    }
    catch (RpcException) when (stop.IsCancellationRequested)
    {
    }
    catch (OperationCanceledException)
    {
    }
});

var endTicks = (long)(totalSeconds * (double)Stopwatch.Frequency);
var senders = Enumerable.Range(0, options.Streams).Select(s => Task.Run(async () =>
{
    var mine = Enumerable.Range(0, accounts.Length).Where(a => a % options.Streams == s).ToArray();
    var order = new List<(byte[] Bytes, Hash32 Id)>(mine.Length * perAccount);
    for (var k = 0; k < perAccount; k++)
    {
        foreach (var a in mine)
        {
            order.Add(signed[a][k]);
        }
    }
    using var call = client.StreamTransactions(cancellationToken: stop.Token);
    var ratePerStream = (double)options.TargetTps / options.Streams;
    var sent = 0;
    while (sent < order.Count && clock.ElapsedTicks < endTicks)
    {
        // Pace: never ahead of the target rate, never more than the window uncommitted.
        var due = (long)(sent / ratePerStream * Stopwatch.Frequency);
        while (clock.ElapsedTicks < due || Interlocked.Read(ref submitted) - Interlocked.Read(ref committed) - Interlocked.Read(ref refusedCount) > options.Window)
        {
            await Task.Delay(1);
        }
        var count = Math.Min(options.Batch, order.Count - sent);
        var request = new SubmitTransactionsRequest();
        var now = clock.ElapsedTicks;
        for (var i = sent; i < sent + count; i++)
        {
            request.Transactions.Add(UnsafeByteOperations.UnsafeWrap(order[i].Bytes));
            submittedAt[order[i].Id] = now;
        }
        await call.RequestStream.WriteAsync(request);
        if (!await call.ResponseStream.MoveNext(stop.Token))
        {
            break;
        }
        foreach (var result in call.ResponseStream.Current.Results.Where(r => r.Reason.Length > 0))
        {
            refusals.AddOrUpdate(result.Reason, 1, (_, n) => n + 1);
            Interlocked.Increment(ref refusedCount);
            if (result.TxId.Length == Hash32.Size)
            {
                submittedAt.TryRemove(new Hash32(result.TxId.Span), out _);
            }
        }
        Interlocked.Add(ref submitted, count);
        sent += count;
    }
    await call.RequestStream.CompleteAsync();
})).ToArray();

var reporter = Task.Run(async () =>
{
    long last = 0;
    while (!stop.IsCancellationRequested)
    {
        try
        {
            await Task.Delay(5_000, stop.Token);
        }
        catch (OperationCanceledException)
        {
            break;
        }
        var c = Interlocked.Read(ref committed);
        Console.WriteLine($"  t={clock.Elapsed.TotalSeconds,5:F0}s submitted {Interlocked.Read(ref submitted),9} committed {c,9} ({(c - last) / 5.0,8:F0}/s)");
        last = c;
    }
});

await Task.WhenAll(senders);
var drainDeadline = clock.Elapsed + TimeSpan.FromSeconds(30);
while (Interlocked.Read(ref committed) + Interlocked.Read(ref refusedCount) < Interlocked.Read(ref submitted) && clock.Elapsed < drainDeadline)
{
    await Task.Delay(50);
}
await stop.CancelAsync();
await Task.WhenAll(follower, reporter);

// 4. Report over the measured window (after warm-up).
var warm = (long)(options.WarmupSeconds * (double)Stopwatch.Frequency);
var windowEnd = warm + (long)(options.DurationSeconds * (double)Stopwatch.Frequency);
var measured = commits.Where(c => c.CommitTicks >= warm && c.CommitTicks < windowEnd).ToList();
var latencies = commits.Where(c => c.SubmitTicks >= warm && c.SubmitTicks < windowEnd)
    .Select(c => (c.CommitTicks - c.SubmitTicks) * 1000.0 / Stopwatch.Frequency).Order().ToArray();
double Percentile(double p) => latencies.Length == 0 ? double.NaN : latencies[Math.Min(latencies.Length - 1, (int)(p * latencies.Length))];
Console.WriteLine($"submitted {submitted}, committed {committed}, refused {refusedCount} {string.Join(' ', refusals.Select(r => $"{r.Key}={r.Value}"))}");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"sustained committed TPS over {options.DurationSeconds} s after {options.WarmupSeconds} s warm-up: {measured.Count / (double)options.DurationSeconds:F0}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"submit-to-commit latency: p50 {Percentile(0.50):F0} ms, p99 {Percentile(0.99):F0} ms, max {(latencies.Length == 0 ? double.NaN : latencies[^1]):F0} ms ({latencies.Length} samples)"));
return 0;
