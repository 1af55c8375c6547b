// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {ConsortiumBase} from "./Base.t.sol";
import {MerkleTree} from "./utils/MerkleTree.sol";
import {IConsortium} from "../interfaces/IConsortium.sol";
import {ICertificateLedger} from "../interfaces/ICertificateLedger.sol";

abstract contract LedgerBase is ConsortiumBase {
    /// @dev A batch of 1 to 64 certificates from `seed` with the index of one of them.
    function _batch(uint256 seed, uint256 count, uint256 pick)
        internal
        pure
        returns (bytes32[] memory ds, bytes32 root, uint256 index)
    {
        ds = MerkleTree.digests(seed, bound(count, 1, 64));
        root = MerkleTree.root(ds);
        index = bound(pick, 0, ds.length - 1);
    }

    function _anchor(address operator, bytes32 root, uint256 leafCount) internal {
        vm.prank(operator);
        ledger.anchor(root, uint32(leafCount));
    }

    function _reason(uint256 seed) internal pure returns (ICertificateLedger.RevocationReason) {
        return ICertificateLedger.RevocationReason(bound(seed, 1, 5));
    }
}

contract CertificateLedgerLeafOfTest is LedgerBase {
    function test_LeafOf(bytes32 digest) public view {
        assertEq(ledger.leafOf(digest), keccak256(abi.encodePacked(bytes1(0x00), digest)));
        assertEq(ledger.leafOf(digest), MerkleTree.leaf(digest));
    }

    /// @dev The test tree builder agrees with OpenZeppelin's verifier for every leaf.
    function test_MerkleTreeBuilderMatchesOpenZeppelin(uint256 seed, uint256 count) public pure {
        bytes32[] memory ds = MerkleTree.digests(seed, bound(count, 1, 64));
        bytes32 root = MerkleTree.root(ds);
        for (uint256 i = 0; i < ds.length; ++i) {
            assertTrue(MerkleProof.verify(MerkleTree.proof(ds, i), root, MerkleTree.leaf(ds[i])));
        }
    }
}

contract CertificateLedgerAnchorTest is LedgerBase {
    function test_Anchor(bytes32 root, uint32 leafCount, uint256 after_, uint256 blocks) public {
        vm.assume(root != bytes32(0) && leafCount > 0);
        vm.warp(block.timestamp + bound(after_, 0, 3650 days));
        vm.roll(block.number + bound(blocks, 0, 1e9));

        _expectEmit(address(ledger));
        emit ICertificateLedger.BatchAnchored(root, SANYA, leafCount);
        _anchor(sanyaOperator, root, leafCount);

        ICertificateLedger.Batch memory b = ledger.batch(SANYA, root);
        assertEq(b.centre, SANYA);
        assertEq(b.leafCount, leafCount);
        assertEq(b.anchoredAt, block.timestamp);
        assertEq(b.blockNumber, block.number);
    }

    function test_Anchor_UnknownRootReadsAsNone(bytes32 root) public view {
        ICertificateLedger.Batch memory b = ledger.batch(HAIKOU, root);
        assertEq(b.centre, 0);
        assertEq(b.anchoredAt, 0);
    }

    function test_RevertWhen_RootZero(uint32 leafCount) public {
        vm.expectRevert(abi.encodeWithSelector(ICertificateLedger.CertificateLedgerEmptyBatch.selector, bytes32(0)));
        _anchor(haikouOperator, bytes32(0), leafCount);
    }

    function test_RevertWhen_LeafCountZero(bytes32 root) public {
        vm.expectRevert(abi.encodeWithSelector(ICertificateLedger.CertificateLedgerEmptyBatch.selector, root));
        _anchor(haikouOperator, root, 0);
    }

    function test_RevertWhen_RootAnchored(bytes32 root) public {
        vm.assume(root != bytes32(0));
        _anchor(haikouOperator, root, 3);
        // Not again by the same centre.
        vm.expectRevert(abi.encodeWithSelector(ICertificateLedger.CertificateLedgerRootAnchored.selector, root, HAIKOU));
        _anchor(haikouOperator, root, 3);
    }

    /// @dev Front-running: another centre anchoring the same root first claims nothing for it;
    /// the owner's anchor still goes through and its certificates read as its own.
    function test_Anchor_FrontRunByAnotherCentre(uint256 seed, uint256 count, uint256 pick) public {
        (bytes32[] memory ds, bytes32 root, uint256 i) = _batch(seed, count, pick);
        _anchor(sanyaOperator, root, ds.length);
        assertFalse(ledger.certificateStatus(ds[i], root, HAIKOU, bytes8(0)).anchored);
        _expectEmit(address(ledger));
        emit ICertificateLedger.BatchAnchored(root, HAIKOU, uint32(ds.length));
        _anchor(haikouOperator, root, ds.length);
        assertEq(ledger.batch(HAIKOU, root).centre, HAIKOU);
        assertEq(ledger.batch(SANYA, root).centre, SANYA);
        ICertificateLedger.CertificateStatus memory s = ledger.certificateStatus(ds[i], root, HAIKOU, bytes8(0));
        assertTrue(s.anchored);
        assertEq(s.anchoringCentre, HAIKOU);
    }

    function test_RevertWhen_CallerIsStranger(address caller) public {
        _assumeStranger(caller);
        vm.expectRevert(abi.encodeWithSelector(ICertificateLedger.CertificateLedgerNotOperator.selector, caller));
        _anchor(caller, keccak256("root"), 1);
    }

    function test_RevertWhen_CallerIsAdminOrInstitution() public {
        address[3] memory callers = [haikouAdmin, sanyaAdmin, lender];
        for (uint256 i = 0; i < callers.length; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(ICertificateLedger.CertificateLedgerNotOperator.selector, callers[i])
            );
            _anchor(callers[i], keccak256("root"), 1);
        }
    }

    function test_RevertWhen_CallerIsSuspended() public {
        _suspend(DANZHOU);
        vm.expectRevert(
            abi.encodeWithSelector(ICertificateLedger.CertificateLedgerNotOperator.selector, danzhouOperator)
        );
        _anchor(danzhouOperator, keccak256("root"), 1);
    }
}

/// @notice Revocation over random batches of 1 to 64 certificates.
contract CertificateLedgerRevokeTest is LedgerBase {
    function _revoke(address operator, bytes32 digest, bytes32 root, bytes32[] memory proof, uint256 reasonSeed)
        internal
    {
        vm.prank(operator);
        ledger.revoke(digest, root, proof, _reason(reasonSeed));
    }

    function test_Revoke(uint256 seed, uint256 count, uint256 pick, uint256 reasonSeed, uint256 after_) public {
        (bytes32[] memory ds, bytes32 root, uint256 i) = _batch(seed, count, pick);
        _anchor(haikouOperator, root, ds.length);
        vm.warp(block.timestamp + bound(after_, 0, 3650 days));
        bytes32[] memory proof = MerkleTree.proof(ds, i);
        ICertificateLedger.RevocationReason reason = _reason(reasonSeed);

        _expectEmit(address(ledger));
        emit ICertificateLedger.CertificateRevoked(ds[i], root, HAIKOU, reason);
        vm.prank(haikouOperator);
        ledger.revoke(ds[i], root, proof, reason);

        ICertificateLedger.Revocation memory r = ledger.revocation(HAIKOU, root, ds[i]);
        assertEq(r.revokedAt, block.timestamp);
        assertEq(uint256(r.reason), uint256(reason));
        // Its neighbours stay current.
        for (uint256 j = 0; j < ds.length; ++j) {
            if (j != i) assertEq(ledger.revocation(HAIKOU, root, ds[j]).revokedAt, 0);
        }
    }

    function test_Revoke_EveryLeafOfABatch(uint256 seed, uint256 count) public {
        bytes32[] memory ds = MerkleTree.digests(seed, bound(count, 1, 16));
        bytes32 root = MerkleTree.root(ds);
        _anchor(haikouOperator, root, ds.length);
        for (uint256 i = 0; i < ds.length; ++i) {
            _revoke(haikouOperator, ds[i], root, MerkleTree.proof(ds, i), i);
        }
        for (uint256 i = 0; i < ds.length; ++i) {
            assertTrue(ledger.revocation(HAIKOU, root, ds[i]).revokedAt != 0);
        }
    }

    /// @dev A batch belongs to its centre, not to the operator account that anchored it.
    function test_Revoke_ByRotatedOperator(uint256 seed, uint256 count, uint256 pick) public {
        (bytes32[] memory ds, bytes32 root, uint256 i) = _batch(seed, count, pick);
        _anchor(haikouOperator, root, ds.length);
        address newOperator = makeAddr("new haikou operator");
        vm.prank(haikouAdmin);
        consortium.setOperator(newOperator);
        _revoke(newOperator, ds[i], root, MerkleTree.proof(ds, i), 1);
        assertTrue(ledger.revocation(HAIKOU, root, ds[i]).revokedAt != 0);
    }

    function test_RevertWhen_RevokedTwice(uint256 seed, uint256 count, uint256 pick, uint256 reasonSeed) public {
        (bytes32[] memory ds, bytes32 root, uint256 i) = _batch(seed, count, pick);
        _anchor(haikouOperator, root, ds.length);
        bytes32[] memory proof = MerkleTree.proof(ds, i);
        _revoke(haikouOperator, ds[i], root, proof, 1);
        vm.expectRevert(abi.encodeWithSelector(ICertificateLedger.CertificateLedgerAlreadyRevoked.selector, ds[i]));
        _revoke(haikouOperator, ds[i], root, proof, reasonSeed);
    }

    function test_RevertWhen_ReasonNone(uint256 seed, uint256 count, uint256 pick) public {
        (bytes32[] memory ds, bytes32 root, uint256 i) = _batch(seed, count, pick);
        _anchor(haikouOperator, root, ds.length);
        bytes32[] memory proof = MerkleTree.proof(ds, i);
        vm.expectRevert(abi.encodeWithSelector(ICertificateLedger.CertificateLedgerInvalidReason.selector));
        vm.prank(haikouOperator);
        ledger.revoke(ds[i], root, proof, ICertificateLedger.RevocationReason.None);
    }

    function test_RevertWhen_ProofAltered(uint256 seed, uint256 count, uint256 pick, uint256 at, bytes32 noise)
        public
    {
        (bytes32[] memory ds, bytes32 root, uint256 i) = _batch(seed, count, pick);
        vm.assume(noise != bytes32(0));
        _anchor(haikouOperator, root, ds.length);
        bytes32[] memory proof = MerkleTree.proof(ds, i);
        if (proof.length == 0) {
            // A one-leaf batch: any non-empty proof is wrong.
            proof = new bytes32[](1);
            proof[0] = noise;
        } else {
            proof[bound(at, 0, proof.length - 1)] ^= noise;
        }
        vm.expectRevert(
            abi.encodeWithSelector(ICertificateLedger.CertificateLedgerInvalidProof.selector, ds[i], root)
        );
        _revoke(haikouOperator, ds[i], root, proof, 1);
    }

    function test_RevertWhen_ProofOfAnotherLeaf(uint256 seed, uint256 count, uint256 pick, uint256 other) public {
        (bytes32[] memory ds, bytes32 root, uint256 i) = _batch(seed, bound(count, 2, 64), pick);
        uint256 j = bound(other, 0, ds.length - 2);
        if (j >= i) ++j;
        _anchor(haikouOperator, root, ds.length);
        bytes32[] memory proof = MerkleTree.proof(ds, j);
        vm.expectRevert(
            abi.encodeWithSelector(ICertificateLedger.CertificateLedgerInvalidProof.selector, ds[i], root)
        );
        _revoke(haikouOperator, ds[i], root, proof, 1);
    }

    function test_RevertWhen_DigestNotInBatch(uint256 seed, uint256 count, uint256 pick, bytes32 stray) public {
        (bytes32[] memory ds, bytes32 root, uint256 i) = _batch(seed, count, pick);
        vm.assume(stray != ds[i]);
        _anchor(haikouOperator, root, ds.length);
        bytes32[] memory proof = MerkleTree.proof(ds, i);
        vm.expectRevert(abi.encodeWithSelector(ICertificateLedger.CertificateLedgerInvalidProof.selector, stray, root));
        _revoke(haikouOperator, stray, root, proof, 1);
    }

    /// @dev An inner node must not pass for a certificate: leaves are domain-separated.
    function test_RevertWhen_InnerNodeGivenAsDigest(uint256 seed, uint256 count) public {
        bytes32[] memory ds = MerkleTree.digests(seed, bound(count, 2, 64));
        bytes32 root = MerkleTree.root(ds);
        _anchor(haikouOperator, root, ds.length);
        // The parent of leaves 0 and 1, with the proof that would lift it to the root.
        bytes32 node = MerkleTree.hashPair(MerkleTree.leaf(ds[0]), MerkleTree.leaf(ds[1]));
        bytes32[] memory full = MerkleTree.proof(ds, 0);
        bytes32[] memory rest = new bytes32[](full.length - 1);
        for (uint256 k = 1; k < full.length; ++k) {
            rest[k - 1] = full[k];
        }
        assertTrue(MerkleProof.verify(rest, root, node));
        vm.expectRevert(abi.encodeWithSelector(ICertificateLedger.CertificateLedgerInvalidProof.selector, node, root));
        _revoke(haikouOperator, node, root, rest, 1);
    }

    function test_RevertWhen_ProofForAnotherBatch(uint256 seedA, uint256 seedB, uint256 count, uint256 pick) public {
        vm.assume(seedA != seedB);
        (bytes32[] memory a, bytes32 rootA, uint256 i) = _batch(seedA, count, pick);
        (bytes32[] memory b, bytes32 rootB,) = _batch(seedB, count, pick);
        _anchor(haikouOperator, rootA, a.length);
        _anchor(haikouOperator, rootB, b.length);
        bytes32[] memory proof = MerkleTree.proof(a, i);
        vm.expectRevert(
            abi.encodeWithSelector(ICertificateLedger.CertificateLedgerInvalidProof.selector, a[i], rootB)
        );
        _revoke(haikouOperator, a[i], rootB, proof, 1);
    }

    function test_RevertWhen_RootUnknown(uint256 seed, uint256 count, uint256 pick) public {
        (bytes32[] memory ds, bytes32 root, uint256 i) = _batch(seed, count, pick);
        bytes32[] memory proof = MerkleTree.proof(ds, i);
        vm.expectRevert(abi.encodeWithSelector(ICertificateLedger.CertificateLedgerUnknownRoot.selector, root));
        _revoke(haikouOperator, ds[i], root, proof, 1);
    }

    function test_RevertWhen_RootOfAnotherCentre(uint256 seed, uint256 count, uint256 pick) public {
        (bytes32[] memory ds, bytes32 root, uint256 i) = _batch(seed, count, pick);
        _anchor(sanyaOperator, root, ds.length);
        bytes32[] memory proof = MerkleTree.proof(ds, i);
        // In Haikou's namespace Sanya's root is unknown.
        vm.expectRevert(abi.encodeWithSelector(ICertificateLedger.CertificateLedgerUnknownRoot.selector, root));
        _revoke(haikouOperator, ds[i], root, proof, 1);
    }

    function test_RevertWhen_CallerIsStranger(address caller) public {
        _assumeStranger(caller);
        bytes32[] memory ds = MerkleTree.digests(1, 4);
        bytes32 root = MerkleTree.root(ds);
        _anchor(haikouOperator, root, 4);
        bytes32[] memory proof = MerkleTree.proof(ds, 2);
        vm.expectRevert(abi.encodeWithSelector(ICertificateLedger.CertificateLedgerNotOperator.selector, caller));
        _revoke(caller, ds[2], root, proof, 1);
    }

    function test_RevertWhen_CallerIsAdminOrInstitution() public {
        bytes32[] memory ds = MerkleTree.digests(1, 4);
        bytes32 root = MerkleTree.root(ds);
        _anchor(haikouOperator, root, 4);
        bytes32[] memory proof = MerkleTree.proof(ds, 2);
        address[2] memory callers = [haikouAdmin, lender];
        for (uint256 k = 0; k < callers.length; ++k) {
            vm.expectRevert(
                abi.encodeWithSelector(ICertificateLedger.CertificateLedgerNotOperator.selector, callers[k])
            );
            _revoke(callers[k], ds[2], root, proof, 1);
        }
    }

    function test_RevertWhen_CallerIsSuspended() public {
        bytes32[] memory ds = MerkleTree.digests(1, 4);
        bytes32 root = MerkleTree.root(ds);
        _anchor(danzhouOperator, root, 4);
        _suspend(DANZHOU);
        bytes32[] memory proof = MerkleTree.proof(ds, 2);
        vm.expectRevert(
            abi.encodeWithSelector(ICertificateLedger.CertificateLedgerNotOperator.selector, danzhouOperator)
        );
        _revoke(danzhouOperator, ds[2], root, proof, 1);
    }
}

contract CertificateLedgerRevocationTest is LedgerBase {
    function test_Revocation_NotRevokedInAnAnchoredBatch(uint256 seed, uint256 count, uint256 pick) public {
        (bytes32[] memory ds, bytes32 root, uint256 i) = _batch(seed, count, pick);
        _anchor(sanyaOperator, root, ds.length);
        ICertificateLedger.Revocation memory r = ledger.revocation(SANYA, root, ds[i]);
        assertEq(r.revokedAt, 0);
        assertEq(uint256(r.reason), uint256(ICertificateLedger.RevocationReason.None));
    }

    function test_Revocation_ReadForTheAnchoringCentre(uint256 seed, uint256 count, uint256 pick) public {
        (bytes32[] memory ds, bytes32 root, uint256 i) = _batch(seed, count, pick);
        _anchor(sanyaOperator, root, ds.length);
        vm.prank(sanyaOperator);
        ledger.revoke(ds[i], root, MerkleTree.proof(ds, i), ICertificateLedger.RevocationReason.KeyCompromised);
        ICertificateLedger.Revocation memory r = ledger.revocation(SANYA, root, ds[i]);
        assertEq(r.revokedAt, block.timestamp);
        assertEq(uint256(r.reason), uint256(ICertificateLedger.RevocationReason.KeyCompromised));
    }

    /// @dev An unknown root is not "not revoked".
    function test_RevertWhen_RootUnknown(bytes32 root, bytes32 digest) public {
        vm.expectRevert(abi.encodeWithSelector(ICertificateLedger.CertificateLedgerUnknownRoot.selector, root));
        ledger.revocation(HAIKOU, root, digest);
    }

    /// @dev Roots are namespaced: a root another centre anchored is unknown in this centre's.
    function test_RevertWhen_RootAnchoredByAnotherCentre(uint256 seed, uint256 count, uint256 pick) public {
        (bytes32[] memory ds, bytes32 root, uint256 i) = _batch(seed, count, pick);
        _anchor(sanyaOperator, root, ds.length);
        vm.expectRevert(abi.encodeWithSelector(ICertificateLedger.CertificateLedgerUnknownRoot.selector, root));
        ledger.revocation(HAIKOU, root, ds[i]);
    }
}

contract CertificateLedgerCertificateStatusTest is LedgerBase {
    bytes8 internal constant KEY = 0xc8c363b7d63be795; // bytes8(sha256(hex"d75a980182b10ab7"))

    function _registerKey() internal {
        vm.prank(haikouAdmin);
        consortium.registerKey(KEY, IConsortium.KeyAlgorithm.EdDSA, hex"d75a980182b10ab7");
    }

    function _retireKey() internal {
        vm.prank(haikouAdmin);
        consortium.retireKey(KEY);
    }

    function test_CertificateStatus(uint256 seed, uint256 count, uint256 pick, uint256 later, uint256 blocks) public {
        (bytes32[] memory ds, bytes32 root, uint256 i) = _batch(seed, count, pick);
        _registerKey();
        vm.warp(block.timestamp + 60);
        vm.roll(block.number + 5);
        _anchor(haikouOperator, root, ds.length);
        uint64 anchoredAt = uint64(block.timestamp);
        uint64 anchorBlock = uint64(block.number);
        vm.warp(block.timestamp + bound(later, 0, 3650 days));
        vm.roll(block.number + bound(blocks, 0, 1e9));

        ICertificateLedger.CertificateStatus memory s = ledger.certificateStatus(ds[i], root, HAIKOU, KEY);
        assertTrue(s.anchored);
        assertEq(s.anchoringCentre, HAIKOU);
        assertEq(s.anchoredAt, anchoredAt);
        assertEq(s.anchorBlock, anchorBlock);
        assertFalse(s.revoked);
        assertEq(s.revokedAt, 0);
        assertEq(uint256(s.revocationReason), 0);
        assertTrue(s.keyValidAtAnchor);
        assertTrue(s.centreActive);
        assertEq(s.readAt, block.timestamp);
        assertEq(s.readBlock, block.number);
    }

    function test_CertificateStatus_Revoked(uint256 seed, uint256 count, uint256 pick, uint256 reasonSeed) public {
        (bytes32[] memory ds, bytes32 root, uint256 i) = _batch(seed, count, pick);
        _registerKey();
        vm.warp(block.timestamp + 1);
        _anchor(haikouOperator, root, ds.length);
        vm.warp(block.timestamp + 30 days);
        bytes32[] memory proof = MerkleTree.proof(ds, i);
        vm.prank(haikouOperator);
        ledger.revoke(ds[i], root, proof, _reason(reasonSeed));

        ICertificateLedger.CertificateStatus memory s = ledger.certificateStatus(ds[i], root, HAIKOU, KEY);
        assertTrue(s.anchored);
        assertTrue(s.revoked);
        assertEq(s.revokedAt, block.timestamp);
        assertEq(uint256(s.revocationReason), uint256(_reason(reasonSeed)));
        // A revoked certificate was still backed by a valid key: the two are reported apart.
        assertTrue(s.keyValidAtAnchor);
    }

    /// @dev Unknown never reads as good: no anchor, no valid key.
    function test_CertificateStatus_UnknownRoot(bytes32 digest, bytes32 root) public {
        _registerKey();
        ICertificateLedger.CertificateStatus memory s = ledger.certificateStatus(digest, root, HAIKOU, KEY);
        assertFalse(s.anchored);
        assertEq(s.anchoringCentre, 0);
        assertEq(s.anchoredAt, 0);
        assertEq(s.anchorBlock, 0);
        assertFalse(s.revoked);
        assertFalse(s.keyValidAtAnchor);
        assertTrue(s.centreActive);
        assertEq(s.readAt, block.timestamp);
        assertEq(s.readBlock, block.number);
    }

    /// @dev Even a key valid since time 0 does not make an unknown root's "anchor time" (0) count.
    function test_CertificateStatus_UnknownRootWithKeyFromTimeZero(bytes32 digest, bytes32 root) public {
        vm.warp(0);
        _registerKey();
        vm.warp(GENESIS_TIME);
        assertFalse(ledger.certificateStatus(digest, root, HAIKOU, KEY).keyValidAtAnchor);
    }

    /// @dev Key validity is judged at the anchor time, whatever happens to the key later.
    function test_CertificateStatus_KeyRetiredAfterAnchor(uint256 gap, uint256 later) public {
        bytes32[] memory ds = MerkleTree.digests(7, 5);
        bytes32 root = MerkleTree.root(ds);
        _registerKey();
        _anchor(haikouOperator, root, 5);
        vm.warp(block.timestamp + bound(gap, 1, 3650 days));
        _retireKey();
        vm.warp(block.timestamp + bound(later, 0, 3650 days));
        assertTrue(ledger.certificateStatus(ds[3], root, HAIKOU, KEY).keyValidAtAnchor);
    }

    /// @dev A retired key cannot back a batch anchored after it, not even in the same second.
    function test_CertificateStatus_KeyRetiredBeforeAnchor(uint256 gap) public {
        bytes32[] memory ds = MerkleTree.digests(7, 5);
        bytes32 root = MerkleTree.root(ds);
        _registerKey();
        vm.warp(block.timestamp + 1);
        _retireKey();
        vm.warp(block.timestamp + bound(gap, 0, 3650 days));
        _anchor(haikouOperator, root, 5);
        ICertificateLedger.CertificateStatus memory s = ledger.certificateStatus(ds[0], root, HAIKOU, KEY);
        assertTrue(s.anchored);
        assertFalse(s.keyValidAtAnchor);
    }

    /// @dev A key registered after the anchor cannot back-date the batch.
    function test_CertificateStatus_KeyRegisteredAfterAnchor(uint256 gap) public {
        bytes32[] memory ds = MerkleTree.digests(7, 5);
        bytes32 root = MerkleTree.root(ds);
        _anchor(haikouOperator, root, 5);
        vm.warp(block.timestamp + bound(gap, 1, 3650 days));
        _registerKey();
        assertFalse(ledger.certificateStatus(ds[0], root, HAIKOU, KEY).keyValidAtAnchor);
    }

    /// @dev Register, anchor and retire in random order and spacing: the key backs the batch iff
    /// validFrom ≤ anchoredAt < validUntil.
    function test_CertificateStatus_KeyLifetimeAroundAnchor(uint256 order, uint256 d1, uint256 d2) public {
        bytes32[] memory ds = MerkleTree.digests(d1, 3);
        bytes32 root = MerkleTree.root(ds);
        order = bound(order, 0, 2);
        d1 = bound(d1, 0, 400 days);
        d2 = bound(d2, 0, 400 days);
        if (order == 0) {
            _registerKey();
            vm.warp(block.timestamp + d1);
            _anchor(haikouOperator, root, 3);
            vm.warp(block.timestamp + d2);
            _retireKey();
        } else if (order == 1) {
            _registerKey();
            vm.warp(block.timestamp + d1);
            _retireKey();
            vm.warp(block.timestamp + d2);
            _anchor(haikouOperator, root, 3);
        } else {
            _anchor(haikouOperator, root, 3);
            vm.warp(block.timestamp + d1);
            _registerKey();
            vm.warp(block.timestamp + d2);
            _retireKey();
        }
        IConsortium.SigningKey memory k = consortium.key(KEY);
        uint64 anchoredAt = ledger.batch(HAIKOU, root).anchoredAt;
        bool expected = k.validFrom <= anchoredAt && anchoredAt < k.validUntil;
        assertEq(ledger.certificateStatus(ds[1], root, HAIKOU, KEY).keyValidAtAnchor, expected);
    }

    function test_CertificateStatus_KeyOfAnotherCentre() public {
        bytes32[] memory ds = MerkleTree.digests(7, 5);
        bytes32 root = MerkleTree.root(ds);
        _registerKey();
        _anchor(haikouOperator, root, 5);
        // Haikou's key named as Sanya's does not validate.
        ICertificateLedger.CertificateStatus memory s = ledger.certificateStatus(ds[0], root, SANYA, KEY);
        assertFalse(s.keyValidAtAnchor);
        assertTrue(s.centreActive);
        assertFalse(ledger.certificateStatus(ds[0], root, HAIKOU, bytes8("unknown")).keyValidAtAnchor);
    }

    function test_CertificateStatus_CentreSuspended() public {
        bytes32[] memory ds = MerkleTree.digests(7, 5);
        bytes32 root = MerkleTree.root(ds);
        _registerKey();
        _anchor(haikouOperator, root, 5);
        _suspend(HAIKOU);
        ICertificateLedger.CertificateStatus memory s = ledger.certificateStatus(ds[0], root, HAIKOU, KEY);
        assertTrue(s.anchored);
        assertTrue(s.keyValidAtAnchor);
        assertFalse(s.centreActive);
    }
}

/// @notice The golden vectors of docs/test-vectors/, which the Python verifier checks too: the
/// contract must agree with it on leaves, pair hashing and proofs. Values are copied from the
/// files named below (Solidity tests may not read files without an fsPermissions entry in
/// hardhat.config.js); regenerate both together with scripts/make_test_vectors.py.
contract CertificateLedgerGoldenVectorsTest is LedgerBase {
    // valid-eddsa.json and valid-es256.json: two of a batch of three.
    bytes32 internal constant EDDSA_DIGEST = 0x3df53f60f93ec904d8dcf06ee3203dce4b5608ccc81aaf0822314f48ef69d4da;
    bytes32 internal constant EDDSA_LEAF = 0x01de215b785032d027009fe56b0578d40145bab93ae61dc42adeee4ab02afb60;
    bytes32 internal constant ES256_DIGEST = 0xc5ad6c4781d0fbb6356600c24b1515f14affeab011c1e344077a1eaae6966575;
    bytes32 internal constant ES256_LEAF = 0x3520071d30ef4f76fbd810c6342d0a7c507999ecd3199526eed1deda47b57a29;
    bytes32 internal constant THIRD_NODE = 0x5f515e79316911f4b86ca59ed08b8cc6ec0237c56a8c049cf2371f9a52d2b684;
    bytes32 internal constant ROOT = 0x2e6c08544865c64a5cc55156c0c722bbde2efc39bffb1e15543c9235c9454317;
    // valid-batch-of-one.json
    bytes32 internal constant ONE_DIGEST = 0xc26d83f04b9426374ae7bb7d6a8d79a2c3dee900f56db41a591660f866de25cf;
    bytes32 internal constant ONE_ROOT = 0x3ff92bf4243f811adf47061dac164bd6774b052fae84860346238d5d377d7b82;
    // proof-invalid.json: another batch's root (its proof header is pasted onto the eddsa certificate).
    bytes32 internal constant OTHER_ROOT = 0x14c436b300e83e811eceee47b86f88eea52938411e6b20358dd8539710aed740;

    function _proof(bytes32 a, bytes32 b) internal pure returns (bytes32[] memory p) {
        p = new bytes32[](2);
        p[0] = a;
        p[1] = b;
    }

    function test_GoldenVectors_Leaves() public view {
        assertEq(ledger.leafOf(EDDSA_DIGEST), EDDSA_LEAF);
        assertEq(ledger.leafOf(ES256_DIGEST), ES256_LEAF);
        assertEq(ledger.leafOf(ONE_DIGEST), ONE_ROOT);
        assertEq(MerkleTree.hashPair(MerkleTree.hashPair(EDDSA_LEAF, ES256_LEAF), THIRD_NODE), ROOT);
    }

    function test_GoldenVectors_Revoke() public {
        _anchor(haikouOperator, ROOT, 3);
        _expectEmit(address(ledger));
        emit ICertificateLedger.CertificateRevoked(
            EDDSA_DIGEST, ROOT, HAIKOU, ICertificateLedger.RevocationReason.Superseded
        );
        vm.prank(haikouOperator);
        ledger.revoke(
            EDDSA_DIGEST, ROOT, _proof(ES256_LEAF, THIRD_NODE), ICertificateLedger.RevocationReason.Superseded
        );
        vm.prank(haikouOperator);
        ledger.revoke(ES256_DIGEST, ROOT, _proof(EDDSA_LEAF, THIRD_NODE), ICertificateLedger.RevocationReason.Other);

        _anchor(haikouOperator, ONE_ROOT, 1);
        vm.prank(haikouOperator);
        ledger.revoke(ONE_DIGEST, ONE_ROOT, new bytes32[](0), ICertificateLedger.RevocationReason.IssuedInError);
        assertTrue(ledger.certificateStatus(ONE_DIGEST, ONE_ROOT, HAIKOU, bytes8(0)).revoked);
    }

    function test_RevertWhen_GoldenProofAgainstAnotherRoot() public {
        _anchor(haikouOperator, OTHER_ROOT, 3);
        bytes32[] memory proof = _proof(ES256_LEAF, THIRD_NODE);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICertificateLedger.CertificateLedgerInvalidProof.selector, EDDSA_DIGEST, OTHER_ROOT
            )
        );
        vm.prank(haikouOperator);
        ledger.revoke(EDDSA_DIGEST, OTHER_ROOT, proof, ICertificateLedger.RevocationReason.Other);
    }
}

/// @dev A centre may anchor any root it likes, even one built from another centre's digests;
/// what it can never do is revoke, or lend its key to, another centre's certificates.
contract CertificateLedgerCrossCentreTest is LedgerBase {
    function test_RevokeOfAnotherCentresDigestTouchesOnlyItsOwnBatches(uint256 seed, uint256 count, uint256 pick)
        public
    {
        (bytes32[] memory ds, bytes32 root, uint256 i) = _batch(seed, bound(count, 2, 64), pick);
        _anchor(sanyaOperator, root, ds.length);
        bytes32 fakeRoot = ledger.leafOf(ds[i]);
        _anchor(haikouOperator, fakeRoot, 1);
        vm.prank(haikouOperator);
        ledger.revoke(ds[i], fakeRoot, new bytes32[](0), ICertificateLedger.RevocationReason.Other);

        assertEq(ledger.revocation(SANYA, root, ds[i]).revokedAt, 0);
        assertTrue(ledger.revocation(HAIKOU, fakeRoot, ds[i]).revokedAt != 0);
        assertFalse(ledger.certificateStatus(ds[i], root, SANYA, bytes8(0)).revoked);
        // Sanya still revokes its own certificate.
        _expectEmit(address(ledger));
        emit ICertificateLedger.CertificateRevoked(ds[i], root, SANYA, ICertificateLedger.RevocationReason.Superseded);
        vm.prank(sanyaOperator);
        ledger.revoke(ds[i], root, MerkleTree.proof(ds, i), ICertificateLedger.RevocationReason.Superseded);
        assertTrue(ledger.certificateStatus(ds[i], root, SANYA, bytes8(0)).revoked);
    }

    function test_KeyIsValidOnlyForBatchesItsOwnCentreAnchored(uint256 seed) public {
        bytes8 kid = bytes8(sha256(abi.encode(seed)));
        vm.prank(haikouAdmin);
        consortium.registerKey(kid, IConsortium.KeyAlgorithm.EdDSA, abi.encode(seed));
        bytes32 haikouRoot = keccak256(abi.encode(seed, "haikou"));
        bytes32 sanyaRoot = keccak256(abi.encode(seed, "sanya"));
        _anchor(haikouOperator, haikouRoot, 1);
        _anchor(sanyaOperator, sanyaRoot, 1);
        assertTrue(ledger.certificateStatus(bytes32(0), haikouRoot, HAIKOU, kid).keyValidAtAnchor);
        assertFalse(ledger.certificateStatus(bytes32(0), sanyaRoot, HAIKOU, kid).keyValidAtAnchor);
    }
}
