// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

/// An OpenZeppelin ERC-721 in which anyone may mint a token id that is still free.
contract Collectible is ERC721 {
    constructor() ERC721("Shanghai Collectible", "SHC") {}

    function mint(address to, uint256 tokenId) external {
        _safeMint(to, tokenId);
    }
}
