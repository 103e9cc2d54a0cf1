using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.V1;

namespace ShanghaiChain.Client.Tests;

/// <summary>
/// Streams that outlive the node: an application following blocks and a contract's events keeps receiving them,
/// each exactly once and in order, across a restart of the node it follows. On an sm2-sm3 chain, so the library's
/// signing is exercised in the national suite too.
/// </summary>
public sealed class ResumptionTests
{
    [Fact]
    public async Task Blocks_and_events_followed_across_a_node_restart_arrive_once_each_in_order()
    {
        await using var node = await LocalNode.StartAsync(CryptoSuite.Sm2Sm3Name);
        using var client = await ShanghaiChainClient.ConnectAsync(node.Url);
        Assert.Equal(CryptoSuite.Sm2Sm3Name, client.Suite.Name);
        var owner = client.Account(KeyFile.Load(node.OperatorKeyFile));
        var (code, abi) = ClientLibraryTests.BenchToken();
        var token = await owner.DeployAsync(code, abi, [1_000]);
        var bob = KeyFile.Generate(client.Suite).Address;

        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var from = (await client.GetStatusAsync()).HeadHeight;
        var heights = new List<ulong>();
        var blocks = Task.Run(async () =>
        {
            await foreach (var block in client.FollowBlocksAsync(from, cancel: stop.Token))
            {
                lock (heights)
                {
                    heights.Add(block.Height);
                }
            }
        });
        var values = new List<string>();
        var events = Task.Run(async () =>
        {
            // From the chain's start: the constructor's mint, then every transfer.
            await foreach (var (e, _) in token.FollowEventsAsync("Transfer", new EventCursor(), stop.Token))
            {
                lock (values)
                {
                    values.Add(e.Arguments["value"]!.GetValue<string>());
                }
            }
        });

        await token.SendAsync(owner, "transfer", [bob, 1]);
        await token.SendAsync(owner, "transfer", [bob, 2]);
        await WaitAsync(() => Count(values) == 3, blocks, events, node);
        await node.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(1));
        await node.StartAsync();
        await token.SendAsync(owner, "transfer", [bob, 3]);
        await token.SendAsync(owner, "transfer", [bob, 4]);
        var head = (await client.GetStatusAsync()).HeadHeight;
        await WaitAsync(() => Count(values) == 5 && Last(heights) >= head, blocks, events, node);

        lock (values)
        {
            Assert.Equal(["1000", "1", "2", "3", "4"], values);
        }
        lock (heights)
        {
            // No block missed or repeated although the stream broke in between.
            Assert.Equal(Enumerable.Range(0, heights.Count).Select(i => from + (ulong)i), heights);
        }
        Assert.Equal("10", (await token.CallAsync("balanceOf", [bob])).Outputs[0]!.GetValue<string>());
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => blocks);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => events);
    }

    private static int Count<T>(List<T> list)
    {
        lock (list)
        {
            return list.Count;
        }
    }

    private static ulong Last(List<ulong> list)
    {
        lock (list)
        {
            return list.Count == 0 ? 0 : list[^1];
        }
    }

    private static async Task WaitAsync(Func<bool> condition, Task blocks, Task events, LocalNode node)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (!condition())
        {
            // A follower that ended has thrown: show why instead of waiting out the deadline.
            if (blocks.IsCompleted || events.IsCompleted)
            {
                await Task.WhenAll(blocks, events);
            }
            Assert.True(DateTime.UtcNow < deadline, "the followers did not catch up within 90 s:\n" + node.Log);
            await Task.Delay(100);
        }
    }
}
