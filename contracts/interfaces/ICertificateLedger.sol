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

    /// @notice Centre `centre` anchored the Merkle root `root` of a batch of `leafCount` certificates.
    event BatchAnchored(bytes32 indexed root, uint32 indexed centre, uint32 leafCount);
    /// @notice Centre `centre` revoked the certificate `digest` of batch `root`, for `reason`.
    event CertificateRevoked(bytes32 indexed digest, bytes32 indexed root, uint32 indexed centre, RevocationReason reason);

    /// @notice The caller is not the operator account of an active centre.
    error CertificateLedgerNotOperator(address caller);
    /// @notice The root is zero or the batch has no certificate.
    error CertificateLedgerEmptyBatch(bytes32 root);
    /// @notice `root` is already anchored by the caller's centre `centre`; a centre anchors a root once, ever.
    error CertificateLedgerRootAnchored(bytes32 root, uint32 centre);
    /// @notice No batch is anchored under `root` (in the centre's namespace).
    error CertificateLedgerUnknownRoot(bytes32 root);
    /// @notice The proof does not show `digest`'s leaf under `root`.
    error CertificateLedgerInvalidProof(bytes32 digest, bytes32 root);
    /// @notice `digest` is already revoked by the caller's centre.
    error CertificateLedgerAlreadyRevoked(bytes32 digest);
    /// @notice The revocation reason is None.
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

    /// @notice The revocation of `digest` by `centre`, in the batch `centre` anchored under
    /// `root`; `revokedAt == 0` when it is not revoked.
    /// @dev Reverts with {CertificateLedgerUnknownRoot} when `centre` never anchored `root`: an
    /// unknown root must never read as "not revoked". It does not prove that `digest` is in the
    /// batch; {certificateStatus} with a proof checked off chain, or {revoke}, does.
    function revocation(uint32 centre, bytes32 root, bytes32 digest) external view returns (Revocation memory);

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
