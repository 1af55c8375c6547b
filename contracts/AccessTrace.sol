// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IConsortium} from "./interfaces/IConsortium.sol";
import {IAccessTrace} from "./interfaces/IAccessTrace.sol";

/// @title AccessTrace
/// @notice Records verifications and blacklist checks so an employee can see who checked what.
contract AccessTrace is IAccessTrace {
    /// @dev Bounds the loop of one transaction; a verifier flushes far smaller batches.
    uint256 private constant _MAX_BATCH = 1000;

    IConsortium private immutable _consortium;

    constructor(IConsortium consortium_) {
        _consortium = consortium_;
    }

    /// @notice The consortium whose members and institutions may record.
    function consortium() external view returns (IConsortium) {
        return _consortium;
    }

    /// @inheritdoc IAccessTrace
    function record(bytes32[] calldata refs, bytes calldata purposes) external {
        IConsortium.Account memory a = _consortium.account(msg.sender);
        if (a.role == IConsortium.Role.None || !a.active) revert AccessTraceNotRecorder(msg.sender);
        uint256 n = refs.length;
        if (n != purposes.length) revert AccessTraceLengthMismatch(n, purposes.length);
        if (n == 0) revert AccessTraceEmptyBatch();
        if (n > _MAX_BATCH) revert AccessTraceTooLarge(n, _MAX_BATCH);
        uint256 base = (uint256(a.id) << 72) | uint256(uint64(block.timestamp));
        uint8 maxPurpose = uint8(type(Purpose).max);
        for (uint256 i = 0; i < n; ++i) {
            uint8 p = uint8(purposes[i]);
            unchecked {
                // one comparison for "0 < p ≤ max": p − 1 wraps to 255 when p is 0
                if (p - 1 >= maxPurpose) revert AccessTraceInvalidPurpose(i);
            }
            emit AccessRecorded(refs[i], base | (uint256(p) << 64));
        }
    }

    /// @inheritdoc IAccessTrace
    function unpack(uint256 record_) external pure returns (uint32 recorder, Purpose purpose, uint64 recordedAt) {
        recorder = uint32(record_ >> 72);
        purpose = Purpose(uint8(record_ >> 64));
        recordedAt = uint64(record_);
    }
}
