// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Certificate ledger
/// @notice Batch roots anchored by member centres and the revocation of single certificates.
/// A certificate's leaf is `keccak256(0x00 ‖ digest)`; inner nodes are OpenZeppelin's sorted-pair
/// keccak256 of 64 bytes, so a leaf can never pass for an inner node.
interface ICertificateLedger {
    /// @notice Why a certificate was revoked (0 is "not revoked").
    enum RevocationReason {
        None,
        Superseded,
        IssuedInError,
        AccountChanged,
        KeyCompromised,
        Other
    }

    struct Batch {
        uint32 centre;
        uint32 leafCount;
        uint64 anchoredAt;
        uint64 blockNumber;
    }

    struct Revocation {
        uint64 revokedAt;
        RevocationReason reason;
    }

    /// @notice Everything a verifier needs from the chain for one certificate, in one call.
    struct CertificateStatus {
        bool anchored;
        uint32 anchoringCentre;
        uint64 anchoredAt;
        uint64 anchorBlock;
        bool revoked;
        uint64 revokedAt;
        RevocationReason revocationReason;
        bool keyValidAtAnchor;
        bool centreActive;
        uint64 readAt;
        uint64 readBlock;
    }

    event BatchAnchored(bytes32 indexed root, uint32 indexed centre, uint32 leafCount);
    event CertificateRevoked(bytes32 indexed digest, bytes32 indexed root, uint32 indexed centre, RevocationReason reason);

    error CertificateLedgerNotOperator(address caller);
    error CertificateLedgerEmptyBatch(bytes32 root);
    error CertificateLedgerRootAnchored(bytes32 root, uint32 centre);
    error CertificateLedgerUnknownRoot(bytes32 root);
    error CertificateLedgerInvalidProof(bytes32 digest, bytes32 root);
    error CertificateLedgerAlreadyRevoked(bytes32 digest);
    error CertificateLedgerInvalidReason();

    /// @notice Anchors the Merkle root of one batch of certificates for the caller's centre.
    /// Roots are namespaced by centre: anchoring a root another centre anchored (or will anchor)
    /// claims nothing for it, so nobody can front-run a centre's root.
    /// @dev Requires: caller the operator account of an active member centre; `root` non-zero
    /// and never anchored by this centre; `leafCount` > 0. Emits {BatchAnchored}.
    function anchor(bytes32 root, uint32 leafCount) external;

    /// @notice Revokes one certificate, proving on chain that it belongs to a batch the caller's
    /// centre anchored.
    /// @dev Requires: caller the operator of an active centre that anchored `root` itself; `proof`
    /// proves `keccak256(0x00 ‖ digest)` under `root`; not yet revoked; a reason other than None.
    /// Emits {CertificateRevoked}.
    function revoke(bytes32 digest, bytes32 root, bytes32[] calldata proof, RevocationReason reason) external;

    /// @notice The batch `centre` anchored under `root`; `centre == 0` in the answer when that
    /// centre never anchored it.
    function batch(uint32 centre, bytes32 root) external view returns (Batch memory);

    /// @notice The revocation of `digest` by `centre`; `revokedAt == 0` when it is not revoked.
    function revocation(uint32 centre, bytes32 digest) external view returns (Revocation memory);

    /// @notice The leaf a certificate digest takes in its batch's tree.
    function leafOf(bytes32 digest) external pure returns (bytes32);

    /// @notice One certificate's standing: did `centre` anchor `root`, and when, is `digest`
    /// revoked by `centre`, and was `centre`'s key `keyId` valid at the anchor time.
    /// @dev A root `centre` did not anchor answers `anchored == false` and `keyValidAtAnchor ==
    /// false`, even if another centre anchored the same root; so does a key not `centre`'s.
    function certificateStatus(bytes32 digest, bytes32 root, uint32 centre, bytes8 keyId)
        external
        view
        returns (CertificateStatus memory);
}
