// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IConsortium} from "./interfaces/IConsortium.sol";
import {IBlacklist} from "./interfaces/IBlacklist.sol";

/// @title Blacklist
/// @notice The consortium's shared list of people barred for fraud or loan default.
/// @dev Expiry needs no transaction: views compare `expiresAt` with the block time.
/// Each subject's entries form a list from `_latest` through `previous`; every listing first
/// unlinks the entries that were lifted or have expired, and a centre holds at most one active
/// entry per subject, so the walk is never longer than the number of centres that list the
/// subject (one link per centre), however many times it was listed and lifted.
contract Blacklist is IBlacklist {
    /// @dev Keeps `now + maxDuration` far from overflowing uint64.
    uint64 private constant _MAX_DURATION_BOUND = 100 * 365 days;

    IConsortium private immutable _consortium;

    mapping(uint64 id => Entry) private _entries;
    mapping(bytes32 subject => uint64 id) private _latest;
    /// @dev listed count in the low 32 bits, lifted count in the next 32.
    mapping(uint32 centre => uint64) private _counts;

    uint64 private _minDuration;
    uint64 private _maxDuration;

    modifier onlyGovernance() {
        _checkGovernance();
        _;
    }

    constructor(IConsortium consortium_, uint64 minDuration, uint64 maxDuration) {
        _consortium = consortium_;
        _setDurationBounds(minDuration, maxDuration);
    }

    /// @notice The consortium whose members may list.
    function consortium() external view returns (IConsortium) {
        return _consortium;
    }

    /// @inheritdoc IBlacklist
    function list(bytes32 subject, Reason reason, uint64 expiresAt, bytes32 caseHash) external returns (uint64 id) {
        uint32 code = _checkOperator(msg.sender);
        if (subject == bytes32(0)) revert BlacklistInvalidSubject();
        if (reason == Reason.None) revert BlacklistInvalidReason();
        uint64 now_ = uint64(block.timestamp);
        uint64 earliest = now_ + _minDuration;
        uint64 latest = now_ + _maxDuration;
        if (expiresAt < earliest || expiresAt > latest) revert BlacklistInvalidExpiry(expiresAt, earliest, latest);
        uint64 head = _pruneAndCheck(subject, code);
        uint64 counts = _counts[code] + 1;
        _counts[code] = counts;
        id = (uint64(code) << 32) | (counts & 0xffffffff);
        _entries[id] = Entry({
            centre: code,
            reason: reason,
            status: EntryStatus.Listed,
            listedAt: now_,
            expiresAt: expiresAt,
            previous: head
        });
        _latest[subject] = id;
        emit EntryListed(id, subject, code, reason, expiresAt, caseHash);
    }

    /// @inheritdoc IBlacklist
    function lift(uint64 id, LiftReason reason, bytes32 noteHash) external {
        Entry storage e = _ownEntry(id);
        _lift(e, id, e.centre, reason, noteHash);
    }

    /// @inheritdoc IBlacklist
    function liftByGovernance(uint64 id, LiftReason reason, bytes32 noteHash) external onlyGovernance {
        Entry storage e = _knownEntry(id);
        _lift(e, id, 0, reason, noteHash);
    }

    /// @inheritdoc IBlacklist
    function markUnderAppeal(uint64 id) external {
        Entry storage e = _ownEntry(id);
        if (e.status == EntryStatus.UnderAppeal) revert BlacklistEntryAlreadyUnderAppeal(id);
        if (!_isActive(e)) revert BlacklistEntryNotActive(id);
        e.status = EntryStatus.UnderAppeal;
        emit EntryAppealed(id);
    }

    /// @inheritdoc IBlacklist
    function confirm(uint64 id) external {
        Entry storage e = _ownEntry(id);
        if (e.status != EntryStatus.UnderAppeal) revert BlacklistEntryNotUnderAppeal(id);
        if (!_isActive(e)) revert BlacklistEntryNotActive(id);
        e.status = EntryStatus.Listed;
        emit EntryConfirmed(id);
    }

    /// @inheritdoc IBlacklist
    function setDurationBounds(uint64 minDuration, uint64 maxDuration) external onlyGovernance {
        _setDurationBounds(minDuration, maxDuration);
    }

    /// @inheritdoc IBlacklist
    function entry(uint64 id) external view returns (EntryView memory) {
        return _view(id, _knownEntry(id));
    }

    /// @inheritdoc IBlacklist
    function activeEntriesOf(bytes32 subject) external view returns (EntryView[] memory result) {
        uint256 n = 0;
        for (uint64 id = _latest[subject]; id != 0; id = _entries[id].previous) {
            if (_isActive(_entries[id])) ++n;
        }
        result = new EntryView[](n);
        uint256 i = 0;
        for (uint64 id = _latest[subject]; id != 0; id = _entries[id].previous) {
            Entry storage e = _entries[id];
            if (_isActive(e)) result[i++] = _view(id, e);
        }
    }

    /// @inheritdoc IBlacklist
    function activeCountsOf(bytes32[] calldata subjects) external view returns (uint256[] memory counts) {
        counts = new uint256[](subjects.length);
        for (uint256 i = 0; i < subjects.length; ++i) {
            uint256 n = 0;
            for (uint64 id = _latest[subjects[i]]; id != 0; id = _entries[id].previous) {
                if (_isActive(_entries[id])) ++n;
            }
            counts[i] = n;
        }
    }

    /// @inheritdoc IBlacklist
    function countsOf(uint32 centre) external view returns (uint32 listed, uint32 lifted) {
        uint64 c = _counts[centre];
        listed = uint32(c);
        lifted = uint32(c >> 32);
    }

    /// @inheritdoc IBlacklist
    function durationBounds() external view returns (uint64 minDuration, uint64 maxDuration) {
        return (_minDuration, _maxDuration);
    }

    // --- internals ---

    function _checkGovernance() private view {
        if (msg.sender != address(_consortium)) revert BlacklistNotGovernance(msg.sender);
    }

    function _checkOperator(address who) private view returns (uint32) {
        IConsortium.Account memory a = _consortium.account(who);
        if (a.role != IConsortium.Role.CentreOperator || !a.active) revert BlacklistNotOperator(who);
        return a.id;
    }

    function _knownEntry(uint64 id) private view returns (Entry storage e) {
        e = _entries[id];
        if (e.centre == 0) revert BlacklistUnknownEntry(id);
    }

    function _ownEntry(uint64 id) private view returns (Entry storage e) {
        uint32 code = _checkOperator(msg.sender);
        e = _knownEntry(id);
        if (e.centre != code) revert BlacklistNotListingCentre(id, code);
    }

    /// @dev Unlinks the subject's lifted and expired entries and returns the first one kept;
    /// reverts if `code` already holds an active entry for the subject. Kept entries are all
    /// active, so the list holds at most one per centre.
    function _pruneAndCheck(bytes32 subject, uint32 code) private returns (uint64 head) {
        uint64 kept = 0;
        for (uint64 id = _latest[subject]; id != 0;) {
            Entry storage e = _entries[id];
            uint64 next = e.previous;
            if (_isActive(e)) {
                if (e.centre == code) revert BlacklistAlreadyListed(subject, code, id);
                if (kept == 0) head = id;
                else if (_entries[kept].previous != id) _entries[kept].previous = id;
                kept = id;
            }
            id = next;
        }
        if (kept != 0 && _entries[kept].previous != 0) _entries[kept].previous = 0;
    }

    function _lift(Entry storage e, uint64 id, uint32 liftedBy, LiftReason reason, bytes32 noteHash) private {
        if (reason == LiftReason.None) revert BlacklistInvalidLiftReason();
        if (!_isActive(e)) revert BlacklistEntryNotActive(id);
        e.status = EntryStatus.Lifted;
        _counts[e.centre] += uint64(1) << 32;
        emit EntryLifted(id, liftedBy, reason, noteHash);
    }

    function _isActive(Entry storage e) private view returns (bool) {
        return (e.status == EntryStatus.Listed || e.status == EntryStatus.UnderAppeal) && e.expiresAt > block.timestamp;
    }

    function _view(uint64 id, Entry storage e) private view returns (EntryView memory) {
        return EntryView({
            id: id,
            centre: e.centre,
            reason: e.reason,
            status: e.status,
            listedAt: e.listedAt,
            expiresAt: e.expiresAt
        });
    }

    function _setDurationBounds(uint64 minDuration, uint64 maxDuration) private {
        if (minDuration == 0 || minDuration > maxDuration || maxDuration > _MAX_DURATION_BOUND) {
            revert BlacklistInvalidBounds(minDuration, maxDuration);
        }
        if (minDuration == _minDuration && maxDuration == _maxDuration) return;
        _minDuration = minDuration;
        _maxDuration = maxDuration;
        emit DurationBoundsChanged(minDuration, maxDuration);
    }
}
