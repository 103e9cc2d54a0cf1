// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

import "./ICrossChain.sol";

/// @title A contract-to-contract message example over a cross-chain channel
/// @notice Opens a channel to its twin on another chain, sends messages, answers each received one with an
/// acknowledgement, and records what came back: acknowledgements and timeouts (the "callback" of the sender). A message
/// starting with "fail" makes onRecvPacket revert, which the source sees as an error acknowledgement.
contract CrossChainPing is ICrossChainApp {
    ICrossChain public constant CROSS_CHAIN = ICrossChain(0x0000000000000000000000000000000000001003);

    string public channelId;
    uint64 public received;
    uint64 public acknowledged;
    uint64 public failedAcks;
    uint64 public timedOut;
    bytes public lastReceived;
    bytes public lastAcknowledgement;

    modifier onlyCrossChain() {
        require(msg.sender == address(CROSS_CHAIN), "only the cross-chain contract");
        _;
    }

    function open(string calldata clientId, address twin, bool ordered) external returns (string memory) {
        channelId = CROSS_CHAIN.channelOpenInit(clientId, twin, ordered, "ping-1");
        return channelId;
    }

    function send(bytes calldata message, uint64 timeoutHeight, uint64 timeoutTimestamp) external returns (uint64) {
        return CROSS_CHAIN.sendPacket(channelId, message, timeoutHeight, timeoutTimestamp);
    }

    function onChannelOpenTry(string calldata newChannel, address, bool, string calldata version) external onlyCrossChain returns (bool) {
        if (keccak256(bytes(version)) != keccak256("ping-1") || bytes(channelId).length != 0) {
            return false;
        }
        channelId = newChannel;
        return true;
    }

    function onRecvPacket(string calldata, uint64, address, bytes calldata data) external onlyCrossChain returns (bytes memory) {
        require(!(data.length >= 4 && bytes4(data[:4]) == bytes4("fail")), "ping refused");
        received += 1;
        lastReceived = data;
        return abi.encodePacked("pong:", data);
    }

    function onAcknowledgePacket(string calldata, uint64, bytes calldata, bytes calldata acknowledgement) external onlyCrossChain {
        if (acknowledgement.length > 0 && acknowledgement[0] == 0x01) {
            acknowledged += 1;
        } else {
            failedAcks += 1;
        }
        lastAcknowledgement = acknowledgement;
    }

    function onTimeoutPacket(string calldata, uint64, bytes calldata) external onlyCrossChain {
        timedOut += 1;
    }
}
