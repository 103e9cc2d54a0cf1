using System.CommandLine;
using System.Globalization;
using Google.Protobuf;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Cli;

/// <summary>`tx show ID` and `tx receipt ID`: a committed transaction and its receipt, read from a node.</summary>
internal static class TxReadCommands
{
    public static void AddTo(Command tx)
    {
        tx.Add(CreateShow());
        tx.Add(CreateReceipt());
    }

    private static Command CreateShow()
    {
        var node = CommonOptions.Node();
        var id = new Argument<string>("id") { Description = "Transaction id: 32 bytes of hex (0x optional), as `tx transfer` prints it" };
        var command = new Command("show", "Show a committed transaction: where it is, who sent it, what it does") { id, node };
        command.SetAction(async (parse, cancel) =>
        {
            var txId = ParseId(parse.GetValue(id)!);
            using var client = await CliClient.ConnectAsync(parse.GetValue(node)!, cancel);
            var response = await client.Chain.GetTransactionAsync(
                new GetTransactionRequest { TxId = txId }, cancellationToken: cancel);
            var signed = SignedTransaction.Parser.ParseFrom(response.Transaction);
            var body = TransactionBody.Parser.ParseFrom(signed.Body);
            Console.WriteLine($"tx id:      {Hex.Encode(txId.Span)}");
            Console.WriteLine($"block:      {response.BlockHeight} (index {response.Index}, hash {Hex.Encode(response.BlockHash.Span)})");
            Console.WriteLine($"from:       {Hex.EncodePrefixed(response.Sender.Span)}");
            Console.WriteLine($"to:         {(body.To.IsEmpty ? "(contract creation)" : Hex.EncodePrefixed(body.To.Span))}");
            Console.WriteLine($"value:      {Amount(body.Value)}");
            Console.WriteLine($"nonce:      {body.Nonce}");
            Console.WriteLine($"gas limit:  {body.GasLimit}");
            Console.WriteLine($"gas price:  {Amount(body.GasPrice)}");
            Console.WriteLine($"expires at: {body.ExpiresAtHeight}");
            Console.WriteLine($"chain id:   {body.ChainId}");
            Console.WriteLine($"data:       {Data(body.Data)}");
            Console.WriteLine($"size:       {response.Transaction.Length} bytes");
            return 0;
        });
        return command;
    }

    private static Command CreateReceipt()
    {
        var node = CommonOptions.Node();
        var id = new Argument<string>("id") { Description = "Transaction id: 32 bytes of hex (0x optional)" };
        var command = new Command("receipt", "Show a committed transaction's receipt; exits 1 when the transaction failed") { id, node };
        command.SetAction(async (parse, cancel) =>
        {
            var txId = ParseId(parse.GetValue(id)!);
            using var client = await CliClient.ConnectAsync(parse.GetValue(node)!, cancel);
            var receipt = (await client.Chain.GetReceiptAsync(
                new GetReceiptRequest { TxId = txId }, cancellationToken: cancel)).Receipt;
            var success = receipt.Status == ReceiptStatus.Success;
            Console.WriteLine($"tx id:    {Hex.Encode(receipt.TxId.Span)}");
            Console.WriteLine($"status:   {(success ? "success" : "failed")}");
            Console.WriteLine($"block:    {receipt.BlockHeight.ToString(CultureInfo.InvariantCulture)} (index {receipt.Index}, hash {Hex.Encode(receipt.BlockHash.Span)})");
            Console.WriteLine($"from:     {Hex.EncodePrefixed(receipt.Sender.Span)}");
            Console.WriteLine($"gas used: {receipt.GasUsed.ToString(CultureInfo.InvariantCulture)}");
            if (!receipt.ContractAddress.IsEmpty)
            {
                Console.WriteLine($"contract: {Hex.EncodePrefixed(receipt.ContractAddress.Span)}");
            }
            if (!success)
            {
                Console.WriteLine($"error:    {receipt.Error}: {receipt.ErrorMessage}");
            }
            if (!receipt.Output.IsEmpty)
            {
                Console.WriteLine($"output:   {Data(receipt.Output)}");
            }
            Console.WriteLine($"logs:     {receipt.Logs.Count}");
            foreach (var (log, i) in receipt.Logs.Select((l, i) => (l, i)))
            {
                Console.WriteLine($"  [{i}] {Hex.EncodePrefixed(log.Address.Span)} topics {string.Join(' ', log.Topics.Select(t => Hex.EncodePrefixed(t.Span)))} data {Data(log.Data)}");
            }
            return success ? 0 : ShanghaiChainCli.Failure;
        });
        return command;
    }

    /// <summary>Validated here, before any call: 32 bytes of hex.</summary>
    private static ByteString ParseId(string text) =>
        Hex.TryDecode(text, out var bytes) && bytes.Length == 32
            ? ByteString.CopyFrom(bytes)
            : throw new CliUsageException($"'{text}' is not a transaction id (64 hex digits, 0x optional)");

    private static string Amount(ByteString bigEndian) =>
        bigEndian.IsEmpty ? "0" : UInt256.TryReadBigEndian(bigEndian.Span, out var value) ? value.ToString() : "0x" + Hex.Encode(bigEndian.Span);

    private static string Data(ByteString data) =>
        data.IsEmpty ? "(none)" : data.Length <= 64 ? Hex.EncodePrefixed(data.Span) : $"{Hex.EncodePrefixed(data.Span[..64])}… ({data.Length} bytes)";
}
