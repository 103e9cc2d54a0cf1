using ShanghaiChain.Core.Keys;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Relay.Tests.Support;
using ShanghaiChain.V1;
using ShanghaiChain.Vm.Abi;

namespace ShanghaiChain.Relay.Tests;

/// <summary>
/// The cross-chain asset transfer (contracts/src/CrossChainTransfer.sol) on chains in process: native value escrowed on
/// Shanghai (sm2-sm3) becomes a voucher on Hong Kong (ed25519-sha256) whose denomination records the path, is burned on
/// the way back and released from escrow; failures refund; and a transfer through Hong Kong to Singapore ends all or
/// nothing. After every step what is escrowed at the origin equals the vouchers in circulation.
/// </summary>
public sealed class AssetTransferTests
{
    private const string Transfer = "transfer(string,string,uint256,address,uint64,uint64)";
    private const string TransferVia = "transferVia(string,string,uint256,string,address,uint64,uint64)";

    [Fact]
    public void Value_sent_to_hong_kong_and_back_is_escrowed_then_minted_then_burned_and_released()
    {
        using var net = new TransferNetwork(2);
        var (shanghai, hongkong) = (net.Chains[0], net.Chains[1]);
        var (toHk, toSh) = (net.ChannelOf(shanghai, hongkong), net.ChannelOf(hongkong, shanghai));
        var alice = shanghai.Operator;
        var bob = hongkong.Operator;
        var voucher = $"{toSh}/native";
        var start = Balance(shanghai, alice.Address);

        var sent = Succeed(net.Call(shanghai, alice, Transfer, new AbiTuple().String(toHk).String("native").UInt(1_000).Address(bob.Address).UInt(hongkong.Height + 50).UInt(0), value: 1_000));
        Assert.Equal(start - new UInt256(1_000), Balance(shanghai, alice.Address));
        Assert.Equal(new UInt256(1_000), net.Escrow(shanghai, toHk, "native"));
        var received = TransferNetwork.Deliver(shanghai, hongkong, Assert.Single(TransferNetwork.PacketsOf(sent)));
        Assert.True(TransferNetwork.Succeeded(received));
        Assert.Equal(new UInt256(1_000), net.Voucher(hongkong, voucher, bob.Address));
        Assert.Equal(new UInt256(1_000), net.Supply(hongkong, voucher));
        TransferNetwork.Acknowledge(hongkong, shanghai, received);
        Assert.Equal(new UInt256(1_000), net.Escrow(shanghai, toHk, "native"));

        // Part of it goes home: burned on Hong Kong, released from Shanghai's escrow to Alice.
        var back = Succeed(net.Call(hongkong, bob, Transfer, new AbiTuple().String(toSh).String(voucher).UInt(400).Address(alice.Address).UInt(shanghai.Height + 50).UInt(0)));
        Assert.Equal(new UInt256(600), net.Supply(hongkong, voucher));
        var home = TransferNetwork.Deliver(hongkong, shanghai, Assert.Single(TransferNetwork.PacketsOf(back)));
        Assert.True(TransferNetwork.Succeeded(home));
        TransferNetwork.Acknowledge(shanghai, hongkong, home);
        Assert.Equal(start - new UInt256(600), Balance(shanghai, alice.Address));
        Assert.Equal(new UInt256(600), net.Escrow(shanghai, toHk, "native"));
        Assert.Equal((new UInt256(600), new UInt256(600)), (net.Voucher(hongkong, voucher, bob.Address), net.Supply(hongkong, voucher)));

        // Nobody can spend vouchers it does not hold, nor pay native value with the wrong amount.
        AssertRefused(net.Call(hongkong, hongkong.Relayer, Transfer, new AbiTuple().String(toSh).String(voucher).UInt(1).Address(alice.Address).UInt(shanghai.Height + 50).UInt(0)), "voucher balance too low");
        AssertRefused(net.Call(shanghai, alice, Transfer, new AbiTuple().String(toHk).String("native").UInt(10).Address(bob.Address).UInt(hongkong.Height + 50).UInt(0), value: 9), "msg.value must equal the amount");
    }

    [Fact]
    public void A_transfer_that_times_out_or_is_refused_on_arrival_is_refunded_to_its_sender()
    {
        using var net = new TransferNetwork(2);
        var (shanghai, hongkong) = (net.Chains[0], net.Chains[1]);
        var (toHk, toSh) = (net.ChannelOf(shanghai, hongkong), net.ChannelOf(hongkong, shanghai));
        var alice = shanghai.Operator;
        var bob = hongkong.Operator;
        var start = Balance(shanghai, alice.Address);

        // Never delivered before Hong Kong's height passed its timeout: proven absent there, refunded here.
        var late = Succeed(net.Call(shanghai, alice, Transfer, new AbiTuple().String(toHk).String("native").UInt(500).Address(bob.Address).UInt(hongkong.Height + 2).UInt(0), value: 500));
        Assert.Equal(start - new UInt256(500), Balance(shanghai, alice.Address));
        TransferNetwork.TimeOut(shanghai, hongkong, Assert.Single(TransferNetwork.PacketsOf(late)));
        Assert.Equal(start, Balance(shanghai, alice.Address));
        Assert.Equal(UInt256.Zero, net.Escrow(shanghai, toHk, "native"));

        // A voucher sent home to a contract that refuses native value: the arrival fails, the error acknowledgement
        // comes back, and Bob's voucher is minted again.
        var voucher = $"{toSh}/native";
        var sent = Succeed(net.Call(shanghai, alice, Transfer, new AbiTuple().String(toHk).String("native").UInt(300).Address(bob.Address).UInt(hongkong.Height + 50).UInt(0), value: 300));
        TransferNetwork.Acknowledge(hongkong, shanghai, TransferNetwork.Deliver(shanghai, hongkong, Assert.Single(TransferNetwork.PacketsOf(sent))));
        var refuser = net.Apps[shanghai]; // the transfer contract itself has no receive function
        var back = Succeed(net.Call(hongkong, bob, Transfer, new AbiTuple().String(toSh).String(voucher).UInt(300).Address(refuser).UInt(shanghai.Height + 50).UInt(0)));
        Assert.Equal(UInt256.Zero, net.Voucher(hongkong, voucher, bob.Address));
        var refused = TransferNetwork.Deliver(hongkong, shanghai, Assert.Single(TransferNetwork.PacketsOf(back)));
        Assert.False(TransferNetwork.Succeeded(refused));
        Assert.Equal(new UInt256(300), net.Escrow(shanghai, toHk, "native"));
        TransferNetwork.Acknowledge(shanghai, hongkong, refused);
        Assert.Equal((new UInt256(300), new UInt256(300)), (net.Voucher(hongkong, voucher, bob.Address), net.Supply(hongkong, voucher)));

        // What each source end records of its packets (packet-info, read by `xchain packets`): timeouts and how each ended.
        var timedOut = CrossChainReader.Packet(shanghai.Store, toHk, 1)!.Value;
        Assert.Equal((PacketOutcome.TimedOut, 0UL), (timedOut.Outcome, timedOut.TimeoutTimestamp));
        Assert.NotEqual(0UL, timedOut.TimeoutHeight);
        Assert.Equal(PacketOutcome.Acknowledged, CrossChainReader.Packet(shanghai.Store, toHk, 2)!.Value.Outcome);
        Assert.Equal(PacketOutcome.AcknowledgedError, CrossChainReader.Packet(hongkong.Store, toSh, 1)!.Value.Outcome);
        Assert.Null(CrossChainReader.Packet(shanghai.Store, toHk, 3));
        // And the clients each chain keeps, listed in creation order.
        Assert.Equal(1UL, CrossChainReader.ClientCount(shanghai.Store));
        Assert.NotNull(CrossChainReader.Client(shanghai.Store, CrossChainReader.ClientId(shanghai.Store, 0)!));
        Assert.Null(CrossChainReader.ClientId(shanghai.Store, 1));
    }

    [Fact]
    public void A_transfer_through_hong_kong_to_singapore_completes_and_comes_back_home_the_same_way()
    {
        using var net = new TransferNetwork(3);
        var (shanghai, hongkong, singapore) = (net.Chains[0], net.Chains[1], net.Chains[2]);
        var alice = shanghai.Operator;
        var carol = KeyFile.Generate(singapore.Suite);
        var start = Balance(shanghai, alice.Address);
        var hkVoucher = $"{net.ChannelOf(hongkong, shanghai)}/native";
        var sgVoucher = $"{net.ChannelOf(singapore, hongkong)}/{hkVoucher}";

        var sent = Succeed(net.Call(shanghai, alice, TransferVia, new AbiTuple().String(net.ChannelOf(shanghai, hongkong)).String("native").UInt(300)
            .String(net.ChannelOf(hongkong, singapore)).Address(carol.Address).UInt(Seconds(hongkong, 600)).UInt(Seconds(singapore, 600)), value: 300));
        var atHk = TransferNetwork.Deliver(shanghai, hongkong, Assert.Single(TransferNetwork.PacketsOf(sent)));
        // Hong Kong holds the voucher in escrow towards Singapore while the last leg is in flight.
        Assert.Equal(new UInt256(300), net.Escrow(hongkong, net.ChannelOf(hongkong, singapore), hkVoucher));
        var atSg = TransferNetwork.Deliver(hongkong, singapore, Assert.Single(TransferNetwork.PacketsOf(atHk)));
        Assert.True(TransferNetwork.Succeeded(atSg));
        TransferNetwork.Acknowledge(singapore, hongkong, atSg);
        TransferNetwork.Acknowledge(hongkong, shanghai, atHk);
        Assert.Equal((new UInt256(300), new UInt256(300)), (net.Voucher(singapore, sgVoucher, carol.Address), net.Supply(singapore, sgVoucher)));
        Assert.Equal((new UInt256(300), UInt256.Zero), (net.Supply(hongkong, hkVoucher), net.Voucher(hongkong, hkVoucher, net.Apps[hongkong])));
        Assert.Equal(new UInt256(300), net.Escrow(shanghai, net.ChannelOf(shanghai, hongkong), "native"));
        Assert.Equal(start - new UInt256(300), Balance(shanghai, alice.Address));

        // Carol sends it all the way home along its path: burned at each hop, released from escrow at the origin.
        var back = Succeed(net.Call(singapore, carol, TransferVia, new AbiTuple().String(net.ChannelOf(singapore, hongkong)).String(sgVoucher).UInt(300)
            .String(net.ChannelOf(hongkong, shanghai)).Address(alice.Address).UInt(Seconds(hongkong, 600)).UInt(Seconds(shanghai, 600))));
        Assert.Equal(UInt256.Zero, net.Supply(singapore, sgVoucher));
        var backAtHk = TransferNetwork.Deliver(singapore, hongkong, Assert.Single(TransferNetwork.PacketsOf(back)));
        Assert.Equal((UInt256.Zero, UInt256.Zero), (net.Escrow(hongkong, net.ChannelOf(hongkong, singapore), hkVoucher), net.Supply(hongkong, hkVoucher)));
        var home = TransferNetwork.Deliver(hongkong, shanghai, Assert.Single(TransferNetwork.PacketsOf(backAtHk)));
        Assert.True(TransferNetwork.Succeeded(home));
        TransferNetwork.Acknowledge(shanghai, hongkong, home);
        TransferNetwork.Acknowledge(hongkong, singapore, backAtHk);
        Assert.Equal(start, Balance(shanghai, alice.Address));
        Assert.Equal(UInt256.Zero, net.Escrow(shanghai, net.ChannelOf(shanghai, hongkong), "native"));
    }

    [Fact]
    public void A_transfer_through_hong_kong_whose_last_leg_times_out_ends_back_with_its_sender()
    {
        using var net = new TransferNetwork(3);
        var (shanghai, hongkong, singapore) = (net.Chains[0], net.Chains[1], net.Chains[2]);
        var alice = shanghai.Operator;
        var carol = KeyFile.Generate(singapore.Suite).Address;
        var start = Balance(shanghai, alice.Address);
        var hkVoucher = $"{net.ChannelOf(hongkong, shanghai)}/native";

        var sent = Succeed(net.Call(shanghai, alice, TransferVia, new AbiTuple().String(net.ChannelOf(shanghai, hongkong)).String("native").UInt(700)
            .String(net.ChannelOf(hongkong, singapore)).Address(carol).UInt(Seconds(hongkong, 600)).UInt(Seconds(singapore, 3)), value: 700));
        var atHk = TransferNetwork.Deliver(shanghai, hongkong, Assert.Single(TransferNetwork.PacketsOf(sent)));
        TransferNetwork.Acknowledge(hongkong, shanghai, atHk);
        // The first leg succeeded: Shanghai's sender is not refunded by it.
        Assert.Equal(start - new UInt256(700), Balance(shanghai, alice.Address));

        // No relayer carries the last leg in time: Singapore passes its timeout, Hong Kong proves the absence and
        // sends the asset back to Shanghai, where Alice gets it.
        var timedOut = TransferNetwork.TimeOut(hongkong, singapore, Assert.Single(TransferNetwork.PacketsOf(atHk)));
        Assert.Equal(UInt256.Zero, net.Escrow(hongkong, net.ChannelOf(hongkong, singapore), hkVoucher));
        var refund = TransferNetwork.Deliver(hongkong, shanghai, Assert.Single(TransferNetwork.PacketsOf(timedOut)));
        Assert.True(TransferNetwork.Succeeded(refund));
        TransferNetwork.Acknowledge(shanghai, hongkong, refund);
        Assert.Equal(start, Balance(shanghai, alice.Address));
        Assert.Equal(UInt256.Zero, net.Escrow(shanghai, net.ChannelOf(shanghai, hongkong), "native"));
        Assert.Equal(UInt256.Zero, net.Supply(hongkong, hkVoucher));
        Assert.Equal(UInt256.Zero, net.Supply(singapore, $"{net.ChannelOf(singapore, hongkong)}/{hkVoucher}"));
        // Nothing is left to refund a second time.
        AssertRefused(net.Call(hongkong, hongkong.Relayer, "retryRefund(string,uint64)", new AbiTuple().String(net.ChannelOf(hongkong, shanghai)).UInt(1)), "nothing stranded");
    }

    private static ulong Seconds(RelayTestChain chain, ulong ahead) => chain.NextBlockSeconds + ahead;

    private static UInt256 Balance(RelayTestChain chain, Address account) => chain.Store.GetAccount(account).Balance;

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
