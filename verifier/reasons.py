"""The public reason codes of a verification (docs/design.md §4, docs/verifier.md "Reason codes").

A code is a stable contract with every lender's integration: never rename or remove one once
published; add new ones at the end and to the table in docs/verifier.md (a test compares them).
Everything else in the code names a reason through this enumeration, never as a string literal.
"""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    MALFORMED = "MALFORMED"
    UNSUPPORTED_VERSION = "UNSUPPORTED_VERSION"
    BAD_SIGNATURE = "BAD_SIGNATURE"
    UNKNOWN_KEY = "UNKNOWN_KEY"
    ISSUER_NOT_MEMBER = "ISSUER_NOT_MEMBER"
    KEY_NOT_VALID_AT_ANCHOR = "KEY_NOT_VALID_AT_ANCHOR"
    PROOF_INVALID = "PROOF_INVALID"
    NOT_ANCHORED = "NOT_ANCHORED"
    REVOKED = "REVOKED"
    EXPIRED = "EXPIRED"
    WRONG_AUDIENCE = "WRONG_AUDIENCE"
    CHAIN_UNAVAILABLE = "CHAIN_UNAVAILABLE"
    NODE_BEHIND = "NODE_BEHIND"  # the node's head is older than the bound: INDETERMINATE
    CHECK_ERROR = "CHECK_ERROR"  # a check raised: the verdict is INDETERMINATE, never that check's failure
