// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

import "./ICrossChain.sol";
import "./CrossChainTransfer.sol";
import "./LetterOfCredit.sol";

/// @title The issuing bank's end of a documentary letter of credit between chains (docs/relay.md, "Contract messages")
/// @notice Deployed by the issuing bank (Singapore) on its chain. The bank issues a credit funded with native value
/// (escrowed here) to a beneficiary on the adviser's chain (Shanghai); the credit's terms travel as a packet to
/// LetterOfCreditAdviser. The beneficiary's documents come back as a packet; this contract examines them against the
/// terms and, when they comply, pays the drawing through CrossChainTransfer to the beneficiary on the adviser's chain
/// and acknowledges with the payment's packet; a discrepancy reverts, which the adviser receives as an error
/// acknowledgement naming it. Terms the adviser refuses, an issue that times out and a credit that expires unused
/// release the escrow to the bank (withdraw).
contract LetterOfCreditIssuer is ICrossChainApp {
    ICrossChain public constant CROSS_CHAIN = ICrossChain(0x0000000000000000000000000000000000001003);

    enum State { None, Issuing, Issued, Paid, Refused, Cancelled, Expired }

    struct Credit {
        State state;
        LcTerms terms;
        uint64 issueSequence;
        uint256 paid;
        bytes32 billOfLading;
        uint64 paymentSequence;
    }

    address public immutable bank;
    CrossChainTransfer public immutable transfer;
    /// @notice How long a payment may take to reach the beneficiary's chain (seconds) before it is refunded here.
    uint64 public immutable paymentTimeout;
    /// @notice The letter-of-credit channel to the adviser, and the transfer channel payments take (both to its chain).
    string public channelId;
    string public paymentChannel;
    address public adviser;
    uint64 public creditCount;
    /// @notice Escrow released to the bank (refused, cancelled, expired credits, undrawn amounts): withdraw takes it.
    uint256 public bankBalance;
    /// @notice Payments refunded by the transfer contract (their packet timed out or was refused), for resendPayment.
    uint256 public returnedPayments;
    /// @notice The credit that paid against a bill of lading: one bill of lading is never financed twice.
    mapping(bytes32 => uint64) public billOfLadingUsedBy;
    mapping(uint64 => Credit) private _credits;

    event Connected(string channelId, string clientId, address adviser, string paymentChannel);
    event LetterOfCreditIssued(uint64 indexed lcId, address beneficiary, uint256 amount, uint64 expiry, uint64 sequence);
    event LetterOfCreditAdvised(uint64 indexed lcId);
    event LetterOfCreditRefused(uint64 indexed lcId, bytes reason);
    event LetterOfCreditCancelled(uint64 indexed lcId);
    event LetterOfCreditExpired(uint64 indexed lcId, uint256 released);
    event PresentationHonoured(uint64 indexed lcId, bytes32 billOfLading, uint256 paid, string paymentChannel, uint64 paymentSequence);
    event PaymentReturned(uint256 amount);
    event PaymentResent(uint64 indexed lcId, uint64 paymentSequence);

    modifier onlyBank() {
        require(msg.sender == bank, "only the issuing bank");
        _;
    }

    modifier onlyCrossChain() {
        require(msg.sender == address(CROSS_CHAIN), "only the cross-chain contract");
        _;
    }

    /// @dev Callbacks and deliveries come only on the channel this contract opened to its adviser.
    modifier onlyOurChannel(string calldata channel) {
        require(bytes(channelId).length != 0 && keccak256(bytes(channel)) == keccak256(bytes(channelId)), "not the letter-of-credit channel");
        _;
    }

    constructor(CrossChainTransfer transferContract, uint64 paymentTimeoutSeconds) {
        require(address(transferContract) != address(0), "no transfer contract");
        require(paymentTimeoutSeconds > 0, "no payment timeout");
        bank = msg.sender;
        transfer = transferContract;
        paymentTimeout = paymentTimeoutSeconds;
    }

    /// @notice Opens the channel to `adviserContract` on the chain of `clientId`; payments go through the transfer
    /// contract's `paymentChannel`, which must lead to that same chain.
    function connect(string calldata clientId, address adviserContract, string calldata paymentChannelId)
        external onlyBank returns (string memory) {
        require(bytes(channelId).length == 0, "already connected");
        require(adviserContract != address(0), "no adviser");
        require(transfer.ownsChannel(paymentChannelId), "not a channel of the transfer contract");
        require(keccak256(lcChannelClient(CROSS_CHAIN.channel(paymentChannelId))) == keccak256(bytes(clientId)),
            "the payment channel leads to another chain");
        adviser = adviserContract;
        paymentChannel = paymentChannelId;
        channelId = CROSS_CHAIN.channelOpenInit(clientId, adviserContract, false, LC_VERSION);
        emit Connected(channelId, clientId, adviserContract, paymentChannelId);
        return channelId;
    }

    /// @notice Issues a credit funded by msg.value (exactly the amount) and sends its terms to the adviser. The terms
    /// packet times out at the expiry: a credit never advised before it is cancelled and its escrow released.
    function issue(LcTerms calldata terms) external payable onlyBank returns (uint64 lcId) {
        require(bytes(channelId).length != 0, "not connected");
        string memory problem = lcTermsProblem(terms, block.timestamp);
        require(bytes(problem).length == 0, problem);
        require(msg.value == terms.amount, "msg.value must equal the amount: a credit is funded when issued");
        lcId = ++creditCount;
        Credit storage c = _credits[lcId];
        c.state = State.Issuing;
        c.terms = terms;
        c.issueSequence = CROSS_CHAIN.sendPacket(channelId, lcPacket(LC_ISSUE, lcId, abi.encode(terms)), 0, terms.expiry);
        emit LetterOfCreditIssued(lcId, terms.beneficiary, terms.amount, terms.expiry, c.issueSequence);
    }

    /// @notice Releases the escrow of a credit that expired without a complying presentation.
    function release(uint64 lcId) external onlyBank {
        Credit storage c = _credits[lcId];
        require(c.state == State.Issuing || c.state == State.Issued, "the credit is not open");
        require(block.timestamp >= c.terms.expiry, "the credit has not expired");
        c.state = State.Expired;
        bankBalance += c.terms.amount;
        emit LetterOfCreditExpired(lcId, c.terms.amount);
    }

    /// @notice Sends a paid credit's payment again after the transfer contract refunded it here. The bank names the
    /// credit from the transfer contract's Refunded event of its payment sequence (this contract is told only the value).
    function resendPayment(uint64 lcId) external onlyBank returns (uint64 sequence) {
        Credit storage c = _credits[lcId];
        require(c.state == State.Paid, "the credit is not paid");
        require(returnedPayments >= c.paid, "no returned payment to resend");
        returnedPayments -= c.paid;
        sequence = _pay(c);
        emit PaymentResent(lcId, sequence);
    }

    function withdraw() external onlyBank {
        uint256 amount = bankBalance;
        require(amount > 0, "nothing to withdraw");
        bankBalance = 0;
        (bool ok,) = payable(bank).call{value: amount}("");
        require(ok, "the bank refused the value");
    }

    /// @notice A payment refunded by the transfer contract (the only sender of value besides the bank's issue).
    receive() external payable {
        require(msg.sender == address(transfer), "only refunds of payments");
        returnedPayments += msg.value;
        emit PaymentReturned(msg.value);
    }

    function creditOf(uint64 lcId) external view returns (Credit memory) {
        return _credits[lcId];
    }

    /// @notice This end opens its channel; it never accepts one opened from elsewhere.
    function onChannelOpenTry(string calldata, address, bool, string calldata) external view onlyCrossChain returns (bool) {
        return false;
    }

    /// @notice A presentation: examined against the terms; paid and acknowledged when it complies, else reverted with
    /// the discrepancy (the adviser gets it as an error acknowledgement; nothing changes here, so the beneficiary may
    /// present corrected documents before the expiry).
    function onRecvPacket(string calldata channel, uint64, address sender, bytes calldata data)
        external onlyCrossChain onlyOurChannel(channel) returns (bytes memory) {
        require(sender == adviser, "not the adviser");
        (uint8 kind, uint64 lcId, bytes memory body) = lcDecodePacket(data);
        require(kind == LC_PRESENT, "not a presentation");
        LcPresentation memory p = abi.decode(body, (LcPresentation));
        Credit storage c = _credits[lcId];
        require(c.state == State.Issuing || c.state == State.Issued, "the credit is not open for presentation");
        string memory discrepancy = _examine(c.terms, p);
        require(bytes(discrepancy).length == 0, string.concat("discrepancy: ", discrepancy));

        c.state = State.Paid;
        c.paid = p.drawn;
        c.billOfLading = lcDocument(p, BILL_OF_LADING);
        billOfLadingUsedBy[c.billOfLading] = lcId;
        bankBalance += c.terms.amount - p.drawn;
        uint64 sequence = _pay(c);
        emit PresentationHonoured(lcId, c.billOfLading, p.drawn, paymentChannel, sequence);
        return abi.encode(lcId, p.drawn, paymentChannel, sequence);
    }

    /// @notice The adviser's answer to a credit's terms: advised, or refused (the escrow is released).
    function onAcknowledgePacket(string calldata channel, uint64 sequence, bytes calldata data, bytes calldata acknowledgement)
        external onlyCrossChain onlyOurChannel(channel) {
        Credit storage c = _issued(sequence, data);
        if (c.state != State.Issuing) {
            return; // presented and paid, or released after the expiry, before this answer came back
        }
        if (acknowledgement.length > 0 && acknowledgement[0] == 0x01) {
            c.state = State.Issued;
            emit LetterOfCreditAdvised(_id(data));
            return;
        }
        c.state = State.Refused;
        bankBalance += c.terms.amount;
        emit LetterOfCreditRefused(_id(data), acknowledgement.length > 0 ? acknowledgement[1:] : acknowledgement);
    }

    /// @notice Terms never received before the expiry: the credit is cancelled and its escrow released.
    function onTimeoutPacket(string calldata channel, uint64 sequence, bytes calldata data) external onlyCrossChain onlyOurChannel(channel) {
        Credit storage c = _issued(sequence, data);
        if (c.state != State.Issuing) {
            return; // released after the expiry already
        }
        c.state = State.Cancelled;
        bankBalance += c.terms.amount;
        emit LetterOfCreditCancelled(_id(data));
    }

    /// @dev The discrepancy between a presentation and the terms (empty when it complies), as a document examiner
    /// would name it.
    function _examine(LcTerms storage t, LcPresentation memory p) private view returns (string memory) {
        string memory form = lcPresentationProblem(p);
        if (bytes(form).length != 0) return form;
        if (block.timestamp >= t.expiry) return "presented after the expiry";
        if (p.drawn > t.amount) return "the drawing exceeds the credit";
        if (p.goodsHash != t.goodsHash) return "the goods differ from the credit";
        if (p.shippedOnBoard > t.latestShipment) return "shipped after the latest shipment date";
        for (uint256 i = 0; i < t.requiredDocuments.length; i++) {
            if (lcDocument(p, t.requiredDocuments[i]) == bytes32(0)) return "a required document is missing";
        }
        if (billOfLadingUsedBy[lcDocument(p, BILL_OF_LADING)] != 0) return "the bill of lading was presented under a credit already";
        return "";
    }

    function _pay(Credit storage c) private returns (uint64 sequence) {
        sequence = transfer.transfer{value: c.paid}(paymentChannel, transfer.NATIVE(), c.paid, c.terms.beneficiary, 0,
            uint64(block.timestamp) + paymentTimeout);
        c.paymentSequence = sequence;
    }

    /// @dev The credit whose terms packet this is (only issue packets are sent by this end).
    function _issued(uint64 sequence, bytes calldata data) private view returns (Credit storage c) {
        (uint8 kind, uint64 lcId,) = lcDecodePacket(data);
        c = _credits[lcId];
        require(kind == LC_ISSUE && c.issueSequence == sequence && c.state != State.None, "not a credit this bank issued");
    }

    function _id(bytes calldata data) private pure returns (uint64 lcId) {
        (, lcId,) = lcDecodePacket(data);
    }
}
