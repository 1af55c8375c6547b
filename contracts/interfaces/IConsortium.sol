// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Consortium of housing-provident-fund centres
/// @notice Who the members are, which accounts act for them, which keys they sign certificates
/// with and when those keys were valid. Changes to membership go through M-of-N proposals.
interface IConsortium {
    /// @notice What an account may do for its centre or institution.
    enum Role {
        None,
        CentreAdmin,
        CentreOperator,
        Institution
    }

    enum CentreStatus {
        None,
        Active,
        Suspended
    }

    /// @notice Signature algorithms of certificate-signing keys (COSE algorithm names). SM2 is
    /// SM2 with SM3 and the default signer ID (GB/T 32918), the national suite; its public key is
    /// the uncompressed point (65 bytes), checked by the issuer before it registers.
    enum KeyAlgorithm {
        None,
        EdDSA,
        ES256,
        SM2
    }

    struct Centre {
        string name;
        address admin;
        address operator;
        CentreStatus status;
    }

    struct Institution {
        string name;
        address account;
        uint32 sponsor;
        bool active;
    }

    /// @notice One account's standing, packed in one slot so other contracts check it with one read.
    struct Account {
        uint32 id;
        Role role;
        bool active;
    }

    struct SigningKey {
        uint32 centre;
        KeyAlgorithm algorithm;
        uint64 validFrom;
        uint64 validUntil;
        bytes publicKey;
    }

    struct Proposal {
        address target;
        uint32 proposer;
        uint16 approvals;
        uint64 expiresAt;
        bool executed;
        bool cancelled;
        bytes data;
    }

    /// @notice Centre `code` joined, with its admin and operator accounts.
    event CentreAdmitted(uint32 indexed code, string name, address admin, address operator);
    /// @notice Centre `code` was suspended by governance; its accounts are inactive.
    event CentreSuspended(uint32 indexed code);
    /// @notice Centre `code` was reinstated by governance; its accounts are active again.
    event CentreReinstated(uint32 indexed code);
    /// @notice Centre `code`'s admin replaced its operator account.
    event CentreOperatorChanged(uint32 indexed code, address previousOperator, address newOperator);
    /// @notice Institution `id` (a lender) was registered by governance, sponsored by centre `sponsor`.
    event InstitutionRegistered(uint32 indexed id, string name, address account, uint32 indexed sponsor);
    /// @notice Institution `id` was suspended by governance; its account is inactive.
    event InstitutionSuspended(uint32 indexed id);
    /// @notice Governance changed the number of approvals a proposal needs.
    event ThresholdChanged(uint16 previousThreshold, uint16 newThreshold);
    /// @notice Centre `proposer` proposed calling `target` with `data`; open until `expiresAt`.
    event ProposalCreated(
        uint256 indexed proposalId, uint32 indexed proposer, address target, bytes data, uint64 expiresAt
    );
    /// @notice Centre `centre` approved proposal `proposalId`, which now has `approvals` approvals.
    event ProposalApproved(uint256 indexed proposalId, uint32 indexed centre, uint16 approvals);
    /// @notice Proposal `proposalId` was executed, by centre `executor`.
    event ProposalExecuted(uint256 indexed proposalId, uint32 indexed executor);
    /// @notice `by` is the proposing centre, or 0 when governance cancelled it.
    event ProposalCancelled(uint256 indexed proposalId, uint32 indexed by);
    /// @notice Centre `centre` registered signing key `keyId`, valid from `validFrom`.
    event KeyRegistered(
        uint32 indexed centre, bytes8 indexed keyId, KeyAlgorithm algorithm, bytes publicKey, uint64 validFrom
    );
    /// @notice Centre `centre` retired signing key `keyId`: valid until `validUntil` (exclusive).
    event KeyRetired(uint32 indexed centre, bytes8 indexed keyId, uint64 validUntil);

    /// @notice The caller is not the Consortium itself executing a proposal.
    error ConsortiumNotGovernance(address caller);
    /// @notice The caller is not the admin account of an active centre.
    error ConsortiumNotCentreAdmin(address caller);
    /// @notice `code` is not a 6-digit administrative-division code.
    error ConsortiumInvalidCentreCode(uint32 code);
    /// @notice Centre `code` is already a member (or was one).
    error ConsortiumCentreExists(uint32 code);
    /// @notice No centre has code `code`.
    error ConsortiumUnknownCentre(uint32 code);
    /// @notice Centre `code` is not an active member.
    error ConsortiumCentreNotActive(uint32 code);
    /// @notice Centre `code` is not suspended, so it cannot be reinstated.
    error ConsortiumCentreNotSuspended(uint32 code);
    /// @notice `account` already has a role in the consortium.
    error ConsortiumAccountInUse(address account);
    /// @notice An account is the zero address.
    error ConsortiumZeroAccount();
    /// @notice `id` is below 1,000,000, the range of centre codes.
    error ConsortiumInvalidInstitutionId(uint32 id);
    /// @notice Institution `id` is already registered.
    error ConsortiumInstitutionExists(uint32 id);
    /// @notice No institution has id `id`.
    error ConsortiumUnknownInstitution(uint32 id);
    /// @notice Institution `id` is already suspended.
    error ConsortiumInstitutionNotActive(uint32 id);
    /// @notice `threshold` is zero or more than the `activeMembers` (or would become so).
    error ConsortiumInvalidThreshold(uint16 threshold, uint16 activeMembers);
    /// @notice No proposal has id `proposalId`.
    error ConsortiumUnknownProposal(uint256 proposalId);
    /// @notice Proposal `proposalId` expired at `expiredAt`.
    error ConsortiumProposalExpired(uint256 proposalId, uint64 expiredAt);
    /// @notice Proposal `proposalId` was already executed.
    error ConsortiumProposalAlreadyExecuted(uint256 proposalId);
    /// @notice Centre `centre` already approved proposal `proposalId`.
    error ConsortiumProposalAlreadyApproved(uint256 proposalId, uint32 centre);
    /// @notice Proposal `proposalId` has `approvals` approvals; it needs `threshold`.
    error ConsortiumProposalBelowThreshold(uint256 proposalId, uint16 approvals, uint16 threshold);
    /// @notice The call proposal `proposalId` made reverted with `returnData`.
    error ConsortiumProposalFailed(uint256 proposalId, bytes returnData);
    /// @notice Proposal `proposalId` was cancelled.
    error ConsortiumProposalCancelled(uint256 proposalId);
    /// @notice Centre `centre` did not propose `proposalId`, so it cannot cancel it.
    error ConsortiumNotProposer(uint256 proposalId, uint32 centre);
    /// @notice A proposal's `target` has no code.
    error ConsortiumTargetNotContract(address target);
    /// @notice Key `keyId` is zero, or has no algorithm or no public key.
    error ConsortiumInvalidKey(bytes8 keyId);
    /// @notice Key `keyId` is already registered (by any centre).
    error ConsortiumKeyExists(bytes8 keyId);
    /// @notice `keyId` is not the key id derived from the public key (`derived`: its SHA-256's first 8 bytes).
    error ConsortiumKeyIdMismatch(bytes8 keyId, bytes8 derived);
    /// @notice No key is registered under `keyId`.
    error ConsortiumUnknownKey(bytes8 keyId);
    /// @notice Key `keyId` belongs to another centre than the caller's `centre`.
    error ConsortiumKeyNotOwned(bytes8 keyId, uint32 centre);
    /// @notice Key `keyId` was already retired, valid until `validUntil`.
    error ConsortiumKeyAlreadyRetired(bytes8 keyId, uint64 validUntil);
    /// @notice The founding members' lists are empty or of different lengths, or the proposal lifetime is zero.
    error ConsortiumInvalidGenesis();

    // --- governance (only through an executed proposal) ---

    /// @notice Admits a fund centre as an active member.
    /// @dev Requires: called by this contract through an executed proposal; `code` a 6-digit
    /// administrative-division code not yet admitted; both accounts non-zero and unused.
    /// Emits {CentreAdmitted}.
    function admitCentre(uint32 code, string calldata name, address admin, address operator) external;

    /// @notice Suspends an active centre: its accounts lose every right, its keys stop validating.
    /// @dev Requires: governance; the centre active; the threshold still reachable afterwards.
    /// Emits {CentreSuspended}.
    function suspendCentre(uint32 code) external;

    /// @notice Restores a suspended centre. Requires governance. Emits {CentreReinstated}.
    function reinstateCentre(uint32 code) external;

    /// @notice Registers a lending institution sponsored by an active centre.
    /// @dev Requires governance; `id` ≥ 1,000,000 (so it never collides with a centre code) and
    /// unused; `account` non-zero and unused. Emits {InstitutionRegistered}.
    function registerInstitution(uint32 id, string calldata name, address account, uint32 sponsor) external;

    /// @notice Suspends a lending institution. Requires governance. Emits {InstitutionSuspended}.
    function suspendInstitution(uint32 id) external;

    /// @notice Sets M, the approvals a proposal needs. Requires governance and 1 ≤ M ≤ active
    /// members. Emits {ThresholdChanged} when M changes.
    function setThreshold(uint16 threshold) external;

    // --- proposals ---

    /// @notice Proposes a call that takes effect once `threshold()` member centres approved it.
    /// The proposer's approval is counted at once.
    /// @dev Requires: caller the admin account of an active centre; `target` a contract (a typo'd
    /// address would otherwise "execute" successfully and do nothing). Emits {ProposalCreated} and
    /// {ProposalApproved}.
    /// @return proposalId the new proposal's id (sequential from 1)
    function propose(address target, bytes calldata data) external returns (uint256 proposalId);

    /// @notice Approves a pending proposal on behalf of the caller's centre.
    /// @dev Requires: caller an active centre's admin; proposal known, not executed, not
    /// cancelled, not expired, not yet approved by this centre. Emits {ProposalApproved}.
    function approve(uint256 proposalId) external;

    /// @notice Executes a proposal that reached the threshold.
    /// @dev Requires: caller an active centre's admin; proposal known, not executed, not
    /// cancelled, not expired; approvals of centres that are active members now ≥ threshold
    /// (an approval of a centre suspended since does not count while it is suspended); the call
    /// succeeds. Emits {ProposalExecuted}.
    function execute(uint256 proposalId) external returns (bytes memory result);

    /// @notice Withdraws a pending proposal: it can never be approved or executed again.
    /// @dev Requires: caller the admin of the (active) centre that proposed it, or this contract
    /// (an executed proposal to cancel another); proposal known, not executed, not cancelled,
    /// not expired. Emits {ProposalCancelled}.
    function cancel(uint256 proposalId) external;

    // --- a centre's own affairs ---

    /// @notice Replaces the caller's centre operator account.
    /// @dev Requires: caller an active centre's admin; new account non-zero and unused.
    /// Emits {CentreOperatorChanged}.
    function setOperator(address newOperator) external;

    /// @notice Registers a certificate-signing key of the caller's centre, valid from now.
    /// @dev Requires: caller an active centre's admin; `keyId` non-zero, equal to the first 8
    /// bytes of sha256(`publicKey`) and never used; `algorithm` known; `publicKey` non-empty.
    /// Emits {KeyRegistered}.
    function registerKey(bytes8 keyId, KeyAlgorithm algorithm, bytes calldata publicKey) external;

    /// @notice Retires a key of the caller's centre: valid until now, never again.
    /// @dev Requires: caller the admin of the key's (active) centre; key not retired.
    /// Emits {KeyRetired}.
    function retireKey(bytes8 keyId) external;

    // --- views ---

    /// @notice The standing of an account: whose it is, in what role, and whether it may act.
    function account(address who) external view returns (Account memory);

    function centre(uint32 code) external view returns (Centre memory);

    function institution(uint32 id) external view returns (Institution memory);

    function key(bytes8 keyId) external view returns (SigningKey memory);

    function proposal(uint256 proposalId) external view returns (Proposal memory);

    function hasApproved(uint256 proposalId, uint32 code) external view returns (bool);

    /// @notice The centres that approved `proposalId`, in the order they approved.
    function approversOf(uint256 proposalId) external view returns (uint32[] memory);

    /// @notice The approvals of `proposalId` that count now: those of currently active members.
    function activeApprovals(uint256 proposalId) external view returns (uint16);

    function threshold() external view returns (uint16);

    function activeMembers() external view returns (uint16);

    function proposalLifetime() external view returns (uint64);

    /// @notice Was key `keyId` a key of centre `code` valid at time `at`, and is `code` an active
    /// member now? An unknown key answers keyValid false; an unknown centre answers (false, false).
    function keyValidAt(uint32 code, bytes8 keyId, uint64 at) external view returns (bool keyValid, bool centreActive);
}
