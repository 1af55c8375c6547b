// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ConsortiumBase} from "./Base.t.sol";
import {Vm} from "./utils/Test.sol";
import {IAccessTrace} from "../interfaces/IAccessTrace.sol";
import {IConsortium} from "../interfaces/IConsortium.sol";

contract AccessTraceRecordTest is ConsortiumBase {
    uint256 internal constant MAX_BATCH = 1000;

    /// @dev `n` pseudo-random refs with valid purpose codes (1 to 3), both from `seed`.
    function _batch(uint256 seed, uint256 n) internal pure returns (bytes32[] memory refs, bytes memory purposes) {
        refs = new bytes32[](n);
        purposes = new bytes(n);
        for (uint256 i = 0; i < n; ++i) {
            refs[i] = keccak256(abi.encode("ref", seed, i));
            purposes[i] = bytes1(uint8(1 + uint256(refs[i]) % 3));
        }
    }

    /// @dev The `record` word of {AccessRecorded}, packed as the interface documents it.
    function _packed(uint32 recorder, IAccessTrace.Purpose purpose, uint256 at) internal pure returns (uint256) {
        return (uint256(recorder) << 72) | (uint256(uint8(purpose)) << 64) | uint256(uint64(at));
    }

    function _expectRecorded(bytes32[] memory refs, bytes memory purposes, uint32 recorder) internal {
        for (uint256 i = 0; i < refs.length; ++i) {
            _expectEmit(address(trace));
            emit IAccessTrace.AccessRecorded(
                refs[i], _packed(recorder, IAccessTrace.Purpose(uint8(purposes[i])), block.timestamp)
            );
        }
    }

    function test_Record_ByInstitution(uint256 seed, uint256 n, uint256 after_) public {
        vm.warp(block.timestamp + bound(after_, 0, 3650 days));
        (bytes32[] memory refs, bytes memory purposes) = _batch(seed, bound(n, 1, 40));
        _expectRecorded(refs, purposes, LENDER);
        vm.prank(lender);
        trace.record(refs, purposes);
    }

    function test_Record_ByCentre(uint256 seed, uint256 n) public {
        (bytes32[] memory refs, bytes memory purposes) = _batch(seed, bound(n, 1, 40));
        // Operator and admin both record under their centre's code.
        _expectRecorded(refs, purposes, SANYA);
        vm.prank(sanyaOperator);
        trace.record(refs, purposes);
        _expectRecorded(refs, purposes, DANZHOU);
        vm.prank(danzhouAdmin);
        trace.record(refs, purposes);
    }

    /// @dev Exactly one event per record, nothing else.
    function test_Record_OneEventPerRecord(uint256 seed, uint256 n) public {
        n = bound(n, 1, 40);
        (bytes32[] memory refs, bytes memory purposes) = _batch(seed, n);
        vm.recordLogs();
        vm.prank(lender);
        trace.record(refs, purposes);
        assertEq(vm.getRecordedLogs().length, n);
    }

    function test_Record_EveryPurpose() public {
        bytes32[] memory refs = new bytes32[](3);
        refs[0] = keccak256("certificate");
        refs[1] = keccak256("subject");
        refs[2] = keccak256("download");
        bytes memory purposes = hex"010203";
        _expectEmit(address(trace));
        emit IAccessTrace.AccessRecorded(
            refs[0], _packed(LENDER, IAccessTrace.Purpose.CertificateVerified, block.timestamp)
        );
        _expectEmit(address(trace));
        emit IAccessTrace.AccessRecorded(
            refs[1], _packed(LENDER, IAccessTrace.Purpose.BlacklistChecked, block.timestamp)
        );
        _expectEmit(address(trace));
        emit IAccessTrace.AccessRecorded(
            refs[2], _packed(LENDER, IAccessTrace.Purpose.CertificateDownloaded, block.timestamp)
        );
        vm.prank(lender);
        trace.record(refs, purposes);
    }

    function test_Record_MaxBatch() public {
        (bytes32[] memory refs, bytes memory purposes) = _batch(1, MAX_BATCH);
        vm.recordLogs();
        vm.prank(lender);
        trace.record(refs, purposes);
        assertEq(vm.getRecordedLogs().length, MAX_BATCH);
    }

    function test_RevertWhen_LengthsDiffer(uint256 nRefs, uint256 nPurposes) public {
        nRefs = bound(nRefs, 0, 50);
        nPurposes = bound(nPurposes, 0, 50);
        vm.assume(nRefs != nPurposes);
        (bytes32[] memory refs,) = _batch(1, nRefs);
        (, bytes memory purposes) = _batch(1, nPurposes);
        vm.expectRevert(abi.encodeWithSelector(IAccessTrace.AccessTraceLengthMismatch.selector, nRefs, nPurposes));
        vm.prank(lender);
        trace.record(refs, purposes);
    }

    function test_RevertWhen_Empty() public {
        vm.expectRevert(abi.encodeWithSelector(IAccessTrace.AccessTraceEmptyBatch.selector));
        vm.prank(lender);
        trace.record(new bytes32[](0), "");
    }

    function test_RevertWhen_TooLarge(uint256 n) public {
        n = bound(n, MAX_BATCH + 1, MAX_BATCH + 50);
        (bytes32[] memory refs, bytes memory purposes) = _batch(2, n);
        vm.expectRevert(abi.encodeWithSelector(IAccessTrace.AccessTraceTooLarge.selector, n, MAX_BATCH));
        vm.prank(lender);
        trace.record(refs, purposes);
    }

    function test_RevertWhen_PurposeNone(uint256 seed, uint256 n, uint256 at) public {
        (bytes32[] memory refs, bytes memory purposes) = _batch(seed, bound(n, 1, 40));
        at = bound(at, 0, refs.length - 1);
        purposes[at] = 0x00;
        vm.expectRevert(abi.encodeWithSelector(IAccessTrace.AccessTraceInvalidPurpose.selector, at));
        vm.prank(lender);
        trace.record(refs, purposes);
    }

    function test_RevertWhen_PurposeUnknown(uint256 seed, uint256 n, uint256 at, uint8 code) public {
        (bytes32[] memory refs, bytes memory purposes) = _batch(seed, bound(n, 1, 40));
        at = bound(at, 0, refs.length - 1);
        purposes[at] = bytes1(uint8(bound(code, 4, 255)));
        vm.expectRevert(abi.encodeWithSelector(IAccessTrace.AccessTraceInvalidPurpose.selector, at));
        vm.prank(lender);
        trace.record(refs, purposes);
    }

    /// @dev The first bad purpose is the one reported; nothing of the batch is recorded.
    function test_RevertWhen_SeveralPurposesInvalid() public {
        (bytes32[] memory refs,) = _batch(3, 5);
        bytes memory purposes = hex"0104020009";
        vm.expectRevert(abi.encodeWithSelector(IAccessTrace.AccessTraceInvalidPurpose.selector, 1));
        vm.prank(lender);
        trace.record(refs, purposes);
    }

    function test_RevertWhen_CallerIsStranger(address caller, uint256 n) public {
        _assumeStranger(caller);
        (bytes32[] memory refs, bytes memory purposes) = _batch(4, bound(n, 0, 5));
        vm.expectRevert(abi.encodeWithSelector(IAccessTrace.AccessTraceNotRecorder.selector, caller));
        vm.prank(caller);
        trace.record(refs, purposes);
    }

    function test_RevertWhen_InstitutionSuspended() public {
        _enact(address(consortium), abi.encodeCall(IConsortium.suspendInstitution, (LENDER)));
        (bytes32[] memory refs, bytes memory purposes) = _batch(5, 2);
        vm.expectRevert(abi.encodeWithSelector(IAccessTrace.AccessTraceNotRecorder.selector, lender));
        vm.prank(lender);
        trace.record(refs, purposes);
    }

    function test_RevertWhen_CentreSuspended() public {
        _suspend(SANYA);
        (bytes32[] memory refs, bytes memory purposes) = _batch(6, 2);
        address[2] memory callers = [sanyaOperator, sanyaAdmin];
        for (uint256 i = 0; i < callers.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IAccessTrace.AccessTraceNotRecorder.selector, callers[i]));
            vm.prank(callers[i]);
            trace.record(refs, purposes);
        }
    }

    function test_RevertWhen_OperatorReplaced() public {
        address newOperator = makeAddr("new sanya operator");
        vm.prank(sanyaAdmin);
        consortium.setOperator(newOperator);
        (bytes32[] memory refs, bytes memory purposes) = _batch(7, 2);
        vm.expectRevert(abi.encodeWithSelector(IAccessTrace.AccessTraceNotRecorder.selector, sanyaOperator));
        vm.prank(sanyaOperator);
        trace.record(refs, purposes);
    }
}

contract AccessTraceUnpackTest is ConsortiumBase {
    /// @dev The record emitted by {record} splits back into recorder, purpose and time.
    function test_Unpack_RoundTrip(uint256 after_, uint8 code, bool byCentre) public {
        vm.warp(block.timestamp + bound(after_, 0, 100 * 365 days));
        IAccessTrace.Purpose purpose = IAccessTrace.Purpose(bound(code, 1, 3));
        bytes32[] memory refs = new bytes32[](1);
        refs[0] = keccak256("certificate");
        bytes memory purposes = new bytes(1);
        purposes[0] = bytes1(uint8(purpose));
        address caller = byCentre ? danzhouOperator : lender;

        vm.recordLogs();
        vm.prank(caller);
        trace.record(refs, purposes);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 1);
        assertEq(logs[0].topics[1], refs[0]);
        (uint32 recorder, IAccessTrace.Purpose unpacked, uint64 recordedAt) =
            trace.unpack(abi.decode(logs[0].data, (uint256)));
        assertEq(recorder, byCentre ? DANZHOU : LENDER);
        assertEq(uint256(unpacked), uint256(purpose));
        assertEq(recordedAt, block.timestamp);
    }

    function test_Unpack(uint32 recorder, uint8 code, uint64 at) public view {
        IAccessTrace.Purpose purpose = IAccessTrace.Purpose(bound(code, 0, 3));
        uint256 word = (uint256(recorder) << 72) | (uint256(uint8(purpose)) << 64) | uint256(at);
        (uint32 r, IAccessTrace.Purpose p, uint64 t) = trace.unpack(word);
        assertEq(r, recorder);
        assertEq(uint256(p), uint256(purpose));
        assertEq(t, at);
    }

    /// @dev A word whose purpose byte is no known {Purpose} is not silently read as one.
    function test_RevertWhen_UnpackingUnknownPurpose(uint8 code) public {
        code = uint8(bound(code, 4, 255));
        vm.expectRevert(abi.encodeWithSignature("Panic(uint256)", 0x21));
        trace.unpack(uint256(code) << 64);
    }
}
