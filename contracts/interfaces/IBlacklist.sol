// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Shared blacklist
/// @notice Entries are keyed by a subject reference, HMAC-SHA256(consortium key, ID number),
/// which only member centres can compute; nothing personal is stored.
interface IBlacklist {
    enum Reason {
        None,
        ForgedMaterials,
        FraudulentWithdrawal,
        LoanDefault,
        FraudulentLoan,
        Other
    }

    /// @notice Why an entry was lifted. A code, never free text: a clerk's words stay in the
    /// centre's database and only their hash goes on chain.
    enum LiftReason {
        None,
        AppealUpheld,
        ListedInError,
        Settled,
        CourtOrder,
        Other
    }

    enum EntryStatus {
        None,
        Listed,
        UnderAppeal,
        Lifted
    }

    /// @notice One listing, packed in one storage slot. `previous` links the subject's entries
    /// that were still active when the next one was listed (older ones are unlinked then).
    struct Entry {
        uint32 centre;
        Reason reason;
        EntryStatus status;
        uint64 listedAt;
        uint64 expiresAt;
        uint64 previous;
    }

    /// @notice An entry with its id, as the views return it. The subject is not stored per entry
    /// (it is in {EntryListed}); callers of {activeEntriesOf} know it already.
    struct EntryView {
        uint64 id;
        uint32 centre;
        Reason reason;
        EntryStatus status;
        uint64 listedAt;
        uint64 expiresAt;
    }

    /// @notice The subject and the case file's hash live in this event (on chain, immutable)
    /// rather than in storage, which keeps a listing under 100,000 gas. `liftedBy` 0 in
    /// {EntryLifted} means consortium governance.
    event EntryListed(
        uint64 indexed id, bytes32 indexed subject, uint32 indexed centre, Reason reason, uint64 expiresAt, bytes32 caseHash
    );
    /// @notice Entry `id` was lifted by centre `liftedBy` (0: by consortium governance) for the coded
    /// `reason`; the free-text note stays off chain, `noteHash` is its hash.
    event EntryLifted(uint64 indexed id, uint32 indexed liftedBy, LiftReason reason, bytes32 noteHash);
    /// @notice Entry `id` was marked under appeal by its listing centre.
    event EntryAppealed(uint64 indexed id);
    /// @notice Entry `id` was confirmed after an appeal: listed again.
    event EntryConfirmed(uint64 indexed id);
    /// @notice Governance changed the allowed listing durations to [`minDuration`, `maxDuration`] seconds.
    event DurationBoundsChanged(uint64 minDuration, uint64 maxDuration);

    /// @notice The caller is not the operator account of an active centre.
    error BlacklistNotOperator(address caller);
    /// @notice The caller is not the Consortium executing a proposal.
    error BlacklistNotGovernance(address caller);
    /// @notice The subject reference is zero.
    error BlacklistInvalidSubject();
    /// @notice The reason is None.
    error BlacklistInvalidReason();
    /// @notice The lift reason is None.
    error BlacklistInvalidLiftReason();
    /// @notice `expiresAt` is outside [`earliest`, `latest`] (now plus the duration bounds).
    error BlacklistInvalidExpiry(uint64 expiresAt, uint64 earliest, uint64 latest);
    /// @notice The duration bounds are zero, inverted or longer than the contract allows.
    error BlacklistInvalidBounds(uint64 minDuration, uint64 maxDuration);
    /// @notice No entry has id `id`.
    error BlacklistUnknownEntry(uint64 id);
    /// @notice Entry `id` was listed by another centre than the caller's `centre`.
    error BlacklistNotListingCentre(uint64 id, uint32 centre);
    /// @notice Entry `id` is lifted or expired.
    error BlacklistEntryNotActive(uint64 id);
    /// @notice Entry `id` is not under appeal, so there is nothing to confirm.
    error BlacklistEntryNotUnderAppeal(uint64 id);
    /// @notice Entry `id` is already under appeal.
    error BlacklistEntryAlreadyUnderAppeal(uint64 id);
    /// @notice A centre holds at most one active entry per subject: `activeId` is the one it holds.
    error BlacklistAlreadyListed(bytes32 subject, uint32 centre, uint64 activeId);

    /// @notice Lists `subject` for the caller's centre.
    /// @dev Requires: caller the operator of an active member centre; subject non-zero; a reason;
    /// `expiresAt` within [now + minDuration, now + maxDuration]; the centre holds no active
    /// entry for `subject` (lift it first to list again for another reason). Unlinks the
    /// subject's lifted and expired entries from the walk of the views. Emits {EntryListed}.
    /// @return id the entry's id: the centre code in the high 32 bits, its sequence in the low 32.
    function list(bytes32 subject, Reason reason, uint64 expiresAt, bytes32 caseHash) external returns (uint64 id);

    /// @notice Lifts an entry of the caller's centre, with a reason code and the hash of the
    /// centre's own note (kept off chain; zero when there is none).
    /// @dev Requires: caller the operator of the active centre that listed it; a reason; the entry
    /// listed or under appeal and not expired. Emits {EntryLifted}.
    function lift(uint64 id, LiftReason reason, bytes32 noteHash) external;

    /// @notice Lifts any centre's entry by consortium decision.
    /// @dev Requires: called by the consortium contract (an executed proposal); a reason.
    /// Emits {EntryLifted}.
    function liftByGovernance(uint64 id, LiftReason reason, bytes32 noteHash) external;

    /// @notice Marks an entry of the caller's centre as under appeal; it still counts, flagged.
    /// @dev Requires: the listing centre's operator; the entry listed (not already appealed).
    /// Emits {EntryAppealed}.
    function markUnderAppeal(uint64 id) external;

    /// @notice Confirms an entry under appeal: it is listed again.
    /// @dev Requires: the listing centre's operator; the entry under appeal and not expired.
    /// Emits {EntryConfirmed}.
    function confirm(uint64 id) external;

    /// @notice Sets how long a listing may last. Requires the consortium contract and
    /// 0 < min ≤ max ≤ 100 years. Emits {DurationBoundsChanged} when they change.
    function setDurationBounds(uint64 minDuration, uint64 maxDuration) external;

    /// @notice The entry `id`; reverts for an unknown id.
    function entry(uint64 id) external view returns (EntryView memory);

    /// @notice The entries of `subject` that count now: listed or under appeal, not expired;
    /// newest first. At most one per centre; its cost does not grow with the subject's history.
    function activeEntriesOf(bytes32 subject) external view returns (EntryView[] memory);

    /// @notice How many active entries each subject has (0 = clear), for many subjects in one call.
    function activeCountsOf(bytes32[] calldata subjects) external view returns (uint256[] memory counts);

    /// @notice How many entries `centre` ever listed, and how many it or governance lifted.
    function countsOf(uint32 centre) external view returns (uint32 listed, uint32 lifted);

    function durationBounds() external view returns (uint64 minDuration, uint64 maxDuration);
}
