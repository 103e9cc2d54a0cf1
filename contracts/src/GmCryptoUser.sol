// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

import {IGmCrypto} from "./IGmCrypto.sol";

/// @notice A contract that uses the GmCrypto system contract the way an application would (tests only).
contract GmCryptoUser {
    IGmCrypto public constant GM = IGmCrypto(0x0000000000000000000000000000000000001001);

    mapping(bytes32 => bool) public accepted;

    event Accepted(bytes32 indexed digest, address indexed submitter);

    function hash(bytes calldata data) external view returns (bytes32) {
        return GM.sm3(data);
    }

    function verify(bytes32 x, bytes32 y, bytes calldata message, bytes32 r, bytes32 s) external view returns (bool) {
        return GM.sm2Verify(x, y, message, r, s);
    }

    function verifyWithId(bytes32 x, bytes32 y, bytes calldata id, bytes calldata message, bytes32 r, bytes32 s)
        external view returns (bool)
    {
        return GM.sm2VerifyWithId(x, y, id, message, r, s);
    }

    /// @notice Records the SM3 digest of a message signed by (x, y); reverts on a bad signature.
    function submit(bytes32 x, bytes32 y, bytes calldata message, bytes32 r, bytes32 s) external returns (bytes32 digest) {
        require(GM.sm2Verify(x, y, message, r, s), "bad SM2 signature");
        digest = GM.sm3(message);
        accepted[digest] = true;
        emit Accepted(digest, msg.sender);
    }

    /// @notice SM3 through DELEGATECALL (allowed: the contract is stateless).
    function hashByDelegateCall(bytes calldata data) external returns (bytes32) {
        (bool ok, bytes memory out) = address(GM).delegatecall(abi.encodeCall(IGmCrypto.sm3, (data)));
        require(ok, "delegatecall failed");
        return abi.decode(out, (bytes32));
    }

    /// @notice Sends value with the call: the system contract refuses it; returns the revert data.
    function sendValue(bytes calldata data) external payable returns (bool ok, bytes memory out) {
        (ok, out) = address(GM).call{value: msg.value}(abi.encodeCall(IGmCrypto.sm3, (data)));
    }
}
