using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using ShanghaiChain.Client;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;
using ShanghaiChain.Vm.Abi;

namespace ShanghaiChain.Node.Cli;

/// <summary>
/// `xchain transfer` and `xchain balance` through a deployed CrossChainTransfer contract (contracts/src, docs/relay.md
/// "Asset transfer"; its ABI is embedded in the binary). Validated here, before anything is sent: the contract, receiver
/// and holder addresses, the channel id, the amount (a positive decimal integer), the denomination (not empty, at most
/// 256 bytes), the timeout (1 s to 30 days) and that the key is of the chain's suite; the contract checks the rest (a
/// transfer channel it owns, the voucher balance) and its refusal is shown before anything is sent (gas estimation).
/// </summary>
internal static class XchainTransferCommands
{
    private const string Native = "native";
    private const ulong MaxTimeoutSeconds = 30 * 86_400;
    private const int MaxDenomBytes = 256;

    private static readonly Lazy<ContractAbi> TransferAbi = new(() =>
    {
        using var stream = typeof(XchainTransferCommands).Assembly.GetManifestResourceStream("ShanghaiChain.Node.Cli.CrossChainTransfer.json")
            ?? throw new InvalidOperationException("the CrossChainTransfer ABI is not embedded in this build");
        return ContractAbi.Parse(JsonNode.Parse(stream)!["abi"]!.ToJsonString());
    });

    public static Command CreateTransfer()
    {
        var node = CommonOptions.Node();
        var contract = new Option<string>("--contract") { Description = "Address of the CrossChainTransfer contract on this chain", Required = true };
        var channel = new Option<string>("--channel") { Description = "Transfer channel of that contract (channel-N)", Required = true };
        var to = new Option<string>("--to") { Description = "Receiver's address on the other chain", Required = true };
        var amount = new Option<string>("--amount") { Description = "Amount, a positive decimal integer", Required = true };
        var denom = new Option<string>("--denom") { Description = "Denomination: native (this chain's value) or a voucher such as channel-0/native", DefaultValueFactory = _ => Native };
        var timeout = new Option<ulong>("--timeout-seconds") { Description = "The packet times out (and is refunded) if not received within this many seconds", DefaultValueFactory = _ => 600 };
        var key = new Option<string>("--key") { Description = "Key file of the sender", Required = true };
        var wait = new Option<bool>("--wait") { Description = "Follow the packet until it is acknowledged or timed out, and say which (exit 1 when refunded)" };
        var waitLimit = new Option<ulong?>("--wait-limit") { Description = "Seconds --wait follows the packet (default: the timeout plus 5 minutes)" };
        var command = new Command("transfer", "Send an asset to another chain through a CrossChainTransfer contract")
            { node, contract, channel, to, amount, denom, timeout, key, wait, waitLimit };
        command.SetAction(async (parse, cancel) =>
        {
            var contractAddress = AddressOf(parse.GetValue(contract)!, "--contract");
            var channelId = XchainCommands.RequireId(parse.GetValue(channel)!, "--channel");
            var receiver = AddressOf(parse.GetValue(to)!, "--to");
            var value = PositiveAmount(parse.GetValue(amount)!);
            var denomination = Denomination(parse.GetValue(denom)!);
            var seconds = parse.GetValue(timeout);
            if (seconds is 0 or > MaxTimeoutSeconds)
            {
                throw new CliUsageException($"--timeout-seconds must be 1 to {MaxTimeoutSeconds} (30 days), got {seconds}");
            }
            var limit = TimeSpan.FromSeconds(parse.GetValue(waitLimit) ?? seconds + 300);
            var signer = KeyFile.Load(parse.GetValue(key)!);
            using var client = await CliClient.ConnectAsync(parse.GetValue(node)!, cancel);
            var account = CliClient.Account(client, signer);
            var transfer = client.Contract(contractAddress, TransferAbi.Value);
            // The timeout is a time on the destination's clock; this chain's head time stands for it (both follow UTC).
            var status = await client.GetStatusAsync(cancel);
            var timeoutTimestamp = status.HeadTimestampMs / 1000 + seconds;
            Receipt receipt;
            try
            {
                receipt = await transfer.SendAsync(account, "transfer", [channelId, denomination, value, receiver, 0UL, timeoutTimestamp],
                    denomination == Native ? value : UInt256.Zero, new TransactionOptions { ReceiptTimeout = TimeSpan.FromSeconds(60) }, cancel);
            }
            catch (ExecutionRevertedException ex)
            {
                throw new CliException(ex.Message);
            }
            catch (TransactionFailedException ex)
            {
                throw new CliException(ex.Message);
            }
            var sent = transfer.DecodeEvents(receipt).FirstOrDefault(e => e.Name == "Sent")
                ?? throw new CliException($"the transfer committed in block {receipt.BlockHeight} but its contract emitted no Sent event: is {contractAddress} a CrossChainTransfer contract?");
            var sequence = ulong.Parse(sent.Arguments["sequence"]!.ToString(), CultureInfo.InvariantCulture);
            Console.WriteLine($"tx id:    {Hash32OfReceipt(receipt)}");
            Console.WriteLine($"block:    {receipt.BlockHeight}");
            Console.WriteLine($"sent:     {value} {denomination} to {receiver} on {channelId}, packet {sequence}, times out at {timeoutTimestamp} (unix seconds)");
            if (!parse.GetValue(wait))
            {
                return 0;
            }
            return await FollowAsync(client, transfer, channelId, sequence, receipt, limit, cancel);
        });
        return command;
    }

    /// <summary>Polls the packet's state on this chain (GetPacketStates) until it ends; on a refund, finds the contract's Refunded event.</summary>
    private static async Task<int> FollowAsync(ShanghaiChainClient client, ContractClient transfer, string channelId, ulong sequence, Receipt sendReceipt,
        TimeSpan limit, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        var request = new GetPacketStatesRequest { ChannelId = channelId, Sequences = { sequence } };
        while (true)
        {
            var state = (await client.Relay.GetPacketStatesAsync(request, cancellationToken: cancel)).States[0];
            switch (state.Outcome)
            {
                case RelayPacketOutcome.Acknowledged:
                    Console.WriteLine($"result:   acknowledged: received on the other chain ({clock.Elapsed.TotalSeconds:0.0} s)");
                    return 0;
                case RelayPacketOutcome.AcknowledgedError:
                    Console.WriteLine($"result:   acknowledged with an error: the other chain refused it; {await RefundAsync(transfer, channelId, sequence, sendReceipt, cancel)}");
                    return ShanghaiChainCli.Failure;
                case RelayPacketOutcome.TimedOut:
                    Console.WriteLine($"result:   timed out: not received in time; {await RefundAsync(transfer, channelId, sequence, sendReceipt, cancel)}");
                    return ShanghaiChainCli.Failure;
            }
            if (clock.Elapsed > limit)
            {
                throw new TimeoutException($"packet {sequence} on {channelId} is still in flight after {limit.TotalSeconds:0} s (is a relayer running? `xchain packets --channel {channelId} --pending`)");
            }
            await Task.Delay(250, cancel);
        }
    }

    /// <summary>What the contract's Refunded event for this packet says (it is emitted in the transaction that ended the packet).</summary>
    private static async Task<string> RefundAsync(ContractClient transfer, string channelId, ulong sequence, Receipt sendReceipt, CancellationToken cancel)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        bounded.CancelAfter(TimeSpan.FromSeconds(30));
        // The packet ended in a later block than the one that sent it.
        var after = new EventCursor { Height = sendReceipt.BlockHeight, TxIndex = uint.MaxValue, LogIndex = uint.MaxValue };
        try
        {
            await foreach (var (refunded, cursor) in transfer.FollowEventsAsync("Refunded", after, bounded.Token))
            {
                if (refunded.Arguments["channelId"]?.ToString() == channelId && refunded.Arguments["sequence"]?.ToString() == sequence.ToString(CultureInfo.InvariantCulture))
                {
                    return $"refunded {refunded.Arguments["amount"]} {refunded.Arguments["denom"]} to {refunded.Arguments["sender"]} in block {cursor.Height}";
                }
            }
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            // Reported below: the packet ended but no refund was seen in time.
        }
        return "no Refunded event seen within 30 s (check `xchain balance`)";
    }

    public static Command CreateBalance()
    {
        var node = CommonOptions.Node();
        var json = XchainCommands.JsonOption();
        var contract = new Option<string>("--contract") { Description = "Address of the CrossChainTransfer contract", Required = true };
        var denom = new Option<string>("--denom") { Description = "Denomination (native, or a voucher such as channel-0/native)", Required = true };
        var holder = new Option<string>("--holder") { Description = "Address whose balance to show", Required = true };
        var command = new Command("balance", "A holder's balance of a denomination in a CrossChainTransfer contract, with its supply")
            { node, json, contract, denom, holder };
        command.SetAction(async (parse, cancel) =>
        {
            var contractAddress = AddressOf(parse.GetValue(contract)!, "--contract");
            var holderAddress = AddressOf(parse.GetValue(holder)!, "--holder");
            var denomination = Denomination(parse.GetValue(denom)!);
            using var client = await CliClient.ConnectAsync(parse.GetValue(node)!, cancel);
            var transfer = client.Contract(contractAddress, TransferAbi.Value);
            string balance, supply;
            ulong height;
            if (denomination == Native)
            {
                // The native value is an account balance, not kept by the contract.
                var account = await client.GetAccountAsync(holderAddress, cancel);
                (balance, supply, height) = (account.Balance.ToString(), "", account.Height);
            }
            else
            {
                try
                {
                    var result = await transfer.CallAsync("balanceOf", [denomination, holderAddress], cancel: cancel);
                    var total = await transfer.CallAsync("supplyOf", [denomination], cancel: cancel);
                    (balance, supply, height) = (result.Outputs[0]!.ToString(), total.Outputs[0]!.ToString(), result.Height);
                }
                catch (ExecutionRevertedException ex)
                {
                    throw new CliException($"{contractAddress} does not answer as a CrossChainTransfer contract: {ex.Message}");
                }
                catch (AbiException ex)
                {
                    throw new CliException($"{contractAddress} does not answer as a CrossChainTransfer contract: {ex.Message}");
                }
            }
            if (parse.GetValue(json))
            {
                XchainCommands.Print(new JsonObject
                {
                    ["denom"] = denomination,
                    ["holder"] = holderAddress.ToString(),
                    ["balance"] = balance,
                    ["supply"] = supply.Length == 0 ? null : supply,
                    ["height"] = height,
                });
                return 0;
            }
            Console.WriteLine($"balance:  {balance} {denomination}{(denomination == Native ? " (account balance)" : "")}");
            if (supply.Length > 0)
            {
                Console.WriteLine($"supply:   {supply} {denomination} in circulation on {client.ChainId}");
            }
            Console.WriteLine($"height:   {height}");
            return 0;
        });
        return command;
    }

    private static string Hash32OfReceipt(Receipt receipt) => Convert.ToHexStringLower(receipt.TxId.Span);

    private static Address AddressOf(string text, string option) =>
        Address.TryParse(text, out var address) ? address : throw new CliUsageException($"{option} '{text}' is not a 20-byte hex address");

    private static UInt256 PositiveAmount(string text) =>
        UInt256.TryParse(text, out var value) && !value.IsZero ? value : throw new CliUsageException($"--amount '{text}' is not a positive decimal integer");

    private static string Denomination(string text) =>
        text.Length > 0 && System.Text.Encoding.UTF8.GetByteCount(text) <= MaxDenomBytes && !text.Any(char.IsControl)
            ? text : throw new CliUsageException($"--denom must be 1 to {MaxDenomBytes} bytes without control characters, got '{text}'");
}
