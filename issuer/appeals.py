"""The blacklist appeal, for the listing centre's staff: mark an entry under appeal, confirm it,
or lift it with a reason code.

Only the centre that listed an entry acts on it (checked here before anything is sent, and by
the contract). Reason codes go on chain; a clerk's free text (why the person appeals, why the
entry was lifted) stays in the centre's audit log and only its SHA-256 goes on chain with a lift.
Testing found a clerk's note with a person's name and full ID number written to the chain by
the old free-text `lift`: that can no longer happen.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from issuer.blacklist import BadBlacklistInput, BlacklistError, BlacklistService, _explain, _explain_zh
from issuer.governance import audit, note_hash
from node.bindings import EntryStatus, LiftReason
from node.errors import ContractError

__all__ = ["LIFT_REASONS", "appeal", "confirm", "lift", "parse_lift_reason"]

#: Lift reason codes (on chain) and their Chinese names.
LIFT_REASONS: dict[str, tuple[LiftReason, str]] = {
    "appeal-upheld": (LiftReason.APPEAL_UPHELD, "申诉成立"),
    "listed-in-error": (LiftReason.LISTED_IN_ERROR, "误列"),
    "settled": (LiftReason.SETTLED, "已结清或已纠正"),
    "court-order": (LiftReason.COURT_ORDER, "法院裁定"),
    "other": (LiftReason.OTHER, "其他"),
}
_MAX_NOTE = 4000


def parse_lift_reason(text: str) -> LiftReason:
    try:
        return LIFT_REASONS[text.strip().lower()][0]
    except KeyError:
        raise BadBlacklistInput(
            f"Unknown lift reason {text!r}: use one of {', '.join(LIFT_REASONS)} (free text goes in --note).",
            message_zh="解除原因代码无效，可选：" + "、".join(f"{k}（{v[1]}）" for k, v in LIFT_REASONS.items()) + "。",
        ) from None


def _check_note(note: str) -> str:
    if len(note) > _MAX_NOTE:
        raise BadBlacklistInput(f"The note is {len(note)} characters; at most {_MAX_NOTE}.",
                                message_zh=f"备注过长（最多 {_MAX_NOTE} 字）。")
    return note.strip()


def _own_entry(service: BlacklistService, entry_id: int) -> Any:
    if not 0 < entry_id < 2**64:
        raise BadBlacklistInput(f"{entry_id} is not a blacklist entry id.", message_zh=f"{entry_id} 不是黑名单条目编号。")
    try:
        entry = service.contracts.blacklist.entry(entry_id)
    except ContractError as exc:
        raise BlacklistError(_explain(exc), message_zh=_explain_zh(exc)) from exc
    if entry.centre != service.centre:
        raise BlacklistError(
            f"Only centre {entry.centre}, which listed entry {entry_id}, can act on it; the person appeals there.",
            message_zh=f"只有列入该条目的中心 {entry.centre} 才能处理；当事人应向该中心申诉。",
        )
    return entry


def _tx(receipt: Any) -> str:
    return "0x" + bytes(receipt["transactionHash"]).hex()


def appeal(service: BlacklistService, engine: Engine, entry_id: int, *, note: str, actor: str) -> str:
    """Mark an entry of this centre under appeal (others see 申诉中); the note stays here."""
    note = _check_note(note)
    if not note:
        raise BadBlacklistInput("Give the appeal's grounds in --note (kept by the centre, never on chain).",
                                message_zh="请在备注中写明申诉理由（仅保存在本中心）。")
    entry = _own_entry(service, entry_id)
    if entry.status is EntryStatus.UNDER_APPEAL:
        raise BlacklistError(f"Entry {entry_id} is already under appeal.", message_zh=f"条目 {entry_id} 已在申诉中。")
    try:
        tx = _tx(service.contracts.blacklist.mark_under_appeal(service.operator, entry_id))
    except ContractError as exc:
        raise BlacklistError(_explain(exc), message_zh=_explain_zh(exc)) from exc
    audit(engine, service.centre, actor=actor, action="blacklist-appeal", target=str(entry_id),
          detail=f"entry {entry_id} marked under appeal", note=note, tx_hash=tx)
    return tx


def confirm(service: BlacklistService, engine: Engine, entry_id: int, *, note: str, actor: str) -> str:
    """The appeal failed: the entry is listed again."""
    note = _check_note(note)
    entry = _own_entry(service, entry_id)
    if entry.status is not EntryStatus.UNDER_APPEAL:
        raise BlacklistError(f"Entry {entry_id} is not under appeal.", message_zh=f"条目 {entry_id} 不在申诉中。")
    try:
        tx = _tx(service.contracts.blacklist.confirm(service.operator, entry_id))
    except ContractError as exc:
        raise BlacklistError(_explain(exc), message_zh=_explain_zh(exc)) from exc
    audit(engine, service.centre, actor=actor, action="blacklist-confirm", target=str(entry_id),
          detail=f"entry {entry_id} confirmed after appeal", note=note, tx_hash=tx)
    return tx


def lift(service: BlacklistService, engine: Engine, entry_id: int, *, reason: str, note: str, actor: str) -> str:
    """Lift an entry of this centre: the reason code and the note's digest (SHA-256, or SM3 for
    the national suite) go on chain."""
    code = parse_lift_reason(reason)
    note = _check_note(note)
    _own_entry(service, entry_id)
    tx = _tx(service.lift(entry_id, code, note_hash(note, service.digest)))
    audit(engine, service.centre, actor=actor, action="blacklist-lift", target=str(entry_id),
          detail=f"entry {entry_id} lifted: {reason.strip().lower()}", note=note, tx_hash=tx,
          note_digest=service.digest)
    return tx
