// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// An OpenZeppelin ERC-20 whose whole supply goes to the deployer.
contract Token is ERC20 {
    constructor(uint256 supply) ERC20("Shanghai Token", "SHT") {
        _mint(msg.sender, supply);
    }
}
