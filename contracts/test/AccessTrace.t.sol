// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ConsortiumBase} from "./Base.t.sol";
import {Vm} from "./utils/Test.sol";
import {IAccessTrace} from "../interfaces/IAccessTrace.sol";
import {IConsortium} from "../interfaces/IConsortium.sol";
import {AccessTrace} from "../AccessTrace.sol";

contract AccessTraceRecordTest is ConsortiumBase {
    uint256 internal constant MAX_BATCH = 1000;
    uint256 internal constant SEALED = 80;

    /// @dev `n` pseudo-random 80-byte records records with valid purpose codes (1 to 3), from `seed`.
    function _batch(uint256 seed, uint256 n) internal pure returns (bytes memory records, bytes memory purposes) {
        records = new bytes(n * SEALED);
        purposes = new bytes(n);
        for (uint256 i = 0; i < n; ++i) {
            bytes32 a = keccak256(abi.encode("enc", seed, i));
            bytes32 b = keccak256(abi.encode("ct", seed, i));
            bytes32 c = keccak256(abi.encode("tag", seed, i));
            for (uint256 j = 0; j < 32; ++j) {
                records[i * SEALED + j] = a[j];
                records[i * SEALED + 32 + j] = b[j];
                if (j < 16) records[i * SEALED + 64 + j] = c[j];
            }
            purposes[i] = bytes1(uint8(1 + uint256(a) % 3));
        }
    }

    function _word(bytes memory records, uint256 at) internal pure returns (bytes32 w) {
        assembly {
            w := mload(add(add(records, 32), at))
        }
    }

    /// @dev The `record` word of {AccessRecorded}, packed as the interface documents it.
    function _packed(uint32 recorder, IAccessTrace.Purpose purpose, uint256 at) internal pure returns (uint256) {
        return (uint256(1) << 104) | (uint256(recorder) << 72) | (uint256(uint8(purpose)) << 64) | uint256(uint64(at));
    }

    function _expectRecorded(bytes memory records, bytes memory purposes, uint32 recorder) internal {
        for (uint256 i = 0; i < purposes.length; ++i) {
            _expectEmit(address(trace));
            emit IAccessTrace.AccessRecorded(
                _packed(recorder, IAccessTrace.Purpose(uint8(purposes[i])), block.timestamp),
                _word(records, i * SEALED),
                _word(records, i * SEALED + 32),
                bytes16(_word(records, i * SEALED + 64))
            );
        }
    }

    function test_Record_ByInstitution(uint256 seed, uint256 n, uint256 after_) public {
        vm.warp(block.timestamp + bound(after_, 0, 3650 days));
        (bytes memory records, bytes memory purposes) = _batch(seed, bound(n, 1, 40));
        _expectRecorded(records, purposes, LENDER);
        vm.prank(lender);
        trace.record(records, purposes);
    }

    function test_Record_ByCentre(uint256 seed, uint256 n) public {
        (bytes memory records, bytes memory purposes) = _batch(seed, bound(n, 1, 40));
        // Operator and admin both record under their centre's code.
        _expectRecorded(records, purposes, SANYA);
        vm.prank(sanyaOperator);
        trace.record(records, purposes);
        _expectRecorded(records, purposes, DANZHOU);
        vm.prank(danzhouAdmin);
        trace.record(records, purposes);
    }

    /// @dev Exactly one event per record, nothing else, and no topic but the event's own: no
    /// reference is indexed, so nothing can be filtered by one.
    function test_Record_OneUnindexedEventPerRecord(uint256 seed, uint256 n) public {
        n = bound(n, 1, 40);
        (bytes memory records, bytes memory purposes) = _batch(seed, n);
        vm.recordLogs();
        vm.prank(lender);
        trace.record(records, purposes);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, n);
        for (uint256 i = 0; i < n; ++i) {
            assertEq(logs[i].topics.length, 1);
        }
    }

    function test_Record_EveryPurpose() public {
        (bytes memory records,) = _batch(9, 3);
        bytes memory purposes = hex"010203";
        _expectRecorded(records, purposes, LENDER);
        vm.prank(lender);
        trace.record(records, purposes);
    }

    function test_Record_MaxBatch() public {
        (bytes memory records, bytes memory purposes) = _batch(1, MAX_BATCH);
        vm.recordLogs();
        vm.prank(lender);
        trace.record(records, purposes);
        assertEq(vm.getRecordedLogs().length, MAX_BATCH);
    }

    function test_RevertWhen_LengthsDiffer(uint256 nSealed, uint256 nPurposes, uint256 cut) public {
        nSealed = bound(nSealed, 1, 50);
        nPurposes = bound(nPurposes, 1, 50);
        (bytes memory records,) = _batch(1, nSealed);
        (, bytes memory purposes) = _batch(1, nPurposes);
        // a whole number of records too many or too few, or a record cut short
        cut = bound(cut, 0, SEALED - 1);
        vm.assume(nSealed != nPurposes || cut != 0);
        assembly {
            mstore(records, sub(mload(records), cut))
        }
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessTrace.AccessTraceLengthMismatch.selector, nSealed * SEALED - cut, nPurposes * SEALED
            )
        );
        vm.prank(lender);
        trace.record(records, purposes);
    }

    function test_RevertWhen_Empty() public {
        vm.expectRevert(abi.encodeWithSelector(IAccessTrace.AccessTraceEmptyBatch.selector));
        vm.prank(lender);
        trace.record("", "");
    }

    function test_RevertWhen_TooLarge(uint256 n) public {
        n = bound(n, MAX_BATCH + 1, MAX_BATCH + 50);
        (bytes memory records, bytes memory purposes) = _batch(2, n);
        vm.expectRevert(abi.encodeWithSelector(IAccessTrace.AccessTraceTooLarge.selector, n, MAX_BATCH));
        vm.prank(lender);
        trace.record(records, purposes);
    }

    function test_RevertWhen_PurposeNone(uint256 seed, uint256 n, uint256 at) public {
        (bytes memory records, bytes memory purposes) = _batch(seed, bound(n, 1, 40));
        at = bound(at, 0, purposes.length - 1);
        purposes[at] = 0x00;
        vm.expectRevert(abi.encodeWithSelector(IAccessTrace.AccessTraceInvalidPurpose.selector, at));
        vm.prank(lender);
        trace.record(records, purposes);
    }

    function test_RevertWhen_PurposeUnknown(uint256 seed, uint256 n, uint256 at, uint8 code) public {
        (bytes memory records, bytes memory purposes) = _batch(seed, bound(n, 1, 40));
        at = bound(at, 0, purposes.length - 1);
        purposes[at] = bytes1(uint8(bound(code, 4, 255)));
        vm.expectRevert(abi.encodeWithSelector(IAccessTrace.AccessTraceInvalidPurpose.selector, at));
        vm.prank(lender);
        trace.record(records, purposes);
    }

    /// @dev The first bad purpose is the one reported; nothing of the batch is recorded.
    function test_RevertWhen_SeveralPurposesInvalid() public {
        (bytes memory records,) = _batch(3, 5);
        bytes memory purposes = hex"0104020009";
        vm.expectRevert(abi.encodeWithSelector(IAccessTrace.AccessTraceInvalidPurpose.selector, 1));
        vm.prank(lender);
        trace.record(records, purposes);
    }

    function test_RevertWhen_CallerIsStranger(address caller, uint256 n) public {
        _assumeStranger(caller);
        (bytes memory records, bytes memory purposes) = _batch(4, bound(n, 0, 5));
        vm.expectRevert(abi.encodeWithSelector(IAccessTrace.AccessTraceNotRecorder.selector, caller));
        vm.prank(caller);
        trace.record(records, purposes);
    }

    function test_RevertWhen_InstitutionSuspended() public {
        _enact(address(consortium), abi.encodeCall(IConsortium.suspendInstitution, (LENDER)));
        (bytes memory records, bytes memory purposes) = _batch(5, 2);
        vm.expectRevert(abi.encodeWithSelector(IAccessTrace.AccessTraceNotRecorder.selector, lender));
        vm.prank(lender);
        trace.record(records, purposes);
    }

    function test_RevertWhen_CentreSuspended() public {
        _suspend(SANYA);
        (bytes memory records, bytes memory purposes) = _batch(6, 2);
        address[2] memory callers = [sanyaOperator, sanyaAdmin];
        for (uint256 i = 0; i < callers.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IAccessTrace.AccessTraceNotRecorder.selector, callers[i]));
            vm.prank(callers[i]);
            trace.record(records, purposes);
        }
    }

    function test_RevertWhen_OperatorReplaced() public {
        address newOperator = makeAddr("new sanya operator");
        vm.prank(sanyaAdmin);
        consortium.setOperator(newOperator);
        (bytes memory records, bytes memory purposes) = _batch(7, 2);
        vm.expectRevert(abi.encodeWithSelector(IAccessTrace.AccessTraceNotRecorder.selector, sanyaOperator));
        vm.prank(sanyaOperator);
        trace.record(records, purposes);
    }
}

contract AccessTraceKeyTest is ConsortiumBase {
    function test_TraceKey_SetAtDeployment() public view {
        (uint16 version, bytes32 key) = trace.traceKey();
        assertEq(version, 1);
        assertEq(key, TRACE_KEY);
    }

    function test_SetTraceKey_ByGovernance(bytes32 newKey) public {
        vm.assume(newKey != bytes32(0) && newKey != TRACE_KEY);
        uint256 id = _proposeAndApprove(address(trace), abi.encodeCall(IAccessTrace.setTraceKey, (newKey)));
        _expectEmit(address(trace));
        emit IAccessTrace.TraceKeyChanged(2, newKey);
        vm.prank(haikouAdmin);
        consortium.execute(id);
        (uint16 version, bytes32 key) = trace.traceKey();
        assertEq(version, 2);
        assertEq(key, newKey);
        // new records say which key they are records to
        bytes memory purposes = hex"01";
        vm.recordLogs();
        vm.prank(lender);
        trace.record(new bytes(80), purposes);
        (,,, uint16 keyVersion) = trace.unpack(abi.decode(vm.getRecordedLogs()[0].data, (uint256)));
        assertEq(keyVersion, 2);
    }

    function test_RevertWhen_SetTraceKeyNotGovernance(address caller) public {
        vm.assume(caller != address(consortium));
        vm.expectRevert(abi.encodeWithSelector(IAccessTrace.AccessTraceNotGovernance.selector, caller));
        vm.prank(caller);
        trace.setTraceKey(keccak256("other"));
    }

    function test_RevertWhen_TraceKeyZeroOrUnchanged() public {
        vm.expectRevert(abi.encodeWithSelector(IAccessTrace.AccessTraceInvalidKey.selector));
        vm.prank(address(consortium));
        trace.setTraceKey(bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(IAccessTrace.AccessTraceInvalidKey.selector));
        vm.prank(address(consortium));
        trace.setTraceKey(TRACE_KEY);
    }

    function test_RevertWhen_DeployedWithoutKey() public {
        vm.expectRevert(abi.encodeWithSelector(IAccessTrace.AccessTraceInvalidKey.selector));
        new AccessTrace(consortium, bytes32(0));
    }
}

contract AccessTraceUnpackTest is ConsortiumBase {
    /// @dev The record emitted by {record} splits back into recorder, purpose, time and key version.
    function test_Unpack_RoundTrip(uint256 after_, uint8 code, bool byCentre) public {
        vm.warp(block.timestamp + bound(after_, 0, 100 * 365 days));
        IAccessTrace.Purpose purpose = IAccessTrace.Purpose(bound(code, 1, 3));
        bytes memory purposes = new bytes(1);
        purposes[0] = bytes1(uint8(purpose));
        address caller = byCentre ? danzhouOperator : lender;

        vm.recordLogs();
        vm.prank(caller);
        trace.record(new bytes(80), purposes);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 1);
        (uint256 word,,,) = abi.decode(logs[0].data, (uint256, bytes32, bytes32, bytes16));
        (uint32 recorder, IAccessTrace.Purpose unpacked, uint64 recordedAt, uint16 keyVersion) = trace.unpack(word);
        assertEq(recorder, byCentre ? DANZHOU : LENDER);
        assertEq(uint256(unpacked), uint256(purpose));
        assertEq(recordedAt, block.timestamp);
        assertEq(keyVersion, 1);
    }

    function test_Unpack(uint32 recorder, uint8 code, uint64 at, uint16 version) public view {
        IAccessTrace.Purpose purpose = IAccessTrace.Purpose(bound(code, 0, 3));
        uint256 word =
            (uint256(version) << 104) | (uint256(recorder) << 72) | (uint256(uint8(purpose)) << 64) | uint256(at);
        (uint32 r, IAccessTrace.Purpose p, uint64 t, uint16 v) = trace.unpack(word);
        assertEq(r, recorder);
        assertEq(uint256(p), uint256(purpose));
        assertEq(t, at);
        assertEq(v, version);
    }

    /// @dev A word whose purpose byte is no known {Purpose} is not silently read as one.
    function test_RevertWhen_UnpackingUnknownPurpose(uint8 code) public {
        code = uint8(bound(code, 4, 255));
        vm.expectRevert(abi.encodeWithSignature("Panic(uint256)", 0x21));
        trace.unpack(uint256(code) << 64);
    }
}
