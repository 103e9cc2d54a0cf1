// An application on ShanghaiChain's .NET client library (docs/api.md, "The .NET client"):
//   dotnet run --project docs/examples/ClientExample -- NODE_URL SENDER_KEY_FILE RECIPIENT AMOUNT
// It pays AMOUNT to RECIPIENT, proves the recipient's balance against the state root, and shows the next blocks.
using ShanghaiChain.Client;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;

if (args.Length != 4 || !Address.TryParse(args[2], out var recipient) || !UInt256.TryParse(args[3], out var amount))
{
    Console.Error.WriteLine("usage: ClientExample NODE_URL SENDER_KEY_FILE RECIPIENT_ADDRESS AMOUNT");
    return 2;
}

using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(2));
try
{
    using var client = await ShanghaiChainClient.ConnectAsync(args[0], cancel.Token);
    Console.WriteLine($"connected to chain {client.ChainId} ({client.Suite.Name})");

    // The account signs in the chain's suite and numbers its own transactions.
    var sender = client.Account(KeyFile.Load(args[1]));
    var receipt = await sender.TransferAsync(recipient, amount, cancel: cancel.Token);
    Console.WriteLine($"transfer {receipt.Status} in block {receipt.BlockHeight}");

    // Read back with a proof, checked here against the state root after that block.
    var proven = await client.GetVerifiedAccountAsync(recipient, receipt.BlockHeight, cancel: cancel.Token);
    Console.WriteLine($"balance of {recipient}: {proven.Balance} (proven at height {proven.Height} against state root {proven.StateRoot})");

    // Follow the chain from that block; the stream would resume by itself if the node restarted.
    var shown = 0;
    await foreach (var block in client.FollowBlocksAsync(receipt.BlockHeight, cancel: cancel.Token))
    {
        Console.WriteLine($"block {block.Height}: {block.TxIds.Count} transaction(s)");
        if (++shown == 3)
        {
            break;
        }
    }
    return 0;
}
catch (ShanghaiChainException ex)
{
    Console.Error.WriteLine($"error: {ex.Reason}: {ex.Message}");
    return 1;
}
