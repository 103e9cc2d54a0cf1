// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

import "./ICrossChain.sol";
import "./LetterOfCredit.sol";

/// @title The beneficiary's bank's end of a documentary letter of credit between chains (docs/relay.md, "Contract messages")
/// @notice Deployed by the advising bank (Shanghai) on its chain, told which issuer contract on which chain it serves
/// (expectIssuer), and bound to the one channel that issuer opens. It advises the credits the issuer sends to its
/// customers (setCustomer; it records their terms, and refuses terms for anyone else), takes the beneficiary's documents (present) and sends them to the issuer, and records the answer in its
/// callbacks: honoured (with the payment's transfer packet; the payment arrives through CrossChainTransfer), a
/// discrepancy (the beneficiary may present corrected documents before the expiry), or a presentation that timed out at
/// the expiry (the credit expired unpaid).
contract LetterOfCreditAdviser is ICrossChainApp {
    ICrossChain public constant CROSS_CHAIN = ICrossChain(0x0000000000000000000000000000000000001003);

    enum State { None, Advised, Presented, Discrepant, Honoured, Expired }

    struct Credit {
        State state;
        LcTerms terms;
        uint64 presentations;
        uint64 presentationSequence;
        bytes32 billOfLading;
        string lastDiscrepancy;
        uint256 paid;
        string paymentChannel;
        uint64 paymentSequence;
    }

    address public immutable bank;
    /// @notice The issuer this end serves: its contract, and this chain's client of its chain.
    address public issuer;
    string public issuerClient;
    string public channelId;
    /// @notice The bank's customers: it advises credits only to them (it knows them; others it refuses).
    mapping(address => bool) public isCustomer;
    mapping(uint64 => Credit) private _credits;

    event Connected(string channelId, string clientId, address issuer);
    event CustomerSet(address indexed customer, bool admitted);
    event LetterOfCreditAdvised(uint64 indexed lcId, address indexed beneficiary, uint256 amount, string currency, uint64 expiry);
    event DocumentsPresented(uint64 indexed lcId, uint64 sequence, bytes32 billOfLading, uint256 drawn);
    event PresentationHonoured(uint64 indexed lcId, uint256 paid, string paymentChannel, uint64 paymentSequence);
    event DiscrepancyNoted(uint64 indexed lcId, string reason);
    event PresentationTimedOut(uint64 indexed lcId);

    modifier onlyBank() {
        require(msg.sender == bank, "only the advising bank");
        _;
    }

    modifier onlyCrossChain() {
        require(msg.sender == address(CROSS_CHAIN), "only the cross-chain contract");
        _;
    }

    modifier onlyOurChannel(string calldata channel) {
        require(bytes(channelId).length != 0 && keccak256(bytes(channel)) == keccak256(bytes(channelId)), "not the letter-of-credit channel");
        _;
    }

    constructor() {
        bank = msg.sender;
    }

    /// @notice Names the issuer contract and this chain's client of the issuer's chain, before the issuer opens the channel.
    function expectIssuer(string calldata clientId, address issuerContract) external onlyBank {
        require(bytes(channelId).length == 0, "already connected");
        require(issuerContract != address(0) && bytes(clientId).length != 0, "no issuer or no client");
        issuer = issuerContract;
        issuerClient = clientId;
    }

    function setCustomer(address customer, bool admitted) external onlyBank {
        require(customer != address(0), "no customer");
        isCustomer[customer] = admitted;
        emit CustomerSet(customer, admitted);
    }

    /// @notice The beneficiary presents its documents under an advised credit (again after a discrepancy). The packet
    /// times out at the credit's expiry, judged by the issuer's chain.
    function present(uint64 lcId, LcPresentation calldata presentation) external returns (uint64 sequence) {
        Credit storage c = _credits[lcId];
        require(c.state == State.Advised || c.state == State.Discrepant, "the credit does not await documents");
        require(msg.sender == c.terms.beneficiary, "only the beneficiary presents");
        require(block.timestamp < c.terms.expiry, "the credit has expired");
        string memory problem = lcPresentationProblem(presentation);
        require(bytes(problem).length == 0, problem);
        require(presentation.drawn <= c.terms.amount, "the drawing exceeds the credit");
        c.state = State.Presented;
        c.presentations += 1;
        c.billOfLading = lcDocument(presentation, BILL_OF_LADING);
        sequence = CROSS_CHAIN.sendPacket(channelId, lcPacket(LC_PRESENT, lcId, abi.encode(presentation)), 0, c.terms.expiry);
        c.presentationSequence = sequence;
        emit DocumentsPresented(lcId, sequence, c.billOfLading, presentation.drawn);
    }

    function creditOf(uint64 lcId) external view returns (Credit memory) {
        return _credits[lcId];
    }

    /// @notice Accepts one channel: unordered, this version, from the expected issuer contract, through the expected
    /// client (so from the expected chain).
    function onChannelOpenTry(string calldata newChannel, address counterparty, bool ordered, string calldata version)
        external onlyCrossChain returns (bool) {
        if (ordered || bytes(channelId).length != 0 || issuer == address(0) || counterparty != issuer ||
            keccak256(bytes(version)) != keccak256(bytes(LC_VERSION))) {
            return false;
        }
        if (keccak256(lcChannelClient(CROSS_CHAIN.channel(newChannel))) != keccak256(bytes(issuerClient))) {
            return false;
        }
        channelId = newChannel;
        emit Connected(newChannel, issuerClient, counterparty);
        return true;
    }

    /// @notice A credit's terms from the issuer: advised when they make a credit for a customer, else reverted (the issuer gets the
    /// reason as an error acknowledgement and releases its escrow).
    function onRecvPacket(string calldata channel, uint64, address sender, bytes calldata data)
        external onlyCrossChain onlyOurChannel(channel) returns (bytes memory) {
        require(sender == issuer, "not the issuer");
        (uint8 kind, uint64 lcId, bytes memory body) = lcDecodePacket(data);
        require(kind == LC_ISSUE, "not a credit's terms");
        require(_credits[lcId].state == State.None, "the credit is advised already");
        LcTerms memory terms = abi.decode(body, (LcTerms));
        string memory problem = lcTermsProblem(terms, block.timestamp);
        require(bytes(problem).length == 0, problem);
        require(isCustomer[terms.beneficiary], "the beneficiary is not a customer of the advising bank");
        Credit storage c = _credits[lcId];
        c.state = State.Advised;
        c.terms = terms;
        emit LetterOfCreditAdvised(lcId, terms.beneficiary, terms.amount, terms.currency, terms.expiry);
        return abi.encode(lcId);
    }

    /// @notice The issuer's answer to a presentation: honoured (the payment's transfer packet) or a discrepancy.
    function onAcknowledgePacket(string calldata channel, uint64 sequence, bytes calldata data, bytes calldata acknowledgement)
        external onlyCrossChain onlyOurChannel(channel) {
        (uint64 lcId, Credit storage c) = _presented(sequence, data);
        if (acknowledgement.length > 0 && acknowledgement[0] == 0x01) {
            (uint64 paidId, uint256 paid, string memory paymentChannel, uint64 paymentSequence) =
                abi.decode(acknowledgement[1:], (uint64, uint256, string, uint64));
            require(paidId == lcId, "the issuer answered for another credit");
            c.state = State.Honoured;
            c.paid = paid;
            c.paymentChannel = paymentChannel;
            c.paymentSequence = paymentSequence;
            emit PresentationHonoured(lcId, paid, paymentChannel, paymentSequence);
            return;
        }
        string memory reason = acknowledgement.length > 0 ? string(acknowledgement[1:]) : "";
        c.state = State.Discrepant;
        c.lastDiscrepancy = reason;
        emit DiscrepancyNoted(lcId, reason);
    }

    /// @notice A presentation that did not reach the issuer before the expiry: the credit expired unpaid.
    function onTimeoutPacket(string calldata channel, uint64 sequence, bytes calldata data) external onlyCrossChain onlyOurChannel(channel) {
        (uint64 lcId, Credit storage c) = _presented(sequence, data);
        c.state = State.Expired;
        emit PresentationTimedOut(lcId);
    }

    /// @dev The credit whose presentation in flight this packet is (only presentations are sent by this end).
    function _presented(uint64 sequence, bytes calldata data) private view returns (uint64 lcId, Credit storage c) {
        uint8 kind;
        (kind, lcId,) = lcDecodePacket(data);
        c = _credits[lcId];
        require(kind == LC_PRESENT && c.state == State.Presented && c.presentationSequence == sequence, "not a presentation in flight");
    }
}
