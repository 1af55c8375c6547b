"""What each contract event does to the index: one handler per event, applied inside the
transaction of its chunk of blocks."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from eth_typing import ABIEvent
from eth_utils import event_abi_to_log_topic

from node.abi import abi
from node.bindings.values import EntryStatus, LiftReason, enum_code, sealed_reference, unpack_access_record

__all__ = ["EventTable", "Handler", "LogPosition", "event_table"]


@dataclass(frozen=True, kw_only=True)
class LogPosition:
    """Where a log is on chain."""

    block: int
    log_index: int
    tx: bytes


#: (db, the event's decoded args, where it was emitted, its block's timestamp)
Handler = Callable[[sqlite3.Connection, dict[str, Any], LogPosition, int], None]
#: (contract address, topic 0) → (the event's ABI, its handler)
EventTable = dict[tuple[str, bytes], tuple[ABIEvent, Handler]]


def event_table(addresses: Mapping[str, str]) -> EventTable:
    """The handled events of the contracts at `addresses` (contract name → checksum address)."""
    table: EventTable = {}
    for name, address in addresses.items():
        for item in abi(name):
            if item["type"] == "event" and item["name"] in _HANDLERS:
                event = cast(ABIEvent, item)
                table[(address, bytes(event_abi_to_log_topic(event)))] = (event, _HANDLERS[item["name"]])
    return table


def _on_centre_admitted(db: sqlite3.Connection, a: dict[str, Any], at: LogPosition, t: int) -> None:
    db.execute(
        "INSERT OR REPLACE INTO centres VALUES (?, ?, ?, ?, 'active', ?)",
        (a["code"], a["name"], a["admin"], a["operator"], at.block),
    )


def _on_centre_status(status: str) -> Handler:
    def handler(db: sqlite3.Connection, a: dict[str, Any], at: LogPosition, t: int) -> None:
        db.execute("UPDATE centres SET status=? WHERE code=?", (status, a["code"]))

    return handler


def _on_operator_changed(db: sqlite3.Connection, a: dict[str, Any], at: LogPosition, t: int) -> None:
    db.execute("UPDATE centres SET operator=? WHERE code=?", (a["newOperator"], a["code"]))


def _on_institution_registered(db: sqlite3.Connection, a: dict[str, Any], at: LogPosition, t: int) -> None:
    db.execute(
        "INSERT OR REPLACE INTO institutions VALUES (?, ?, ?, ?, 1)", (a["id"], a["name"], a["account"], a["sponsor"])
    )


def _on_institution_suspended(db: sqlite3.Connection, a: dict[str, Any], at: LogPosition, t: int) -> None:
    db.execute("UPDATE institutions SET active=0 WHERE id=?", (a["id"],))


def _on_key_registered(db: sqlite3.Connection, a: dict[str, Any], at: LogPosition, t: int) -> None:
    db.execute(
        "INSERT OR REPLACE INTO keys VALUES (?, ?, ?, ?, ?, NULL)",
        (bytes(a["keyId"]), a["centre"], a["algorithm"], bytes(a["publicKey"]), a["validFrom"]),
    )


def _on_key_retired(db: sqlite3.Connection, a: dict[str, Any], at: LogPosition, t: int) -> None:
    db.execute("UPDATE keys SET valid_until=? WHERE key_id=?", (a["validUntil"], bytes(a["keyId"])))


def _on_proposal_created(db: sqlite3.Connection, a: dict[str, Any], at: LogPosition, t: int) -> None:
    db.execute(
        "INSERT OR REPLACE INTO proposals VALUES (?, ?, ?, ?, ?, 0, 0)",
        (a["proposalId"], a["proposer"], a["target"], bytes(a["data"]), a["expiresAt"]),
    )


def _on_proposal_approved(db: sqlite3.Connection, a: dict[str, Any], at: LogPosition, t: int) -> None:
    db.execute("UPDATE proposals SET approvals=? WHERE id=?", (a["approvals"], a["proposalId"]))


def _on_proposal_executed(db: sqlite3.Connection, a: dict[str, Any], at: LogPosition, t: int) -> None:
    db.execute("UPDATE proposals SET executed=1 WHERE id=?", (a["proposalId"],))


def _on_batch_anchored(db: sqlite3.Connection, a: dict[str, Any], at: LogPosition, t: int) -> None:
    db.execute(
        "INSERT OR REPLACE INTO batches VALUES (?, ?, ?, ?, ?, ?)",
        (bytes(a["root"]), a["centre"], a["leafCount"], t, at.block, at.tx),
    )


def _on_certificate_revoked(db: sqlite3.Connection, a: dict[str, Any], at: LogPosition, t: int) -> None:
    db.execute(
        "INSERT OR REPLACE INTO revocations VALUES (?, ?, ?, ?, ?, ?)",
        (bytes(a["digest"]), bytes(a["root"]), a["centre"], a["reason"], t, at.block),
    )


def _on_entry_listed(db: sqlite3.Connection, a: dict[str, Any], at: LogPosition, t: int) -> None:
    db.execute(
        "INSERT OR REPLACE INTO blacklist VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?)",
        (a["id"], bytes(a["subject"]), a["centre"], a["reason"], int(EntryStatus.LISTED), t, a["expiresAt"],
         bytes(a["caseHash"]), at.block),
    )


def _on_entry_status(status: EntryStatus) -> Handler:
    def handler(db: sqlite3.Connection, a: dict[str, Any], at: LogPosition, t: int) -> None:
        if status is EntryStatus.LIFTED:
            db.execute(
                "UPDATE blacklist SET status=?, lifted_by=?, lift_reason=? WHERE id=?",
                (int(status), a["liftedBy"], enum_code(LiftReason(a["reason"])), a["id"]),
            )
        else:
            db.execute("UPDATE blacklist SET status=? WHERE id=?", (int(status), a["id"]))
        if status is EntryStatus.UNDER_APPEAL:
            db.execute("INSERT OR REPLACE INTO appeals VALUES (?, ?)", (a["id"], t))
        else:
            db.execute("DELETE FROM appeals WHERE id=?", (a["id"],))

    return handler


def _on_access_recorded(db: sqlite3.Connection, a: dict[str, Any], at: LogPosition, t: int) -> None:
    f = unpack_access_record(int(a["record"]))
    db.execute(
        "INSERT OR REPLACE INTO access_records (block, log_index, recorder, purpose, recorded_at, key_version, "
        "sealed, tx) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (at.block, at.log_index, f.recorder, int(f.purpose), f.recorded_at, f.key_version,
         sealed_reference(a), at.tx),
    )


def _on_trace_key_changed(db: sqlite3.Connection, a: dict[str, Any], at: LogPosition, t: int) -> None:
    db.execute("INSERT OR REPLACE INTO trace_keys VALUES (?, ?, ?)", (a["version"], bytes(a["publicKey"]), at.block))


_HANDLERS: dict[str, Handler] = {
    "CentreAdmitted": _on_centre_admitted,
    "CentreSuspended": _on_centre_status("suspended"),
    "CentreReinstated": _on_centre_status("active"),
    "CentreOperatorChanged": _on_operator_changed,
    "InstitutionRegistered": _on_institution_registered,
    "InstitutionSuspended": _on_institution_suspended,
    "KeyRegistered": _on_key_registered,
    "KeyRetired": _on_key_retired,
    "ProposalCreated": _on_proposal_created,
    "ProposalApproved": _on_proposal_approved,
    "ProposalExecuted": _on_proposal_executed,
    "BatchAnchored": _on_batch_anchored,
    "CertificateRevoked": _on_certificate_revoked,
    "EntryListed": _on_entry_listed,
    "EntryLifted": _on_entry_status(EntryStatus.LIFTED),
    "EntryAppealed": _on_entry_status(EntryStatus.UNDER_APPEAL),
    "EntryConfirmed": _on_entry_status(EntryStatus.LISTED),
    "AccessRecorded": _on_access_recorded,
    "TraceKeyChanged": _on_trace_key_changed,
}
