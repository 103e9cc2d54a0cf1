// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

import "./ICrossChain.sol";

/// @title Cross-chain asset transfer over channels between twins of this contract (docs/relay.md, "Asset transfer")
/// @notice The same code on every chain. A transfer out of a chain escrows the asset here and mints a voucher on the
/// destination whose denomination records the path: the destination's channel id, a slash, then the denomination as
/// the source knew it ("channel-0/native" on Hong Kong for Shanghai's native value arriving on its channel-0). A
/// voucher sent back along the channel it came by is burned and releases the escrow at its origin, so every unit in
/// circulation is backed once. An error acknowledgement or a proven timeout refunds the sender.
/// A transfer may name a next hop: the middle chain receives it for itself and sends it on; if that last leg fails
/// (error acknowledgement or timeout), the middle chain sends the asset back to the original sender, so the transfer
/// ends all or nothing: at the final receiver, or back with the sender.
contract CrossChainTransfer is ICrossChainApp {
    ICrossChain public constant CROSS_CHAIN = ICrossChain(0x0000000000000000000000000000000000001003);
    string public constant VERSION = "transfer-1";
    /// @notice The chain's own native value, escrowed as msg.value.
    string public constant NATIVE = "native";
    /// @notice How long the middle chain gives a refund leg (seconds).
    uint64 public constant REFUND_TIMEOUT = 1 days;

    struct Forward {
        string fromChannel;
        address originSender;
        string denom;
        uint256 amount;
    }

    /// @dev A packet's data: the denomination as the destination must read it, whether it goes home (the destination
    /// releases escrow) or not (the destination mints a voucher), and the next hop of a transfer through the destination.
    struct Packet {
        string denom;
        uint256 amount;
        address sender;
        address receiver;
        bool returning;
        bytes forward;
    }

    mapping(string => mapping(address => uint256)) private _vouchers;
    mapping(string => uint256) private _supply;
    mapping(string => mapping(string => uint256)) private _escrow;
    mapping(string => bool) public ownsChannel;
    /// @dev Middle hops in flight, by the onward packet's channel and sequence.
    mapping(bytes32 => Forward) private _forwards;
    /// @dev Refund legs in flight (a failed last leg sent back to its origin), by the refund packet's key.
    mapping(bytes32 => Forward) private _refunding;
    /// @dev Refund legs that failed themselves, waiting for retryRefund, by the failed refund packet's key.
    mapping(bytes32 => Forward) private _stranded;

    event Sent(string channelId, uint64 sequence, string denom, uint256 amount, address sender, address receiver);
    event Received(string channelId, uint64 sequence, string denom, uint256 amount, address receiver);
    event Refunded(string channelId, uint64 sequence, string denom, uint256 amount, address sender);
    event Forwarded(string fromChannel, uint64 fromSequence, string toChannel, uint64 toSequence);
    event ForwardFailed(string toChannel, uint64 toSequence, string backChannel, uint64 backSequence);
    event ForwardCompleted(string toChannel, uint64 toSequence);
    event RefundStranded(string channelId, uint64 sequence, address originSender);

    modifier onlyCrossChain() {
        require(msg.sender == address(CROSS_CHAIN), "only the cross-chain contract");
        _;
    }

    /// @notice Opens an unordered channel to this contract's twin on the chain of `clientId`.
    function open(string calldata clientId, address twin) external returns (string memory channelId) {
        channelId = CROSS_CHAIN.channelOpenInit(clientId, twin, false, VERSION);
        ownsChannel[channelId] = true;
    }

    /// @notice Sends `amount` of `denom` to `receiver` on the other end of `channelId`; native value comes as msg.value.
    function transfer(string calldata channelId, string calldata denom, uint256 amount, address receiver,
        uint64 timeoutHeight, uint64 timeoutTimestamp) external payable returns (uint64) {
        _take(denom, amount, msg.sender);
        return _send(channelId, denom, amount, msg.sender, receiver, "", timeoutHeight, timeoutTimestamp);
    }

    /// @notice Sends through the other end of `channelId` on to `finalReceiver` beyond its `nextChannel`, all or nothing.
    function transferVia(string calldata channelId, string calldata denom, uint256 amount, string calldata nextChannel,
        address finalReceiver, uint64 timeoutTimestamp, uint64 nextTimeoutTimestamp) external payable returns (uint64) {
        require(finalReceiver != address(0), "no receiver");
        _take(denom, amount, msg.sender);
        bytes memory forward = abi.encode(nextChannel, finalReceiver, nextTimeoutTimestamp);
        // On the middle chain the twin receives for itself, then sends on.
        return _send(channelId, denom, amount, msg.sender, address(this), forward, 0, timeoutTimestamp);
    }

    /// @notice A voucher balance (the native value is an account balance, not kept here).
    function balanceOf(string calldata denom, address holder) external view returns (uint256) {
        return _vouchers[denom][holder];
    }

    function supplyOf(string calldata denom) external view returns (uint256) {
        return _supply[denom];
    }

    /// @notice What this chain holds in escrow for `denom` sent out through `channelId`.
    function escrowOf(string calldata channelId, string calldata denom) external view returns (uint256) {
        return _escrow[channelId][denom];
    }

    /// @notice Sends again a refund whose leg failed (anyone may call; the asset only goes to its origin).
    function retryRefund(string calldata channelId, uint64 sequence) external returns (uint64) {
        bytes32 key = _key(channelId, sequence);
        Forward memory f = _stranded[key];
        require(f.amount > 0, "nothing stranded");
        delete _stranded[key];
        return _sendBack(f);
    }

    function onChannelOpenTry(string calldata channelId, address, bool ordered, string calldata version)
        external onlyCrossChain returns (bool) {
        if (ordered || keccak256(bytes(version)) != keccak256(bytes(VERSION))) {
            return false;
        }
        ownsChannel[channelId] = true;
        return true;
    }

    function onRecvPacket(string calldata channelId, uint64 sequence, address, bytes calldata data)
        external onlyCrossChain returns (bytes memory) {
        require(ownsChannel[channelId], "not a transfer channel");
        Packet memory p = _decode(data);
        require(p.amount > 0 && p.receiver != address(0), "no amount or no receiver");
        string memory local = _arrive(channelId, p);
        if (p.forward.length == 0) {
            _give(local, p.amount, p.receiver);
            emit Received(channelId, sequence, local, p.amount, p.receiver);
        } else {
            _forward(channelId, sequence, local, p);
        }
        return abi.encode(true);
    }

    function onAcknowledgePacket(string calldata channelId, uint64 sequence, bytes calldata data, bytes calldata acknowledgement)
        external onlyCrossChain {
        if (acknowledgement.length > 0 && acknowledgement[0] == 0x01) {
            bytes32 key = _key(channelId, sequence);
            if (_forwards[key].amount > 0) {
                delete _forwards[key];
                emit ForwardCompleted(channelId, sequence);
            }
            delete _refunding[key];
            return;
        }
        _refund(channelId, sequence, data);
    }

    function onTimeoutPacket(string calldata channelId, uint64 sequence, bytes calldata data) external onlyCrossChain {
        _refund(channelId, sequence, data);
    }

    /// @dev What arrives on `channelId`, as this chain names it: released from escrow when it comes home along the
    /// channel it left by (never more than was escrowed there), else a voucher whose denomination adds the channel.
    function _arrive(string calldata channelId, Packet memory p) private returns (string memory local) {
        if (p.returning) {
            require(_escrow[channelId][p.denom] >= p.amount, "more than escrowed on this channel");
            _escrow[channelId][p.denom] -= p.amount;
            return p.denom;
        }
        local = string.concat(channelId, "/", p.denom);
        _supply[local] += p.amount;
    }

    /// @dev A middle hop: the asset is this contract's until the next leg settles.
    function _forward(string calldata channelId, uint64 sequence, string memory local, Packet memory p) private {
        (string memory next, address finalReceiver, uint64 nextTimeout) = abi.decode(p.forward, (string, address, uint64));
        if (!_isNative(local)) {
            _vouchers[local][address(this)] += p.amount;
        }
        uint64 onward = _send(next, local, p.amount, address(this), finalReceiver, "", 0, nextTimeout);
        _forwards[_key(next, onward)] = Forward(channelId, p.sender, local, p.amount);
        emit Forwarded(channelId, sequence, next, onward);
    }

    function _decode(bytes calldata data) private pure returns (Packet memory p) {
        (p.denom, p.amount, p.sender, p.receiver, p.returning, p.forward) = abi.decode(data, (string, uint256, address, address, bool, bytes));
    }

    /// @dev Takes the asset from the caller: native value as msg.value, a voucher from its balance.
    function _take(string calldata denom, uint256 amount, address from) private {
        require(amount > 0, "nothing to send");
        if (_isNative(denom)) {
            require(msg.value == amount, "msg.value must equal the amount");
        } else {
            require(msg.value == 0, "value sent with a voucher");
            require(_vouchers[denom][from] >= amount, "voucher balance too low");
            _vouchers[denom][from] -= amount;
        }
    }

    /// @dev The asset is already taken from `from` (or is this contract's): escrow or burn it, and send the packet.
    function _send(string memory channelId, string memory denom, uint256 amount, address from, address receiver,
        bytes memory forward, uint64 timeoutHeight, uint64 timeoutTimestamp) private returns (uint64 sequence) {
        require(ownsChannel[channelId], "not a transfer channel");
        require(receiver != address(0), "no receiver");
        string memory prefix = string.concat(channelId, "/");
        bool returning = _startsWith(denom, prefix);
        string memory sent = denom;
        if (returning) {
            // A voucher going home along the channel it came by: burned here, released there.
            _supply[denom] -= amount;
            sent = _after(denom, bytes(prefix).length);
        } else {
            _escrow[channelId][denom] += amount;
        }
        if (from == address(this) && !_isNative(denom)) {
            _vouchers[denom][address(this)] -= amount;
        }
        sequence = CROSS_CHAIN.sendPacket(channelId, abi.encode(sent, amount, from, receiver, returning, forward), timeoutHeight, timeoutTimestamp);
        emit Sent(channelId, sequence, denom, amount, from, receiver);
    }

    /// @dev Gives the sender back what a failed packet took, as it held it before.
    function _refund(string calldata channelId, uint64 sequence, bytes calldata data) private {
        Packet memory p = _decode(data);
        string memory denom = p.denom;
        if (p.returning) {
            denom = string.concat(channelId, "/", p.denom);
            _supply[denom] += p.amount;
        } else {
            _escrow[channelId][p.denom] -= p.amount;
        }
        emit Refunded(channelId, sequence, denom, p.amount, p.sender);
        if (p.sender != address(this)) {
            _give(denom, p.amount, p.sender);
            return;
        }
        uint256 amount = p.amount;
        bytes32 key = _key(channelId, sequence);
        if (!_isNative(denom)) {
            _vouchers[denom][address(this)] += amount;
        }
        Forward memory f = _forwards[key];
        if (f.amount > 0) {
            // A failed last leg of a forward: send the asset back to where the transfer started.
            delete _forwards[key];
            uint64 back = _sendBack(f);
            emit ForwardFailed(channelId, sequence, f.fromChannel, back);
            return;
        }
        // A refund leg that failed itself: the asset waits here for retryRefund.
        f = _refunding[key];
        require(f.amount > 0, "unknown forward");
        delete _refunding[key];
        _stranded[key] = f;
        emit RefundStranded(channelId, sequence, f.originSender);
    }

    function _sendBack(Forward memory f) private returns (uint64 back) {
        back = _send(f.fromChannel, f.denom, f.amount, address(this), f.originSender, "", 0, uint64(block.timestamp) + REFUND_TIMEOUT);
        _refunding[_key(f.fromChannel, back)] = f;
    }

    function _give(string memory denom, uint256 amount, address to) private {
        if (_isNative(denom)) {
            (bool ok,) = payable(to).call{value: amount}("");
            require(ok, "the receiver refused the value");
        } else {
            _vouchers[denom][to] += amount;
        }
    }

    function _isNative(string memory denom) private pure returns (bool) {
        return keccak256(bytes(denom)) == keccak256(bytes(NATIVE));
    }

    function _key(string memory channelId, uint64 sequence) private pure returns (bytes32) {
        return keccak256(abi.encode(channelId, sequence));
    }

    function _startsWith(string memory text, string memory prefix) private pure returns (bool) {
        bytes memory t = bytes(text);
        bytes memory p = bytes(prefix);
        if (t.length < p.length) {
            return false;
        }
        for (uint256 i = 0; i < p.length; i++) {
            if (t[i] != p[i]) {
                return false;
            }
        }
        return true;
    }

    function _after(string memory text, uint256 start) private pure returns (string memory) {
        bytes memory t = bytes(text);
        bytes memory out = new bytes(t.length - start);
        for (uint256 i = 0; i < out.length; i++) {
            out[i] = t[start + i];
        }
        return string(out);
    }
}
