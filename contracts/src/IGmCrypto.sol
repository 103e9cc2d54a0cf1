// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @title ShanghaiChain national-cryptography system contract
/// @notice Native code at 0x0000000000000000000000000000000000001001 on every ShanghaiChain chain (not in Ethereum
/// conformance mode). Stateless: call it directly, with STATICCALL (view/pure) or by DELEGATECALL. Sending value
/// reverts. Gas: sm3 60 + 12 per 32-byte word of data; sm2Verify and sm2VerifyWithId 100,000 + 12 per word of message
/// and user ID (plus the usual cold/warm account access of the CALL itself). See docs/evm.md, "System contracts".
interface IGmCrypto {
    /// @notice SM3 hash (GB/T 32905) of `data`.
    function sm3(bytes calldata data) external pure returns (bytes32 digest);

    /// @notice SM2 verification (GB/T 32918, curve sm2p256v1) of signature (r, s) over `message` by the public key
    /// (publicKeyX, publicKeyY), with the default user ID "1234567812345678": e = SM3(Z || message).
    /// @return valid false for a wrong signature, an out-of-range r or s, or a point that is not on the curve.
    function sm2Verify(bytes32 publicKeyX, bytes32 publicKeyY, bytes calldata message, bytes32 r, bytes32 s)
        external view returns (bool valid);

    /// @notice As sm2Verify with an explicit user ID (at most 8191 bytes, else the call reverts).
    function sm2VerifyWithId(bytes32 publicKeyX, bytes32 publicKeyY, bytes calldata userId, bytes calldata message,
        bytes32 r, bytes32 s) external view returns (bool valid);
}
