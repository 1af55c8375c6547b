"""The staff API for consortium governance (联盟治理) and the blacklist appeal (header X-Staff-Key).

Routes only translate HTTP; `issuer.governance` and `issuer.appeals` do the work, as for the CLI.
Every change is written to the centre's audit log with the staff key's fingerprint.
"""

from __future__ import annotations

import threading
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from issuer import appeals
from issuer.api.deps import Staff, State
from issuer.api.errors import ERROR_RESPONSES
from issuer.api.models import (
    AppealStepPublic,
    GovernanceRowPublic,
    GovernanceStepPublic,
    LiftPublic,
    PreviewPublic,
)
from issuer.blacklist import BadBlacklistInput
from issuer.governance import Desk, Plan, check_plan, plan, staff_actor
from issuer.governance import audit_log as audit_log_
from issuer.governance import institutions as institutions_
from issuer.governance import members as members_
from issuer.governance import proposals as proposals_
from issuer.keys import admin_account
from node.bindings import Sender

router = APIRouter(prefix="/v1/staff", tags=["governance"], responses=ERROR_RESPONSES)
#: A blacklist entry id in a path (bounded, so an absurd number is a 422, not a crash).
EntryId = Annotated[int, Path(ge=1, le=2**64 - 1)]
ProposalId = Annotated[int, Path(ge=1, le=2**64 - 1)]
_LOCK = threading.Lock()


class ProposalCreate(BaseModel):
    action: str = Field(description="admit-centre, suspend-centre, reinstate-centre, register-institution, "
                                    "suspend-institution, set-threshold")
    code: int | None = Field(default=None, ge=100000, le=999999, description="the centre concerned")
    name: str | None = Field(default=None, max_length=200)
    admin: str | None = Field(default=None, max_length=42)
    operator: str | None = Field(default=None, max_length=42)
    id: int | None = Field(default=None, ge=1, le=2**32 - 1, description="the institution concerned")
    account: str | None = Field(default=None, max_length=42)
    sponsor: int | None = Field(default=None, ge=100000, le=999999, description="default: this centre")
    threshold: int | None = Field(default=None, ge=1, le=65535)


class AppealNote(BaseModel):
    note: str = Field(default="", max_length=4000, description="kept in the centre's database, never on chain")


class LiftBody(BaseModel):
    reason: str = Field(description="appeal-upheld, listed-in-error, settled, court-order, other")
    note: str = Field(default="", max_length=4000, description="kept by the centre; only its SHA-256 goes on chain")


def _desk(state: Any) -> Desk:
    """The centre's governance desk, opened once per service (admin account, contracts, audit log)."""
    with _LOCK:
        desk: Desk | None = getattr(state, "_governance_desk", None)
        if desk is None:
            contracts = state.blacklist.get().contracts
            admin = Sender(contracts.consortium.w3, admin_account(state.node_settings, state.centre))
            desk = Desk(contracts=contracts, admin=admin, engine=state.engine, centre=state.centre)
            state._governance_desk = desk
        return desk


def _plan(desk: Desk, body: ProposalCreate) -> Plan:
    return plan(desk.contracts, body.action, code=body.code, name=body.name, admin=body.admin, operator=body.operator,
                institution=body.id, account=body.account,
                sponsor=body.sponsor if body.sponsor is not None else desk.centre, threshold=body.threshold)


@router.get("/consortium/members", summary="Member centres: status, accounts, signing keys",
            response_model=list[GovernanceRowPublic])
def members(_: Staff, state: State) -> list[dict[str, Any]]:
    ix = state.synced_indexer()
    return members_(_desk(state).contracts, ix.centres(), ix.keys_of)


@router.get("/consortium/institutions", summary="Registered lending institutions",
            response_model=list[GovernanceRowPublic])
def institutions(_: Staff, state: State) -> list[dict[str, Any]]:
    return institutions_(_desk(state).contracts, state.synced_indexer().institutions())


@router.get("/consortium/proposals", summary="Proposals, newest first, with approvals and what they do",
            response_model=list[GovernanceRowPublic])
def proposals(_: Staff, state: State, limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[dict[str, Any]]:
    desk = _desk(state)
    now = int(desk.contracts.consortium.w3.eth.get_block("latest")["timestamp"])
    return proposals_(desk.contracts, now, limit=limit)


@router.post("/consortium/proposals/preview", summary="What a proposal would do, checked; nothing is sent",
             response_model=PreviewPublic)
def preview(body: ProposalCreate, _: Staff, state: State) -> dict[str, Any]:
    desk = _desk(state)
    p = _plan(desk, body)
    check_plan(desk.contracts, p, desk.admin.address)
    return {"action": p.action, "does": p.words, "does_zh": p.words_zh}


@router.post("/consortium/proposals", summary="Propose; this centre's approval counts at once",
             response_model=GovernanceStepPublic)
def propose(body: ProposalCreate, key: Staff, state: State) -> dict[str, Any]:
    desk = _desk(state)
    return desk.propose(_plan(desk, body), actor=staff_actor(key))


def _step(step: str, proposal_id: int, key: str, state: Any) -> dict[str, Any]:
    return _desk(state).step(step, proposal_id, actor=staff_actor(key))


@router.post("/consortium/proposals/{proposal_id}/approve", summary="Approve for this centre",
             response_model=GovernanceStepPublic)
def approve(proposal_id: ProposalId, key: Staff, state: State) -> dict[str, Any]:
    return _step("approve", proposal_id, key, state)


@router.post("/consortium/proposals/{proposal_id}/execute", summary="Execute (approvals of active members ≥ M)",
             response_model=GovernanceStepPublic)
def execute(proposal_id: ProposalId, key: Staff, state: State) -> dict[str, Any]:
    return _step("execute", proposal_id, key, state)


@router.post("/consortium/proposals/{proposal_id}/cancel", summary="Withdraw a proposal this centre made",
             response_model=GovernanceStepPublic)
def cancel(proposal_id: ProposalId, key: Staff, state: State) -> dict[str, Any]:
    return _step("cancel", proposal_id, key, state)


@router.get("/audit", summary="The centre's audit log of governance and appeal actions",
            response_model=list[GovernanceRowPublic])
def audit_log(_: Staff, state: State, limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[dict[str, Any]]:
    return audit_log_(state.engine, state.centre, limit=limit)


def _entry_id(entry_id: int) -> int:
    if not 0 < entry_id < 2**64:
        raise BadBlacklistInput(f"{entry_id} is not a blacklist entry id.", message_zh="条目编号无效。")
    return entry_id


def _appeal_step(under_appeal: bool, entry_id: int, body: AppealNote, key: str, state: Any) -> dict[str, Any]:
    """Put an entry under appeal, or confirm it (the appeal failed); the note stays in the centre."""
    step = appeals.appeal if under_appeal else appeals.confirm
    tx = step(state.blacklist.get(), state.engine, _entry_id(entry_id), note=body.note, actor=staff_actor(key))
    return {"entry_id": entry_id, "under_appeal": under_appeal, "tx": tx}


@router.post("/blacklist/{entry_id}/appeal", summary="Mark an entry of this centre under appeal",
             response_model=AppealStepPublic)
def appeal(entry_id: EntryId, body: AppealNote, key: Staff, state: State) -> dict[str, Any]:
    return _appeal_step(True, entry_id, body, key, state)


@router.post("/blacklist/{entry_id}/confirm", summary="The appeal failed: the entry is listed again",
             response_model=AppealStepPublic)
def confirm(entry_id: EntryId, body: AppealNote, key: Staff, state: State) -> dict[str, Any]:
    return _appeal_step(False, entry_id, body, key, state)


@router.post("/blacklist/{entry_id}/lift", summary="Lift an entry this centre listed, with a reason code",
             response_model=LiftPublic)
def lift(entry_id: EntryId, body: LiftBody, key: Staff, state: State) -> dict[str, Any]:
    tx = appeals.lift(state.blacklist.get(), state.engine, _entry_id(entry_id), reason=body.reason, note=body.note,
                      actor=staff_actor(key))
    return {"entry_id": entry_id, "lifted": True, "tx": tx}
