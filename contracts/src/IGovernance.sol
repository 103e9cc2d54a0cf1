// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @title ShanghaiChain governance system contract
/// @notice Native code at 0x0000000000000000000000000000000000001002 on every chain whose genesis names a consortium
/// (docs/governance.md). Members' admin keys propose; members with a committee seat vote with their seat's weight; a
/// proposal that reaches its threshold takes effect in the transaction that casts the deciding vote. Proposing is
/// also a yes vote when the proposer's member holds a seat. Every refusal reverts with a reason ("Governance: ...").
/// Records (`proposal`, `registry`) are protobuf messages of proto/shanghaichain/v1/governance.proto.
interface IGovernance {
    event ProposalCreated(uint64 indexed id, string kind, address proposer, string member, uint64 expiresAtHeight);
    event Voted(uint64 indexed id, address voter, string member, bool approve, uint64 yesWeight, uint64 noWeight);
    event ProposalExecuted(uint64 indexed id, string kind);
    event ProposalRejected(uint64 indexed id);
    event ProposalFailed(uint64 indexed id, string reason);
    event ValidatorSetChangeScheduled(uint64 indexed id, uint64 lastHeightOfEpoch, uint64 validators);

    /// @notice Adds a validator at the end of the epoch after the next boundary. `force` is needed (with the
    /// validators_forced threshold) when the change moves a third or more of the voting power.
    function proposeAddValidator(bytes calldata publicKey, uint64 power, string calldata member, bool force) external returns (uint64 id);
    function proposeRemoveValidator(bytes calldata publicKey, bool force) external returns (uint64 id);
    /// @notice Admits a node identity key to the peer network.
    function proposeAdmitNode(bytes calldata publicKey, string calldata name, string calldata member) external returns (uint64 id);
    function proposeRevokeNode(bytes calldata publicKey) external returns (uint64 id);
    /// @notice Creates (`recover` false, threshold "committee") or recovers (threshold "client_recovery") a light
    /// client in the cross-chain contract at 0x…1003 from a serialized LightClientCreate (docs/relay.md). Executed as
    /// this contract's call of createClient / recoverClient; a refusal there fails the proposal with its reason.
    function proposeCrossChainClient(bool recover, string calldata clientId, bytes calldata create) external returns (uint64 id);
    /// @notice Roles: "admin", "member", "deployer", "regulator".
    function proposeGrantRole(address account, string calldata role) external returns (uint64 id);
    function proposeRevokeRole(address account, string calldata role) external returns (uint64 id);
    /// @notice A chain parameter by its genesis.json name (block_gas_limit, max_block_bytes, max_block_txs, max_tx_bytes,
    /// epoch_length, tx_max_lifetime_blocks, empty_block_interval_ms) or members_only (0 or 1).
    function proposeSetParameter(string calldata name, uint256 value) external returns (uint64 id);
    /// @notice Gives a member a committee seat of `weight` (0 removes it).
    function proposeSetCommitteeSeat(string calldata member, uint64 weight) external returns (uint64 id);
    function proposeAddMember(string calldata name, bytes[] calldata adminKeys) external returns (uint64 id);
    function vote(uint64 id, bool approve) external;

    function hasRole(address account, string calldata role) external view returns (bool);
    /// @notice Flags: 1 admin, 2 member, 4 deployer, 8 regulator, 16 admin key of a member.
    function permissionsOf(address account) external view returns (uint256);
    function isAdmittedNode(bytes calldata publicKey) external view returns (bool);
    function proposalCount() external view returns (uint64);
    /// @notice The proposal as a protobuf GovernanceProposal (status as stored: an open one past its expiry stays open).
    function proposal(uint64 id) external view returns (bytes memory);
    /// @notice The registry as a protobuf GovernanceRegistry.
    function registry() external view returns (bytes memory);
}
