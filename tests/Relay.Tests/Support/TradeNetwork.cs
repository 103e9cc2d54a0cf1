using System.Text.Json.Nodes;
using Google.Protobuf;
using ShanghaiChain.Core.Crypto;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Governance;
using ShanghaiChain.Relay.Contract;
using ShanghaiChain.V1;
using ShanghaiChain.Vm.Abi;

namespace ShanghaiChain.Relay.Tests.Support;

/// <summary>
/// A documentary letter of credit between Shanghai (sm2-sm3: the exporter and its bank, LetterOfCreditAdviser) and
/// Singapore (ed25519-sha256: the issuing bank, LetterOfCreditIssuer), chains in process with the test as the untrusted
/// relayer. Each chain has a CrossChainTransfer contract with a transfer channel between them (payments take it) and
/// each keeps a committee-decided light client of the other; the issuer opens the letter-of-credit channel to the
/// adviser by the proven handshake. The banks are the chains' operators (the deployer role); the exporter is a fresh
/// account on Shanghai, a customer of its bank.
/// </summary>
internal sealed class TradeNetwork : IDisposable
{
    public static readonly SolidityContract IssuerContract = SolidityContract.Load("LetterOfCreditIssuer");
    public static readonly SolidityContract AdviserContract = SolidityContract.Load("LetterOfCreditAdviser");
    private static readonly SolidityContract TransferContract = SolidityContract.Load("CrossChainTransfer");

    public TradeNetwork()
    {
        Shanghai = new RelayTestChain("shanghai", CryptoSuite.Sm2Sm3);
        Singapore = new RelayTestChain("singapore", CryptoSuite.Ed25519Sha256);
        Exporter = KeyFile.Generate(Shanghai.Suite);
        Shanghai.AdvanceBy(1);
        Singapore.AdvanceBy(1);
        TransferShanghai = Shanghai.Deploy(TransferContract.Bytecode);
        TransferSingapore = Singapore.Deploy(TransferContract.Bytecode);
        Issuer = DeployIssuer();
        Adviser = Shanghai.Deploy(AdviserContract.Bytecode);
        Shanghai.Succeed(Shanghai.Operator, Adviser, AdviserContract.Encode("setCustomer", Exporter.Address.ToString(), true));

        Singapore.Decide(GovernanceCalls.CrossChainClient(recover: false, ClientOfShanghai, Shanghai.CreateClientOfThis(Shanghai.Height).ToByteArray()), CrossChainEvents.ClientCreated);
        Shanghai.Decide(GovernanceCalls.CrossChainClient(recover: false, ClientOfSingapore, Singapore.CreateClientOfThis(Singapore.Height).ToByteArray()), CrossChainEvents.ClientCreated);
        (PaymentChannelSingapore, PaymentChannelShanghai, _) = LinkedChains.OpenChannel(Singapore, Shanghai, ClientOfSingapore, ClientOfShanghai,
            TransferSingapore, TransferShanghai, ordered: false, "transfer-1",
            RelayTestChain.Call("open(string,address)", new AbiTuple().String(ClientOfShanghai).Address(TransferShanghai)));

        // The advising bank names the issuer it serves; the issuing bank then opens the channel (its connect is channelOpenInit).
        Shanghai.Succeed(Shanghai.Operator, Adviser, AdviserContract.Encode("expectIssuer", ClientOfSingapore, Issuer.ToString()));
        (LcChannelSingapore, LcChannelShanghai, _) = LinkedChains.OpenChannel(Singapore, Shanghai, ClientOfSingapore, ClientOfShanghai,
            Issuer, Adviser, ordered: false, "lc-1", IssuerContract.Encode("connect", ClientOfShanghai, Adviser.ToString(), PaymentChannelSingapore));
    }

    /// <summary>The clients' ids as <see cref="TransferNetwork"/>'s relaying helpers name them (chain id + "-client").</summary>
    public const string ClientOfShanghai = "shanghai-client";

    public const string ClientOfSingapore = "singapore-client";

    public RelayTestChain Shanghai { get; }
    public RelayTestChain Singapore { get; }
    public KeyFile Exporter { get; }
    public Address TransferShanghai { get; }
    public Address TransferSingapore { get; }
    public Address Issuer { get; }
    public Address Adviser { get; }
    public string PaymentChannelSingapore { get; }
    public string PaymentChannelShanghai { get; }
    public string LcChannelSingapore { get; }
    public string LcChannelShanghai { get; }

    /// <summary>How long the issuer gives a payment to reach Shanghai (seconds of Shanghai's clock).</summary>
    public const ulong PaymentTimeoutSeconds = 60;

    /// <summary>An issuer contract on Singapore deployed by the bank, paying through Singapore's transfer contract.</summary>
    public Address DeployIssuer() =>
        Singapore.Deploy([.. IssuerContract.Bytecode, .. new AbiTuple().Address(TransferSingapore).UInt(PaymentTimeoutSeconds).Encode()]);

    /// <summary>What the exporter holds on Shanghai once paid: the voucher of Singapore's native value.</summary>
    public string PaymentDenom => $"{PaymentChannelShanghai}/native";

    public static string DocumentKind(string name) => "0x" + AbiSignature.Hash(name).ToString();

    public static string DocumentHash(string content) => "0x" + AbiSignature.Hash("document:" + content).ToString();

    public static readonly string GoodsHash = DocumentHash("2,000 cartons of Shanghai silk, HS 5007.20, CIF Singapore");

    /// <summary>Terms of a credit to the exporter: a bill of lading, a commercial invoice and a certificate of origin.</summary>
    public JsonObject Terms(ulong amount, ulong expiry, ulong latestShipment, Address? beneficiary = null) => new()
    {
        ["beneficiary"] = (beneficiary ?? Exporter.Address).ToString(),
        ["amount"] = amount,
        ["currency"] = "SGD",
        ["expiry"] = expiry,
        ["latestShipment"] = latestShipment,
        ["goodsHash"] = GoodsHash,
        ["requiredDocuments"] = new JsonArray(DocumentKind("bill-of-lading"), DocumentKind("commercial-invoice"), DocumentKind("certificate-of-origin")),
    };

    /// <summary>A presentation of the three documents; <paramref name="billOfLading"/> names the bill's content.</summary>
    public static JsonObject Presentation(ulong drawn, ulong shippedOnBoard, string billOfLading = "BL SHA-SIN 0001", bool withCertificateOfOrigin = true)
    {
        var kinds = new JsonArray(DocumentKind("bill-of-lading"), DocumentKind("commercial-invoice"));
        var hashes = new JsonArray(DocumentHash(billOfLading), DocumentHash("invoice for " + billOfLading));
        if (withCertificateOfOrigin)
        {
            kinds.Add(DocumentKind("certificate-of-origin"));
            hashes.Add(DocumentHash("origin for " + billOfLading));
        }
        return new JsonObject
        {
            ["drawn"] = drawn,
            ["shippedOnBoard"] = shippedOnBoard,
            ["goodsHash"] = GoodsHash,
            ["documentKinds"] = kinds,
            ["documentHashes"] = hashes,
        };
    }

    /// <summary>The issuing bank issues a credit funded with <paramref name="amount"/>; returns the receipt.</summary>
    public Receipt Issue(JsonObject terms, ulong amount) =>
        Singapore.Send(Singapore.Operator, Issuer, IssuerContract.Encode("issue", terms), value: new UInt256(amount));

    public Receipt Present(ulong lcId, JsonObject presentation, KeyFile? from = null) =>
        Shanghai.Send(from ?? Exporter, Adviser, AdviserContract.Encode("present", lcId, presentation));

    /// <summary>The credit as the issuer records it (a JSON object by field name; state is the enum's number).</summary>
    public JsonObject IssuerCredit(ulong lcId) =>
        (JsonObject)IssuerContract.Decode("creditOf", Singapore.View(Issuer, IssuerContract.Encode("creditOf", lcId)))!;

    public JsonObject AdviserCredit(ulong lcId) =>
        (JsonObject)AdviserContract.Decode("creditOf", Shanghai.View(Adviser, AdviserContract.Encode("creditOf", lcId)))!;

    public UInt256 IssuerView(string function) => UInt256.ReadBigEndian(Singapore.View(Issuer, IssuerContract.Encode(function)));

    /// <summary>What the exporter holds of Singapore's value on Shanghai (a voucher of the transfer contract).</summary>
    public UInt256 ExporterPaid() => UInt256.ReadBigEndian(Shanghai.View(TransferShanghai,
        RelayTestChain.Call("balanceOf(string,address)", new AbiTuple().String(PaymentDenom).Address(Exporter.Address))));

    public UInt256 PaymentEscrow() => UInt256.ReadBigEndian(Singapore.View(TransferSingapore,
        RelayTestChain.Call("escrowOf(string,string)", new AbiTuple().String(PaymentChannelSingapore).String("native"))));

    public static UInt256 Balance(RelayTestChain chain, Address account) => chain.Store.GetAccount(account).Balance;

    public void Dispose()
    {
        Shanghai.Dispose();
        Singapore.Dispose();
    }
}
