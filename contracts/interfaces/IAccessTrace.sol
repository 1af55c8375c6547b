// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Access trace
/// @notice Who looked at what, readable only by the member centres: institutions record the
/// certificates they verified, centres and institutions the subjects they checked on the
/// blacklist. Each record's reference (a certificate digest or a subject reference) is sealed
/// (HPKE, RFC 9180: X25519, HKDF-SHA256, ChaCha20-Poly1305; a fresh ephemeral key per record)
/// to the consortium's trace key, whose private half only member centres hold. In clear stay
/// the recorder's id, the purpose code, the key version and the block time: no reference, so
/// no two records can be joined, nor one tied to a certificate, from chain data. See
/// docs/privacy.md.
interface IAccessTrace {
    /// @notice Why a record was made. Codes are stable; new ones are appended.
    enum Purpose {
        None,
        CertificateVerified,
        BlacklistChecked,
        CertificateDownloaded
    }

    /// @notice One access. `record` packs: bits 0-63 the block time, bits 64-71 the {Purpose},
    /// bits 72-103 the recorder's id (a centre code < 1,000,000 or an institution id ≥
    /// 1,000,000), bits 104-119 the version of the trace key the reference is sealed to. See
    /// {unpack}. `enc ‖ ciphertext ‖ tag` is the 80-byte HPKE output: the encapsulated ephemeral
    /// key, the sealed 32-byte reference and the AEAD tag. Nothing is indexed, on purpose.
    event AccessRecorded(uint256 record, bytes32 enc, bytes32 ciphertext, bytes16 tag);

    /// @notice The key records are sealed to from now on; `version` counts from 1.
    event TraceKeyChanged(uint16 indexed version, bytes32 publicKey);

    /// @notice The caller is not the account of an active centre or institution.
    error AccessTraceNotRecorder(address caller);
    /// @notice The caller is not the Consortium itself executing a proposal.
    error AccessTraceNotGovernance(address caller);
    /// @notice The trace key is zero or the current one.
    error AccessTraceInvalidKey();
    /// @notice `records` is not 80 bytes per purpose: `recordsLength` bytes, `expectedLength` expected.
    error AccessTraceLengthMismatch(uint256 recordsLength, uint256 expectedLength);
    /// @notice Nothing to record.
    error AccessTraceEmptyBatch();
    /// @notice More than `max` records in one transaction.
    error AccessTraceTooLarge(uint256 count, uint256 max);
    /// @notice The purpose at `index` is None or not a {Purpose}.
    error AccessTraceInvalidPurpose(uint256 index);

    /// @notice Records a batch of sealed accesses in one transaction.
    /// @dev Requires: caller an active member centre's account or an active institution's
    /// account; 1 to 1,000 records; `records.length == 80 * purposes.length`; each purpose byte
    /// a known {Purpose} other than None. The contract cannot check that a record is sealed to
    /// the current key: the member centres' indexers can, and report recorders that did not.
    /// Emits one {AccessRecorded} per record.
    /// @param records the records' 80-byte HPKE outputs, concatenated
    /// @param purposes one byte per record: the {Purpose} code
    function record(bytes calldata records, bytes calldata purposes) external;

    /// @notice Replaces the trace key (an X25519 public key), e.g. after its private half leaked.
    /// @dev Requires: called by the consortium contract (an executed proposal); a non-zero key
    /// other than the current one. Emits {TraceKeyChanged}.
    function setTraceKey(bytes32 publicKey) external;

    /// @notice The key to seal new records to, and its version.
    function traceKey() external view returns (uint16 version, bytes32 publicKey);

    /// @notice Splits the `record` word of {AccessRecorded} into its fields.
    function unpack(uint256 record_)
        external
        pure
        returns (uint32 recorder, Purpose purpose, uint64 recordedAt, uint16 keyVersion);
}
