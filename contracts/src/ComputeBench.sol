// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @notice Compute-heavy functions for gas-per-second benchmarks: no storage, only stack, memory and hashing.
contract ComputeBench {
    /// @notice Iterated Keccak-256 of a 32-byte word.
    function hashChain(bytes32 seed, uint256 rounds) external pure returns (bytes32 h) {
        h = seed;
        for (uint256 i = 0; i < rounds; i++) {
            h = keccak256(abi.encodePacked(h));
        }
    }

    /// @notice Modular exponentiation by squaring with mulmod over a 256-bit odd modulus, checked arithmetic loop.
    function modExp(uint256 base, uint256 exponent, uint256 modulus) external pure returns (uint256 result) {
        result = 1;
        base %= modulus;
        while (exponent > 0) {
            if (exponent & 1 == 1) {
                result = mulmod(result, base, modulus);
            }
            base = mulmod(base, base, modulus);
            exponent >>= 1;
        }
    }

    /// @notice Insertion sort of a pseudo-random array in memory (memory reads/writes, comparisons, checked math).
    function sort(uint256 n, uint256 seed) external pure returns (uint256 checksum) {
        uint256[] memory a = new uint256[](n);
        for (uint256 i = 0; i < n; i++) {
            seed = uint256(keccak256(abi.encodePacked(seed)));
            a[i] = seed % 1_000_000;
        }
        for (uint256 i = 1; i < n; i++) {
            uint256 v = a[i];
            uint256 j = i;
            while (j > 0 && a[j - 1] > v) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = v;
        }
        for (uint256 i = 0; i < n; i++) {
            unchecked {
                checksum = checksum * 31 + a[i];
            }
        }
    }
}
