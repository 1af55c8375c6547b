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
        uint32 recorder = a.id;
        uint64 now_ = uint64(block.timestamp);
        for (uint256 i = 0; i < n; ++i) {
            uint8 p = uint8(purposes[i]);
            if (p == 0 || p > uint8(type(Purpose).max)) revert AccessTraceInvalidPurpose(i);
            emit AccessRecorded(refs[i], recorder, Purpose(p), now_);
        }
    }
}
