// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

/// An OpenZeppelin ERC-721 in which anyone may mint a token id that is still free (except 0, a require with a reason).
contract Collectible is ERC721 {
    constructor() ERC721("Shanghai Collectible", "SHC") {}

    function mint(address to, uint256 tokenId) external {
        require(tokenId != 0, "token id 0 is reserved");
        _safeMint(to, tokenId);
    }
}
