// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @title ShanghaiChain cross-chain system contract
/// @notice Native code at 0x0000000000000000000000000000000000001003 on every chain (docs/relay.md). It keeps light
/// clients of other ShanghaiChain networks, channels between contracts, and packet commitments, receipts and
/// acknowledgements in the authenticated state. Client and channel ids are 1 to 64 bytes of [a-z0-9.-]. Messages
/// marked "relayer" are permissionless: the proofs they carry, checked against a header the light client trusts, make
/// them valid. `bytes` arguments named after a message are protobuf messages of proto/shanghaichain/v1/relay.proto.
/// Every refusal reverts with a reason ("CrossChain: ...").
interface ICrossChain {
    event ClientCreated(string clientId, string chainId, uint64 height);
    event ClientUpdated(string clientId, uint64 height);
    event ClientFrozen(string clientId, uint64 height);
    event ClientRecovered(string clientId, uint64 generation, uint64 height);
    event ChannelOpenInit(string channelId, string clientId, address localContract, address counterpartyContract, bool ordered);
    event ChannelOpenTry(string channelId, string counterpartyChannel, address localContract, address counterpartyContract, bool ordered);
    event ChannelOpenAck(string channelId, string counterpartyChannel);
    event ChannelOpenConfirm(string channelId);
    event ChannelClosed(string channelId);
    /// @notice `packet` is the RelayPacket a relayer carries to the destination.
    event SendPacket(string channelId, uint64 sequence, bytes packet);
    event RecvPacket(string channelId, uint64 sequence);
    /// @notice Written on the destination; a relayer carries `packet` and `acknowledgement` back to the source.
    event WriteAcknowledgement(string channelId, uint64 sequence, bytes packet, bytes acknowledgement);
    event AcknowledgePacket(string channelId, uint64 sequence, bool success);
    event TimeoutPacket(string channelId, uint64 sequence);
    /// @notice A message of relayBatch that failed (its changes undone; the others stand): its index and revert data.
    event RelayMessageFailed(uint64 index, bytes reason);

    /// @notice Creates a light client from a LightClientCreate. Only the governance contract calls it, executing a
    /// committee decision (IGovernance.proposeCrossChainClient).
    function createClient(string calldata clientId, bytes calldata create) external;
    /// @notice Relayer: a LightClientUpdate (a committed header). A second committed header at a trusted height freezes the client.
    function updateClient(string calldata clientId, bytes calldata update) external;
    /// @notice Anyone: a LightClientMisbehaviour (two committed headers of one height); freezes the client.
    function submitMisbehaviour(string calldata clientId, bytes calldata misbehaviour) external;
    /// @notice Restarts a frozen or expired client from a LightClientCreate of the same chain and suite; headers trusted
    /// before are never used again. Only the governance contract calls it (threshold "client_recovery").
    function recoverClient(string calldata clientId, bytes calldata create) external;
    /// @notice The stored LightClientState (empty when there is no such client).
    function clientState(string calldata clientId) external view returns (bytes memory);
    /// @notice The RelayConsensusState trusted at a counterparty height (empty when none).
    function consensusState(string calldata clientId, uint64 height) external view returns (bytes memory);

    /// @notice Called by the application contract that will own the channel end.
    function channelOpenInit(string calldata clientId, address counterpartyContract, bool ordered, string calldata version)
        external returns (string memory channelId);
    /// @notice Relayer: proves the counterparty's INIT end; `localContract` must accept by onChannelOpenTry.
    function channelOpenTry(string calldata clientId, string calldata counterpartyChannel, address localContract,
        address counterpartyContract, bool ordered, string calldata version, uint64 proofHeight, bytes calldata proof)
        external returns (string memory channelId);
    /// @notice Relayer: proves the counterparty's TRYOPEN end.
    function channelOpenAck(string calldata channelId, string calldata counterpartyChannel, uint64 proofHeight, bytes calldata proof) external;
    /// @notice Relayer: proves the counterparty's OPEN end.
    function channelOpenConfirm(string calldata channelId, uint64 proofHeight, bytes calldata proof) external;
    /// @notice The stored RelayChannel (empty when there is no such channel).
    function channel(string calldata channelId) external view returns (bytes memory);

    /// @notice Called by the channel's application contract. At least one timeout must be set: a destination height
    /// (the packet is refused in blocks at or above it) or a destination time in seconds.
    function sendPacket(string calldata channelId, bytes calldata data, uint64 timeoutHeight, uint64 timeoutTimestamp)
        external returns (uint64 sequence);
    /// @notice Relayer: a RelayPacket with a RelaySlotProof of its commitment. Redelivery is a no-op.
    function recvPacket(bytes calldata packet, uint64 proofHeight, bytes calldata proof) external;
    /// @notice Relayer: the acknowledgement with a RelaySlotProof of its commitment on the destination.
    function acknowledgePacket(bytes calldata packet, bytes calldata acknowledgement, uint64 proofHeight, bytes calldata proof) external;
    /// @notice Relayer: a RelaySlotProof that the destination has no receipt (ordered: its next receive sequence) at a
    /// height where the packet has timed out.
    function timeoutPacket(bytes calldata packet, uint64 proofHeight, bytes calldata proof) external;
    /// @notice Relayer: 1 to 512 relayer messages (updateClient, submitMisbehaviour, recvPacket, acknowledgePacket,
    /// timeoutPacket, channelOpenTry/Ack/Confirm; each the calldata of that function) run in order, each as a call of
    /// this contract by itself. A failed message emits RelayMessageFailed and undoes only its own changes.
    function relayBatch(bytes[] calldata messages) external returns (uint64 failed);
}

/// @title What an application contract implements to use channels
/// @notice Called only by the cross-chain contract; check msg.sender. An acknowledgement starts with 0x01 and the bytes
/// onRecvPacket returned, or with 0x00 and a reason when onRecvPacket reverted.
interface ICrossChainApp {
    /// @notice Return true to own the new channel end (channelOpenTry reverts otherwise).
    function onChannelOpenTry(string calldata channelId, address counterpartyContract, bool ordered, string calldata version) external returns (bool);
    function onRecvPacket(string calldata channelId, uint64 sequence, address sender, bytes calldata data) external returns (bytes memory);
    /// @notice A revert undoes the acknowledgement: a relayer retries it.
    function onAcknowledgePacket(string calldata channelId, uint64 sequence, bytes calldata data, bytes calldata acknowledgement) external;
    /// @notice A revert undoes the timeout: a relayer retries it.
    function onTimeoutPacket(string calldata channelId, uint64 sequence, bytes calldata data) external;
}
