// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice An unmodified OpenZeppelin ERC-20 with the whole supply minted to the deployer (benchmarks only).
contract BenchToken is ERC20 {
    constructor(uint256 supply) ERC20("Bench", "BNC") {
        _mint(msg.sender, supply);
    }
}
