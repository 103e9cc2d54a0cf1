using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Client;
using ShanghaiChain.V1;
using ShanghaiChain.Vm.Abi;

namespace ShanghaiChain.Node.Cli;

/// <summary>`contract deploy` and `contract call`: ABI-encoded arguments from a JSON ABI, through the node's gRPC API.</summary>
internal static class ContractCommands
{
    public static Command Create()
    {
        var contract = new Command("contract", "Deploy and call EVM contracts");
        contract.Add(CreateDeploy());
        contract.Add(CreateCall());
        return contract;
    }

    internal sealed class TxOptions
    {
        public Option<string> Node { get; } = CommonOptions.Node();
        public Option<string> Key { get; } = new("--key") { Description = "Key file of the sender" };
        public Option<ulong?> GasLimit { get; } = new("--gas-limit") { Description = "Gas limit (default: EstimateGas plus 25 %)" };
        public Option<string> GasPrice { get; } = new("--gas-price") { Description = "Gas price, decimal integer", DefaultValueFactory = _ => "0" };
        public Option<string> Value { get; } = new("--value") { Description = "Native value to send with the call, decimal integer", DefaultValueFactory = _ => "0" };
        public Option<ulong> ExpiresIn { get; } = new("--expires-in") { Description = "Blocks from the head after which the transaction expires", DefaultValueFactory = _ => 100 };
        public Option<uint> Timeout { get; } = new("--timeout") { Description = "Seconds to wait for the receipt", DefaultValueFactory = _ => 30 };

        public void AddTo(Command command)
        {
            command.Add(Node);
            command.Add(Key);
            command.Add(GasLimit);
            command.Add(GasPrice);
            command.Add(Value);
            command.Add(ExpiresIn);
            command.Add(Timeout);
        }
    }

    private static Command CreateDeploy()
    {
        var bin = new Option<string>("--bin") { Description = "File with the contract's creation bytecode in hex (solc --bin)", Required = true };
        var abiFile = new Option<string?>("--abi") { Description = "JSON ABI file, to encode constructor arguments and decode events" };
        var args = new Option<string?>("--args") { Description = "Constructor arguments as a JSON array (or object by name)" };
        var options = new TxOptions();
        var deploy = new Command("deploy", "Deploy a contract and print its address") { bin, abiFile, args };
        options.AddTo(deploy);
        deploy.SetAction(async (parse, cancel) =>
        {
            var code = ReadBytecode(parse.GetValue(bin)!);
            var abi = parse.GetValue(abiFile) is { } abiPath ? LoadAbi(abiPath) : null;
            var argsJson = parse.GetValue(args);
            if (argsJson is not null && abi is null)
            {
                throw new CliUsageException("--args needs --abi to know the constructor's parameter types");
            }
            if (argsJson is null && abi?.Constructor is { Inputs.Count: > 0 } constructor)
            {
                throw new CliUsageException($"the constructor takes {constructor.Inputs.Count} argument(s) " +
                    $"({string.Join(", ", constructor.Inputs.Select(i => $"{i.Type} {i.Name}".Trim()))}): pass them with --args as a JSON array");
            }
            var constructorArgs = abi is null ? [] : Encode(abi.Constructor?.Inputs ?? [], argsJson, "constructor");
            var receipt = await SendAsync(parse, options, null, [.. code, .. constructorArgs], abi, cancel);
            if (receipt.Status == ReceiptStatus.Success)
            {
                Console.WriteLine($"contract: {new Address(receipt.ContractAddress.Span)}");
            }
            return receipt.Status == ReceiptStatus.Success ? 0 : ShanghaiChainCli.Failure;
        });
        return deploy;
    }

    private static Command CreateCall()
    {
        var address = new Option<string>("--address") { Description = "Contract address (20-byte hex)", Required = true };
        var abiFile = new Option<string>("--abi") { Description = "JSON ABI file of the contract", Required = true };
        var function = new Option<string>("--function") { Description = "Function name (or full signature when overloaded)", Required = true };
        var args = new Option<string?>("--args") { Description = "Arguments as a JSON array (or object by name); default none" };
        var send = new Option<bool>("--send") { Description = "Sign and submit a transaction instead of a read-only call" };
        var from = new Option<string?>("--from") { Description = "Caller address for a read-only call (default: the --key address, else zero)" };
        var height = new Option<ulong>("--height") { Description = "Height whose state a read-only call runs on (default: the head)" };
        var options = new TxOptions();
        var call = new Command("call", "Call a contract function: read-only by default, as a transaction with --send")
        {
            address, abiFile, function, args, send, from, height,
        };
        options.AddTo(call);
        call.SetAction(async (parse, cancel) =>
        {
            if (!Address.TryParse(parse.GetValue(address), out var contract))
            {
                throw new CliUsageException($"--address '{parse.GetValue(address)}' is not a 20-byte hex address");
            }
            var abi = LoadAbi(parse.GetValue(abiFile)!);
            AbiFunction target;
            try
            {
                target = abi.GetFunction(parse.GetValue(function)!);
            }
            catch (AbiException ex)
            {
                throw new CliUsageException(ex.Message);
            }
            var data = (byte[])[.. target.Selector, .. Encode(target.Inputs, parse.GetValue(args), target.Name)];
            if (parse.GetValue(send))
            {
                var receipt = await SendAsync(parse, options, contract, data, abi, cancel);
                return receipt.Status == ReceiptStatus.Success ? 0 : ShanghaiChainCli.Failure;
            }
            var caller = Address.Zero;
            if (parse.GetValue(from) is { } fromText)
            {
                caller = Address.TryParse(fromText, out var parsed) ? parsed : throw new CliUsageException($"--from '{fromText}' is not a 20-byte hex address");
            }
            else if (parse.GetValue(options.Key) is { } keyPath)
            {
                caller = KeyFile.Load(keyPath).Address;
            }
            using var client = await CliClient.ConnectAsync(parse.GetValue(options.Node)!, cancel);
            ContractCallResult result;
            try
            {
                result = await client.Contract(contract, abi).CallAsync(target, data, new CallOptions
                {
                    From = caller,
                    Value = Amount(parse.GetValue(options.Value)!, "--value"),
                    Height = parse.GetValue(height),
                }, cancel);
            }
            catch (ExecutionRevertedException ex)
            {
                Console.WriteLine($"error:    {ex.Message}");
                return ShanghaiChainCli.Failure;
            }
            catch (AbiException ex)
            {
                throw new CliException($"the call returned bytes that do not decode as {target.Name}'s outputs: {ex.Message}");
            }
            Console.WriteLine($"height:   {result.Height.ToString(CultureInfo.InvariantCulture)}");
            Console.WriteLine($"gas used: {result.GasUsed.ToString(CultureInfo.InvariantCulture)}");
            PrintOutputs(target, result.Outputs);
            return 0;
        });
        return call;
    }

    /// <summary>Signs, submits and waits for a transaction with <paramref name="data"/>; prints the receipt and its events.</summary>
    internal static async Task<Receipt> SendAsync(ParseResult parse, TxOptions options, Address? to, byte[] data, ContractAbi? abi, CancellationToken cancel)
    {
        var keyPath = parse.GetValue(options.Key) ?? throw new CliUsageException("--key is required to send a transaction");
        if (!UInt256.TryParse(parse.GetValue(options.GasPrice), out var price))
        {
            throw new CliUsageException($"--gas-price '{parse.GetValue(options.GasPrice)}' is not a non-negative decimal integer");
        }
        if (parse.GetValue(options.ExpiresIn) == 0)
        {
            throw new CliUsageException("--expires-in must be at least 1");
        }
        var value = Amount(parse.GetValue(options.Value)!, "--value");
        var signer = KeyFile.Load(keyPath);
        using var client = await CliClient.ConnectAsync(parse.GetValue(options.Node)!, cancel);
        var account = CliClient.Account(client, signer);
        Hash32 id;
        try
        {
            id = await account.SendAsync(to, value, data, new TransactionOptions
            {
                GasLimit = parse.GetValue(options.GasLimit),
                GasPrice = price,
                ExpiresIn = parse.GetValue(options.ExpiresIn),
            }, cancel);
        }
        catch (ExecutionRevertedException ex)
        {
            // The transaction would fail: say why as `call` does (a custom error decoded from the ABI), and send nothing.
            var hint = to is null && abi is null ? " (a constructor that takes arguments needs --abi and --args)" : "";
            throw new CliException($"the transaction would fail, so it was not sent: {ContractClient.Describe(abi, ex.Message, ex.RevertData)}{hint}");
        }
        Console.WriteLine($"tx id:    {id}");
        var receipt = await client.WaitForReceiptAsync(id, TimeSpan.FromSeconds(parse.GetValue(options.Timeout)), cancel);
        Console.WriteLine($"status:   {(receipt.Status == ReceiptStatus.Success ? "success" : "failed")}");
        Console.WriteLine($"block:    {receipt.BlockHeight.ToString(CultureInfo.InvariantCulture)}");
        Console.WriteLine($"gas used: {receipt.GasUsed.ToString(CultureInfo.InvariantCulture)}");
        if (receipt.Status != ReceiptStatus.Success)
        {
            Console.WriteLine($"error:    {receipt.Error}: {ContractClient.Describe(abi, receipt.ErrorMessage, receipt.Output.Span)}");
        }
        foreach (var log in receipt.Logs)
        {
            PrintLog(abi, log);
        }
        return receipt;
    }

    private static void PrintLog(ContractAbi? abi, Log log)
    {
        var topics = log.Topics.Select(t => t.ToByteArray()).ToList();
        if (abi is not null && topics.Count > 0 && abi.FindEvent(topics[0]) is { } abiEvent)
        {
            try
            {
                Console.WriteLine($"event:    {abiEvent.Name} {AbiCodec.DecodeLog(abiEvent, topics, log.Data.Span).ToJsonString()}");
                return;
            }
            catch (AbiException)
            {
                // Shown raw below: a log that does not match its declared event is still worth seeing.
            }
        }
        Console.WriteLine($"log:      {new Address(log.Address.Span)} topics [{string.Join(", ", topics.Select(t => Hex.Encode(t)))}] data {Hex.Encode(log.Data.Span)}");
    }

    private static void PrintOutputs(AbiFunction function, System.Text.Json.Nodes.JsonArray values)
    {
        for (var i = 0; i < function.Outputs.Count; i++)
        {
            var name = function.Outputs[i].Name.Length > 0 ? function.Outputs[i].Name : $"output{i}";
            var value = values[i];
            Console.WriteLine($"{name}: {(value is System.Text.Json.Nodes.JsonValue v && v.TryGetValue<string>(out var text) ? text : value?.ToJsonString())}");
        }
    }

    private static byte[] Encode(IReadOnlyList<AbiParameter> inputs, string? json, string what)
    {
        try
        {
            return AbiCodec.Encode(inputs, json);
        }
        catch (JsonException ex)
        {
            throw new CliUsageException($"--args is not valid JSON: {ex.Message}");
        }
        catch (AbiException ex)
        {
            throw new CliUsageException($"{what} arguments: {ex.Message}");
        }
    }

    /// <summary>Validated here: the file exists (a one-line error, not the runtime's "Could not find file").</summary>
    private static string ReadFile(string path, string option) =>
        File.Exists(path) ? File.ReadAllText(path) : throw new CliException($"{option} {path}: no such file");

    private static ContractAbi LoadAbi(string path)
    {
        var text = ReadFile(path, "--abi");
        try
        {
            return ContractAbi.Parse(text);
        }
        catch (AbiException ex)
        {
            throw new CliUsageException($"{path}: {ex.Message}");
        }
    }

    private static byte[] ReadBytecode(string path)
    {
        var text = new string([.. ReadFile(path, "--bin").Where(c => !char.IsWhiteSpace(c))]);
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            text = text[2..];
        }
        try
        {
            var code = Convert.FromHexString(text);
            return code.Length > 0 ? code : throw new CliUsageException($"{path} holds no bytecode");
        }
        catch (FormatException)
        {
            throw new CliUsageException($"{path} is not hex bytecode (unlinked library placeholders must be linked first)");
        }
    }

    private static UInt256 Amount(string text, string option) =>
        UInt256.TryParse(text, out var value) ? value : throw new CliUsageException($"{option} '{text}' is not a non-negative decimal integer");
}
