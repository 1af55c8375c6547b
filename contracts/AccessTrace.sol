// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IConsortium} from "./interfaces/IConsortium.sol";
import {IAccessTrace} from "./interfaces/IAccessTrace.sol";

/// @title AccessTrace
/// @notice Records verifications and blacklist checks, each sealed to the consortium's trace key,
/// so a holder's centre can show who checked their certificates and every member centre can
/// audit blacklist checks, while chain data alone links no record to another or to a person.
contract AccessTrace is IAccessTrace {
    /// @dev Bounds the loop of one transaction; a verifier flushes far smaller batches.
    uint256 private constant _MAX_BATCH = 1000;
    /// @dev HPKE X25519 output for a 32-byte reference: enc (32) ‖ ciphertext (32) ‖ tag (16).
    uint256 private constant _SEALED_LENGTH = 80;

    IConsortium private immutable _consortium;
    bytes32 private _traceKey;
    uint16 private _traceKeyVersion;

    constructor(IConsortium consortium_, bytes32 traceKey_) {
        _consortium = consortium_;
        _setTraceKey(traceKey_);
    }

    /// @notice The consortium whose members and institutions may record.
    function consortium() external view returns (IConsortium) {
        return _consortium;
    }

    /// @inheritdoc IAccessTrace
    function record(bytes calldata records, bytes calldata purposes) external {
        IConsortium.Account memory a = _consortium.account(msg.sender);
        if (a.role == IConsortium.Role.None || !a.active) revert AccessTraceNotRecorder(msg.sender);
        uint256 n = purposes.length;
        if (n == 0) revert AccessTraceEmptyBatch();
        if (n > _MAX_BATCH) revert AccessTraceTooLarge(n, _MAX_BATCH);
        if (records.length != n * _SEALED_LENGTH) revert AccessTraceLengthMismatch(records.length, n * _SEALED_LENGTH);
        uint256 base = (uint256(_traceKeyVersion) << 104) | (uint256(a.id) << 72) | uint256(uint64(block.timestamp));
        uint8 maxPurpose = uint8(type(Purpose).max);
        for (uint256 i = 0; i < n; ++i) {
            uint8 p = uint8(purposes[i]);
            unchecked {
                // one comparison for "0 < p ≤ max": p − 1 wraps to 255 when p is 0
                if (p - 1 >= maxPurpose) revert AccessTraceInvalidPurpose(i);
            }
            uint256 o = i * _SEALED_LENGTH;
            emit AccessRecorded(
                base | (uint256(p) << 64),
                bytes32(records[o:o + 32]),
                bytes32(records[o + 32:o + 64]),
                bytes16(records[o + 64:o + 80])
            );
        }
    }

    /// @inheritdoc IAccessTrace
    function setTraceKey(bytes32 publicKey) external {
        if (msg.sender != address(_consortium)) revert AccessTraceNotGovernance(msg.sender);
        if (publicKey == _traceKey) revert AccessTraceInvalidKey();
        _setTraceKey(publicKey);
    }

    /// @inheritdoc IAccessTrace
    function traceKey() external view returns (uint16 version, bytes32 publicKey) {
        return (_traceKeyVersion, _traceKey);
    }

    /// @inheritdoc IAccessTrace
    function unpack(uint256 record_)
        external
        pure
        returns (uint32 recorder, Purpose purpose, uint64 recordedAt, uint16 keyVersion)
    {
        keyVersion = uint16(record_ >> 104);
        recorder = uint32(record_ >> 72);
        purpose = Purpose(uint8(record_ >> 64));
        recordedAt = uint64(record_);
    }

    function _setTraceKey(bytes32 publicKey) private {
        if (publicKey == bytes32(0)) revert AccessTraceInvalidKey();
        _traceKey = publicKey;
        uint16 version = ++_traceKeyVersion;
        emit TraceKeyChanged(version, publicKey);
    }
}
