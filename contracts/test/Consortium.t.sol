// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ConsortiumBase} from "./Base.t.sol";
import {Consortium} from "../Consortium.sol";
import {IConsortium} from "../interfaces/IConsortium.sol";
import {ICertificateLedger} from "../interfaces/ICertificateLedger.sol";

/// @dev Builds genesis arrays of `n` centres for tests that deploy their own consortium.
abstract contract GenesisBuilder is ConsortiumBase {
    struct Genesis {
        uint32[] codes;
        string[] names;
        address[] admins;
        address[] operators;
    }

    function _genesis(uint256 n) internal pure returns (Genesis memory g) {
        g.codes = new uint32[](n);
        g.names = new string[](n);
        g.admins = new address[](n);
        g.operators = new address[](n);
        for (uint256 i = 0; i < n; ++i) {
            g.codes[i] = uint32(110000 + 1000 * i);
            g.names[i] = "centre";
            g.admins[i] = vm.addr(0xA000 + i);
            g.operators[i] = vm.addr(0xB000 + i);
        }
    }

    function _deploy(Genesis memory g, uint16 threshold_) internal returns (Consortium) {
        return new Consortium(g.codes, g.names, g.admins, g.operators, threshold_, PROPOSAL_LIFETIME);
    }
}

contract ConsortiumConstructorTest is GenesisBuilder {
    function test_Constructor() public view {
        assertEq(consortium.threshold(), THRESHOLD);
        assertEq(consortium.activeMembers(), 3);
        assertEq(consortium.proposalLifetime(), PROPOSAL_LIFETIME);
        for (uint256 i = 0; i < codes.length; ++i) {
            IConsortium.Centre memory c = consortium.centre(codes[i]);
            assertEq(c.admin, admins[i]);
            assertEq(uint256(c.status), uint256(IConsortium.CentreStatus.Active));
            IConsortium.Account memory admin = consortium.account(c.admin);
            assertEq(admin.id, codes[i]);
            assertEq(uint256(admin.role), uint256(IConsortium.Role.CentreAdmin));
            assertTrue(admin.active);
            IConsortium.Account memory operator = consortium.account(c.operator);
            assertEq(operator.id, codes[i]);
            assertEq(uint256(operator.role), uint256(IConsortium.Role.CentreOperator));
            assertTrue(operator.active);
        }
        assertEq(consortium.centre(HAIKOU).name, "Haikou");
        assertEq(consortium.centre(HAIKOU).operator, haikouOperator);
        assertEq(uint256(consortium.account(stranger).role), uint256(IConsortium.Role.None));
    }

    function test_Constructor_EmitsAdmissionsAndThreshold(uint256 n, uint256 m) public {
        n = bound(n, 1, 12);
        m = bound(m, 1, n);
        Genesis memory g = _genesis(n);
        for (uint256 i = 0; i < n; ++i) {
            vm.expectEmit(true, true, true, true);
            emit IConsortium.CentreAdmitted(g.codes[i], g.names[i], g.admins[i], g.operators[i]);
        }
        vm.expectEmit(true, true, true, true);
        emit IConsortium.ThresholdChanged(0, uint16(m));
        Consortium c = _deploy(g, uint16(m));
        assertEq(c.activeMembers(), n);
        assertEq(c.threshold(), m);
    }

    function test_RevertWhen_NoCentres() public {
        Genesis memory g = _genesis(0);
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumInvalidGenesis.selector));
        _deploy(g, 1);
    }

    function test_RevertWhen_LengthsDiffer(uint256 which) public {
        Genesis memory g = _genesis(3);
        which = bound(which, 0, 2);
        if (which == 0) g.names = new string[](2);
        else if (which == 1) g.admins = new address[](4);
        else g.operators = new address[](2);
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumInvalidGenesis.selector));
        _deploy(g, 1);
    }

    function test_RevertWhen_ProposalLifetimeZero() public {
        Genesis memory g = _genesis(3);
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumInvalidGenesis.selector));
        new Consortium(g.codes, g.names, g.admins, g.operators, 2, 0);
    }

    function test_RevertWhen_ThresholdZero(uint256 n) public {
        n = bound(n, 1, 12);
        Genesis memory g = _genesis(n);
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumInvalidThreshold.selector, 0, n));
        _deploy(g, 0);
    }

    function test_RevertWhen_ThresholdAboveMembers(uint256 n, uint16 m) public {
        n = bound(n, 1, 12);
        m = uint16(bound(m, n + 1, type(uint16).max));
        Genesis memory g = _genesis(n);
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumInvalidThreshold.selector, m, n));
        _deploy(g, m);
    }

    function test_RevertWhen_CodeNotSixDigits(uint32 code) public {
        vm.assume(code < 100000 || code > 999999);
        Genesis memory g = _genesis(3);
        g.codes[1] = code;
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumInvalidCentreCode.selector, code));
        _deploy(g, 1);
    }

    function test_RevertWhen_CodeRepeated() public {
        Genesis memory g = _genesis(3);
        g.codes[2] = g.codes[0];
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumCentreExists.selector, g.codes[0]));
        _deploy(g, 1);
    }

    function test_RevertWhen_AccountShared() public {
        Genesis memory g = _genesis(3);
        g.admins[2] = g.operators[0];
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumAccountInUse.selector, g.operators[0]));
        _deploy(g, 1);
    }

    function test_RevertWhen_AdminIsOperator() public {
        Genesis memory g = _genesis(3);
        g.operators[1] = g.admins[1];
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumAccountInUse.selector, g.admins[1]));
        _deploy(g, 1);
    }

    function test_RevertWhen_AccountZero() public {
        Genesis memory g = _genesis(3);
        g.operators[1] = address(0);
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumZeroAccount.selector));
        _deploy(g, 1);
    }
}

/// @notice Every governance function refuses any caller but the consortium itself, members included.
contract ConsortiumGovernanceOnlyTest is ConsortiumBase {
    function _expectNotGovernance(address caller) internal {
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumNotGovernance.selector, caller));
        vm.prank(caller);
    }

    function _callers() internal view returns (address[] memory callers) {
        callers = new address[](8);
        callers[0] = stranger;
        callers[1] = haikouAdmin;
        callers[2] = haikouOperator;
        callers[3] = sanyaAdmin;
        callers[4] = sanyaOperator;
        callers[5] = danzhouAdmin;
        callers[6] = lender;
        callers[7] = address(this);
    }

    function test_RevertWhen_MembersCallGovernanceDirectly() public {
        address[] memory callers = _callers();
        address a = makeAddr("a");
        address o = makeAddr("o");
        for (uint256 i = 0; i < callers.length; ++i) {
            address caller = callers[i];
            _expectNotGovernance(caller);
            consortium.admitCentre(460300, "Wenchang", a, o);
            _expectNotGovernance(caller);
            consortium.suspendCentre(SANYA);
            _expectNotGovernance(caller);
            consortium.reinstateCentre(SANYA);
            _expectNotGovernance(caller);
            consortium.registerInstitution(2_000_000, "Bank", a, HAIKOU);
            _expectNotGovernance(caller);
            consortium.suspendInstitution(LENDER);
            _expectNotGovernance(caller);
            consortium.setThreshold(1);
        }
    }

    function test_RevertWhen_AdmitCentreCalledDirectly(address caller) public {
        vm.assume(caller != address(consortium));
        address a = makeAddr("a");
        address o = makeAddr("o");
        _expectNotGovernance(caller);
        consortium.admitCentre(460300, "Wenchang", a, o);
    }

    function test_RevertWhen_SuspendCentreCalledDirectly(address caller) public {
        vm.assume(caller != address(consortium));
        _expectNotGovernance(caller);
        consortium.suspendCentre(DANZHOU);
    }

    function test_RevertWhen_ReinstateCentreCalledDirectly(address caller) public {
        vm.assume(caller != address(consortium));
        _suspend(DANZHOU);
        _expectNotGovernance(caller);
        consortium.reinstateCentre(DANZHOU);
    }

    function test_RevertWhen_RegisterInstitutionCalledDirectly(address caller) public {
        vm.assume(caller != address(consortium));
        address bank = makeAddr("bank");
        _expectNotGovernance(caller);
        consortium.registerInstitution(2_000_000, "Bank", bank, HAIKOU);
    }

    function test_RevertWhen_SuspendInstitutionCalledDirectly(address caller) public {
        vm.assume(caller != address(consortium));
        _expectNotGovernance(caller);
        consortium.suspendInstitution(LENDER);
    }

    function test_RevertWhen_SetThresholdCalledDirectly(address caller, uint16 m) public {
        vm.assume(caller != address(consortium));
        _expectNotGovernance(caller);
        consortium.setThreshold(m);
    }
}

contract ConsortiumProposeTest is ConsortiumBase {
    function test_Propose(uint256 targetSeed, bytes memory data, uint256 after_) public {
        address[4] memory targets = [address(consortium), address(ledger), address(blacklist), address(trace)];
        address target = targets[targetSeed % 4];
        vm.warp(block.timestamp + bound(after_, 0, 3650 days));
        // Proposal 1 registered the lender in setUp.
        assertTrue(consortium.proposal(1).executed);
        uint64 expiresAt = uint64(block.timestamp) + PROPOSAL_LIFETIME;

        _expectEmit(address(consortium));
        emit IConsortium.ProposalCreated(2, SANYA, target, data, expiresAt);
        _expectEmit(address(consortium));
        emit IConsortium.ProposalApproved(2, SANYA, 1);
        vm.prank(sanyaAdmin);
        assertEq(consortium.propose(target, data), 2);

        IConsortium.Proposal memory p = consortium.proposal(2);
        assertEq(p.target, target);
        assertEq(p.proposer, SANYA);
        assertEq(p.approvals, 1);
        assertEq(p.expiresAt, expiresAt);
        assertFalse(p.executed);
        assertEq(p.data, data);
        assertTrue(consortium.hasApproved(2, SANYA));
        assertFalse(consortium.hasApproved(2, HAIKOU));
    }

    function test_RevertWhen_TargetIsNotAContract(address target) public {
        vm.assume(target.code.length == 0);
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumTargetNotContract.selector, target));
        vm.prank(sanyaAdmin);
        consortium.propose(target, "");
    }

    function test_Propose_IdsAreSequential(uint256 count) public {
        count = bound(count, 1, 20);
        for (uint256 i = 0; i < count; ++i) {
            vm.prank(admins[i % 3]);
            assertEq(consortium.propose(address(consortium), ""), 2 + i);
        }
    }

    function test_RevertWhen_ProposerIsStranger(address caller) public {
        _assumeStranger(caller);
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumNotCentreAdmin.selector, caller));
        vm.prank(caller);
        consortium.propose(address(consortium), "");
    }

    function test_RevertWhen_ProposerIsOperatorOrInstitution() public {
        address[3] memory callers = [haikouOperator, sanyaOperator, lender];
        for (uint256 i = 0; i < callers.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumNotCentreAdmin.selector, callers[i]));
            vm.prank(callers[i]);
            consortium.propose(address(consortium), "");
        }
    }

    function test_RevertWhen_ProposerIsSuspended() public {
        _suspend(DANZHOU);
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumNotCentreAdmin.selector, danzhouAdmin));
        vm.prank(danzhouAdmin);
        consortium.propose(address(consortium), "");
    }
}

contract ConsortiumApproveTest is ConsortiumBase {
    uint256 internal id;
    uint64 internal expiresAt;

    function setUp() public override {
        super.setUp();
        vm.prank(haikouAdmin);
        id = consortium.propose(address(consortium), abi.encodeCall(IConsortium.setThreshold, (3)));
        expiresAt = consortium.proposal(id).expiresAt;
    }

    function test_Approve(uint256 after_) public {
        after_ = bound(after_, 0, PROPOSAL_LIFETIME - 1);
        vm.warp(block.timestamp + after_);
        _expectEmit(address(consortium));
        emit IConsortium.ProposalApproved(id, SANYA, 2);
        vm.prank(sanyaAdmin);
        consortium.approve(id);
        assertEq(consortium.proposal(id).approvals, 2);
        assertTrue(consortium.hasApproved(id, SANYA));

        _expectEmit(address(consortium));
        emit IConsortium.ProposalApproved(id, DANZHOU, 3);
        vm.prank(danzhouAdmin);
        consortium.approve(id);
        assertEq(consortium.proposal(id).approvals, 3);
    }

    function test_RevertWhen_ProposerApprovesAgain() public {
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumProposalAlreadyApproved.selector, id, HAIKOU));
        vm.prank(haikouAdmin);
        consortium.approve(id);
    }

    function test_RevertWhen_CentreApprovesTwice() public {
        vm.prank(sanyaAdmin);
        consortium.approve(id);
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumProposalAlreadyApproved.selector, id, SANYA));
        vm.prank(sanyaAdmin);
        consortium.approve(id);
    }

    function test_RevertWhen_ProposalUnknown(uint256 unknown) public {
        vm.assume(unknown == 0 || unknown > id);
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumUnknownProposal.selector, unknown));
        vm.prank(sanyaAdmin);
        consortium.approve(unknown);
    }

    function test_RevertWhen_ProposalExpired(uint256 at) public {
        at = bound(at, expiresAt, expiresAt + 3650 days);
        vm.warp(at);
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumProposalExpired.selector, id, expiresAt));
        vm.prank(sanyaAdmin);
        consortium.approve(id);
    }

    function test_RevertWhen_ProposalExecuted() public {
        vm.prank(sanyaAdmin);
        consortium.approve(id);
        vm.prank(sanyaAdmin);
        consortium.execute(id);
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumProposalAlreadyExecuted.selector, id));
        vm.prank(danzhouAdmin);
        consortium.approve(id);
    }

    function test_RevertWhen_ApproverIsStranger(address caller) public {
        _assumeStranger(caller);
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumNotCentreAdmin.selector, caller));
        vm.prank(caller);
        consortium.approve(id);
    }

    function test_RevertWhen_ApproverIsOperator() public {
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumNotCentreAdmin.selector, sanyaOperator));
        vm.prank(sanyaOperator);
        consortium.approve(id);
    }

    function test_RevertWhen_ApproverIsSuspended() public {
        _suspend(DANZHOU);
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumNotCentreAdmin.selector, danzhouAdmin));
        vm.prank(danzhouAdmin);
        consortium.approve(id);
    }
}

contract ConsortiumExecuteTest is ConsortiumBase {
    function test_Execute() public {
        uint256 id = _proposeAndApprove(address(consortium), abi.encodeCall(IConsortium.setThreshold, (3)));
        _expectEmit(address(consortium));
        emit IConsortium.ThresholdChanged(2, 3);
        _expectEmit(address(consortium));
        emit IConsortium.ProposalExecuted(id, DANZHOU);
        vm.prank(danzhouAdmin);
        consortium.execute(id);
        assertTrue(consortium.proposal(id).executed);
        assertEq(consortium.threshold(), 3);
    }

    function test_Execute_ReturnsCallResult() public {
        uint256 id = _proposeAndApprove(address(consortium), abi.encodeCall(IConsortium.activeMembers, ()));
        vm.prank(haikouAdmin);
        bytes memory result = consortium.execute(id);
        assertEq(result, abi.encode(uint16(3)));
    }

    function test_Execute_UntilJustBeforeExpiry(uint256 after_) public {
        uint256 id = _proposeAndApprove(address(consortium), abi.encodeCall(IConsortium.setThreshold, (1)));
        vm.warp(block.timestamp + bound(after_, 0, PROPOSAL_LIFETIME - 1));
        vm.prank(haikouAdmin);
        consortium.execute(id);
        assertEq(consortium.threshold(), 1);
    }

    /// @dev The attack found by testing: Haikou proposes, Sanya approves, Sanya is suspended;
    /// Haikou alone must not execute a 2-of-3 proposal on the strength of Sanya's approval.
    function test_RevertWhen_ApproverSuspendedSince() public {
        uint256 id = _proposeAndApprove(address(consortium), abi.encodeCall(IConsortium.setThreshold, (1)));
        _suspendBy(SANYA, haikouAdmin, danzhouAdmin);
        assertEq(consortium.proposal(id).approvals, 2);
        assertEq(consortium.activeApprovals(id), 1);
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumProposalBelowThreshold.selector, id, 1, 2));
        vm.prank(haikouAdmin);
        consortium.execute(id);
    }

    /// @dev The approval counts again once its centre is reinstated, and another active centre's
    /// approval makes up for it meanwhile.
    function test_Execute_CountsApprovalsOfActiveMembersOnly() public {
        uint256 id = _proposeAndApprove(address(consortium), abi.encodeCall(IConsortium.setThreshold, (1)));
        _suspendBy(SANYA, haikouAdmin, danzhouAdmin);
        vm.prank(danzhouAdmin);
        consortium.approve(id);
        assertEq(consortium.activeApprovals(id), 2);
        uint32[] memory approvers = consortium.approversOf(id);
        assertEq(approvers.length, 3);
        assertEq(approvers[0], HAIKOU);
        assertEq(approvers[1], SANYA);
        assertEq(approvers[2], DANZHOU);
        _expectEmit(address(consortium));
        emit IConsortium.ProposalExecuted(id, HAIKOU);
        vm.prank(haikouAdmin);
        consortium.execute(id);
        assertEq(consortium.threshold(), 1);
    }

    function test_Execute_ReinstatedApproverCountsAgain() public {
        uint256 id = _proposeAndApprove(address(consortium), abi.encodeCall(IConsortium.setThreshold, (1)));
        _suspendBy(SANYA, haikouAdmin, danzhouAdmin);
        assertEq(consortium.activeApprovals(id), 1);
        _enact(address(consortium), abi.encodeCall(IConsortium.reinstateCentre, (SANYA)));
        assertEq(consortium.activeApprovals(id), 2);
        vm.prank(haikouAdmin);
        consortium.execute(id);
        assertEq(consortium.threshold(), 1);
    }

    function _suspendBy(uint32 code, address a, address b) internal {
        vm.prank(a);
        uint256 suspension = consortium.propose(address(consortium), abi.encodeCall(IConsortium.suspendCentre, (code)));
        vm.prank(b);
        consortium.approve(suspension);
        vm.prank(b);
        consortium.execute(suspension);
    }

    function test_RevertWhen_BelowThreshold() public {
        vm.prank(haikouAdmin);
        uint256 id = consortium.propose(address(consortium), abi.encodeCall(IConsortium.setThreshold, (1)));
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumProposalBelowThreshold.selector, id, 1, 2));
        vm.prank(haikouAdmin);
        consortium.execute(id);
    }

    function test_RevertWhen_ThresholdRaisedAfterApproval() public {
        uint256 id = _proposeAndApprove(address(consortium), abi.encodeCall(IConsortium.setThreshold, (1)));
        _enact(address(consortium), abi.encodeCall(IConsortium.setThreshold, (3)));
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumProposalBelowThreshold.selector, id, 2, 3));
        vm.prank(haikouAdmin);
        consortium.execute(id);
    }

    function test_RevertWhen_AlreadyExecuted() public {
        uint256 id = _enact(address(consortium), abi.encodeCall(IConsortium.setThreshold, (3)));
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumProposalAlreadyExecuted.selector, id));
        vm.prank(sanyaAdmin);
        consortium.execute(id);
    }

    function test_RevertWhen_Expired(uint256 at) public {
        uint256 id = _proposeAndApprove(address(consortium), abi.encodeCall(IConsortium.setThreshold, (3)));
        uint64 expiresAt = consortium.proposal(id).expiresAt;
        assertEq(expiresAt, block.timestamp + PROPOSAL_LIFETIME);
        vm.warp(bound(at, expiresAt, expiresAt + 3650 days));
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumProposalExpired.selector, id, expiresAt));
        vm.prank(haikouAdmin);
        consortium.execute(id);
    }

    function test_RevertWhen_Unknown(uint256 unknown) public {
        vm.assume(unknown == 0 || unknown > 1);
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumUnknownProposal.selector, unknown));
        vm.prank(haikouAdmin);
        consortium.execute(unknown);
    }

    function test_RevertWhen_CallFails() public {
        uint256 id = _proposeAndApprove(address(consortium), abi.encodeCall(IConsortium.suspendCentre, (460300)));
        bytes memory inner = abi.encodeWithSelector(IConsortium.ConsortiumCentreNotActive.selector, 460300);
        vm.expectRevert(_failed(id, inner));
        vm.prank(haikouAdmin);
        consortium.execute(id);
        // The failed execution left the proposal open.
        assertFalse(consortium.proposal(id).executed);
    }

    function test_RevertWhen_CallRevertsWithoutData() public {
        // A call to a function the target does not have reverts with no data.
        uint256 id = _proposeAndApprove(address(ledger), abi.encodeCall(IConsortium.setThreshold, (1)));
        vm.expectRevert(_failed(id, ""));
        vm.prank(haikouAdmin);
        consortium.execute(id);
    }

    function test_RevertWhen_ExecutorIsStranger(address caller) public {
        _assumeStranger(caller);
        uint256 id = _proposeAndApprove(address(consortium), abi.encodeCall(IConsortium.setThreshold, (3)));
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumNotCentreAdmin.selector, caller));
        vm.prank(caller);
        consortium.execute(id);
    }

    function test_RevertWhen_ExecutorIsOperatorOrInstitution() public {
        uint256 id = _proposeAndApprove(address(consortium), abi.encodeCall(IConsortium.setThreshold, (3)));
        address[2] memory callers = [haikouOperator, lender];
        for (uint256 i = 0; i < callers.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumNotCentreAdmin.selector, callers[i]));
            vm.prank(callers[i]);
            consortium.execute(id);
        }
    }

    function test_RevertWhen_ExecutorIsSuspended() public {
        _suspend(DANZHOU);
        uint256 id = _proposeAndApprove(address(consortium), abi.encodeCall(IConsortium.setThreshold, (1)));
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumNotCentreAdmin.selector, danzhouAdmin));
        vm.prank(danzhouAdmin);
        consortium.execute(id);
    }
}

/// @notice M-of-N over random consortia: a proposal executes exactly when M centres approved it.
contract ConsortiumExecuteThresholdTest is GenesisBuilder {
    function test_ExecutesOnceThresholdReached(uint256 n, uint256 m, uint256 executorSeed) public {
        n = bound(n, 1, 12);
        m = bound(m, 1, n);
        Genesis memory g = _genesis(n);
        Consortium c = _deploy(g, uint16(m));
        address newAdmin = makeAddr("new admin");
        address newOperator = makeAddr("new op");
        bytes memory data = abi.encodeCall(IConsortium.admitCentre, (999999, "new", newAdmin, newOperator));

        vm.prank(g.admins[0]);
        uint256 id = c.propose(address(c), data);
        for (uint256 approvals = 1; approvals < m; ++approvals) {
            address executor = g.admins[bound(executorSeed, 0, n - 1)];
            vm.expectRevert(
                abi.encodeWithSelector(IConsortium.ConsortiumProposalBelowThreshold.selector, id, approvals, m)
            );
            vm.prank(executor);
            c.execute(id);
            vm.prank(g.admins[approvals]);
            c.approve(id);
        }
        assertEq(c.proposal(id).approvals, m);

        uint256 e = bound(executorSeed, 0, n - 1);
        _expectEmit(address(c));
        emit IConsortium.CentreAdmitted(999999, "new", newAdmin, newOperator);
        _expectEmit(address(c));
        emit IConsortium.ProposalExecuted(id, g.codes[e]);
        vm.prank(g.admins[e]);
        c.execute(id);
        assertEq(c.activeMembers(), n + 1);
        assertEq(c.account(newAdmin).id, 999999);
    }
}

contract ConsortiumAdmitCentreTest is ConsortiumBase {
    function test_AdmitCentre(uint32 code, string memory name) public {
        code = uint32(bound(code, 100000, 999999));
        vm.assume(code != HAIKOU && code != SANYA && code != DANZHOU);
        address admin = makeAddr("new admin");
        address operator = makeAddr("new operator");
        uint256 id = _proposeAndApprove(
            address(consortium), abi.encodeCall(IConsortium.admitCentre, (code, name, admin, operator))
        );
        _expectEmit(address(consortium));
        emit IConsortium.CentreAdmitted(code, name, admin, operator);
        vm.prank(haikouAdmin);
        consortium.execute(id);

        IConsortium.Centre memory c = consortium.centre(code);
        assertEq(c.name, name);
        assertEq(c.admin, admin);
        assertEq(c.operator, operator);
        assertEq(uint256(c.status), uint256(IConsortium.CentreStatus.Active));
        assertEq(consortium.activeMembers(), 4);
        assertEq(consortium.threshold(), THRESHOLD);
        assertEq(consortium.account(operator).id, code);
        assertEq(uint256(consortium.account(operator).role), uint256(IConsortium.Role.CentreOperator));

        // The new centre's admin takes part in governance at once.
        vm.prank(admin);
        consortium.propose(address(consortium), "");
    }

    function test_RevertWhen_CodeNotSixDigits(uint32 code) public {
        vm.assume(code < 100000 || code > 999999);
        uint256 id = _proposeAndApprove(
            address(consortium), abi.encodeCall(IConsortium.admitCentre, (code, "x", makeAddr("a"), makeAddr("o")))
        );
        vm.expectRevert(_failed(id, abi.encodeWithSelector(IConsortium.ConsortiumInvalidCentreCode.selector, code)));
        vm.prank(haikouAdmin);
        consortium.execute(id);
    }

    function test_RevertWhen_CentreExists() public {
        _suspend(SANYA);
        // Suspended centres keep their code too.
        uint32[2] memory taken = [HAIKOU, SANYA];
        for (uint256 i = 0; i < taken.length; ++i) {
            uint256 id = _proposeAndApprove(
                address(consortium),
                abi.encodeCall(IConsortium.admitCentre, (taken[i], "x", makeAddr("a"), makeAddr("o")))
            );
            vm.expectRevert(_failed(id, abi.encodeWithSelector(IConsortium.ConsortiumCentreExists.selector, taken[i])));
            vm.prank(haikouAdmin);
            consortium.execute(id);
        }
    }

    function test_RevertWhen_AccountInUse() public {
        address[3] memory used = [sanyaOperator, haikouAdmin, lender];
        for (uint256 i = 0; i < used.length; ++i) {
            uint256 id = _proposeAndApprove(
                address(consortium), abi.encodeCall(IConsortium.admitCentre, (460300, "x", makeAddr("a"), used[i]))
            );
            vm.expectRevert(_failed(id, abi.encodeWithSelector(IConsortium.ConsortiumAccountInUse.selector, used[i])));
            vm.prank(haikouAdmin);
            consortium.execute(id);
        }
    }

    function test_RevertWhen_AccountZero() public {
        uint256 id = _proposeAndApprove(
            address(consortium), abi.encodeCall(IConsortium.admitCentre, (460300, "x", address(0), makeAddr("o")))
        );
        vm.expectRevert(_failed(id, abi.encodeWithSelector(IConsortium.ConsortiumZeroAccount.selector)));
        vm.prank(haikouAdmin);
        consortium.execute(id);
    }
}

contract ConsortiumSuspendCentreTest is ConsortiumBase {
    function test_SuspendCentre() public {
        uint256 id = _proposeAndApprove(address(consortium), abi.encodeCall(IConsortium.suspendCentre, (DANZHOU)));
        _expectEmit(address(consortium));
        emit IConsortium.CentreSuspended(DANZHOU);
        vm.prank(haikouAdmin);
        consortium.execute(id);

        assertEq(uint256(consortium.centre(DANZHOU).status), uint256(IConsortium.CentreStatus.Suspended));
        assertEq(consortium.activeMembers(), 2);
        assertFalse(consortium.account(danzhouAdmin).active);
        assertFalse(consortium.account(danzhouOperator).active);
        assertEq(consortium.account(danzhouAdmin).id, DANZHOU);

        // Its operator loses every right elsewhere too.
        vm.expectRevert(
            abi.encodeWithSelector(ICertificateLedger.CertificateLedgerNotOperator.selector, danzhouOperator)
        );
        vm.prank(danzhouOperator);
        ledger.anchor(keccak256("root"), 1);
    }

    function test_RevertWhen_ThresholdWouldBeUnreachable() public {
        _suspend(DANZHOU);
        uint256 id = _proposeAndApprove(address(consortium), abi.encodeCall(IConsortium.suspendCentre, (SANYA)));
        vm.expectRevert(_failed(id, abi.encodeWithSelector(IConsortium.ConsortiumInvalidThreshold.selector, 2, 1)));
        vm.prank(haikouAdmin);
        consortium.execute(id);
    }

    /// @dev Over random consortia: suspension is refused exactly when fewer than M would remain.
    function test_RevertWhen_ThresholdWouldBeUnreachable_Fuzz(uint256 n, uint256 m) public {
        n = bound(n, 2, 10);
        m = bound(m, 1, n);
        uint32[] memory cs = new uint32[](n);
        string[] memory ns = new string[](n);
        address[] memory as_ = new address[](n);
        address[] memory os = new address[](n);
        for (uint256 i = 0; i < n; ++i) {
            cs[i] = uint32(300000 + i);
            as_[i] = vm.addr(0xC000 + i);
            os[i] = vm.addr(0xD000 + i);
        }
        Consortium c = new Consortium(cs, ns, as_, os, uint16(m), PROPOSAL_LIFETIME);

        // Suspend the last centres one by one while M stays reachable, then once more.
        for (uint256 active = n; active >= m; --active) {
            uint32 target = cs[active - 1];
            vm.prank(as_[0]);
            uint256 id = c.propose(address(c), abi.encodeCall(IConsortium.suspendCentre, (target)));
            for (uint256 i = 1; i < m; ++i) {
                vm.prank(as_[i]);
                c.approve(id);
            }
            if (active - 1 < m) {
                vm.expectRevert(
                    abi.encodeWithSelector(
                        IConsortium.ConsortiumProposalFailed.selector,
                        id,
                        abi.encodeWithSelector(IConsortium.ConsortiumInvalidThreshold.selector, m, active - 1)
                    )
                );
                vm.prank(as_[0]);
                c.execute(id);
                break;
            }
            vm.prank(as_[0]);
            c.execute(id);
            assertEq(c.activeMembers(), active - 1);
        }
        assertEq(c.activeMembers(), m);
    }

    function test_RevertWhen_CentreNotActive() public {
        _suspend(DANZHOU);
        uint32[2] memory inactive = [DANZHOU, 460300];
        for (uint256 i = 0; i < inactive.length; ++i) {
            uint256 id =
                _proposeAndApprove(address(consortium), abi.encodeCall(IConsortium.suspendCentre, (inactive[i])));
            vm.expectRevert(
                _failed(id, abi.encodeWithSelector(IConsortium.ConsortiumCentreNotActive.selector, inactive[i]))
            );
            vm.prank(haikouAdmin);
            consortium.execute(id);
        }
    }
}

contract ConsortiumReinstateCentreTest is ConsortiumBase {
    function test_ReinstateCentre() public {
        _suspend(DANZHOU);
        uint256 id = _proposeAndApprove(address(consortium), abi.encodeCall(IConsortium.reinstateCentre, (DANZHOU)));
        _expectEmit(address(consortium));
        emit IConsortium.CentreReinstated(DANZHOU);
        vm.prank(haikouAdmin);
        consortium.execute(id);

        assertEq(uint256(consortium.centre(DANZHOU).status), uint256(IConsortium.CentreStatus.Active));
        assertEq(consortium.activeMembers(), 3);
        assertTrue(consortium.account(danzhouAdmin).active);
        assertTrue(consortium.account(danzhouOperator).active);

        // Both accounts act again.
        vm.prank(danzhouAdmin);
        consortium.propose(address(consortium), "");
        vm.prank(danzhouOperator);
        ledger.anchor(keccak256("root"), 1);
    }

    function test_RevertWhen_CentreNotSuspended() public {
        uint32[2] memory notSuspended = [DANZHOU, 460300];
        for (uint256 i = 0; i < notSuspended.length; ++i) {
            uint256 id = _proposeAndApprove(
                address(consortium), abi.encodeCall(IConsortium.reinstateCentre, (notSuspended[i]))
            );
            vm.expectRevert(
                _failed(id, abi.encodeWithSelector(IConsortium.ConsortiumCentreNotSuspended.selector, notSuspended[i]))
            );
            vm.prank(haikouAdmin);
            consortium.execute(id);
        }
    }
}

contract ConsortiumRegisterInstitutionTest is ConsortiumBase {
    function test_RegisterInstitution_InSetUp() public view {
        IConsortium.Institution memory inst = consortium.institution(LENDER);
        assertEq(inst.name, "Bank of Hainan");
        assertEq(inst.account, lender);
        assertEq(inst.sponsor, HAIKOU);
        assertTrue(inst.active);
        IConsortium.Account memory a = consortium.account(lender);
        assertEq(a.id, LENDER);
        assertEq(uint256(a.role), uint256(IConsortium.Role.Institution));
        assertTrue(a.active);
    }

    function test_RegisterInstitution(uint32 id, string memory name) public {
        id = uint32(bound(id, 1_000_000, type(uint32).max));
        vm.assume(id != LENDER);
        address account = makeAddr("loan centre");
        uint256 pid = _proposeAndApprove(
            address(consortium), abi.encodeCall(IConsortium.registerInstitution, (id, name, account, SANYA))
        );
        _expectEmit(address(consortium));
        emit IConsortium.InstitutionRegistered(id, name, account, SANYA);
        vm.prank(haikouAdmin);
        consortium.execute(pid);

        IConsortium.Institution memory inst = consortium.institution(id);
        assertEq(inst.name, name);
        assertEq(inst.account, account);
        assertEq(inst.sponsor, SANYA);
        assertTrue(inst.active);
        assertEq(consortium.account(account).id, id);
    }

    function test_RevertWhen_IdCouldBeCentreCode(uint32 id) public {
        id = uint32(bound(id, 0, 999_999));
        uint256 pid = _proposeAndApprove(
            address(consortium), abi.encodeCall(IConsortium.registerInstitution, (id, "x", makeAddr("x"), HAIKOU))
        );
        vm.expectRevert(_failed(pid, abi.encodeWithSelector(IConsortium.ConsortiumInvalidInstitutionId.selector, id)));
        vm.prank(haikouAdmin);
        consortium.execute(pid);
    }

    function test_RevertWhen_IdExists() public {
        uint256 pid = _proposeAndApprove(
            address(consortium), abi.encodeCall(IConsortium.registerInstitution, (LENDER, "x", makeAddr("x"), SANYA))
        );
        vm.expectRevert(
            _failed(pid, abi.encodeWithSelector(IConsortium.ConsortiumInstitutionExists.selector, LENDER))
        );
        vm.prank(haikouAdmin);
        consortium.execute(pid);
    }

    function test_RevertWhen_SponsorNotActive() public {
        _suspend(DANZHOU);
        uint32[2] memory sponsors = [DANZHOU, 460300];
        for (uint256 i = 0; i < sponsors.length; ++i) {
            uint256 pid = _proposeAndApprove(
                address(consortium),
                abi.encodeCall(IConsortium.registerInstitution, (2_000_000, "x", makeAddr("x"), sponsors[i]))
            );
            vm.expectRevert(
                _failed(pid, abi.encodeWithSelector(IConsortium.ConsortiumCentreNotActive.selector, sponsors[i]))
            );
            vm.prank(haikouAdmin);
            consortium.execute(pid);
        }
    }

    function test_RevertWhen_AccountInUse() public {
        address[2] memory used = [lender, haikouOperator];
        for (uint256 i = 0; i < used.length; ++i) {
            uint256 pid = _proposeAndApprove(
                address(consortium), abi.encodeCall(IConsortium.registerInstitution, (2_000_000, "x", used[i], HAIKOU))
            );
            vm.expectRevert(_failed(pid, abi.encodeWithSelector(IConsortium.ConsortiumAccountInUse.selector, used[i])));
            vm.prank(haikouAdmin);
            consortium.execute(pid);
        }
    }

    function test_RevertWhen_AccountZero() public {
        uint256 pid = _proposeAndApprove(
            address(consortium), abi.encodeCall(IConsortium.registerInstitution, (2_000_000, "x", address(0), HAIKOU))
        );
        vm.expectRevert(_failed(pid, abi.encodeWithSelector(IConsortium.ConsortiumZeroAccount.selector)));
        vm.prank(haikouAdmin);
        consortium.execute(pid);
    }
}

contract ConsortiumSuspendInstitutionTest is ConsortiumBase {
    function test_SuspendInstitution() public {
        uint256 id = _proposeAndApprove(address(consortium), abi.encodeCall(IConsortium.suspendInstitution, (LENDER)));
        _expectEmit(address(consortium));
        emit IConsortium.InstitutionSuspended(LENDER);
        vm.prank(haikouAdmin);
        consortium.execute(id);
        assertFalse(consortium.institution(LENDER).active);
        assertFalse(consortium.account(lender).active);
        assertEq(consortium.account(lender).id, LENDER);
    }

    function test_RevertWhen_InstitutionUnknown(uint32 unknown) public {
        vm.assume(unknown != LENDER);
        uint256 id = _proposeAndApprove(address(consortium), abi.encodeCall(IConsortium.suspendInstitution, (unknown)));
        vm.expectRevert(
            _failed(id, abi.encodeWithSelector(IConsortium.ConsortiumUnknownInstitution.selector, unknown))
        );
        vm.prank(haikouAdmin);
        consortium.execute(id);
    }

    function test_RevertWhen_InstitutionNotActive() public {
        _enact(address(consortium), abi.encodeCall(IConsortium.suspendInstitution, (LENDER)));
        uint256 id = _proposeAndApprove(address(consortium), abi.encodeCall(IConsortium.suspendInstitution, (LENDER)));
        vm.expectRevert(
            _failed(id, abi.encodeWithSelector(IConsortium.ConsortiumInstitutionNotActive.selector, LENDER))
        );
        vm.prank(haikouAdmin);
        consortium.execute(id);
    }
}

contract ConsortiumSetThresholdTest is ConsortiumBase {
    function test_SetThreshold(uint16 m) public {
        m = uint16(bound(m, 1, 3));
        vm.assume(m != THRESHOLD);
        uint256 id = _proposeAndApprove(address(consortium), abi.encodeCall(IConsortium.setThreshold, (m)));
        _expectEmit(address(consortium));
        emit IConsortium.ThresholdChanged(THRESHOLD, m);
        vm.prank(haikouAdmin);
        consortium.execute(id);
        assertEq(consortium.threshold(), m);
    }

    function test_SetThreshold_UnchangedEmitsNothing() public {
        uint256 id = _proposeAndApprove(address(consortium), abi.encodeCall(IConsortium.setThreshold, (THRESHOLD)));
        vm.recordLogs();
        vm.prank(haikouAdmin);
        consortium.execute(id);
        // Only ProposalExecuted.
        assertEq(vm.getRecordedLogs().length, 1);
        assertEq(consortium.threshold(), THRESHOLD);
    }

    function test_RevertWhen_ThresholdZero() public {
        uint256 id = _proposeAndApprove(address(consortium), abi.encodeCall(IConsortium.setThreshold, (0)));
        vm.expectRevert(_failed(id, abi.encodeWithSelector(IConsortium.ConsortiumInvalidThreshold.selector, 0, 3)));
        vm.prank(haikouAdmin);
        consortium.execute(id);
    }

    function test_RevertWhen_ThresholdAboveActiveMembers(uint16 m) public {
        m = uint16(bound(m, 4, type(uint16).max));
        uint256 id = _proposeAndApprove(address(consortium), abi.encodeCall(IConsortium.setThreshold, (m)));
        vm.expectRevert(_failed(id, abi.encodeWithSelector(IConsortium.ConsortiumInvalidThreshold.selector, m, 3)));
        vm.prank(haikouAdmin);
        consortium.execute(id);
    }

    function test_RevertWhen_ThresholdAboveActiveMembersAfterSuspension() public {
        _suspend(DANZHOU);
        uint256 id = _proposeAndApprove(address(consortium), abi.encodeCall(IConsortium.setThreshold, (3)));
        vm.expectRevert(_failed(id, abi.encodeWithSelector(IConsortium.ConsortiumInvalidThreshold.selector, 3, 2)));
        vm.prank(haikouAdmin);
        consortium.execute(id);
    }
}

contract ConsortiumSetOperatorTest is ConsortiumBase {
    function test_SetOperator(address newOperator) public {
        _assumeStranger(newOperator);
        vm.assume(newOperator != address(0));
        _expectEmit(address(consortium));
        emit IConsortium.CentreOperatorChanged(HAIKOU, haikouOperator, newOperator);
        vm.prank(haikouAdmin);
        consortium.setOperator(newOperator);

        assertEq(consortium.centre(HAIKOU).operator, newOperator);
        IConsortium.Account memory a = consortium.account(newOperator);
        assertEq(a.id, HAIKOU);
        assertEq(uint256(a.role), uint256(IConsortium.Role.CentreOperator));
        assertTrue(a.active);
        // The previous account is forgotten: it acts for no one.
        assertEq(uint256(consortium.account(haikouOperator).role), uint256(IConsortium.Role.None));
        assertEq(consortium.account(haikouOperator).id, 0);

        vm.expectRevert(
            abi.encodeWithSelector(ICertificateLedger.CertificateLedgerNotOperator.selector, haikouOperator)
        );
        vm.prank(haikouOperator);
        ledger.anchor(keccak256("root"), 1);
        vm.prank(newOperator);
        ledger.anchor(keccak256("root"), 1);
        assertEq(ledger.batch(HAIKOU, keccak256("root")).centre, HAIKOU);
    }

    function test_RevertWhen_NewOperatorZero() public {
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumZeroAccount.selector));
        vm.prank(haikouAdmin);
        consortium.setOperator(address(0));
    }

    function test_RevertWhen_NewOperatorInUse() public {
        address[4] memory used = [haikouOperator, haikouAdmin, sanyaOperator, lender];
        for (uint256 i = 0; i < used.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumAccountInUse.selector, used[i]));
            vm.prank(haikouAdmin);
            consortium.setOperator(used[i]);
        }
    }

    function test_RevertWhen_CallerIsStranger(address caller) public {
        _assumeStranger(caller);
        address newOperator = makeAddr("new operator");
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumNotCentreAdmin.selector, caller));
        vm.prank(caller);
        consortium.setOperator(newOperator);
    }

    function test_RevertWhen_CallerIsOperator() public {
        address newOperator = makeAddr("new operator");
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumNotCentreAdmin.selector, haikouOperator));
        vm.prank(haikouOperator);
        consortium.setOperator(newOperator);
    }

    function test_RevertWhen_CallerIsSuspended() public {
        _suspend(DANZHOU);
        address newOperator = makeAddr("new operator");
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumNotCentreAdmin.selector, danzhouAdmin));
        vm.prank(danzhouAdmin);
        consortium.setOperator(newOperator);
    }
}

contract ConsortiumRegisterKeyTest is ConsortiumBase {
    /// @dev Key ids are derived from the key: the first 8 bytes of its sha256.
    bytes8 internal constant K1 = 0x4bf5122f344554c5; // bytes8(sha256(hex"01")), spelled out: a precompile call would eat vm.prank

    function test_RegisterKey(uint8 alg, bytes memory publicKey, uint256 after_) public {
        vm.assume(publicKey.length > 0);
        bytes8 keyId = bytes8(sha256(publicKey));
        vm.assume(keyId != bytes8(0));
        IConsortium.KeyAlgorithm algorithm = IConsortium.KeyAlgorithm(bound(alg, 1, 3)); // EdDSA, ES256, SM2
        vm.warp(block.timestamp + bound(after_, 0, 3650 days));
        uint64 now_ = uint64(block.timestamp);

        _expectEmit(address(consortium));
        emit IConsortium.KeyRegistered(SANYA, keyId, algorithm, publicKey, now_);
        vm.prank(sanyaAdmin);
        consortium.registerKey(keyId, algorithm, publicKey);

        IConsortium.SigningKey memory k = consortium.key(keyId);
        assertEq(k.centre, SANYA);
        assertEq(uint256(k.algorithm), uint256(algorithm));
        assertEq(k.validFrom, now_);
        assertEq(k.validUntil, 0);
        assertEq(k.publicKey, publicKey);
    }

    function test_RevertWhen_KeyIdZero() public {
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumInvalidKey.selector, bytes8(0)));
        vm.prank(haikouAdmin);
        consortium.registerKey(bytes8(0), IConsortium.KeyAlgorithm.EdDSA, hex"01");
    }

    function test_RevertWhen_AlgorithmNone() public {
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumInvalidKey.selector, K1));
        vm.prank(haikouAdmin);
        consortium.registerKey(K1, IConsortium.KeyAlgorithm.None, hex"01");
    }

    function test_RevertWhen_PublicKeyEmpty() public {
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumInvalidKey.selector, K1));
        vm.prank(haikouAdmin);
        consortium.registerKey(K1, IConsortium.KeyAlgorithm.EdDSA, "");
    }

    function test_RevertWhen_KeyIdUsed() public {
        vm.prank(haikouAdmin);
        consortium.registerKey(K1, IConsortium.KeyAlgorithm.EdDSA, hex"01");
        // Not again by the same centre, nor by another one.
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumKeyExists.selector, K1));
        vm.prank(haikouAdmin);
        consortium.registerKey(K1, IConsortium.KeyAlgorithm.ES256, hex"01");
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumKeyExists.selector, K1));
        vm.prank(sanyaAdmin);
        consortium.registerKey(K1, IConsortium.KeyAlgorithm.EdDSA, hex"01");
    }

    function test_RevertWhen_KeyIdRetired() public {
        vm.prank(haikouAdmin);
        consortium.registerKey(K1, IConsortium.KeyAlgorithm.EdDSA, hex"01");
        vm.prank(haikouAdmin);
        consortium.retireKey(K1);
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumKeyExists.selector, K1));
        vm.prank(haikouAdmin);
        consortium.registerKey(K1, IConsortium.KeyAlgorithm.EdDSA, hex"01");
    }

    function test_RevertWhen_CallerIsStranger(address caller) public {
        _assumeStranger(caller);
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumNotCentreAdmin.selector, caller));
        vm.prank(caller);
        consortium.registerKey(K1, IConsortium.KeyAlgorithm.EdDSA, hex"01");
    }

    function test_RevertWhen_CallerIsOperatorOrInstitution() public {
        address[2] memory callers = [haikouOperator, lender];
        for (uint256 i = 0; i < callers.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumNotCentreAdmin.selector, callers[i]));
            vm.prank(callers[i]);
            consortium.registerKey(K1, IConsortium.KeyAlgorithm.EdDSA, hex"01");
        }
    }

    function test_RevertWhen_CallerIsSuspended() public {
        _suspend(DANZHOU);
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumNotCentreAdmin.selector, danzhouAdmin));
        vm.prank(danzhouAdmin);
        consortium.registerKey(K1, IConsortium.KeyAlgorithm.EdDSA, hex"01");
    }

    /// @dev Squatting: a centre cannot take another centre's pending key id with a key of its own.
    function test_RevertWhen_KeyIdNotDerivedFromKey(bytes memory victimKey, bytes memory ownKey) public {
        vm.assume(victimKey.length > 0 && ownKey.length > 0 && keccak256(victimKey) != keccak256(ownKey));
        bytes8 victimId = bytes8(sha256(victimKey));
        bytes8 derived = bytes8(sha256(ownKey));
        vm.assume(victimId != bytes8(0) && victimId != derived);
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumKeyIdMismatch.selector, victimId, derived));
        vm.prank(sanyaAdmin);
        consortium.registerKey(victimId, IConsortium.KeyAlgorithm.EdDSA, ownKey);
        // The victim registers its key under its id afterwards.
        vm.prank(haikouAdmin);
        consortium.registerKey(victimId, IConsortium.KeyAlgorithm.EdDSA, victimKey);
        assertEq(consortium.key(victimId).centre, HAIKOU);
    }
}

contract ConsortiumRetireKeyTest is ConsortiumBase {
    bytes8 internal constant KEY = 0xa12871fee210fb86; // bytes8(sha256(hex"0102"))

    function setUp() public override {
        super.setUp();
        vm.prank(haikouAdmin);
        consortium.registerKey(KEY, IConsortium.KeyAlgorithm.EdDSA, hex"0102");
    }

    function test_RetireKey(uint256 after_) public {
        vm.warp(block.timestamp + bound(after_, 0, 3650 days));
        uint64 now_ = uint64(block.timestamp);
        _expectEmit(address(consortium));
        emit IConsortium.KeyRetired(HAIKOU, KEY, now_);
        vm.prank(haikouAdmin);
        consortium.retireKey(KEY);
        assertEq(consortium.key(KEY).validUntil, now_);
        assertEq(consortium.key(KEY).validFrom, GENESIS_TIME);
    }

    function test_RevertWhen_KeyUnknown(bytes8 unknown) public {
        vm.assume(unknown != KEY);
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumUnknownKey.selector, unknown));
        vm.prank(haikouAdmin);
        consortium.retireKey(unknown);
    }

    function test_RevertWhen_KeyOfAnotherCentre() public {
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumKeyNotOwned.selector, KEY, SANYA));
        vm.prank(sanyaAdmin);
        consortium.retireKey(KEY);
    }

    function test_RevertWhen_KeyAlreadyRetired(uint256 after_) public {
        vm.prank(haikouAdmin);
        consortium.retireKey(KEY);
        vm.warp(block.timestamp + bound(after_, 0, 3650 days));
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumKeyAlreadyRetired.selector, KEY, GENESIS_TIME));
        vm.prank(haikouAdmin);
        consortium.retireKey(KEY);
    }

    function test_RevertWhen_CallerIsStranger(address caller) public {
        _assumeStranger(caller);
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumNotCentreAdmin.selector, caller));
        vm.prank(caller);
        consortium.retireKey(KEY);
    }

    function test_RevertWhen_CallerIsOperator() public {
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumNotCentreAdmin.selector, haikouOperator));
        vm.prank(haikouOperator);
        consortium.retireKey(KEY);
    }

    function test_RevertWhen_CallerIsSuspended() public {
        _suspend(HAIKOU);
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumNotCentreAdmin.selector, haikouAdmin));
        vm.prank(haikouAdmin);
        consortium.retireKey(KEY);
    }
}

contract ConsortiumKeyValidAtTest is ConsortiumBase {
    bytes8 internal constant KEY = 0xe52d9c508c502347; // bytes8(sha256(hex"04"))

    /// @dev A key registered at `from` and retired at `until` (or never) is valid on [from, until).
    function test_KeyValidAt(uint256 lead, uint256 life, bool retire, uint256 at) public {
        uint256 from = block.timestamp + bound(lead, 0, 3650 days);
        vm.warp(from);
        vm.prank(sanyaAdmin);
        consortium.registerKey(KEY, IConsortium.KeyAlgorithm.ES256, hex"04");
        uint256 until = from + bound(life, 0, 3650 days);
        if (retire) {
            vm.warp(until);
            vm.prank(sanyaAdmin);
            consortium.retireKey(KEY);
        }
        at = bound(at, 0, until + 3650 days);
        bool expected = at >= from && (!retire || at < until);

        (bool keyValid, bool centreActive) = consortium.keyValidAt(SANYA, KEY, uint64(at));
        assertEq(keyValid, expected);
        assertTrue(centreActive);
    }

    function test_KeyValidAt_Boundaries() public {
        vm.prank(sanyaAdmin);
        consortium.registerKey(KEY, IConsortium.KeyAlgorithm.ES256, hex"04");
        uint64 from = uint64(block.timestamp);
        vm.warp(from + 100);
        vm.prank(sanyaAdmin);
        consortium.retireKey(KEY);
        (bool before,) = consortium.keyValidAt(SANYA, KEY, from - 1);
        (bool first,) = consortium.keyValidAt(SANYA, KEY, from);
        (bool last,) = consortium.keyValidAt(SANYA, KEY, from + 99);
        (bool retired,) = consortium.keyValidAt(SANYA, KEY, from + 100);
        assertFalse(before);
        assertTrue(first);
        assertTrue(last);
        assertFalse(retired);
    }

    function test_KeyValidAt_KeyOfAnotherCentre(uint32 code) public {
        vm.assume(code != SANYA);
        vm.prank(sanyaAdmin);
        consortium.registerKey(KEY, IConsortium.KeyAlgorithm.ES256, hex"04");
        (bool keyValid, bool centreActive) = consortium.keyValidAt(code, KEY, uint64(block.timestamp));
        assertFalse(keyValid);
        assertEq(centreActive, code == HAIKOU || code == DANZHOU);
    }

    function test_KeyValidAt_UnknownKey(bytes8 unknown, uint64 at) public view {
        (bool keyValid, bool centreActive) = consortium.keyValidAt(SANYA, unknown, at);
        assertFalse(keyValid);
        // The centre's standing is reported on its own.
        assertTrue(centreActive);
        (keyValid, centreActive) = consortium.keyValidAt(0, unknown, at);
        assertFalse(keyValid);
        assertFalse(centreActive);
    }

    function test_KeyValidAt_SuspendedCentre() public {
        vm.prank(sanyaAdmin);
        consortium.registerKey(KEY, IConsortium.KeyAlgorithm.ES256, hex"04");
        _suspend(SANYA);
        (bool keyValid, bool centreActive) = consortium.keyValidAt(SANYA, KEY, uint64(block.timestamp));
        // The key's history does not change; the centre is reported inactive beside it.
        assertTrue(keyValid);
        assertFalse(centreActive);
    }
}

contract ConsortiumCancelTest is ConsortiumBase {
    uint256 internal id;

    function setUp() public override {
        super.setUp();
        vm.prank(haikouAdmin);
        id = consortium.propose(address(consortium), abi.encodeCall(IConsortium.setThreshold, (3)));
    }

    function test_Cancel(uint256 after_) public {
        vm.warp(block.timestamp + bound(after_, 0, PROPOSAL_LIFETIME - 1));
        _expectEmit(address(consortium));
        emit IConsortium.ProposalCancelled(id, HAIKOU);
        vm.prank(haikouAdmin);
        consortium.cancel(id);
        assertTrue(consortium.proposal(id).cancelled);
        assertFalse(consortium.proposal(id).executed);
    }

    function test_Cancel_ThenNeitherApprovedNorExecuted() public {
        vm.prank(sanyaAdmin);
        consortium.approve(id);
        vm.prank(haikouAdmin);
        consortium.cancel(id);
        bytes memory cancelled = abi.encodeWithSelector(IConsortium.ConsortiumProposalCancelled.selector, id);
        vm.expectRevert(cancelled);
        vm.prank(danzhouAdmin);
        consortium.approve(id);
        vm.expectRevert(cancelled);
        vm.prank(sanyaAdmin);
        consortium.execute(id);
        vm.expectRevert(cancelled);
        vm.prank(haikouAdmin);
        consortium.cancel(id);
        assertEq(consortium.threshold(), THRESHOLD);
    }

    function test_Cancel_ByGovernance() public {
        uint256 withdrawal = _proposeAndApprove(address(consortium), abi.encodeCall(IConsortium.cancel, (id)));
        _expectEmit(address(consortium));
        emit IConsortium.ProposalCancelled(id, 0);
        vm.prank(sanyaAdmin);
        consortium.execute(withdrawal);
        assertTrue(consortium.proposal(id).cancelled);
    }

    function test_RevertWhen_CallerNotProposer() public {
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumNotProposer.selector, id, SANYA));
        vm.prank(sanyaAdmin);
        consortium.cancel(id);
    }

    function test_RevertWhen_CallerIsStranger(address caller) public {
        _assumeStranger(caller);
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumNotCentreAdmin.selector, caller));
        vm.prank(caller);
        consortium.cancel(id);
    }

    function test_RevertWhen_ProposerSuspended() public {
        _suspend(HAIKOU);
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumNotCentreAdmin.selector, haikouAdmin));
        vm.prank(haikouAdmin);
        consortium.cancel(id);
    }

    function test_RevertWhen_Executed() public {
        vm.prank(sanyaAdmin);
        consortium.approve(id);
        vm.prank(sanyaAdmin);
        consortium.execute(id);
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumProposalAlreadyExecuted.selector, id));
        vm.prank(haikouAdmin);
        consortium.cancel(id);
    }

    function test_RevertWhen_Expired(uint256 at) public {
        uint64 expiresAt = consortium.proposal(id).expiresAt;
        vm.warp(bound(at, expiresAt, expiresAt + 3650 days));
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumProposalExpired.selector, id, expiresAt));
        vm.prank(haikouAdmin);
        consortium.cancel(id);
    }

    function test_RevertWhen_Unknown(uint256 unknown) public {
        vm.assume(unknown == 0 || unknown > id);
        vm.expectRevert(abi.encodeWithSelector(IConsortium.ConsortiumUnknownProposal.selector, unknown));
        vm.prank(haikouAdmin);
        consortium.cancel(unknown);
    }
}
