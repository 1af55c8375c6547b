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

    /// @param recorder a centre code (< 1,000,000) or an institution id (≥ 1,000,000)
    event AccessRecorded(bytes32 indexed ref, uint32 indexed recorder, Purpose purpose, uint64 recordedAt);

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
}
