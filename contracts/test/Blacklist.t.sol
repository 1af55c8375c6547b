// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ConsortiumBase} from "./Base.t.sol";
import {Blacklist} from "../Blacklist.sol";
import {IBlacklist} from "../interfaces/IBlacklist.sol";
import {IConsortium} from "../interfaces/IConsortium.sol";

abstract contract BlacklistBase is ConsortiumBase {
    /// @dev HMAC-SHA256(consortium key, ID number) in production; any non-zero 32 bytes here.
    bytes32 internal constant SUBJECT = keccak256("subject 460100199001011234");
    bytes32 internal constant CASE = keccak256("case file 2025-HK-0042");
    /// @dev SHA-256 of the centre's own note in production; any 32 bytes here.
    bytes32 internal constant NOTE = keccak256("note kept in the centre's database");

    function _list(address operator, bytes32 subject) internal returns (uint64 id) {
        vm.prank(operator);
        id = blacklist.list(subject, IBlacklist.Reason.FraudulentWithdrawal, _inFourYears(), CASE);
    }

    function _inFourYears() internal view returns (uint64) {
        return uint64(block.timestamp + 4 * 365 days);
    }

    function _id(uint32 centre, uint256 seq) internal pure returns (uint64) {
        return (uint64(centre) << 32) | uint64(seq);
    }

    function _reason(uint256 seed) internal pure returns (IBlacklist.Reason) {
        return IBlacklist.Reason(bound(seed, 1, 5));
    }

    function _status(uint64 id) internal view returns (IBlacklist.EntryStatus) {
        return blacklist.entry(id).status;
    }

    function _activeCount(bytes32 subject) internal view returns (uint256) {
        bytes32[] memory subjects = new bytes32[](1);
        subjects[0] = subject;
        return blacklist.activeCountsOf(subjects)[0];
    }

    function _expectNotOperator(address caller) internal {
        vm.expectRevert(abi.encodeWithSelector(IBlacklist.BlacklistNotOperator.selector, caller));
        vm.prank(caller);
    }
}

contract BlacklistConstructorTest is BlacklistBase {
    function test_Constructor() public view {
        (uint64 minDuration, uint64 maxDuration) = blacklist.durationBounds();
        assertEq(minDuration, MIN_LISTING);
        assertEq(maxDuration, MAX_LISTING);
        assertEq(address(blacklist.consortium()), address(consortium));
    }

    function test_Constructor_EmitsBounds(uint64 minDuration, uint64 maxDuration) public {
        minDuration = uint64(bound(minDuration, 1, MAX_BOUND));
        maxDuration = uint64(bound(maxDuration, minDuration, MAX_BOUND));
        vm.expectEmit(true, true, true, true);
        emit IBlacklist.DurationBoundsChanged(minDuration, maxDuration);
        new Blacklist(consortium, minDuration, maxDuration);
    }

    function test_RevertWhen_BoundsInvalid(uint64 minDuration, uint64 maxDuration) public {
        vm.assume(minDuration == 0 || minDuration > maxDuration || maxDuration > MAX_BOUND);
        vm.expectRevert(
            abi.encodeWithSelector(IBlacklist.BlacklistInvalidBounds.selector, minDuration, maxDuration)
        );
        new Blacklist(consortium, minDuration, maxDuration);
    }
}

/// @dev A maximum near type(uint64).max would make every listing overflow: bounds stop at 100 years.
uint64 constant MAX_BOUND = 100 * 365 days;

contract BlacklistListTest is BlacklistBase {
    function test_List(bytes32 subject, uint256 reasonSeed, uint64 expiresAt, bytes32 caseHash, uint256 after_)
        public
    {
        vm.assume(subject != bytes32(0));
        vm.warp(block.timestamp + bound(after_, 0, 20 * 365 days));
        uint64 now_ = uint64(block.timestamp);
        expiresAt = uint64(bound(expiresAt, now_ + MIN_LISTING, now_ + MAX_LISTING));
        IBlacklist.Reason reason = _reason(reasonSeed);
        uint64 id = _id(HAIKOU, 1);

        _expectEmit(address(blacklist));
        emit IBlacklist.EntryListed(id, subject, HAIKOU, reason, expiresAt, caseHash);
        vm.prank(haikouOperator);
        assertEq(blacklist.list(subject, reason, expiresAt, caseHash), id);

        IBlacklist.EntryView memory e = blacklist.entry(id);
        assertEq(e.id, id);
        assertEq(e.centre, HAIKOU);
        assertEq(uint256(e.reason), uint256(reason));
        assertEq(uint256(e.status), uint256(IBlacklist.EntryStatus.Listed));
        assertEq(e.listedAt, now_);
        assertEq(e.expiresAt, expiresAt);

        IBlacklist.EntryView[] memory active = blacklist.activeEntriesOf(subject);
        assertEq(active.length, 1);
        assertEq(active[0].id, id);
        (uint32 listed, uint32 lifted) = blacklist.countsOf(HAIKOU);
        assertEq(listed, 1);
        assertEq(lifted, 0);
    }

    /// @dev Entry ids are (centre << 32) | sequence, each centre counting from 1 on its own.
    function test_List_IdsAreCentreAndSequence(uint256 count, uint256 pattern) public {
        count = bound(count, 1, 24);
        uint256[3] memory seq;
        address[3] memory operators = [haikouOperator, sanyaOperator, danzhouOperator];
        for (uint256 k = 0; k < count; ++k) {
            uint256 c = uint256(keccak256(abi.encode(pattern, k))) % 3;
            ++seq[c];
            uint64 id = _list(operators[c], keccak256(abi.encode("subject", k)));
            assertEq(id, _id(codes[c], seq[c]));
            assertEq(uint32(id >> 32), codes[c]);
            assertEq(blacklist.entry(id).centre, codes[c]);
        }
        for (uint256 c = 0; c < 3; ++c) {
            (uint32 listed,) = blacklist.countsOf(codes[c]);
            assertEq(listed, seq[c]);
        }
    }

    function test_List_ExpiryBoundsAreInclusive() public {
        uint64 now_ = uint64(block.timestamp);
        vm.prank(haikouOperator);
        blacklist.list(SUBJECT, IBlacklist.Reason.LoanDefault, now_ + MIN_LISTING, CASE);
        vm.prank(sanyaOperator);
        blacklist.list(SUBJECT, IBlacklist.Reason.LoanDefault, now_ + MAX_LISTING, CASE);
        assertEq(_activeCount(SUBJECT), 2);
    }

    /// @dev The cap: one active entry per centre and subject, whatever the reason.
    function test_RevertWhen_CentreAlreadyListsSubject(uint256 reasonSeed, bool appealed) public {
        uint64 id = _list(haikouOperator, SUBJECT);
        if (appealed) {
            vm.prank(haikouOperator);
            blacklist.markUnderAppeal(id);
        }
        uint64 expiresAt = _inFourYears();
        IBlacklist.Reason reason = _reason(reasonSeed);
        vm.expectRevert(abi.encodeWithSelector(IBlacklist.BlacklistAlreadyListed.selector, SUBJECT, HAIKOU, id));
        vm.prank(haikouOperator);
        blacklist.list(SUBJECT, reason, expiresAt, CASE);
    }

    /// @dev At the cap, every centre holds one entry on the subject; lifting or expiry frees the
    /// centre's place, and the view never holds more than one entry per centre.
    function test_List_AtTheCapEveryCentreOnce() public {
        address[3] memory operators = [haikouOperator, sanyaOperator, danzhouOperator];
        uint64[3] memory ids;
        for (uint256 c = 0; c < 3; ++c) {
            ids[c] = _list(operators[c], SUBJECT);
        }
        assertEq(_activeCount(SUBJECT), 3);
        for (uint256 c = 0; c < 3; ++c) {
            vm.expectRevert(
                abi.encodeWithSelector(IBlacklist.BlacklistAlreadyListed.selector, SUBJECT, codes[c], ids[c])
            );
            vm.prank(operators[c]);
            blacklist.list(SUBJECT, IBlacklist.Reason.Other, _inFourYears(), CASE);
        }
        // Sanya lifts and lists again a day later; the first Haikou and Danzhou entries expire,
        // and both centres list again.
        vm.prank(sanyaOperator);
        blacklist.lift(ids[1], IBlacklist.LiftReason.Settled, keccak256("paid back"));
        vm.warp(block.timestamp + 1 days);
        uint64 sanyaAgain = _list(sanyaOperator, SUBJECT);
        vm.warp(blacklist.entry(ids[0]).expiresAt);
        assertEq(_activeCount(SUBJECT), 1);
        uint64 danzhouAgain = _list(danzhouOperator, SUBJECT);
        uint64 haikouAgain = _list(haikouOperator, SUBJECT);
        IBlacklist.EntryView[] memory active = blacklist.activeEntriesOf(SUBJECT);
        assertEq(active.length, 3);
        assertEq(active[0].id, haikouAgain);
        assertEq(active[1].id, danzhouAgain);
        assertEq(active[2].id, sanyaAgain);
    }

    /// @dev Listed and lifted again and again, the subject's walk stays as short as its active
    /// entries: the view's gas does not grow with the history.
    function test_List_ManyCyclesKeepTheViewCheap(uint256 cycles) public {
        cycles = bound(cycles, 2, 40);
        _list(sanyaOperator, SUBJECT);
        uint64 id = _list(haikouOperator, SUBJECT);
        vm.prank(haikouOperator);
        blacklist.lift(id, IBlacklist.LiftReason.Other, bytes32(0));
        uint256 before = gasleft();
        blacklist.activeEntriesOf(SUBJECT);
        uint256 first = before - gasleft();
        for (uint256 k = 0; k < cycles; ++k) {
            id = _list(haikouOperator, SUBJECT);
            vm.prank(haikouOperator);
            blacklist.lift(id, IBlacklist.LiftReason.Other, bytes32(0));
        }
        before = gasleft();
        IBlacklist.EntryView[] memory active = blacklist.activeEntriesOf(SUBJECT);
        uint256 last = before - gasleft();
        assertEq(active.length, 1);
        assertTrue(last <= first + 2_000, "the view grew with the history");
    }

    function test_List_SeveralCentresSameSubject() public {
        uint64 hk = _list(haikouOperator, SUBJECT);
        vm.warp(block.timestamp + 1 days);
        uint64 sy = _list(sanyaOperator, SUBJECT);
        vm.warp(block.timestamp + 1 days);
        uint64 dz = _list(danzhouOperator, SUBJECT);
        _list(sanyaOperator, keccak256("somebody else"));

        IBlacklist.EntryView[] memory active = blacklist.activeEntriesOf(SUBJECT);
        assertEq(active.length, 3);
        // Newest first.
        assertEq(active[0].id, dz);
        assertEq(active[0].centre, DANZHOU);
        assertEq(active[1].id, sy);
        assertEq(active[1].centre, SANYA);
        assertEq(active[2].id, hk);
        assertEq(active[2].centre, HAIKOU);
        assertEq(_activeCount(SUBJECT), 3);
    }

    function test_RevertWhen_SubjectZero() public {
        uint64 expiresAt = _inFourYears();
        vm.expectRevert(abi.encodeWithSelector(IBlacklist.BlacklistInvalidSubject.selector));
        vm.prank(haikouOperator);
        blacklist.list(bytes32(0), IBlacklist.Reason.ForgedMaterials, expiresAt, CASE);
    }

    function test_RevertWhen_ReasonNone() public {
        uint64 expiresAt = _inFourYears();
        vm.expectRevert(abi.encodeWithSelector(IBlacklist.BlacklistInvalidReason.selector));
        vm.prank(haikouOperator);
        blacklist.list(SUBJECT, IBlacklist.Reason.None, expiresAt, CASE);
    }

    function test_RevertWhen_ExpiryTooSoon(uint64 expiresAt, uint256 after_) public {
        vm.warp(block.timestamp + bound(after_, 0, 20 * 365 days));
        uint64 earliest = uint64(block.timestamp) + MIN_LISTING;
        uint64 latest = uint64(block.timestamp) + MAX_LISTING;
        expiresAt = uint64(bound(expiresAt, 0, earliest - 1));
        vm.expectRevert(
            abi.encodeWithSelector(IBlacklist.BlacklistInvalidExpiry.selector, expiresAt, earliest, latest)
        );
        vm.prank(haikouOperator);
        blacklist.list(SUBJECT, IBlacklist.Reason.Other, expiresAt, CASE);
    }

    function test_RevertWhen_ExpiryTooLate(uint64 expiresAt, uint256 after_) public {
        vm.warp(block.timestamp + bound(after_, 0, 20 * 365 days));
        uint64 earliest = uint64(block.timestamp) + MIN_LISTING;
        uint64 latest = uint64(block.timestamp) + MAX_LISTING;
        expiresAt = uint64(bound(expiresAt, latest + 1, type(uint64).max));
        vm.expectRevert(
            abi.encodeWithSelector(IBlacklist.BlacklistInvalidExpiry.selector, expiresAt, earliest, latest)
        );
        vm.prank(haikouOperator);
        blacklist.list(SUBJECT, IBlacklist.Reason.Other, expiresAt, CASE);
    }

    function test_RevertWhen_CallerIsStranger(address caller) public {
        _assumeStranger(caller);
        uint64 expiresAt = _inFourYears();
        _expectNotOperator(caller);
        blacklist.list(SUBJECT, IBlacklist.Reason.Other, expiresAt, CASE);
    }

    function test_RevertWhen_CallerIsAdminOrInstitution() public {
        uint64 expiresAt = _inFourYears();
        address[2] memory callers = [haikouAdmin, lender];
        for (uint256 i = 0; i < callers.length; ++i) {
            _expectNotOperator(callers[i]);
            blacklist.list(SUBJECT, IBlacklist.Reason.Other, expiresAt, CASE);
        }
    }

    function test_RevertWhen_CallerIsSuspended() public {
        _suspend(DANZHOU);
        uint64 expiresAt = _inFourYears();
        _expectNotOperator(danzhouOperator);
        blacklist.list(SUBJECT, IBlacklist.Reason.Other, expiresAt, CASE);
    }
}

contract BlacklistLiftTest is BlacklistBase {
    uint64 internal id;

    function setUp() public override {
        super.setUp();
        id = _list(haikouOperator, SUBJECT);
    }

    function test_Lift(uint8 reasonSeed, bytes32 noteHash, uint256 after_) public {
        IBlacklist.LiftReason reason = IBlacklist.LiftReason(bound(reasonSeed, 1, uint8(type(IBlacklist.LiftReason).max)));
        uint64 expiresAt = blacklist.entry(id).expiresAt;
        vm.warp(bound(after_, block.timestamp, expiresAt - 1));
        _expectEmit(address(blacklist));
        emit IBlacklist.EntryLifted(id, HAIKOU, reason, noteHash);
        vm.prank(haikouOperator);
        blacklist.lift(id, reason, noteHash);

        assertEq(uint256(_status(id)), uint256(IBlacklist.EntryStatus.Lifted));
        assertEq(blacklist.activeEntriesOf(SUBJECT).length, 0);
        assertEq(_activeCount(SUBJECT), 0);
        (uint32 listed, uint32 lifted) = blacklist.countsOf(HAIKOU);
        assertEq(listed, 1);
        assertEq(lifted, 1);
    }

    function test_Lift_UnderAppeal() public {
        vm.prank(haikouOperator);
        blacklist.markUnderAppeal(id);
        _expectEmit(address(blacklist));
        emit IBlacklist.EntryLifted(id, HAIKOU, IBlacklist.LiftReason.AppealUpheld, NOTE);
        vm.prank(haikouOperator);
        blacklist.lift(id, IBlacklist.LiftReason.AppealUpheld, NOTE);
        assertEq(uint256(_status(id)), uint256(IBlacklist.EntryStatus.Lifted));
    }

    /// @dev Lifting one centre's entry leaves the other centres' entries on the same subject.
    function test_Lift_LeavesOtherCentresEntries() public {
        uint64 sy = _list(sanyaOperator, SUBJECT);
        vm.prank(haikouOperator);
        blacklist.lift(id, IBlacklist.LiftReason.Other, NOTE);
        IBlacklist.EntryView[] memory active = blacklist.activeEntriesOf(SUBJECT);
        assertEq(active.length, 1);
        assertEq(active[0].id, sy);
    }

    function test_RevertWhen_EntryUnknown(uint64 unknown) public {
        vm.assume(unknown != id);
        vm.expectRevert(abi.encodeWithSelector(IBlacklist.BlacklistUnknownEntry.selector, unknown));
        vm.prank(haikouOperator);
        blacklist.lift(unknown, IBlacklist.LiftReason.Other, NOTE);
    }

    function test_RevertWhen_ReasonNone() public {
        vm.expectRevert(abi.encodeWithSelector(IBlacklist.BlacklistInvalidLiftReason.selector));
        vm.prank(haikouOperator);
        blacklist.lift(id, IBlacklist.LiftReason.None, NOTE);
    }

    function test_RevertWhen_EntryOfAnotherCentre() public {
        vm.expectRevert(abi.encodeWithSelector(IBlacklist.BlacklistNotListingCentre.selector, id, SANYA));
        vm.prank(sanyaOperator);
        blacklist.lift(id, IBlacklist.LiftReason.Other, NOTE);
    }

    function test_RevertWhen_AlreadyLifted() public {
        vm.prank(haikouOperator);
        blacklist.lift(id, IBlacklist.LiftReason.Other, NOTE);
        vm.expectRevert(abi.encodeWithSelector(IBlacklist.BlacklistEntryNotActive.selector, id));
        vm.prank(haikouOperator);
        blacklist.lift(id, IBlacklist.LiftReason.Other, NOTE);
    }

    function test_RevertWhen_Expired(uint256 at) public {
        uint64 expiresAt = blacklist.entry(id).expiresAt;
        vm.warp(bound(at, expiresAt, expiresAt + 20 * 365 days));
        vm.expectRevert(abi.encodeWithSelector(IBlacklist.BlacklistEntryNotActive.selector, id));
        vm.prank(haikouOperator);
        blacklist.lift(id, IBlacklist.LiftReason.Other, NOTE);
    }

    function test_RevertWhen_CallerIsStranger(address caller) public {
        _assumeStranger(caller);
        _expectNotOperator(caller);
        blacklist.lift(id, IBlacklist.LiftReason.Other, NOTE);
    }

    function test_RevertWhen_CallerIsAdminOrInstitution() public {
        address[2] memory callers = [haikouAdmin, lender];
        for (uint256 i = 0; i < callers.length; ++i) {
            _expectNotOperator(callers[i]);
            blacklist.lift(id, IBlacklist.LiftReason.Other, NOTE);
        }
    }

    function test_RevertWhen_CallerIsSuspended() public {
        _suspend(HAIKOU);
        _expectNotOperator(haikouOperator);
        blacklist.lift(id, IBlacklist.LiftReason.Other, NOTE);
    }
}

contract BlacklistLiftByGovernanceTest is BlacklistBase {
    uint64 internal id;

    function setUp() public override {
        super.setUp();
        id = _list(danzhouOperator, SUBJECT);
    }

    function test_LiftByGovernance(bytes32 noteHash) public {
        IBlacklist.LiftReason reason = IBlacklist.LiftReason.CourtOrder;
        uint256 pid = _proposeAndApprove(
            address(blacklist), abi.encodeCall(IBlacklist.liftByGovernance, (id, reason, noteHash))
        );
        _expectEmit(address(blacklist));
        emit IBlacklist.EntryLifted(id, 0, reason, noteHash);
        _expectEmit(address(consortium));
        emit IConsortium.ProposalExecuted(pid, HAIKOU);
        vm.prank(haikouAdmin);
        consortium.execute(pid);

        assertEq(uint256(_status(id)), uint256(IBlacklist.EntryStatus.Lifted));
        assertEq(_activeCount(SUBJECT), 0);
        // Counted against the listing centre.
        (uint32 listed, uint32 lifted) = blacklist.countsOf(DANZHOU);
        assertEq(listed, 1);
        assertEq(lifted, 1);
    }

    /// @dev Governance can lift what a suspended centre can no longer lift itself.
    function test_LiftByGovernance_EntryOfSuspendedCentre() public {
        _suspend(DANZHOU);
        _enact(address(blacklist), abi.encodeCall(IBlacklist.liftByGovernance, (id, IBlacklist.LiftReason.Other, NOTE)));
        assertEq(uint256(_status(id)), uint256(IBlacklist.EntryStatus.Lifted));
    }

    function test_RevertWhen_CalledDirectly(address caller) public {
        vm.assume(caller != address(consortium));
        vm.expectRevert(abi.encodeWithSelector(IBlacklist.BlacklistNotGovernance.selector, caller));
        vm.prank(caller);
        blacklist.liftByGovernance(id, IBlacklist.LiftReason.Other, NOTE);
    }

    function test_RevertWhen_CalledDirectlyByMembers() public {
        address[4] memory callers = [danzhouOperator, danzhouAdmin, haikouAdmin, lender];
        for (uint256 i = 0; i < callers.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IBlacklist.BlacklistNotGovernance.selector, callers[i]));
            vm.prank(callers[i]);
            blacklist.liftByGovernance(id, IBlacklist.LiftReason.Other, NOTE);
        }
    }

    function test_RevertWhen_EntryUnknown(uint64 unknown) public {
        vm.assume(unknown != id);
        uint256 pid =
            _proposeAndApprove(address(blacklist), abi.encodeCall(IBlacklist.liftByGovernance, (unknown, IBlacklist.LiftReason.Other, NOTE)));
        vm.expectRevert(_failed(pid, abi.encodeWithSelector(IBlacklist.BlacklistUnknownEntry.selector, unknown)));
        vm.prank(haikouAdmin);
        consortium.execute(pid);
    }

    function test_RevertWhen_EntryNotActive() public {
        vm.prank(danzhouOperator);
        blacklist.lift(id, IBlacklist.LiftReason.Other, NOTE);
        uint256 pid = _proposeAndApprove(address(blacklist), abi.encodeCall(IBlacklist.liftByGovernance, (id, IBlacklist.LiftReason.Other, NOTE)));
        vm.expectRevert(_failed(pid, abi.encodeWithSelector(IBlacklist.BlacklistEntryNotActive.selector, id)));
        vm.prank(haikouAdmin);
        consortium.execute(pid);
    }
}

contract BlacklistMarkUnderAppealTest is BlacklistBase {
    uint64 internal id;

    function setUp() public override {
        super.setUp();
        id = _list(sanyaOperator, SUBJECT);
    }

    function test_MarkUnderAppeal() public {
        _expectEmit(address(blacklist));
        emit IBlacklist.EntryAppealed(id);
        vm.prank(sanyaOperator);
        blacklist.markUnderAppeal(id);

        // Still counts, flagged.
        IBlacklist.EntryView[] memory active = blacklist.activeEntriesOf(SUBJECT);
        assertEq(active.length, 1);
        assertEq(uint256(active[0].status), uint256(IBlacklist.EntryStatus.UnderAppeal));
        assertEq(_activeCount(SUBJECT), 1);
    }

    function test_RevertWhen_AlreadyUnderAppeal() public {
        vm.prank(sanyaOperator);
        blacklist.markUnderAppeal(id);
        vm.expectRevert(abi.encodeWithSelector(IBlacklist.BlacklistEntryAlreadyUnderAppeal.selector, id));
        vm.prank(sanyaOperator);
        blacklist.markUnderAppeal(id);
    }

    function test_RevertWhen_Lifted() public {
        vm.prank(sanyaOperator);
        blacklist.lift(id, IBlacklist.LiftReason.Other, NOTE);
        vm.expectRevert(abi.encodeWithSelector(IBlacklist.BlacklistEntryNotActive.selector, id));
        vm.prank(sanyaOperator);
        blacklist.markUnderAppeal(id);
    }

    function test_RevertWhen_Expired(uint256 at) public {
        uint64 expiresAt = blacklist.entry(id).expiresAt;
        vm.warp(bound(at, expiresAt, expiresAt + 20 * 365 days));
        vm.expectRevert(abi.encodeWithSelector(IBlacklist.BlacklistEntryNotActive.selector, id));
        vm.prank(sanyaOperator);
        blacklist.markUnderAppeal(id);
    }

    function test_RevertWhen_EntryUnknown(uint64 unknown) public {
        vm.assume(unknown != id);
        vm.expectRevert(abi.encodeWithSelector(IBlacklist.BlacklistUnknownEntry.selector, unknown));
        vm.prank(sanyaOperator);
        blacklist.markUnderAppeal(unknown);
    }

    function test_RevertWhen_EntryOfAnotherCentre() public {
        vm.expectRevert(abi.encodeWithSelector(IBlacklist.BlacklistNotListingCentre.selector, id, HAIKOU));
        vm.prank(haikouOperator);
        blacklist.markUnderAppeal(id);
    }

    function test_RevertWhen_CallerIsStranger(address caller) public {
        _assumeStranger(caller);
        _expectNotOperator(caller);
        blacklist.markUnderAppeal(id);
    }

    function test_RevertWhen_CallerIsAdmin() public {
        _expectNotOperator(sanyaAdmin);
        blacklist.markUnderAppeal(id);
    }

    function test_RevertWhen_CallerIsSuspended() public {
        _suspend(SANYA);
        _expectNotOperator(sanyaOperator);
        blacklist.markUnderAppeal(id);
    }
}

contract BlacklistConfirmTest is BlacklistBase {
    uint64 internal id;

    function test_RevertWhen_EntryExpired(uint256 after_) public {
        IBlacklist.EntryView memory e = blacklist.entry(id);
        vm.warp(bound(after_, e.expiresAt, e.expiresAt + 3650 days));
        vm.expectRevert(abi.encodeWithSelector(IBlacklist.BlacklistEntryNotActive.selector, id));
        vm.prank(sanyaOperator);
        blacklist.confirm(id);
    }

    function setUp() public override {
        super.setUp();
        id = _list(sanyaOperator, SUBJECT);
        vm.prank(sanyaOperator);
        blacklist.markUnderAppeal(id);
    }

    function test_Confirm() public {
        _expectEmit(address(blacklist));
        emit IBlacklist.EntryConfirmed(id);
        vm.prank(sanyaOperator);
        blacklist.confirm(id);
        assertEq(uint256(_status(id)), uint256(IBlacklist.EntryStatus.Listed));
        assertEq(_activeCount(SUBJECT), 1);

        // It may be appealed again.
        vm.prank(sanyaOperator);
        blacklist.markUnderAppeal(id);
    }

    function test_RevertWhen_NotUnderAppeal() public {
        vm.prank(sanyaOperator);
        blacklist.confirm(id);
        vm.expectRevert(abi.encodeWithSelector(IBlacklist.BlacklistEntryNotUnderAppeal.selector, id));
        vm.prank(sanyaOperator);
        blacklist.confirm(id);
    }

    function test_RevertWhen_Lifted() public {
        vm.prank(sanyaOperator);
        blacklist.lift(id, IBlacklist.LiftReason.Other, NOTE);
        vm.expectRevert(abi.encodeWithSelector(IBlacklist.BlacklistEntryNotUnderAppeal.selector, id));
        vm.prank(sanyaOperator);
        blacklist.confirm(id);
    }

    function test_RevertWhen_EntryUnknown(uint64 unknown) public {
        vm.assume(unknown != id);
        vm.expectRevert(abi.encodeWithSelector(IBlacklist.BlacklistUnknownEntry.selector, unknown));
        vm.prank(sanyaOperator);
        blacklist.confirm(unknown);
    }

    function test_RevertWhen_EntryOfAnotherCentre() public {
        vm.expectRevert(abi.encodeWithSelector(IBlacklist.BlacklistNotListingCentre.selector, id, DANZHOU));
        vm.prank(danzhouOperator);
        blacklist.confirm(id);
    }

    function test_RevertWhen_CallerIsStranger(address caller) public {
        _assumeStranger(caller);
        _expectNotOperator(caller);
        blacklist.confirm(id);
    }

    function test_RevertWhen_CallerIsAdmin() public {
        _expectNotOperator(sanyaAdmin);
        blacklist.confirm(id);
    }

    function test_RevertWhen_CallerIsSuspended() public {
        _suspend(SANYA);
        _expectNotOperator(sanyaOperator);
        blacklist.confirm(id);
    }
}

contract BlacklistEntryTest is BlacklistBase {
    function test_RevertWhen_EntryUnknown(uint64 unknown) public {
        vm.expectRevert(abi.encodeWithSelector(IBlacklist.BlacklistUnknownEntry.selector, unknown));
        blacklist.entry(unknown);
    }

    /// @dev Expiry needs no transaction: the entry counts before expiresAt and not from then on,
    /// and keeps its stored status.
    function test_Entry_ExpiresWithTime(uint64 expiresAt, uint256 at) public {
        uint64 now_ = uint64(block.timestamp);
        expiresAt = uint64(bound(expiresAt, now_ + MIN_LISTING, now_ + MAX_LISTING));
        vm.prank(haikouOperator);
        uint64 id = blacklist.list(SUBJECT, IBlacklist.Reason.LoanDefault, expiresAt, CASE);
        at = bound(at, now_, uint256(expiresAt) + 10 * 365 days);
        vm.warp(at);

        bool active = at < expiresAt;
        assertEq(blacklist.activeEntriesOf(SUBJECT).length, active ? 1 : 0);
        assertEq(_activeCount(SUBJECT), active ? 1 : 0);
        assertEq(uint256(_status(id)), uint256(IBlacklist.EntryStatus.Listed));
    }

    function test_Entry_ExpiryBoundary() public {
        uint64 id = _list(haikouOperator, SUBJECT);
        uint64 expiresAt = blacklist.entry(id).expiresAt;
        vm.warp(expiresAt - 1);
        assertEq(_activeCount(SUBJECT), 1);
        vm.warp(expiresAt);
        assertEq(_activeCount(SUBJECT), 0);
    }

    /// @dev An entry under appeal expires like any other.
    function test_Entry_UnderAppealExpires() public {
        uint64 id = _list(haikouOperator, SUBJECT);
        vm.prank(haikouOperator);
        blacklist.markUnderAppeal(id);
        vm.warp(blacklist.entry(id).expiresAt);
        assertEq(_activeCount(SUBJECT), 0);
    }
}

contract BlacklistActiveCountsOfTest is BlacklistBase {
    mapping(uint256 subject => mapping(uint256 centre => uint64 id)) internal held_;
    mapping(uint256 subject => mapping(uint256 centre => uint256 k)) internal heldAt_;

    /// @dev Random subjects listed by random centres for random terms, some lifted; at a random
    /// later time each count is the number of its entries neither lifted nor expired.
    function test_ActiveCountsOf(uint256 seed, uint256 entries, uint256 at) public {
        entries = bound(entries, 0, 30);
        bytes32[] memory subjects = new bytes32[](4);
        for (uint256 s = 0; s < subjects.length; ++s) {
            subjects[s] = keccak256(abi.encode("subject", seed, s));
        }
        address[3] memory operators = [haikouOperator, sanyaOperator, danzhouOperator];
        uint64[] memory expiries = new uint64[](entries);
        uint256[] memory subjectOf = new uint256[](entries);
        bool[] memory lifted = new bool[](entries);

        for (uint256 k = 0; k < entries; ++k) {
            uint256 r = uint256(keccak256(abi.encode(seed, k)));
            subjectOf[k] = r % subjects.length;
            expiries[k] = uint64(block.timestamp + MIN_LISTING + (r >> 8) % (MAX_LISTING - MIN_LISTING + 1));
            uint256 c = (r >> 128) % 3;
            address operator = operators[c];
            // At most one active entry per centre and subject: a centre that holds one lifts it.
            uint64 held = held_[subjectOf[k]][c];
            if (held != 0 && !lifted[heldAt_[subjectOf[k]][c]]) {
                vm.prank(operator);
                blacklist.lift(held, IBlacklist.LiftReason.Other, keccak256("relisted"));
                lifted[heldAt_[subjectOf[k]][c]] = true;
            }
            vm.prank(operator);
            uint64 id = blacklist.list(subjects[subjectOf[k]], _reason(r >> 64), expiries[k], CASE);
            held_[subjectOf[k]][c] = id;
            heldAt_[subjectOf[k]][c] = k;
            if ((r >> 192) % 4 == 0) {
                vm.prank(operator);
                blacklist.lift(id, IBlacklist.LiftReason.Other, NOTE);
                lifted[k] = true;
            }
        }

        at = bound(at, block.timestamp, block.timestamp + MAX_LISTING + 365 days);
        vm.warp(at);
        uint256[] memory expected = new uint256[](subjects.length);
        for (uint256 k = 0; k < entries; ++k) {
            if (!lifted[k] && at < expiries[k]) ++expected[subjectOf[k]];
        }
        assertEq(blacklist.activeCountsOf(subjects), expected);
        for (uint256 s = 0; s < subjects.length; ++s) {
            assertEq(blacklist.activeEntriesOf(subjects[s]).length, expected[s]);
        }
    }

    function test_ActiveCountsOf_Empty() public view {
        assertEq(blacklist.activeCountsOf(new bytes32[](0)).length, 0);
    }

    function test_ActiveCountsOf_UnknownSubject(bytes32 subject) public view {
        bytes32[] memory subjects = new bytes32[](1);
        subjects[0] = subject;
        assertEq(blacklist.activeCountsOf(subjects)[0], 0);
        assertEq(blacklist.activeEntriesOf(subject).length, 0);
    }
}

contract BlacklistCountsOfTest is BlacklistBase {
    function test_CountsOf(uint256 listings, uint256 lifts) public {
        listings = bound(listings, 0, 20);
        lifts = bound(lifts, 0, listings);
        for (uint256 k = 0; k < listings; ++k) {
            uint64 id = _list(sanyaOperator, keccak256(abi.encode(k)));
            if (k < lifts) {
                if (k % 2 == 0) {
                    vm.prank(sanyaOperator);
                    blacklist.lift(id, IBlacklist.LiftReason.Other, NOTE);
                } else {
                    _enact(address(blacklist), abi.encodeCall(IBlacklist.liftByGovernance, (id, IBlacklist.LiftReason.Other, NOTE)));
                }
            }
        }
        (uint32 listed, uint32 lifted) = blacklist.countsOf(SANYA);
        assertEq(listed, listings);
        assertEq(lifted, lifts);
        (listed, lifted) = blacklist.countsOf(HAIKOU);
        assertEq(listed, 0);
        assertEq(lifted, 0);
    }
}

contract BlacklistSetDurationBoundsTest is BlacklistBase {
    function test_SetDurationBounds(uint64 minDuration, uint64 maxDuration) public {
        minDuration = uint64(bound(minDuration, 1, 50 * 365 days));
        maxDuration = uint64(bound(maxDuration, minDuration, 100 * 365 days));
        vm.assume(minDuration != MIN_LISTING || maxDuration != MAX_LISTING);
        uint256 pid = _proposeAndApprove(
            address(blacklist), abi.encodeCall(IBlacklist.setDurationBounds, (minDuration, maxDuration))
        );
        _expectEmit(address(blacklist));
        emit IBlacklist.DurationBoundsChanged(minDuration, maxDuration);
        vm.prank(haikouAdmin);
        consortium.execute(pid);

        (uint64 lo, uint64 hi) = blacklist.durationBounds();
        assertEq(lo, minDuration);
        assertEq(hi, maxDuration);

        // New listings follow the new bounds.
        uint64 now_ = uint64(block.timestamp);
        vm.prank(haikouOperator);
        blacklist.list(SUBJECT, IBlacklist.Reason.Other, now_ + maxDuration, CASE);
        uint64 tooSoon = now_ + minDuration - 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                IBlacklist.BlacklistInvalidExpiry.selector, tooSoon, now_ + minDuration, now_ + maxDuration
            )
        );
        vm.prank(haikouOperator);
        blacklist.list(SUBJECT, IBlacklist.Reason.Other, tooSoon, CASE);
    }

    function test_SetDurationBounds_UnchangedEmitsNothing() public {
        uint256 pid = _proposeAndApprove(
            address(blacklist), abi.encodeCall(IBlacklist.setDurationBounds, (MIN_LISTING, MAX_LISTING))
        );
        vm.recordLogs();
        vm.prank(haikouAdmin);
        consortium.execute(pid);
        // Only ProposalExecuted.
        assertEq(vm.getRecordedLogs().length, 1);
    }

    function test_RevertWhen_BoundsInvalid(uint64 minDuration, uint64 maxDuration) public {
        vm.assume(minDuration == 0 || minDuration > maxDuration || maxDuration > MAX_BOUND);
        uint256 pid = _proposeAndApprove(
            address(blacklist), abi.encodeCall(IBlacklist.setDurationBounds, (minDuration, maxDuration))
        );
        vm.expectRevert(
            _failed(pid, abi.encodeWithSelector(IBlacklist.BlacklistInvalidBounds.selector, minDuration, maxDuration))
        );
        vm.prank(haikouAdmin);
        consortium.execute(pid);
    }

    function test_RevertWhen_CalledDirectly(address caller) public {
        vm.assume(caller != address(consortium));
        vm.expectRevert(abi.encodeWithSelector(IBlacklist.BlacklistNotGovernance.selector, caller));
        vm.prank(caller);
        blacklist.setDurationBounds(1, 2);
    }

    function test_RevertWhen_CalledDirectlyByMembers() public {
        address[3] memory callers = [haikouAdmin, haikouOperator, lender];
        for (uint256 i = 0; i < callers.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IBlacklist.BlacklistNotGovernance.selector, callers[i]));
            vm.prank(callers[i]);
            blacklist.setDurationBounds(1, 2);
        }
    }
}
