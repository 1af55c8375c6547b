// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Test} from "./utils/Test.sol";
import {Consortium} from "../Consortium.sol";
import {CertificateLedger} from "../CertificateLedger.sol";
import {Blacklist} from "../Blacklist.sol";
import {AccessTrace} from "../AccessTrace.sol";
import {IConsortium} from "../interfaces/IConsortium.sol";

/// @notice The network every test starts from: three Hainan centres (admin and operator account
/// each, 2-of-3 approvals, proposals open 7 days), the ledger, the blacklist (3 to 5 years), the
/// access trace, and one bank registered through a proposal sponsored by Haikou.
abstract contract ConsortiumBase is Test {
    uint32 internal constant HAIKOU = 460100;
    uint32 internal constant SANYA = 460200;
    uint32 internal constant DANZHOU = 460400;
    uint32 internal constant LENDER = 1_000_001;

    uint16 internal constant THRESHOLD = 2;
    uint64 internal constant PROPOSAL_LIFETIME = 7 days;
    uint64 internal constant MIN_LISTING = 3 * 365 days;
    uint64 internal constant MAX_LISTING = 5 * 365 days;
    bytes32 internal constant TRACE_KEY = keccak256("trace key v1");

    /// @dev 2025-06-15: tests run at a realistic time, so "time 0" never passes for "unset".
    uint256 internal constant GENESIS_TIME = 1_750_000_000;
    uint256 internal constant GENESIS_BLOCK = 1_000;

    Consortium internal consortium;
    CertificateLedger internal ledger;
    Blacklist internal blacklist;
    AccessTrace internal trace;

    address internal stranger;
    address internal haikouAdmin;
    address internal haikouOperator;
    address internal sanyaAdmin;
    address internal sanyaOperator;
    address internal danzhouAdmin;
    address internal danzhouOperator;
    /// @dev The account of institution LENDER, a bank sponsored by Haikou.
    address internal lender;

    uint32[] internal codes;
    address[] internal admins;

    function setUp() public virtual {
        vm.warp(GENESIS_TIME);
        vm.roll(GENESIS_BLOCK);

        stranger = makeAddr("stranger");
        haikouAdmin = makeAddr("haikou admin");
        haikouOperator = makeAddr("haikou operator");
        sanyaAdmin = makeAddr("sanya admin");
        sanyaOperator = makeAddr("sanya operator");
        danzhouAdmin = makeAddr("danzhou admin");
        danzhouOperator = makeAddr("danzhou operator");
        lender = makeAddr("bank of hainan");

        codes = [HAIKOU, SANYA, DANZHOU];
        admins = [haikouAdmin, sanyaAdmin, danzhouAdmin];
        string[] memory names = new string[](3);
        names[0] = "Haikou";
        names[1] = "Sanya";
        names[2] = "Danzhou";
        address[] memory operators = new address[](3);
        operators[0] = haikouOperator;
        operators[1] = sanyaOperator;
        operators[2] = danzhouOperator;

        consortium = new Consortium(codes, names, admins, operators, THRESHOLD, PROPOSAL_LIFETIME);
        ledger = new CertificateLedger(consortium);
        blacklist = new Blacklist(consortium, MIN_LISTING, MAX_LISTING);
        trace = new AccessTrace(consortium, TRACE_KEY);

        _enact(
            address(consortium),
            abi.encodeCall(IConsortium.registerInstitution, (LENDER, "Bank of Hainan", lender, HAIKOU))
        );
    }

    /// @dev The next event must match the one emitted right after this call, topics and data.
    function _expectEmit(address emitter) internal {
        vm.expectEmit(true, true, true, true, emitter);
    }

    // --- governance helpers ---

    /// @dev Proposes `data` to `target` from the first active centre and has further active
    /// centres approve until the threshold is met; returns the proposal, not yet executed.
    function _proposeAndApprove(address target, bytes memory data) internal returns (uint256 id) {
        uint16 needed = consortium.threshold();
        uint16 approvals = 0;
        for (uint256 i = 0; i < admins.length && approvals < needed; ++i) {
            if (!_isActiveAdmin(admins[i])) continue;
            vm.prank(admins[i]);
            if (approvals == 0) {
                id = consortium.propose(target, data);
            } else {
                consortium.approve(id);
            }
            ++approvals;
        }
        require(approvals == needed, "not enough active centres to approve");
    }

    /// @dev A proposal of `data` to `target` approved and executed: a governance decision.
    function _enact(address target, bytes memory data) internal returns (uint256 id) {
        id = _proposeAndApprove(target, data);
        vm.prank(_anyActiveAdmin());
        consortium.execute(id);
    }

    function _suspend(uint32 code) internal {
        _enact(address(consortium), abi.encodeCall(IConsortium.suspendCentre, (code)));
    }

    function _anyActiveAdmin() internal view returns (address) {
        for (uint256 i = 0; i < admins.length; ++i) {
            if (_isActiveAdmin(admins[i])) return admins[i];
        }
        revert("no active centre");
    }

    function _isActiveAdmin(address who) internal view returns (bool) {
        IConsortium.Account memory a = consortium.account(who);
        return a.role == IConsortium.Role.CentreAdmin && a.active;
    }

    /// @dev Excludes addresses that hold an account or are contracts of the network, so a fuzzed
    /// caller is a true stranger.
    function _assumeStranger(address who) internal view {
        vm.assume(consortium.account(who).role == IConsortium.Role.None);
        vm.assume(who != address(consortium) && who != address(ledger));
        vm.assume(who != address(blacklist) && who != address(trace));
    }

    /// @dev Error data of a proposal whose call reverted with `inner`.
    function _failed(uint256 id, bytes memory inner) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IConsortium.ConsortiumProposalFailed.selector, id, inner);
    }
}
