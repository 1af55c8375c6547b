// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IConsortium} from "./interfaces/IConsortium.sol";

/// @title Consortium
/// @notice Membership, accounts and signing keys of the provident-fund trust network.
/// @dev Governance calls (admit, suspend, register an institution, change the threshold, and
/// calls into the other contracts such as lifting a blacklist entry) are made by this contract
/// itself when a proposal is executed, so every one of them passed M-of-N approval.
/// Approvals are counted at execution, among the centres that are active members then: a centre
/// suspended after approving does not lend its approval to a proposal it can no longer vote on.
contract Consortium is IConsortium {
    uint32 private constant _MIN_CENTRE_CODE = 100000;
    uint32 private constant _MAX_CENTRE_CODE = 999999;
    uint32 private constant _MIN_INSTITUTION_ID = 1000000;

    mapping(uint32 code => Centre) private _centres;
    mapping(uint32 id => Institution) private _institutions;
    mapping(address account => Account) private _accounts;
    mapping(bytes8 keyId => SigningKey) private _keys;
    mapping(uint256 proposalId => Proposal) private _proposals;
    mapping(uint256 proposalId => mapping(uint32 code => bool)) private _approved;
    mapping(uint256 proposalId => uint32[] codes) private _approvers;

    uint256 private _proposalCount;
    uint16 private _threshold;
    uint16 private _activeMembers;
    uint64 private immutable _proposalLifetime;

    modifier onlyGovernance() {
        _checkGovernance();
        _;
    }

    /// @param codes genesis member centres (administrative-division codes)
    /// @param names their names, same order
    /// @param admins their admin accounts (govern, manage keys)
    /// @param operators their operator accounts (anchor, revoke, blacklist, trace)
    /// @param threshold_ approvals a proposal needs (1 ≤ M ≤ members)
    /// @param proposalLifetime_ seconds a proposal stays open
    constructor(
        uint32[] memory codes,
        string[] memory names,
        address[] memory admins,
        address[] memory operators,
        uint16 threshold_,
        uint64 proposalLifetime_
    ) {
        uint256 n = codes.length;
        if (n == 0 || names.length != n || admins.length != n || operators.length != n || proposalLifetime_ == 0) {
            revert ConsortiumInvalidGenesis();
        }
        for (uint256 i = 0; i < n; ++i) {
            _admitCentre(codes[i], names[i], admins[i], operators[i]);
        }
        _setThreshold(threshold_);
        _proposalLifetime = proposalLifetime_;
    }

    // --- governance ---

    /// @inheritdoc IConsortium
    function admitCentre(uint32 code, string calldata name, address admin, address operator)
        external
        onlyGovernance
    {
        _admitCentre(code, name, admin, operator);
    }

    /// @inheritdoc IConsortium
    function suspendCentre(uint32 code) external onlyGovernance {
        Centre storage c = _centres[code];
        if (c.status != CentreStatus.Active) revert ConsortiumCentreNotActive(code);
        if (_activeMembers - 1 < _threshold) revert ConsortiumInvalidThreshold(_threshold, _activeMembers - 1);
        c.status = CentreStatus.Suspended;
        _activeMembers -= 1;
        _accounts[c.admin].active = false;
        _accounts[c.operator].active = false;
        emit CentreSuspended(code);
    }

    /// @inheritdoc IConsortium
    function reinstateCentre(uint32 code) external onlyGovernance {
        Centre storage c = _centres[code];
        if (c.status != CentreStatus.Suspended) revert ConsortiumCentreNotSuspended(code);
        c.status = CentreStatus.Active;
        _activeMembers += 1;
        _accounts[c.admin].active = true;
        _accounts[c.operator].active = true;
        emit CentreReinstated(code);
    }

    /// @inheritdoc IConsortium
    function registerInstitution(uint32 id, string calldata name, address account_, uint32 sponsor)
        external
        onlyGovernance
    {
        if (id < _MIN_INSTITUTION_ID) revert ConsortiumInvalidInstitutionId(id);
        if (_institutions[id].account != address(0)) revert ConsortiumInstitutionExists(id);
        if (_centres[sponsor].status != CentreStatus.Active) revert ConsortiumCentreNotActive(sponsor);
        _claimAccount(account_, id, Role.Institution);
        _institutions[id] = Institution({name: name, account: account_, sponsor: sponsor, active: true});
        emit InstitutionRegistered(id, name, account_, sponsor);
    }

    /// @inheritdoc IConsortium
    function suspendInstitution(uint32 id) external onlyGovernance {
        Institution storage inst = _institutions[id];
        if (inst.account == address(0)) revert ConsortiumUnknownInstitution(id);
        if (!inst.active) revert ConsortiumInstitutionNotActive(id);
        inst.active = false;
        _accounts[inst.account].active = false;
        emit InstitutionSuspended(id);
    }

    /// @inheritdoc IConsortium
    function setThreshold(uint16 threshold_) external onlyGovernance {
        _setThreshold(threshold_);
    }

    // --- proposals ---

    /// @inheritdoc IConsortium
    function propose(address target, bytes calldata data) external returns (uint256 proposalId) {
        uint32 code = _checkActiveAdmin(msg.sender);
        if (target.code.length == 0) revert ConsortiumTargetNotContract(target);
        proposalId = ++_proposalCount;
        uint64 expiresAt = uint64(block.timestamp) + _proposalLifetime;
        _proposals[proposalId] = Proposal({
            target: target,
            proposer: code,
            approvals: 1,
            expiresAt: expiresAt,
            executed: false,
            cancelled: false,
            data: data
        });
        _approved[proposalId][code] = true;
        _approvers[proposalId].push(code);
        emit ProposalCreated(proposalId, code, target, data, expiresAt);
        emit ProposalApproved(proposalId, code, 1);
    }

    /// @inheritdoc IConsortium
    function approve(uint256 proposalId) external {
        uint32 code = _checkActiveAdmin(msg.sender);
        Proposal storage p = _openProposal(proposalId);
        if (_approved[proposalId][code]) revert ConsortiumProposalAlreadyApproved(proposalId, code);
        _approved[proposalId][code] = true;
        _approvers[proposalId].push(code);
        uint16 approvals = p.approvals + 1;
        p.approvals = approvals;
        emit ProposalApproved(proposalId, code, approvals);
    }

    /// @inheritdoc IConsortium
    function execute(uint256 proposalId) external returns (bytes memory result) {
        uint32 code = _checkActiveAdmin(msg.sender);
        Proposal storage p = _openProposal(proposalId);
        uint16 counted = _activeApprovals(proposalId);
        if (counted < _threshold) revert ConsortiumProposalBelowThreshold(proposalId, counted, _threshold);
        p.executed = true;
        bool ok;
        (ok, result) = p.target.call(p.data);
        if (!ok) revert ConsortiumProposalFailed(proposalId, result);
        emit ProposalExecuted(proposalId, code);
    }

    /// @inheritdoc IConsortium
    function cancel(uint256 proposalId) external {
        uint32 by = 0;
        if (msg.sender != address(this)) by = _checkActiveAdmin(msg.sender);
        Proposal storage p = _openProposal(proposalId);
        if (by != 0 && by != p.proposer) revert ConsortiumNotProposer(proposalId, by);
        p.cancelled = true;
        emit ProposalCancelled(proposalId, by);
    }

    // --- a centre's own affairs ---

    /// @inheritdoc IConsortium
    function setOperator(address newOperator) external {
        uint32 code = _checkActiveAdmin(msg.sender);
        Centre storage c = _centres[code];
        address previous = c.operator;
        _claimAccount(newOperator, code, Role.CentreOperator);
        delete _accounts[previous];
        c.operator = newOperator;
        emit CentreOperatorChanged(code, previous, newOperator);
    }

    /// @inheritdoc IConsortium
    function registerKey(bytes8 keyId, KeyAlgorithm algorithm, bytes calldata publicKey) external {
        uint32 code = _checkActiveAdmin(msg.sender);
        if (keyId == bytes8(0) || algorithm == KeyAlgorithm.None || publicKey.length == 0) {
            revert ConsortiumInvalidKey(keyId);
        }
        // The id is derived from the key (first 8 bytes of sha256), so nobody can take another
        // centre's pending id with a key of their own.
        bytes8 derived = bytes8(sha256(publicKey));
        if (keyId != derived) revert ConsortiumKeyIdMismatch(keyId, derived);
        if (_keys[keyId].centre != 0) revert ConsortiumKeyExists(keyId);
        uint64 now_ = uint64(block.timestamp);
        _keys[keyId] =
            SigningKey({centre: code, algorithm: algorithm, validFrom: now_, validUntil: 0, publicKey: publicKey});
        emit KeyRegistered(code, keyId, algorithm, publicKey, now_);
    }

    /// @inheritdoc IConsortium
    function retireKey(bytes8 keyId) external {
        uint32 code = _checkActiveAdmin(msg.sender);
        SigningKey storage k = _keys[keyId];
        if (k.centre == 0) revert ConsortiumUnknownKey(keyId);
        if (k.centre != code) revert ConsortiumKeyNotOwned(keyId, code);
        if (k.validUntil != 0) revert ConsortiumKeyAlreadyRetired(keyId, k.validUntil);
        uint64 now_ = uint64(block.timestamp);
        k.validUntil = now_;
        emit KeyRetired(code, keyId, now_);
    }

    // --- views ---

    /// @inheritdoc IConsortium
    function account(address who) external view returns (Account memory) {
        return _accounts[who];
    }

    /// @inheritdoc IConsortium
    function centre(uint32 code) external view returns (Centre memory) {
        return _centres[code];
    }

    /// @inheritdoc IConsortium
    function institution(uint32 id) external view returns (Institution memory) {
        return _institutions[id];
    }

    /// @inheritdoc IConsortium
    function key(bytes8 keyId) external view returns (SigningKey memory) {
        return _keys[keyId];
    }

    /// @inheritdoc IConsortium
    function proposal(uint256 proposalId) external view returns (Proposal memory) {
        return _proposals[proposalId];
    }

    /// @inheritdoc IConsortium
    function hasApproved(uint256 proposalId, uint32 code) external view returns (bool) {
        return _approved[proposalId][code];
    }

    /// @inheritdoc IConsortium
    function approversOf(uint256 proposalId) external view returns (uint32[] memory) {
        return _approvers[proposalId];
    }

    /// @inheritdoc IConsortium
    function activeApprovals(uint256 proposalId) external view returns (uint16) {
        return _activeApprovals(proposalId);
    }

    /// @inheritdoc IConsortium
    function threshold() external view returns (uint16) {
        return _threshold;
    }

    /// @inheritdoc IConsortium
    function activeMembers() external view returns (uint16) {
        return _activeMembers;
    }

    /// @inheritdoc IConsortium
    function proposalLifetime() external view returns (uint64) {
        return _proposalLifetime;
    }

    /// @inheritdoc IConsortium
    function keyValidAt(uint32 code, bytes8 keyId, uint64 at) external view returns (bool keyValid, bool centreActive) {
        SigningKey storage k = _keys[keyId];
        centreActive = _centres[code].status == CentreStatus.Active;
        // A key is valid on [validFrom, validUntil): a certificate anchored in the very block
        // that retired the key is not backed by it.
        keyValid = k.centre == code && code != 0 && at >= k.validFrom && (k.validUntil == 0 || at < k.validUntil);
    }

    // --- internals ---

    function _checkGovernance() private view {
        if (msg.sender != address(this)) revert ConsortiumNotGovernance(msg.sender);
    }

    function _checkActiveAdmin(address who) private view returns (uint32) {
        Account memory a = _accounts[who];
        if (a.role != Role.CentreAdmin || !a.active) revert ConsortiumNotCentreAdmin(who);
        return a.id;
    }

    function _openProposal(uint256 proposalId) private view returns (Proposal storage p) {
        p = _proposals[proposalId];
        if (p.expiresAt == 0) revert ConsortiumUnknownProposal(proposalId);
        if (p.executed) revert ConsortiumProposalAlreadyExecuted(proposalId);
        if (p.cancelled) revert ConsortiumProposalCancelled(proposalId);
        if (block.timestamp >= p.expiresAt) revert ConsortiumProposalExpired(proposalId, p.expiresAt);
    }

    /// @dev Bounded by the number of centres that approved, at most the number of members.
    function _activeApprovals(uint256 proposalId) private view returns (uint16 n) {
        uint32[] storage codes = _approvers[proposalId];
        for (uint256 i = 0; i < codes.length; ++i) {
            if (_centres[codes[i]].status == CentreStatus.Active) ++n;
        }
    }

    function _admitCentre(uint32 code, string memory name, address admin, address operator) private {
        if (code < _MIN_CENTRE_CODE || code > _MAX_CENTRE_CODE) revert ConsortiumInvalidCentreCode(code);
        if (_centres[code].status != CentreStatus.None) revert ConsortiumCentreExists(code);
        _claimAccount(admin, code, Role.CentreAdmin);
        _claimAccount(operator, code, Role.CentreOperator);
        _centres[code] = Centre({name: name, admin: admin, operator: operator, status: CentreStatus.Active});
        _activeMembers += 1;
        emit CentreAdmitted(code, name, admin, operator);
    }

    function _claimAccount(address who, uint32 id, Role role) private {
        if (who == address(0)) revert ConsortiumZeroAccount();
        if (_accounts[who].role != Role.None) revert ConsortiumAccountInUse(who);
        _accounts[who] = Account({id: id, role: role, active: true});
    }

    function _setThreshold(uint16 threshold_) private {
        if (threshold_ == 0 || threshold_ > _activeMembers) revert ConsortiumInvalidThreshold(threshold_, _activeMembers);
        uint16 previous = _threshold;
        if (previous == threshold_) return;
        _threshold = threshold_;
        emit ThresholdChanged(previous, threshold_);
    }
}
