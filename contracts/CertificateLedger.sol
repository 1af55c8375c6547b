// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IConsortium} from "./interfaces/IConsortium.sol";
import {ICertificateLedger} from "./interfaces/ICertificateLedger.sol";

/// @title CertificateLedger
/// @notice Anchors batch roots of deposit certificates and records revocations proven on chain.
contract CertificateLedger is ICertificateLedger {
    IConsortium private immutable _consortium;

    /// @dev Keyed by the anchoring centre: a root is that centre's claim only, so another operator
    /// anchoring the same root (front-running it) fills its own namespace, never the victim's.
    mapping(uint32 centre => mapping(bytes32 root => Batch)) private _batches;
    /// @dev Keyed by the revoking centre too: a centre can only ever revoke its own certificates,
    /// even if it anchored a batch that contains another centre's digest.
    mapping(uint32 centre => mapping(bytes32 digest => Revocation)) private _revocations;

    constructor(IConsortium consortium_) {
        _consortium = consortium_;
    }

    /// @notice The consortium whose members may anchor.
    function consortium() external view returns (IConsortium) {
        return _consortium;
    }

    /// @inheritdoc ICertificateLedger
    function anchor(bytes32 root, uint32 leafCount) external {
        uint32 code = _checkOperator(msg.sender);
        if (root == bytes32(0) || leafCount == 0) revert CertificateLedgerEmptyBatch(root);
        Batch storage b = _batches[code][root];
        if (b.centre != 0) revert CertificateLedgerRootAnchored(root, b.centre);
        _batches[code][root] = Batch({
            centre: code,
            leafCount: leafCount,
            anchoredAt: uint64(block.timestamp),
            blockNumber: uint64(block.number)
        });
        emit BatchAnchored(root, code, leafCount);
    }

    /// @inheritdoc ICertificateLedger
    function revoke(bytes32 digest, bytes32 root, bytes32[] calldata proof, RevocationReason reason) external {
        uint32 code = _checkOperator(msg.sender);
        if (reason == RevocationReason.None) revert CertificateLedgerInvalidReason();
        // Only the caller's own namespace is looked at: a root another centre anchored is unknown here.
        if (_batches[code][root].centre == 0) revert CertificateLedgerUnknownRoot(root);
        if (!MerkleProof.verifyCalldata(proof, root, _leaf(digest))) revert CertificateLedgerInvalidProof(digest, root);
        if (_revocations[code][digest].revokedAt != 0) revert CertificateLedgerAlreadyRevoked(digest);
        _revocations[code][digest] = Revocation({revokedAt: uint64(block.timestamp), reason: reason});
        emit CertificateRevoked(digest, root, code, reason);
    }

    /// @inheritdoc ICertificateLedger
    function batch(uint32 centre, bytes32 root) external view returns (Batch memory) {
        return _batches[centre][root];
    }

    /// @inheritdoc ICertificateLedger
    function revocation(uint32 centre, bytes32 root, bytes32 digest) external view returns (Revocation memory) {
        if (_batches[centre][root].centre == 0) revert CertificateLedgerUnknownRoot(root);
        return _revocations[centre][digest];
    }

    /// @inheritdoc ICertificateLedger
    function leafOf(bytes32 digest) external pure returns (bytes32) {
        return _leaf(digest);
    }

    /// @inheritdoc ICertificateLedger
    function certificateStatus(bytes32 digest, bytes32 root, uint32 centre, bytes8 keyId)
        external
        view
        returns (CertificateStatus memory s)
    {
        Batch memory b = _batches[centre][root];
        Revocation memory r = _revocations[centre][digest];
        s.anchored = b.centre != 0;
        s.anchoringCentre = b.centre;
        s.anchoredAt = b.anchoredAt;
        s.anchorBlock = b.blockNumber;
        s.revoked = r.revokedAt != 0;
        s.revokedAt = r.revokedAt;
        s.revocationReason = r.reason;
        (bool keyValid, bool centreActive) = _consortium.keyValidAt(centre, keyId, b.anchoredAt);
        // Read in `centre`'s namespace only: a batch anchored by another centre backs nothing.
        s.keyValidAtAnchor = s.anchored && keyValid;
        s.centreActive = centreActive;
        s.readAt = uint64(block.timestamp);
        s.readBlock = uint64(block.number);
    }

    function _checkOperator(address who) private view returns (uint32) {
        IConsortium.Account memory a = _consortium.account(who);
        if (a.role != IConsortium.Role.CentreOperator || !a.active) revert CertificateLedgerNotOperator(who);
        return a.id;
    }

    function _leaf(bytes32 digest) private pure returns (bytes32 leaf) {
        // 0x00 ‖ digest (33 bytes) hashes apart from any 64-byte inner node.
        leaf = keccak256(abi.encodePacked(bytes1(0x00), digest));
    }
}
