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

    event CentreAdmitted(uint32 indexed code, string name, address admin, address operator);
    event CentreSuspended(uint32 indexed code);
    event CentreReinstated(uint32 indexed code);
    event CentreOperatorChanged(uint32 indexed code, address previousOperator, address newOperator);
    event InstitutionRegistered(uint32 indexed id, string name, address account, uint32 indexed sponsor);
    event InstitutionSuspended(uint32 indexed id);
    event ThresholdChanged(uint16 previousThreshold, uint16 newThreshold);
    event ProposalCreated(
        uint256 indexed proposalId, uint32 indexed proposer, address target, bytes data, uint64 expiresAt
    );
    event ProposalApproved(uint256 indexed proposalId, uint32 indexed centre, uint16 approvals);
    event ProposalExecuted(uint256 indexed proposalId, uint32 indexed executor);
    /// @notice `by` is the proposing centre, or 0 when governance cancelled it.
    event ProposalCancelled(uint256 indexed proposalId, uint32 indexed by);
    event KeyRegistered(
        uint32 indexed centre, bytes8 indexed keyId, KeyAlgorithm algorithm, bytes publicKey, uint64 validFrom
    );
    event KeyRetired(uint32 indexed centre, bytes8 indexed keyId, uint64 validUntil);

    error ConsortiumNotGovernance(address caller);
    error ConsortiumNotCentreAdmin(address caller);
    error ConsortiumInvalidCentreCode(uint32 code);
    error ConsortiumCentreExists(uint32 code);
    error ConsortiumUnknownCentre(uint32 code);
    error ConsortiumCentreNotActive(uint32 code);
    error ConsortiumCentreNotSuspended(uint32 code);
    error ConsortiumAccountInUse(address account);
    error ConsortiumZeroAccount();
    error ConsortiumInvalidInstitutionId(uint32 id);
    error ConsortiumInstitutionExists(uint32 id);
    error ConsortiumUnknownInstitution(uint32 id);
    error ConsortiumInstitutionNotActive(uint32 id);
    error ConsortiumInvalidThreshold(uint16 threshold, uint16 activeMembers);
    error ConsortiumUnknownProposal(uint256 proposalId);
    error ConsortiumProposalExpired(uint256 proposalId, uint64 expiredAt);
    error ConsortiumProposalAlreadyExecuted(uint256 proposalId);
    error ConsortiumProposalAlreadyApproved(uint256 proposalId, uint32 centre);
    error ConsortiumProposalBelowThreshold(uint256 proposalId, uint16 approvals, uint16 threshold);
    error ConsortiumProposalFailed(uint256 proposalId, bytes returnData);
    error ConsortiumProposalCancelled(uint256 proposalId);
    error ConsortiumNotProposer(uint256 proposalId, uint32 centre);
    error ConsortiumTargetNotContract(address target);
    error ConsortiumInvalidKey(bytes8 keyId);
    error ConsortiumKeyExists(bytes8 keyId);
    error ConsortiumKeyIdMismatch(bytes8 keyId, bytes8 derived);
    error ConsortiumUnknownKey(bytes8 keyId);
    error ConsortiumKeyNotOwned(bytes8 keyId, uint32 centre);
    error ConsortiumKeyAlreadyRetired(bytes8 keyId, uint64 validUntil);
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
