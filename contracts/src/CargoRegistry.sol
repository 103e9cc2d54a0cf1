// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

import "./IGovernance.sol";

/// @notice A shipping-logistics register that asks the governance contract who may do what: only members record
/// cargo, only regulators read the whole log. Used by the tests to show governance called from Solidity.
contract CargoRegistry {
    IGovernance public constant GOVERNANCE = IGovernance(0x0000000000000000000000000000000000001002);

    event Recorded(bytes32 indexed cargo, address indexed by);

    bytes32[] private _log;

    function record(bytes32 cargo) external {
        require(GOVERNANCE.hasRole(msg.sender, "member") || GOVERNANCE.permissionsOf(msg.sender) & 16 != 0, "members only");
        _log.push(cargo);
        emit Recorded(cargo, msg.sender);
    }

    function entries() external view returns (bytes32[] memory) {
        require(GOVERNANCE.hasRole(msg.sender, "regulator"), "regulators only");
        return _log;
    }

    function count() external view returns (uint256) {
        return _log.length;
    }
}
