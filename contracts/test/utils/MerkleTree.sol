// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice Builds certificate batch trees the way an issuer does, so the tests hand the ledger
/// proofs it must accept (or, altered, reject).
/// @dev Leaf = keccak256(0x00 ‖ digest). Inner node = keccak256 of the sorted pair (64 bytes),
/// OpenZeppelin's commutative hashing. An odd node out at a level is promoted unchanged to the
/// next level (not duplicated), so it adds no element to the proofs below it; OpenZeppelin's
/// MerkleProof.verify accepts these proofs, and a one-leaf tree's root is its leaf (empty proof).
library MerkleTree {
    function leaf(bytes32 digest) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(bytes1(0x00), digest));
    }

    function hashPair(bytes32 a, bytes32 b) internal pure returns (bytes32) {
        return a < b ? keccak256(abi.encode(a, b)) : keccak256(abi.encode(b, a));
    }

    /// @notice `count` distinct pseudo-random certificate digests derived from `seed`.
    function digests(uint256 seed, uint256 count) internal pure returns (bytes32[] memory ds) {
        ds = new bytes32[](count);
        for (uint256 i = 0; i < count; ++i) {
            ds[i] = keccak256(abi.encode("certificate", seed, i));
        }
    }

    function leaves(bytes32[] memory ds) internal pure returns (bytes32[] memory ls) {
        ls = new bytes32[](ds.length);
        for (uint256 i = 0; i < ds.length; ++i) {
            ls[i] = leaf(ds[i]);
        }
    }

    function root(bytes32[] memory ds) internal pure returns (bytes32) {
        bytes32[] memory level = leaves(ds);
        while (level.length > 1) {
            level = _up(level);
        }
        return level[0];
    }

    /// @notice The inclusion proof of `ds[index]`, bottom-up.
    function proof(bytes32[] memory ds, uint256 index) internal pure returns (bytes32[] memory p) {
        bytes32[] memory level = leaves(ds);
        bytes32[] memory path = new bytes32[](256);
        uint256 depth = 0;
        while (level.length > 1) {
            uint256 sibling = index ^ 1;
            if (sibling < level.length) path[depth++] = level[sibling];
            level = _up(level);
            index /= 2;
        }
        p = new bytes32[](depth);
        for (uint256 i = 0; i < depth; ++i) {
            p[i] = path[i];
        }
    }

    function _up(bytes32[] memory level) private pure returns (bytes32[] memory next) {
        uint256 n = level.length;
        next = new bytes32[]((n + 1) / 2);
        for (uint256 i = 0; i < n; i += 2) {
            next[i / 2] = i + 1 < n ? hashPair(level[i], level[i + 1]) : level[i];
        }
    }
}
