// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

// What the two ends of a documentary letter of credit between chains share (docs/relay.md, "Contract messages"):
// LetterOfCreditIssuer runs at the issuing bank (Singapore), LetterOfCreditAdviser at the beneficiary's bank
// (Shanghai). Their channel (unordered, version "lc-1") carries two kinds of packet, each `abi.encode(kind, lcId, body)`:
//   LC_ISSUE   issuer -> adviser, body abi.encode(LcTerms): the credit's terms; acknowledged with abi.encode(lcId);
//   LC_PRESENT adviser -> issuer, body abi.encode(LcPresentation): the documents; acknowledged, when the issuing bank
//              honours them, with abi.encode(lcId, paid, paymentChannel, paymentSequence) (the CrossChainTransfer packet
//              that carries the payment), or refused with an error acknowledgement whose reason names the discrepancy.
// Documents are named by kind (the Keccak-256 of the names below) and carried as hashes of their content; the
// documents themselves stay off chain with the parties.

string constant LC_VERSION = "lc-1";
uint8 constant LC_ISSUE = 1;
uint8 constant LC_PRESENT = 2;
uint256 constant LC_MAX_DOCUMENTS = 8;
uint256 constant LC_MAX_CURRENCY_BYTES = 12;

bytes32 constant BILL_OF_LADING = keccak256("bill-of-lading");
bytes32 constant COMMERCIAL_INVOICE = keccak256("commercial-invoice");
bytes32 constant PACKING_LIST = keccak256("packing-list");
bytes32 constant CERTIFICATE_OF_ORIGIN = keccak256("certificate-of-origin");
bytes32 constant INSURANCE_CERTIFICATE = keccak256("insurance-certificate");

/// @notice A credit's terms, as the issuing bank issues them and the adviser records them.
struct LcTerms {
    /// @dev The exporter, on the adviser's chain: it presents the documents and is paid there.
    address beneficiary;
    /// @dev In the issuing chain's native value, escrowed by the issuer when it issues.
    uint256 amount;
    /// @dev The currency the native value stands for ("SGD"), for people reading the credit.
    string currency;
    /// @dev Seconds. A presentation must reach the issuing bank before it (its packet times out then).
    uint64 expiry;
    /// @dev Seconds. The bill of lading's shipped-on-board date may not be later.
    uint64 latestShipment;
    /// @dev Hash of the goods description the documents must carry.
    bytes32 goodsHash;
    /// @dev Kinds of the documents to present; a bill of lading is always among them.
    bytes32[] requiredDocuments;
}

/// @notice The documents the beneficiary presents under a credit.
struct LcPresentation {
    /// @dev What the beneficiary draws: more than zero, at most the credit's amount.
    uint256 drawn;
    /// @dev Seconds: the date on the bill of lading.
    uint64 shippedOnBoard;
    bytes32 goodsHash;
    /// @dev documentKinds[i] names the document whose content hash is documentHashes[i].
    bytes32[] documentKinds;
    bytes32[] documentHashes;
}

function lcPacket(uint8 kind, uint64 lcId, bytes memory body) pure returns (bytes memory) {
    return abi.encode(kind, lcId, body);
}

function lcDecodePacket(bytes calldata data) pure returns (uint8 kind, uint64 lcId, bytes memory body) {
    return abi.decode(data, (uint8, uint64, bytes));
}

/// @notice Why terms cannot be a credit (empty when they can): checked by the issuer before it issues and again by the
/// adviser before it advises, each against its own clock.
function lcTermsProblem(LcTerms memory t, uint256 nowSeconds) pure returns (string memory) {
    if (t.beneficiary == address(0)) return "no beneficiary";
    if (t.amount == 0) return "no amount";
    uint256 currency = bytes(t.currency).length;
    if (currency == 0 || currency > LC_MAX_CURRENCY_BYTES) return "the currency must be 1 to 12 bytes";
    if (t.expiry <= nowSeconds) return "the expiry has passed";
    if (t.latestShipment > t.expiry) return "the latest shipment is after the expiry";
    if (t.goodsHash == bytes32(0)) return "no goods description";
    return lcDocumentsProblem(t.requiredDocuments, t.requiredDocuments);
}

/// @notice Why a presentation is malformed (empty when it is well formed): the adviser checks it before sending it, the
/// issuer again on arrival (it trusts no packet's form).
function lcPresentationProblem(LcPresentation memory p) pure returns (string memory) {
    if (p.documentKinds.length != p.documentHashes.length) return "document kinds and hashes differ in number";
    if (p.drawn == 0) return "nothing drawn";
    if (p.goodsHash == bytes32(0)) return "no goods description";
    return lcDocumentsProblem(p.documentKinds, p.documentHashes);
}

/// @dev 1 to LC_MAX_DOCUMENTS kinds, no kind twice, no zero kind or hash, a bill of lading among them.
function lcDocumentsProblem(bytes32[] memory kinds, bytes32[] memory hashes) pure returns (string memory) {
    if (kinds.length == 0 || kinds.length > LC_MAX_DOCUMENTS) return "1 to 8 documents";
    bool billOfLading = false;
    for (uint256 i = 0; i < kinds.length; i++) {
        if (kinds[i] == bytes32(0) || hashes[i] == bytes32(0)) return "a document kind or hash is zero";
        for (uint256 j = 0; j < i; j++) {
            if (kinds[j] == kinds[i]) return "a document kind appears twice";
        }
        billOfLading = billOfLading || kinds[i] == BILL_OF_LADING;
    }
    return billOfLading ? "" : "no bill of lading";
}

/// @notice The content hash presented for a document kind (zero when that kind was not presented).
function lcDocument(LcPresentation memory p, bytes32 kind) pure returns (bytes32) {
    for (uint256 i = 0; i < p.documentKinds.length; i++) {
        if (p.documentKinds[i] == kind) return p.documentHashes[i];
    }
    return bytes32(0);
}

/// @notice The client id in a RelayChannel record (protobuf, relay.proto: field 3) as ICrossChain.channel returns it,
/// so a contract can tell which chain a channel leads to. Empty when the record has none; reverts on a malformed record.
function lcChannelClient(bytes memory record) pure returns (bytes memory) {
    uint256 i = 0;
    while (i < record.length) {
        uint256 key;
        (key, i) = _lcVarint(record, i);
        if (key & 7 == 0) {
            (, i) = _lcVarint(record, i);
        } else if (key & 7 == 2) {
            uint256 length;
            (length, i) = _lcVarint(record, i);
            require(length <= record.length - i, "malformed channel record");
            if (key >> 3 == 3) {
                bytes memory client = new bytes(length);
                for (uint256 j = 0; j < length; j++) {
                    client[j] = record[i + j];
                }
                return client;
            }
            i += length;
        } else {
            revert("malformed channel record");
        }
    }
    return "";
}

function _lcVarint(bytes memory data, uint256 offset) pure returns (uint256 value, uint256 next) {
    for (uint256 shift = 0; shift < 64; shift += 7) {
        require(offset < data.length, "malformed channel record");
        uint8 b = uint8(data[offset++]);
        value |= uint256(b & 0x7f) << shift;
        if (b < 0x80) return (value, offset);
    }
    revert("malformed channel record");
}
