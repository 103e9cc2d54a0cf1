using Google.Protobuf;
using ShanghaiChain.Core.Primitives;
using ShanghaiChain.Relay.Contract;
using ShanghaiChain.V1;
using ShanghaiChain.Vm.Abi;

namespace ShanghaiChain.Relay;

/// <summary>The calldata of the relayer's messages to the cross-chain contract (contracts/src/ICrossChain.sol), relayBatch included.</summary>
public static class RelayMessages
{
    public static byte[] UpdateClient(string clientId, LightClientUpdate update) =>
        Call(CrossChainContract.UpdateClient, new AbiTuple().String(clientId).Bytes(update.ToByteArray()));

    public static byte[] SubmitMisbehaviour(string clientId, LightClientMisbehaviour evidence) =>
        Call(CrossChainContract.SubmitMisbehaviour, new AbiTuple().String(clientId).Bytes(evidence.ToByteArray()));

    /// <summary>
    /// The update of <paramref name="clientId"/> to a header at <paramref name="height"/> carried by a transaction's
    /// calldata: an updateClient call, or one inside a relayBatch. Null when there is none (or the calldata is not
    /// ours: another contract may have called updateClient, and then only the chain's execution saw the update).
    /// Untrusted input: anything that does not decode is skipped.
    /// </summary>
    public static LightClientUpdate? FindUpdate(ReadOnlySpan<byte> calldata, string clientId, ulong height)
    {
        if (!AbiReader.TryCreate(calldata, out var selector, out var args))
        {
            return null;
        }
        if (selector == CrossChainContract.UpdateClient)
        {
            return UpdateOf(args, clientId, height);
        }
        if (selector != CrossChainContract.RelayBatch || !args.TryArray(0, out var count, out var elements))
        {
            return null;
        }
        for (var i = 0; i < count; i++)
        {
            if (elements.TryBytes(i, out var message) && AbiReader.TryCreate(message, out var inner, out var innerArgs) &&
                inner == CrossChainContract.UpdateClient && UpdateOf(innerArgs, clientId, height) is { } update)
            {
                return update;
            }
        }
        return null;
    }

    private static LightClientUpdate? UpdateOf(AbiReader args, string clientId, ulong height)
    {
        if (!args.TryBytes(0, out var id) || !System.Text.Encoding.UTF8.GetString(id).Equals(clientId, StringComparison.Ordinal) || !args.TryBytes(1, out var bytes))
        {
            return null;
        }
        try
        {
            var update = LightClientUpdate.Parser.ParseFrom(bytes);
            return update.Header is not null && BlockHeader.Parser.ParseFrom(update.Header.Header).Height == height ? update : null;
        }
        catch (InvalidProtocolBufferException)
        {
            return null;
        }
    }

    public static byte[] RecvPacket(RelayPacket packet, ulong proofHeight, RelaySlotProof proof) =>
        Call(CrossChainContract.RecvPacket, new AbiTuple().Bytes(packet.ToByteArray()).UInt(proofHeight).Bytes(proof.ToByteArray()));

    public static byte[] AcknowledgePacket(RelayPacket packet, byte[] acknowledgement, ulong proofHeight, RelaySlotProof proof) =>
        Call(CrossChainContract.AcknowledgePacket, new AbiTuple().Bytes(packet.ToByteArray()).Bytes(acknowledgement).UInt(proofHeight).Bytes(proof.ToByteArray()));

    public static byte[] TimeoutPacket(RelayPacket packet, ulong proofHeight, RelaySlotProof proof) =>
        Call(CrossChainContract.TimeoutPacket, new AbiTuple().Bytes(packet.ToByteArray()).UInt(proofHeight).Bytes(proof.ToByteArray()));

    public static byte[] ChannelOpenTry(string clientId, string counterpartyChannel, Address localContract, Address counterpartyContract, bool ordered,
        string version, ulong proofHeight, RelaySlotProof proof) =>
        Call(CrossChainContract.ChannelOpenTry, new AbiTuple().String(clientId).String(counterpartyChannel).Address(localContract).Address(counterpartyContract)
            .Bool(ordered).String(version).UInt(proofHeight).Bytes(proof.ToByteArray()));

    public static byte[] ChannelOpenAck(string channelId, string counterpartyChannel, ulong proofHeight, RelaySlotProof proof) =>
        Call(CrossChainContract.ChannelOpenAck, new AbiTuple().String(channelId).String(counterpartyChannel).UInt(proofHeight).Bytes(proof.ToByteArray()));

    public static byte[] ChannelOpenConfirm(string channelId, ulong proofHeight, RelaySlotProof proof) =>
        Call(CrossChainContract.ChannelOpenConfirm, new AbiTuple().String(channelId).UInt(proofHeight).Bytes(proof.ToByteArray()));

    /// <summary>relayBatch(bytes[]): head = offset 32; then the count, the elements' offsets (from the first offset word) and each element.</summary>
    public static byte[] Batch(IReadOnlyList<byte[]> messages)
    {
        var size = 4 + 32 + 32 + 32 * messages.Count + messages.Sum(m => 32 + Padded(m.Length));
        var output = new byte[size];
        var selector = CrossChainContract.RelayBatch;
        output[0] = (byte)(selector >> 24);
        output[1] = (byte)(selector >> 16);
        output[2] = (byte)(selector >> 8);
        output[3] = (byte)selector;
        Word(output, 4, 32);
        Word(output, 36, (ulong)messages.Count);
        var elements = 68;
        var tail = 32 * messages.Count;
        for (var i = 0; i < messages.Count; i++)
        {
            Word(output, elements + 32 * i, (ulong)tail);
            Word(output, elements + tail, (ulong)messages[i].Length);
            messages[i].CopyTo(output, elements + tail + 32);
            tail += 32 + Padded(messages[i].Length);
        }
        return output;
    }

    private static int Padded(int length) => (length + 31) / 32 * 32;

    private static void Word(byte[] output, int offset, ulong value) =>
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(output.AsSpan(offset + 24, 8), value);

    private static byte[] Call(uint selector, AbiTuple arguments) =>
        [(byte)(selector >> 24), (byte)(selector >> 16), (byte)(selector >> 8), (byte)selector, .. arguments.Encode()];
}
