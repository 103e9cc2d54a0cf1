using System.Text.Json.Nodes;
using Google.Protobuf;
using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Relay.Tests.Support;
using ShanghaiChain.V1;
using ShanghaiChain.Vm.Abi;

namespace ShanghaiChain.Relay.Tests;

/// <summary>
/// Contract-to-contract messages with callbacks: a documentary letter of credit (contracts/src/LetterOfCredit*.sol)
/// between a Singapore issuing bank (ed25519-sha256) and a Shanghai exporter's bank (sm2-sm3), on chains in process
/// with every packet, acknowledgement and timeout relayed with proofs. The credit's terms go to Shanghai; the exporter's
/// documents go to Singapore, which examines them and pays through CrossChainTransfer or answers with the discrepancy;
/// the sending contracts react in their acknowledgement and timeout callbacks.
/// </summary>
public sealed class LetterOfCreditTests(Xunit.Abstractions.ITestOutputHelper output)
{
    // The contracts' State enums, as creditOf returns them.
    private const string Issued = "2", Paid = "3", Refused = "4", Cancelled = "5", IssuerExpired = "6";
    private const string Advised = "1", Presented = "2", Discrepant = "3", Honoured = "4", AdviserExpired = "5";

    private static readonly SolidityContract IssuerAbi = TradeNetwork.IssuerContract;
    private static readonly SolidityContract AdviserAbi = TradeNetwork.AdviserContract;

    [Fact]
    public void A_complying_presentation_is_paid_to_the_exporter_on_shanghai_and_both_banks_record_it()
    {
        using var net = new TradeNetwork();
        var (shanghai, singapore) = (net.Shanghai, net.Singapore);
        var bank = singapore.Operator;
        var bankStart = TradeNetwork.Balance(singapore, bank.Address);
        var expiry = Later(net, 600);

        // Singapore issues a credit of 5,000 funded in escrow; its terms travel to Shanghai and are advised there.
        var issued = Succeed(net.Issue(net.Terms(5_000, expiry, latestShipment: expiry - 300), 5_000));
        Assert.Equal("1", IssuerAbi.Event(issued, net.Issuer, "LetterOfCreditIssued")["lcId"]!.ToString());
        Assert.Equal(new UInt256(5_000), TradeNetwork.Balance(singapore, net.Issuer));
        Assert.Equal(bankStart - new UInt256(5_000), TradeNetwork.Balance(singapore, bank.Address));
        var advised = TransferNetwork.Deliver(singapore, shanghai, Assert.Single(TransferNetwork.PacketsOf(issued)));
        Assert.True(TransferNetwork.Succeeded(advised));
        var advice = AdviserAbi.Event(advised, net.Adviser, "LetterOfCreditAdvised");
        Assert.Equal((net.Exporter.Address.ToString(), "5000", "SGD"), (advice["beneficiary"]!.ToString(), advice["amount"]!.ToString(), advice["currency"]!.ToString()));
        Assert.Equal(Advised, State(net.AdviserCredit(1)));
        var adviceAcked = TransferNetwork.Acknowledge(shanghai, singapore, advised);
        IssuerAbi.Event(adviceAcked, net.Issuer, "LetterOfCreditAdvised");
        Assert.Equal(Issued, State(net.IssuerCredit(1)));

        // The exporter ships and presents its documents, drawing 4,000 of the 5,000.
        var presented = Succeed(net.Present(1, TradeNetwork.Presentation(drawn: 4_000, shippedOnBoard: expiry - 400)));
        Assert.Equal(Presented, State(net.AdviserCredit(1)));
        Assert.Equal(TradeNetwork.DocumentHash("BL SHA-SIN 0001"), AdviserAbi.Event(presented, net.Adviser, "DocumentsPresented")["billOfLading"]!.ToString());

        // Singapore examines them, finds them complying and pays through the transfer contract, in the same transaction.
        var examined = TransferNetwork.Deliver(shanghai, singapore, Assert.Single(TransferNetwork.PacketsOf(presented)));
        Assert.True(TransferNetwork.Succeeded(examined));
        var honoured = IssuerAbi.Event(examined, net.Issuer, "PresentationHonoured");
        Assert.Equal(("4000", net.PaymentChannelSingapore), (honoured["paid"]!.ToString(), honoured["paymentChannel"]!.ToString()));
        Assert.Equal(Paid, State(net.IssuerCredit(1)));
        Assert.Equal(new UInt256(4_000), net.PaymentEscrow());
        Assert.Equal(new UInt256(1_000), net.IssuerView("bankBalance")); // the undrawn rest goes back to the bank
        var payment = Assert.Single(TransferNetwork.PacketsOf(examined));
        Assert.Equal(net.PaymentChannelSingapore, payment.SourceChannel);

        // The acknowledgement reaches the adviser's callback: honoured, naming the payment's transfer packet.
        var honourAcked = TransferNetwork.Acknowledge(singapore, shanghai, examined);
        var recorded = AdviserAbi.Event(honourAcked, net.Adviser, "PresentationHonoured");
        Assert.Equal(("4000", payment.Sequence.ToString()), (recorded["paid"]!.ToString(), recorded["paymentSequence"]!.ToString()));
        var credit = net.AdviserCredit(1);
        Assert.Equal((Honoured, "4000", net.PaymentChannelSingapore), (State(credit), credit["paid"]!.ToString(), credit["paymentChannel"]!.ToString()));

        // The payment arrives: the exporter holds 4,000 of Singapore's value on Shanghai.
        Assert.Equal(UInt256.Zero, net.ExporterPaid());
        var arrived = TransferNetwork.Deliver(singapore, shanghai, payment);
        Assert.True(TransferNetwork.Succeeded(arrived));
        TransferNetwork.Acknowledge(shanghai, singapore, arrived);
        Assert.Equal(new UInt256(4_000), net.ExporterPaid());

        // The bank takes back what was not drawn; the escrow is spent exactly.
        singapore.Succeed(bank, net.Issuer, IssuerAbi.Encode("withdraw"));
        Assert.Equal(bankStart - new UInt256(4_000), TradeNetwork.Balance(singapore, bank.Address));
        Assert.Equal(UInt256.Zero, TradeNetwork.Balance(singapore, net.Issuer));

        foreach (var (step, receipt) in new[] { ("issue (terms packet)", issued), ("recvPacket: advise", advised), ("acknowledgePacket: advised callback", adviceAcked),
            ("present (documents packet)", presented), ("recvPacket: examine and pay", examined), ("acknowledgePacket: honoured callback", honourAcked) })
        {
            output.WriteLine($"{step}: {receipt.GasUsed:N0} gas");
        }
        // docs/relay.md tells relayer operators to budget 500,000 per message for this application.
        Assert.All(new[] { advised, adviceAcked, examined, honourAcked }, r => Assert.True(r.GasUsed < 500_000, $"a relayed message used {r.GasUsed} gas"));
    }

    [Fact]
    public void A_discrepancy_comes_back_as_an_error_acknowledgement_that_the_adviser_records_and_corrected_documents_are_paid()
    {
        using var net = new TradeNetwork();
        var (shanghai, singapore) = (net.Shanghai, net.Singapore);
        var expiry = Later(net, 600);
        Advise(net, net.Terms(5_000, expiry, latestShipment: expiry - 300), 5_000);

        // Shipped after the latest shipment date: the issuing bank refuses; nothing is paid and the credit stays open.
        var late = Succeed(net.Present(1, TradeNetwork.Presentation(drawn: 5_000, shippedOnBoard: expiry - 200)));
        var refused = TransferNetwork.Deliver(shanghai, singapore, Assert.Single(TransferNetwork.PacketsOf(late)));
        Assert.False(TransferNetwork.Succeeded(refused));
        Assert.Empty(TransferNetwork.PacketsOf(refused));
        Assert.Equal(Issued, State(net.IssuerCredit(1)));
        Assert.Equal(new UInt256(5_000), TradeNetwork.Balance(singapore, net.Issuer));
        var noted = TransferNetwork.Acknowledge(singapore, shanghai, refused);
        Assert.Equal("execution reverted: discrepancy: shipped after the latest shipment date", AdviserAbi.Event(noted, net.Adviser, "DiscrepancyNoted")["reason"]!.ToString());
        var credit = net.AdviserCredit(1);
        Assert.Equal((Discrepant, "execution reverted: discrepancy: shipped after the latest shipment date"), (State(credit), credit["lastDiscrepancy"]!.ToString()));

        // A required document missing is a discrepancy too.
        var incomplete = Succeed(net.Present(1, TradeNetwork.Presentation(drawn: 5_000, shippedOnBoard: expiry - 400, withCertificateOfOrigin: false)));
        var refusedAgain = TransferNetwork.Deliver(shanghai, singapore, Assert.Single(TransferNetwork.PacketsOf(incomplete)));
        TransferNetwork.Acknowledge(singapore, shanghai, refusedAgain);
        credit = net.AdviserCredit(1);
        Assert.Equal((Discrepant, "execution reverted: discrepancy: a required document is missing", "2"), (State(credit), credit["lastDiscrepancy"]!.ToString(), credit["presentations"]!.ToString()));

        // Corrected documents before the expiry are honoured and paid in full.
        var corrected = Succeed(net.Present(1, TradeNetwork.Presentation(drawn: 5_000, shippedOnBoard: expiry - 400)));
        var paid = TransferNetwork.Deliver(shanghai, singapore, Assert.Single(TransferNetwork.PacketsOf(corrected)));
        Assert.True(TransferNetwork.Succeeded(paid));
        TransferNetwork.Acknowledge(singapore, shanghai, paid);
        Assert.Equal(Honoured, State(net.AdviserCredit(1)));
        TransferNetwork.Acknowledge(shanghai, singapore, TransferNetwork.Deliver(singapore, shanghai, Assert.Single(TransferNetwork.PacketsOf(paid))));
        Assert.Equal(new UInt256(5_000), net.ExporterPaid());
        Assert.Equal(UInt256.Zero, net.IssuerView("bankBalance"));
    }

    [Fact]
    public void A_presentation_that_misses_the_expiry_times_out_into_the_callback_and_the_bank_gets_its_escrow_back()
    {
        using var net = new TradeNetwork();
        var (shanghai, singapore) = (net.Shanghai, net.Singapore);
        var bank = singapore.Operator;
        var bankStart = TradeNetwork.Balance(singapore, bank.Address);
        var expiry = Later(net, 40);
        Advise(net, net.Terms(2_000, expiry, latestShipment: expiry), 2_000);

        // The documents leave Shanghai in time, but no relayer carries them before Singapore passes the expiry: the
        // packet times out (its timeout is the expiry), proven on Shanghai by the absence of Singapore's receipt.
        var presented = Succeed(net.Present(1, TradeNetwork.Presentation(drawn: 2_000, shippedOnBoard: expiry - 30)));
        var packet = Assert.Single(TransferNetwork.PacketsOf(presented));
        Assert.Equal(expiry, packet.TimeoutTimestamp);
        var timedOut = TransferNetwork.TimeOut(shanghai, singapore, packet);
        AdviserAbi.Event(timedOut, net.Adviser, "PresentationTimedOut");
        Assert.Equal(AdviserExpired, State(net.AdviserCredit(1)));
        AssertRefused(net.Present(1, TradeNetwork.Presentation(drawn: 2_000, shippedOnBoard: expiry - 30)), "the credit does not await documents");
        // Delivered late after all, Singapore refuses it: the timeout was final.
        var late = singapore.Send(singapore.Relayer, CrossChainLayout.Address, LinkedChains.CrossChain("recvPacket(bytes,uint64,bytes)",
            new AbiTuple().Bytes(packet.ToByteArray()).UInt(singapore.Height).Bytes(new RelaySlotProof().ToByteArray())));
        AssertRefused(late, "timed out");

        // Singapore's credit expired unpaid: the bank releases the escrow and takes it back.
        IssuerAbi.Event(singapore.Succeed(bank, net.Issuer, IssuerAbi.Encode("release", 1UL)), net.Issuer, "LetterOfCreditExpired");
        Assert.Equal(IssuerExpired, State(net.IssuerCredit(1)));
        singapore.Succeed(bank, net.Issuer, IssuerAbi.Encode("withdraw"));
        Assert.Equal(bankStart, TradeNetwork.Balance(singapore, bank.Address));
    }

    [Fact]
    public void A_credit_the_adviser_refuses_or_never_receives_is_released_to_the_issuing_bank()
    {
        using var net = new TradeNetwork();
        var (shanghai, singapore) = (net.Shanghai, net.Singapore);
        var bank = singapore.Operator;
        var bankStart = TradeNetwork.Balance(singapore, bank.Address);

        // Terms for someone the Shanghai bank does not know: it refuses to advise them, and the issuer's callback
        // records the refusal with its reason and releases the escrow.
        var stranger = KeyFile.Generate(shanghai.Suite).Address;
        var expiry = Later(net, 600);
        var issued = Succeed(net.Issue(net.Terms(900, expiry, expiry, beneficiary: stranger), 900));
        var refused = TransferNetwork.Deliver(singapore, shanghai, Assert.Single(TransferNetwork.PacketsOf(issued)));
        Assert.False(TransferNetwork.Succeeded(refused));
        Assert.Equal("0", State(net.AdviserCredit(1)));
        var answered = TransferNetwork.Acknowledge(shanghai, singapore, refused);
        Assert.Contains("the beneficiary is not a customer of the advising bank",
            System.Text.Encoding.UTF8.GetString(Convert.FromHexString(IssuerAbi.Event(answered, net.Issuer, "LetterOfCreditRefused")["reason"]!.ToString()[2..])));
        Assert.Equal((Refused, new UInt256(900)), (State(net.IssuerCredit(1)), net.IssuerView("bankBalance")));

        // Terms no relayer carries before their expiry time out: the issuer's callback cancels the credit.
        var unadvised = Succeed(net.Issue(net.Terms(700, Later(net, 30), Later(net, 30)), 700));
        var cancelled = TransferNetwork.TimeOut(singapore, shanghai, Assert.Single(TransferNetwork.PacketsOf(unadvised)));
        IssuerAbi.Event(cancelled, net.Issuer, "LetterOfCreditCancelled");
        Assert.Equal(Cancelled, State(net.IssuerCredit(2)));
        Assert.Equal("0", State(net.AdviserCredit(2)));

        // Neither can be released again, and the bank has all of it back.
        AssertRefused(singapore.Send(bank, net.Issuer, IssuerAbi.Encode("release", 2UL)), "the credit is not open");
        singapore.Succeed(bank, net.Issuer, IssuerAbi.Encode("withdraw"));
        Assert.Equal(bankStart, TradeNetwork.Balance(singapore, bank.Address));
        Assert.Equal(UInt256.Zero, TradeNetwork.Balance(singapore, net.Issuer));
    }

    [Fact]
    public void A_payment_refunded_by_the_transfer_contract_comes_back_to_the_issuer_and_is_resent()
    {
        using var net = new TradeNetwork();
        var (shanghai, singapore) = (net.Shanghai, net.Singapore);
        var bank = singapore.Operator;
        var expiry = Later(net, 600);
        Advise(net, net.Terms(4_000, expiry, latestShipment: expiry - 300), 4_000);
        var presented = Succeed(net.Present(1, TradeNetwork.Presentation(drawn: 4_000, shippedOnBoard: expiry - 400)));
        var examined = TransferNetwork.Deliver(shanghai, singapore, Assert.Single(TransferNetwork.PacketsOf(presented)));
        TransferNetwork.Acknowledge(singapore, shanghai, examined);
        Assert.Equal(Honoured, State(net.AdviserCredit(1)));
        AssertRefused(singapore.Send(bank, net.Issuer, IssuerAbi.Encode("resendPayment", 1UL)), "no returned payment to resend");

        // The payment is not carried to Shanghai before its timeout: the transfer contract refunds it to the issuer.
        var payment = Assert.Single(TransferNetwork.PacketsOf(examined));
        var refunded = TransferNetwork.TimeOut(singapore, shanghai, payment);
        Assert.Equal("4000", IssuerAbi.Event(refunded, net.Issuer, "PaymentReturned")["amount"]!.ToString());
        Assert.Equal((new UInt256(4_000), new UInt256(4_000)), (net.IssuerView("returnedPayments"), TradeNetwork.Balance(singapore, net.Issuer)));
        // Value from anyone else is not a refund.
        AssertRefused(singapore.Send(bank, net.Issuer, [], value: new UInt256(1)), "only refunds of payments");

        // The bank sends it again; this time it arrives.
        var resent = singapore.Succeed(bank, net.Issuer, IssuerAbi.Encode("resendPayment", 1UL));
        Assert.Equal(UInt256.Zero, net.IssuerView("returnedPayments"));
        var again = Assert.Single(TransferNetwork.PacketsOf(resent));
        Assert.Equal(again.Sequence.ToString(), IssuerAbi.Event(resent, net.Issuer, "PaymentResent")["paymentSequence"]!.ToString());
        TransferNetwork.Acknowledge(shanghai, singapore, TransferNetwork.Deliver(singapore, shanghai, again));
        Assert.Equal(new UInt256(4_000), net.ExporterPaid());
        AssertRefused(singapore.Send(bank, net.Issuer, IssuerAbi.Encode("resendPayment", 1UL)), "no returned payment to resend");
    }

    [Fact]
    public void Replayed_and_duplicated_messages_change_nothing()
    {
        using var net = new TradeNetwork();
        var (shanghai, singapore) = (net.Shanghai, net.Singapore);
        var expiry = Later(net, 600);
        var advised = Advise(net, net.Terms(3_000, expiry, latestShipment: expiry - 300), 3_000);

        // The terms delivered again (another relayer, a retry): no second advice.
        var again = TransferNetwork.Deliver(singapore, shanghai, Assert.Single(TransferNetwork.PacketsOf(advised.Issued)));
        Assert.Empty(again.Logs);

        var presented = Succeed(net.Present(1, TradeNetwork.Presentation(drawn: 3_000, shippedOnBoard: expiry - 400)));
        var packet = Assert.Single(TransferNetwork.PacketsOf(presented));
        var examined = TransferNetwork.Deliver(shanghai, singapore, packet);
        Assert.True(TransferNetwork.Succeeded(examined));
        // The documents delivered twice, before and after the acknowledgement: paid once.
        Assert.Empty(TransferNetwork.Deliver(shanghai, singapore, packet).Logs);
        TransferNetwork.Acknowledge(singapore, shanghai, examined);
        Assert.Empty(TransferNetwork.Deliver(shanghai, singapore, packet).Logs);
        Assert.Equal(new UInt256(3_000), net.PaymentEscrow());
        Assert.Equal(UInt256.Zero, TradeNetwork.Balance(singapore, net.Issuer));
        // The acknowledgement carried twice: the adviser's callback ran once.
        Assert.Empty(TransferNetwork.Acknowledge(singapore, shanghai, examined).Logs);
        Assert.Equal(Honoured, State(net.AdviserCredit(1)));

        // Presenting again under a paid credit is refused at once; the same bill of lading under a second credit is a
        // discrepancy at the issuing bank (one shipment is never financed twice).
        AssertRefused(net.Present(1, TradeNetwork.Presentation(drawn: 3_000, shippedOnBoard: expiry - 400)), "the credit does not await documents");
        Advise(net, net.Terms(3_000, expiry, latestShipment: expiry - 300), 3_000, lcId: 2);
        var reused = Succeed(net.Present(2, TradeNetwork.Presentation(drawn: 3_000, shippedOnBoard: expiry - 400)));
        TransferNetwork.Acknowledge(singapore, shanghai, TransferNetwork.Deliver(shanghai, singapore, Assert.Single(TransferNetwork.PacketsOf(reused))));
        Assert.Equal("execution reverted: discrepancy: the bill of lading was presented under a credit already", net.AdviserCredit(2)["lastDiscrepancy"]!.ToString());
        Assert.Equal(new UInt256(3_000), net.PaymentEscrow());
    }

    [Fact]
    public void Callbacks_not_from_the_cross_chain_contract_and_a_forged_counterparty_are_refused()
    {
        using var net = new TradeNetwork();
        var (shanghai, singapore) = (net.Shanghai, net.Singapore);
        var expiry = Later(net, 600);
        Advise(net, net.Terms(5_000, expiry, latestShipment: expiry - 300), 5_000);

        // Only the banks issue and configure, only the beneficiary presents.
        var intruder = KeyFile.Generate(shanghai.Suite);
        AssertRefused(shanghai.Send(intruder, net.Adviser, AdviserAbi.Encode("present", 1UL, TradeNetwork.Presentation(5_000, expiry - 400))), "only the beneficiary presents");
        AssertRefused(singapore.Send(singapore.Relayer, net.Issuer, IssuerAbi.Encode("issue", net.Terms(5, expiry, expiry))), "only the issuing bank");
        AssertRefused(shanghai.Send(intruder, net.Adviser, AdviserAbi.Encode("expectIssuer", TradeNetwork.ClientOfSingapore, intruder.Address.ToString())), "only the advising bank");

        var presented = Succeed(net.Present(1, TradeNetwork.Presentation(drawn: 5_000, shippedOnBoard: expiry - 200)));
        var packet = Assert.Single(TransferNetwork.PacketsOf(presented));

        // Anyone calling the callbacks directly: a forged "honoured" acknowledgement on Shanghai, a forged presentation
        // or timeout on Singapore. All refused; nothing changes.
        var honour = new byte[] { 0x01 }.Concat(new AbiTuple().UInt(1).UInt(5_000).String(net.PaymentChannelSingapore).UInt(1).Encode()).ToArray();
        AssertRefused(shanghai.Send(net.Exporter, net.Adviser, AdviserAbi.Encode("onAcknowledgePacket", net.LcChannelShanghai, packet.Sequence,
            Hex(packet.Data.ToByteArray()), Hex(honour))), "only the cross-chain contract");
        AssertRefused(shanghai.Send(net.Exporter, net.Adviser, AdviserAbi.Encode("onTimeoutPacket", net.LcChannelShanghai, packet.Sequence,
            Hex(packet.Data.ToByteArray()))), "only the cross-chain contract");
        Assert.Equal(Presented, State(net.AdviserCredit(1)));
        AssertRefused(singapore.Send(singapore.Relayer, net.Issuer, IssuerAbi.Encode("onRecvPacket", net.LcChannelSingapore, packet.Sequence,
            net.Adviser.ToString(), Hex(packet.Data.ToByteArray()))), "only the cross-chain contract");
        AssertRefused(singapore.Send(singapore.Relayer, net.Issuer, IssuerAbi.Encode("onTimeoutPacket", net.LcChannelSingapore, 1UL,
            Hex(packet.Data.ToByteArray()))), "only the cross-chain contract");
        Assert.Equal(Issued, State(net.IssuerCredit(1)));
        Assert.Equal(UInt256.Zero, net.PaymentEscrow());

        // Another contract on Singapore posing as the issuer, to an adviser that still awaits its channel from the real
        // one: the rogue's end reaches INIT on Singapore, but the adviser accepts only the issuer it was told, so the
        // proven try is refused and the adviser stays unbound.
        var fresh = shanghai.Deploy(AdviserAbi.Bytecode);
        shanghai.Succeed(shanghai.Operator, fresh, AdviserAbi.Encode("expectIssuer", TradeNetwork.ClientOfSingapore, net.Issuer.ToString()));
        var rogue = net.DeployIssuer();
        var rogueChannel = $"channel-{CrossChainReader.ChannelCount(singapore.Store)}";
        singapore.Succeed(singapore.Operator, rogue, IssuerAbi.Encode("connect", TradeNetwork.ClientOfShanghai, fresh.ToString(), net.PaymentChannelSingapore));
        var (height, proof) = LinkedChains.Prove(singapore, shanghai, TradeNetwork.ClientOfSingapore, CrossChainLayout.ChannelSlot(rogueChannel));
        var forgedTry = shanghai.Send(shanghai.Relayer, CrossChainLayout.Address, LinkedChains.CrossChain("channelOpenTry(string,string,address,address,bool,string,uint64,bytes)",
            new AbiTuple().String(TradeNetwork.ClientOfSingapore).String(rogueChannel).Address(fresh).Address(rogue).Bool(false).String("lc-1")
                .UInt(height).Bytes(proof.ToByteArray())));
        AssertRefused(forgedTry, "did not accept the channel");
        Assert.Empty(AbiBytes(shanghai.View(fresh, AdviserAbi.Encode("channelId"))));

        // An issuer whose payment channel does not lead to the adviser's chain cannot connect.
        var misrouted = net.DeployIssuer();
        AssertRefused(singapore.Send(singapore.Operator, misrouted, IssuerAbi.Encode("connect", "hongkong-client", net.Adviser.ToString(), net.PaymentChannelSingapore)),
            "the payment channel leads to another chain");
    }

    /// <summary>Issues a credit and relays its terms and their acknowledgement: advised on Shanghai, issued on Singapore.</summary>
    private static (Receipt Issued, Receipt Advised) Advise(TradeNetwork net, JsonObject terms, ulong amount, ulong lcId = 1)
    {
        var issued = Succeed(net.Issue(terms, amount));
        var advised = TransferNetwork.Deliver(net.Singapore, net.Shanghai, Assert.Single(TransferNetwork.PacketsOf(issued)));
        Assert.True(TransferNetwork.Succeeded(advised));
        TransferNetwork.Acknowledge(net.Shanghai, net.Singapore, advised);
        Assert.Equal((Advised, Issued), (State(net.AdviserCredit(lcId)), State(net.IssuerCredit(lcId))));
        return (issued, advised);
    }

    /// <summary>A time (seconds) <paramref name="seconds"/> after the next block of either chain.</summary>
    private static ulong Later(TradeNetwork net, ulong seconds) => Math.Max(net.Shanghai.NextBlockSeconds, net.Singapore.NextBlockSeconds) + seconds;

    private static string State(JsonObject credit) => credit["state"]!.ToString();

    private static string Hex(byte[] bytes) => "0x" + Convert.ToHexStringLower(bytes);

    private static byte[] AbiBytes(byte[] output) => new AbiReader(output).TryBytes(0, out var bytes) ? bytes.ToArray() : throw new InvalidOperationException("not bytes");

    private static Receipt Succeed(Receipt receipt)
    {
        Assert.True(receipt.Status == ReceiptStatus.Success, $"{receipt.Error}: {receipt.ErrorMessage}");
        return receipt;
    }

    private static void AssertRefused(Receipt receipt, string reason)
    {
        Assert.Equal(ReceiptStatus.Failed, receipt.Status);
        Assert.Contains(reason, receipt.ErrorMessage, StringComparison.Ordinal);
    }
}
