// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Access trace
/// @notice Who looked at what: institutions record the certificates they verified, centres the
/// subjects they checked on the blacklist. Records are events only: a digest or a subject
/// reference, a purpose code, the recorder's id and the block time; nothing personal.
interface IAccessTrace {
    /// @notice Why a record was made. Codes are stable; new ones are appended.
    enum Purpose {
        None,
        CertificateVerified,
        BlacklistChecked,
        CertificateDownloaded
    }

    /// @notice One access. `record` packs, to keep a record under 3,000 gas in a batch:
    /// bits 0-63 the block time, bits 64-71 the {Purpose}, bits 72-103 the recorder's id
    /// (a centre code < 1,000,000 or an institution id ≥ 1,000,000). See {unpack}.
    event AccessRecorded(bytes32 indexed ref, uint256 record);

    error AccessTraceNotRecorder(address caller);
    error AccessTraceLengthMismatch(uint256 refs, uint256 purposes);
    error AccessTraceEmptyBatch();
    error AccessTraceTooLarge(uint256 count, uint256 max);
    error AccessTraceInvalidPurpose(uint256 index);

    /// @notice Records a batch of accesses in one transaction.
    /// @dev Requires: caller an active member centre's account or an active institution's
    /// account; `refs.length == purposes.length`, 1 to 1,000 records; each purpose byte a known
    /// {Purpose} other than None. Emits one {AccessRecorded} per record.
    /// @param purposes one byte per record: the {Purpose} code
    function record(bytes32[] calldata refs, bytes calldata purposes) external;

    /// @notice Splits the `record` word of {AccessRecorded} into its fields.
    function unpack(uint256 record_) external pure returns (uint32 recorder, Purpose purpose, uint64 recordedAt);
}
