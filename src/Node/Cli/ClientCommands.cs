using System.CommandLine;
using System.Globalization;
using ShanghaiChain.Client;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.V1;

namespace ShanghaiChain.Node.Cli;

/// <summary>Commands that talk to a running node over its gRPC API: status, tx, account, block.</summary>
internal static class ClientCommands
{
    public static Command CreateStatus()
    {
        var node = CommonOptions.Node();
        var command = new Command("status", "Show the node's chain, head and mempool") { node };
        command.SetAction(async (parse, cancel) =>
        {
            using var client = await CliClient.ConnectAsync(parse.GetValue(node)!, cancel);
            var status = await client.GetStatusAsync(cancel);
            Console.WriteLine($"chain id:     {status.ChainId}");
            Console.WriteLine($"crypto suite: {status.CryptoSuite}");
            Console.WriteLine($"head height:  {status.HeadHeight}");
            Console.WriteLine($"head hash:    {Hex.Encode(status.HeadHash.Span)}");
            Console.WriteLine($"state root:   {Hex.Encode(status.StateRoot.Span)}");
            Console.WriteLine($"head time:    {DateTimeOffset.FromUnixTimeMilliseconds((long)status.HeadTimestampMs):u}");
            Console.WriteLine($"head age:     {(status.HeadHeight == 0 ? "no block yet" : FormatAge(status.HeadAgeMs))}");
            Console.WriteLine($"stalled:      {(status.Stalled ? $"YES: no block for {FormatAge(status.HeadAgeMs)} (see the node's log)" : "no")}");
            Console.WriteLine($"syncing:      {(status.Syncing ? $"yes, peers at {status.BestPeerHeight}" : "no")}");
            Console.WriteLine($"peers:        {status.Peers}");
            Console.WriteLine($"genesis hash: {Hex.Encode(status.GenesisHash.Span)}");
            Console.WriteLine($"mempool:      {status.MempoolSize}");
            if (!status.ValidatorAddress.IsEmpty)
            {
                Console.WriteLine($"validator:    {Hex.EncodePrefixed(status.ValidatorAddress.Span)}");
            }
            Console.WriteLine($"version:      {status.NodeVersion}");
            return 0;
        });
        return command;
    }

    public static Command CreateTx()
    {
        var tx = new Command("tx", "Sign and submit transactions; show committed ones and their receipts");
        var node = CommonOptions.Node();
        var to = new Option<string>("--to") { Description = "Recipient address (20-byte hex)", Required = true };
        var amount = new Option<string>("--amount") { Description = "Value to transfer, a decimal integer of base units", Required = true };
        var key = new Option<string>("--key") { Description = "Key file of the sender", Required = true };
        var nonce = new Option<ulong?>("--nonce") { Description = "Nonce to use (default: the account's next nonce)" };
        var gasLimit = new Option<ulong?>("--gas-limit") { Description = "Gas limit (default: the chain's intrinsic cost of a transfer)" };
        var gasPrice = new Option<string>("--gas-price") { Description = "Gas price, decimal integer", DefaultValueFactory = _ => "0" };
        var expiresIn = new Option<ulong>("--expires-in") { Description = "Blocks from the current head after which the transaction expires", DefaultValueFactory = _ => 100 };
        var noWait = new Option<bool>("--no-wait") { Description = "Return after submission instead of waiting for the receipt" };
        var timeout = new Option<uint>("--timeout") { Description = "Seconds to wait for the receipt", DefaultValueFactory = _ => 30 };
        var transfer = new Command("transfer", "Transfer native value to an address")
        {
            node, to, amount, key, nonce, gasLimit, gasPrice, expiresIn, noWait, timeout,
        };
        transfer.SetAction(async (parse, cancel) =>
        {
            if (!Address.TryParse(parse.GetValue(to), out var recipient))
            {
                throw new CliUsageException($"--to '{parse.GetValue(to)}' is not a 20-byte hex address");
            }
            if (!UInt256.TryParse(parse.GetValue(amount), out var value))
            {
                throw new CliUsageException($"--amount '{parse.GetValue(amount)}' is not a non-negative decimal integer below 2^256");
            }
            if (!UInt256.TryParse(parse.GetValue(gasPrice), out var price))
            {
                throw new CliUsageException($"--gas-price '{parse.GetValue(gasPrice)}' is not a non-negative decimal integer");
            }
            if (parse.GetValue(expiresIn) == 0)
            {
                throw new CliUsageException("--expires-in must be at least 1");
            }
            var signer = KeyFile.Load(parse.GetValue(key)!);
            using var client = await CliClient.ConnectAsync(parse.GetValue(node)!, cancel);
            var id = await CliClient.Account(client, signer).SendAsync(recipient, value, ReadOnlyMemory<byte>.Empty, new TransactionOptions
            {
                Nonce = parse.GetValue(nonce),
                GasLimit = parse.GetValue(gasLimit),
                GasPrice = price,
                ExpiresIn = parse.GetValue(expiresIn),
            }, cancel);
            Console.WriteLine($"tx id:    {id}");
            if (parse.GetValue(noWait))
            {
                return 0;
            }
            var receipt = await client.WaitForReceiptAsync(id, TimeSpan.FromSeconds(parse.GetValue(timeout)), cancel);
            PrintReceipt(receipt);
            return receipt.Status == ReceiptStatus.Success ? 0 : ShanghaiChainCli.Failure;
        });
        tx.Add(transfer);
        TxReadCommands.AddTo(tx);
        return tx;
    }

    public static Command CreateAccount()
    {
        var account = new Command("account", "Read accounts");
        var node = CommonOptions.Node();
        var address = new Argument<string>("address") { Description = "Account address (20-byte hex)" };
        var show = new Command("show", "Show an account's balance and nonce at the head") { address, node };
        show.SetAction(async (parse, cancel) =>
        {
            if (!Address.TryParse(parse.GetValue(address), out var parsed))
            {
                throw new CliUsageException($"'{parse.GetValue(address)}' is not a 20-byte hex address");
            }
            using var client = await CliClient.ConnectAsync(parse.GetValue(node)!, cancel);
            var account = await client.GetAccountAsync(parsed, cancel);
            Console.WriteLine($"address: {parsed}");
            Console.WriteLine($"balance: {account.Balance}");
            Console.WriteLine($"nonce:   {account.Nonce}");
            Console.WriteLine($"height:  {account.Height}");
            if (account.PendingNonce != account.Nonce)
            {
                Console.WriteLine($"pending: {account.PendingNonce - account.Nonce} transaction(s) in the node's mempool; next nonce {account.PendingNonce}");
            }
            return 0;
        });
        account.Add(show);
        return account;
    }

    public static Command CreateBlock()
    {
        var block = new Command("block", "Read blocks");
        var node = CommonOptions.Node();
        var height = new Argument<ulong>("height") { Description = "Block height (1 is the first block)" };
        var show = new Command("show", "Show a committed block") { height, node };
        show.SetAction(async (parse, cancel) =>
        {
            using var client = await CliClient.ConnectAsync(parse.GetValue(node)!, cancel);
            var response = await client.GetBlockAsync(parse.GetValue(height), cancel);
            var header = response.Header;
            Console.WriteLine($"height:       {header.Height}");
            Console.WriteLine($"hash:         {Hex.Encode(response.BlockHash.Span)}");
            Console.WriteLine($"parent:       {Hex.Encode(header.ParentHash.Span)}");
            Console.WriteLine($"time:         {DateTimeOffset.FromUnixTimeMilliseconds((long)header.TimestampMs):u}");
            Console.WriteLine($"proposer:     {Hex.EncodePrefixed(header.Proposer.Span)}");
            Console.WriteLine($"round:        {header.Round}");
            Console.WriteLine($"tx root:      {Hex.Encode(header.TxRoot.Span)}");
            Console.WriteLine($"certificate:  {response.Certificate?.Signatures.Count ?? 0} signature(s)");
            Console.WriteLine($"transactions: {response.TxIds.Count}");
            foreach (var id in response.TxIds)
            {
                Console.WriteLine($"  {Hex.Encode(id.Span)}");
            }
            return 0;
        });
        block.Add(show);
        return block;
    }

    public static Command CreateValidators()
    {
        var node = CommonOptions.Node();
        var command = new Command("validators", "List the validator set in force at the head") { node };
        command.SetAction(async (parse, cancel) =>
        {
            using var client = await CliClient.ConnectAsync(parse.GetValue(node)!, cancel);
            var response = await client.Chain.ListValidatorsAsync(new ListValidatorsRequest(), cancellationToken: cancel);
            Console.WriteLine($"epoch {response.Epoch} at height {response.Height}: {response.Validators.Count} validator(s), " +
                $"total power {response.TotalPower}, quorum {response.QuorumPower}");
            var table = CliOutput.Table("index", "name", "address", "power");
            foreach (var v in response.Validators)
            {
                table.Row(v.Index.ToString(CultureInfo.InvariantCulture), v.Name, Hex.EncodePrefixed(v.Address.Span), v.VotingPower.ToString(CultureInfo.InvariantCulture));
            }
            CliOutput.Write(table);
            return 0;
        });
        return command;
    }

    public static Command CreatePeers()
    {
        var node = CommonOptions.Node();
        var command = new Command("peers", "List the peers the node has live links to") { node };
        command.SetAction(async (parse, cancel) =>
        {
            using var client = await CliClient.ConnectAsync(parse.GetValue(node)!, cancel);
            var response = await client.Chain.ListPeersAsync(new ListPeersRequest(), cancellationToken: cancel);
            Console.WriteLine($"{response.Peers.Count} peer(s)");
            if (response.Peers.Count == 0)
            {
                return 0;
            }
            var table = CliOutput.Table("node key", "validator", "dir", "head", "connected since", "frames in", "frames out", "score");
            foreach (var p in response.Peers)
            {
                var validator = p.ValidatorAddress.IsEmpty ? "(none)" : Hex.EncodePrefixed(p.ValidatorAddress.Span);
                var since = DateTimeOffset.FromUnixTimeMilliseconds((long)p.ConnectedSinceMs).UtcDateTime;
                table.Row(p.NodeKey[..Math.Min(16, p.NodeKey.Length)], validator, p.Outbound ? "out" : "in", p.HeadHeight.ToString(CultureInfo.InvariantCulture),
                    since.ToString("u", CultureInfo.InvariantCulture), p.FramesReceived.ToString(CultureInfo.InvariantCulture),
                    p.FramesSent.ToString(CultureInfo.InvariantCulture), p.Score.ToString(CultureInfo.InvariantCulture));
            }
            CliOutput.Write(table);
            return 0;
        });
        return command;
    }

    public static Command CreateState()
    {
        var state = new Command("state", "Read authenticated state");
        var node = CommonOptions.Node();
        var address = new Argument<string>("address") { Description = "Account address (20-byte hex)" };
        var height = new Option<ulong>("--height") { Description = "Prove the state after this height (default: the head)" };
        var proof = new Command("proof", "Fetch an account proof and verify it against the state root") { address, node, height };
        proof.SetAction(async (parse, cancel) =>
        {
            if (!Address.TryParse(parse.GetValue(address), out var parsed))
            {
                throw new CliUsageException($"'{parse.GetValue(address)}' is not a 20-byte hex address");
            }
            using var client = await CliClient.ConnectAsync(parse.GetValue(node)!, cancel);
            // The client library checks the proof itself, with nothing but the root: what a light client or auditor
            // does. Everything printed below the root comes from the verified leaf, not from the node's other fields.
            VerifiedAccount verified;
            try
            {
                verified = await client.GetVerifiedAccountAsync(parsed, parse.GetValue(height), cancel: cancel);
            }
            catch (ProofException ex)
            {
                Console.WriteLine($"account:    {parsed}");
                Console.WriteLine($"verified:   FAILED: {ex.Message}");
                return ShanghaiChainCli.Failure;
            }
            Console.WriteLine($"height:     {verified.Height}");
            Console.WriteLine($"state root: {verified.StateRoot}");
            Console.WriteLine($"account:    {parsed}");
            Console.WriteLine($"nonce:      {verified.Nonce}");
            Console.WriteLine($"balance:    {verified.Balance}");
            Console.WriteLine($"proof:      {verified.ProofNodes} node(s), {verified.ProofBytes} bytes");
            Console.WriteLine($"verified:   {(verified.Exists ? "present" : "absent")}");
            return 0;
        });
        state.Add(proof);
        return state;
    }

    private static string FormatAge(ulong ms) => ms < 60_000
        ? (ms / 1000.0).ToString("0.0 's'", CultureInfo.InvariantCulture)
        : TimeSpan.FromMilliseconds(ms).ToString(ms < 3_600_000 ? @"m\m\ s\s" : @"d\.hh\:mm\:ss", CultureInfo.InvariantCulture);

    private static void PrintReceipt(Receipt receipt)
    {
        Console.WriteLine($"status:   {(receipt.Status == ReceiptStatus.Success ? "success" : "failed")}");
        Console.WriteLine($"block:    {receipt.BlockHeight.ToString(CultureInfo.InvariantCulture)}");
        Console.WriteLine($"gas used: {receipt.GasUsed.ToString(CultureInfo.InvariantCulture)}");
        if (receipt.Status != ReceiptStatus.Success)
        {
            Console.WriteLine($"error:    {receipt.Error}: {receipt.ErrorMessage}");
        }
    }
}
