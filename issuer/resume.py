"""Resuming bulk issuance: which accounts already hold a current certificate saying what a new
one would say, so that `hpf issuer issue-all` run again after a crash (or twice by mistake)
issues nobody a second certificate.

A certificate counts as held when it is current (signed or anchored, not revoked, not expired),
is for the same purpose and for any institution (bulk certificates have no audience), and its
signed content equals the content the account's figures give today, apart from its number,
its times and what it supersedes. An account whose figures changed since is issued again.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from issuer.db import Certificate, CertificateStatus, session_scope
from verifier import format as fmt

__all__ = ["already_certified"]

_CURRENT = (CertificateStatus.SIGNED, CertificateStatus.ANCHORED)


def _same_content(held: fmt.Certificate, account: Any, content_of: Callable[..., fmt.Certificate]) -> bool:
    try:
        fresh = content_of(account, number=held.number, issued_at=held.issued_at, valid_until=held.valid_until,
                           subject=held.subject_ref)
    except Exception:  # noqa: BLE001 — nothing to certify any more: not "the same"
        return False
    return dataclasses.replace(held, supersedes=None) == fresh


def already_certified(
    engine: Engine, centre: int, accounts: Sequence[Any], *, purpose: str, now: datetime,
    content_of: Callable[..., fmt.Certificate],
) -> set[int]:
    """The ids of `accounts` that hold a current certificate of the same content for `purpose`.
    `content_of(account, number=, issued_at=, valid_until=, subject=)` gives the content a new
    certificate would have (issuance's `certificate_content` with the account's summary)."""
    by_id = {a.id: a for a in accounts}
    if not by_id:
        return set()
    with session_scope(engine) as s:
        rows = s.execute(
            select(Certificate.account_id, Certificate.cose).where(
                Certificate.centre_code == centre, Certificate.account_id.in_(list(by_id)),
                Certificate.status.in_(_CURRENT), Certificate.purpose == purpose,
                Certificate.audience.is_(None), Certificate.valid_until > now,
                Certificate.cose.is_not(None),
            )
        ).all()
    held: set[int] = set()
    for account_id, cose in rows:
        if account_id in held or cose is None:
            continue
        try:
            signed = fmt.from_cose(bytes(cose))
        except Exception:  # noqa: BLE001, S112 — an unreadable record is not a certificate the holder has
            continue
        held_content = signed.certificate
        if isinstance(held_content, fmt.Certificate) and _same_content(held_content, by_id[account_id], content_of):
            held.add(account_id)
    return held
