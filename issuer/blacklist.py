"""Blacklist operations of a fund centre: list, lift, check and import (docs/design.md §5).

No ID number, name or other personal data goes on chain: an entry's subject is
HMAC-SHA256(consortium key, normalised ID). The case file stays in the centre's storage; its
hash goes on chain. Checks read the local event index (no chain round trip per lookup) and say
how far behind the chain it is; `direct=True` reads the chain instead. Every check a centre
makes is recorded through AccessTrace, batched.
"""

from __future__ import annotations

import csv
import json
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount

from issuer.csvfiles import read_csv_rows
from issuer.digests import DigestName, digest, digest_for_centre
from issuer.errors import EXIT_USAGE, ConfigurationError, HpfIssuerError
from issuer.ids import mask_id, normalise_id, subject_ref
from issuer.quotas import CheckQuota
from issuer.settings import get_issuer_settings
from node import chain_accounts
from node.bindings import AccessPurpose, BlacklistReason, Contracts, EntryStatus, LiftReason, Sender
from node.chain import connect
from node.deploy import DeploymentRecord, load_contracts
from node.errors import ContractError
from node.indexer import EntryRecord, Indexer
from node.sender import account_sender
from node.settings import Settings
from verifier.trace import TraceQueue

YEAR = 365 * 24 * 3600
_EXPIRY_MARGIN = 24 * 3600

#: The reasons a person is listed, as the CLI and CSV files name them.
REASONS: dict[str, tuple[BlacklistReason, str]] = {
    "forged-materials": (BlacklistReason.FORGED_MATERIALS, "伪造材料"),
    "fraudulent-withdrawal": (BlacklistReason.FRAUDULENT_WITHDRAWAL, "骗提公积金"),
    "loan-default": (BlacklistReason.LOAN_DEFAULT, "贷款逾期6期以上"),
    "fraudulent-loan": (BlacklistReason.FRAUDULENT_LOAN, "骗取贷款"),
    "other": (BlacklistReason.OTHER, "其他"),
}
_REASON_NAMES = {r: name for name, (r, _) in REASONS.items()}


MAX_ENTRY_ID = 2**64 - 1
"""Entry ids are uint64 on chain."""


class BlacklistError(HpfIssuerError):
    """A blacklist operation was refused; nothing was written."""


class BadBlacklistInput(BlacklistError):
    exit_code = EXIT_USAGE
    http_status = 400


class AlreadyListed(BlacklistError):
    """The centre already holds an active entry for the person (the contract allows one)."""


def _already_listed(entry: Any, reason: BlacklistReason) -> AlreadyListed:
    until = time.strftime("%Y-%m-%d", time.gmtime(int(entry.expires_at)))
    if entry.reason == reason:
        return AlreadyListed(
            f"This centre already lists the person for the same reason (entry {entry.id}, until {until}); "
            "nothing was listed twice.",
            message_zh=f"本中心已以相同原因将该人员列入黑名单（条目 {entry.id}，至 {until}），不重复列入。",
        )
    name = reason_name(entry.reason)
    return AlreadyListed(
        f"This centre already lists the person (entry {entry.id}, {name}, until {until}); a centre holds one "
        "active entry per person: lift it first to list the person for another reason.",
        message_zh=f"本中心已将该人员列入黑名单（条目 {entry.id}，原因：{REASONS[name][1]}，至 {until}）；"
        "每个中心对同一人只保留一个有效条目，如需以其他原因列入，请先解除原条目。",
    )


def reason_name(reason: BlacklistReason) -> str:
    return _REASON_NAMES[reason]


def parse_reason(text: str) -> BlacklistReason:
    try:
        return REASONS[text.strip().lower()][0]
    except KeyError:
        raise BadBlacklistInput(
            f"Unknown reason {text!r}: use one of {', '.join(REASONS)}.",
            message_zh=f"未知的列入原因“{text}”，可选：{'、'.join(f'{k}（{v[1]}）' for k, v in REASONS.items())}。",
        ) from None


def check_years(years: int) -> int:
    if not 3 <= years <= 5:
        raise BadBlacklistInput(
            f"A listing lasts 3 to 5 years, not {years}.", message_zh=f"列入期限为3至5年，不能为{years}年。"
        )
    return years


@dataclass(frozen=True, kw_only=True)
class Listed:
    entry_id: int
    subject: bytes
    expires_at: int
    case_hash: bytes


@dataclass(frozen=True, kw_only=True)
class CheckResult:
    id_masked: str
    subject: bytes
    entries: list[dict[str, Any]]
    source: str  # "index" or "chain"
    index_block: int | None
    chain_block: int
    behind: int

    @property
    def listed(self) -> bool:
        return bool(self.entries)

    def to_json(self) -> dict[str, Any]:
        return {
            "id_masked": self.id_masked,
            "subject": "0x" + self.subject.hex(),
            "listed": self.listed,
            "entries": self.entries,
            "source": self.source,
            "index_block": self.index_block,
            "chain_block": self.chain_block,
            "index_behind_blocks": self.behind,
        }


@dataclass(frozen=True, kw_only=True)
class ImportReport:
    listed: int
    already: int
    rejected: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"listed": self.listed, "already_listed": self.already, "rejected": self.rejected}


def entry_json(e: EntryRecord | Any, *, now: int) -> dict[str, Any]:
    return {
        "id": e.id,
        "centre": e.centre,
        "reason": reason_name(e.reason),
        "reason_zh": REASONS[reason_name(e.reason)][1],
        "under_appeal": e.status is EntryStatus.UNDER_APPEAL,
        "listed_at": e.listed_at,
        "expires_at": e.expires_at,
        "expires_in_days": max(0, (e.expires_at - now) // 86400),
    }


def centre_account(settings: Settings, centre: int, role: str = "operator") -> LocalAccount:
    """The centre's `role` account ("operator": anchors, revokes, lists; "admin": registers
    keys), looked up by node/chain_accounts.py; a missing key is the issuer's ConfigurationError."""
    try:
        return chain_accounts.centre_account(settings, centre, role)
    except chain_accounts.MissingAccountKey as exc:
        raise ConfigurationError(str(exc), message_zh=exc.message_zh) from None


def operator_account(settings: Settings, centre: int) -> LocalAccount:
    """The centre's operator account: HPF_OPERATOR_KEY, or the DEMO key on the local network."""
    return centre_account(settings, centre, "operator")


class BlacklistService:
    """One centre's blacklist operations against the chain, its index and its case files."""

    def __init__(
        self,
        *,
        centre: int,
        contracts: Contracts,
        operator: Sender,
        indexer: Indexer,
        consortium_key: bytes,
        storage: Path,
        trace: TraceQueue | None,
        quota: CheckQuota | None = None,
        digest: DigestName = "sha256",
    ) -> None:
        self.centre = centre
        self.digest: DigestName = digest
        """sha256, or sm3 for a centre of the national suite: case files, evidence, lift notes."""
        self.contracts = contracts
        self.operator = operator
        self.indexer = indexer
        self.key = consortium_key
        self.storage = storage
        self.trace = trace
        self.quota = quota
        self.w3 = contracts.blacklist.w3

    # --- writing ---

    def add(self, id_number: str, reason: str, years: int, *, evidence: Path | None = None, note: str = "") -> Listed:
        """List a person for this centre. Validates everything before sending anything."""
        number = normalise_id(id_number)
        r = parse_reason(reason)
        check_years(years)
        if evidence is not None and not evidence.is_file():
            raise BadBlacklistInput(f"The evidence file {evidence} does not exist.", message_zh=f"证据文件 {evidence} 不存在。")
        subject = subject_ref(self.key, number, normalised=True)
        # Read from the chain, not the index: two clicks a second apart must not both list.
        for held in self.contracts.blacklist.active_entries_of(subject):
            if held.centre == self.centre:
                raise _already_listed(held, r)
        case_hash = self._store_case(subject, r, note, evidence)
        expires_at = self._expiry(years)
        try:
            entry_id = self.contracts.blacklist.list(self.operator, subject, r, expires_at, case_hash)
        except ContractError as exc:
            raise BlacklistError(_explain(exc), message_zh=_explain_zh(exc)) from exc
        return Listed(entry_id=entry_id, subject=subject, expires_at=expires_at, case_hash=case_hash)

    def lift(self, entry_id: int, reason: LiftReason, note_hash: bytes = bytes(32)) -> Any:
        """Lift an entry with a reason code; free text stays with the centre (`issuer.appeals`):
        only its hash goes on chain (docs/design.md §5; docs/privacy.md)."""
        if not 1 <= entry_id <= MAX_ENTRY_ID:
            raise BadBlacklistInput(f"Entry id {entry_id} does not exist: entry ids run from 1 to {MAX_ENTRY_ID}.",
                                    message_zh=f"黑名单条目编号 {entry_id} 无效（应为 1 至 {MAX_ENTRY_ID}）。")
        try:
            return self.contracts.blacklist.lift(self.operator, entry_id, reason, note_hash)
        except ContractError as exc:
            raise BlacklistError(_explain(exc), message_zh=_explain_zh(exc)) from exc

    def _store_case(self, subject: bytes, reason: BlacklistReason, note: str, evidence: Path | None) -> bytes:
        """Keep the case file off chain; its digest (of a canonical JSON record; SHA-256, or SM3
        for a centre of the national suite) goes on chain."""
        evidence_hash = None
        cases = self.storage / "cases"
        cases.mkdir(parents=True, exist_ok=True)
        if evidence is not None:
            evidence_hash = digest(evidence.read_bytes(), self.digest).hex()
            target = self.storage / "evidence" / f"{evidence_hash}{evidence.suffix}"
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                shutil.copyfile(evidence, target)
        record = {
            "centre": self.centre,
            "subject": "0x" + subject.hex(),
            "reason": reason_name(reason),
            "note": note,
            f"evidence_{self.digest}": evidence_hash,
            "recorded_at": int(time.time()),
        }
        blob = json.dumps(record, ensure_ascii=False, sort_keys=True).encode()
        case_hash = digest(blob, self.digest)
        (cases / f"{case_hash.hex()}.json").write_bytes(blob)
        return case_hash

    # --- reading ---

    def _expiry(self, years: int) -> int:
        """`years` from now, kept a day inside the consortium's bounds: the transaction is mined
        in a later block than the one whose time we read, and must still be within them."""
        now = self._chain_time()
        lo, hi = self.contracts.blacklist.duration_bounds()
        return min(max(now + years * YEAR, now + lo + _EXPIRY_MARGIN), now + hi - _EXPIRY_MARGIN)

    def _chain_time(self) -> int:
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def sync(self) -> tuple[int, int]:
        """Bring the index up to the chain head. Returns (indexed block, chain head)."""
        result = self.indexer.sync()
        return result.to_block, result.head

    def check(self, id_number: str, *, direct: bool = False) -> CheckResult:
        """Every active entry of a person across all centres (recorded through AccessTrace)."""
        number = normalise_id(id_number)
        if self.quota is not None:
            self.quota.take(1)
        subject = subject_ref(self.key, number, normalised=True)
        head: int = self.w3.eth.block_number
        now = self._chain_time()
        if direct:
            entries = [entry_json(e, now=now) for e in self.contracts.blacklist.active_entries_of(subject)]
            result = CheckResult(id_masked=mask_id(number, normalised=True), subject=subject, entries=entries, source="chain",
                                 index_block=None, chain_block=head, behind=0)
        else:
            indexed, head = self.sync()
            entries = [entry_json(e, now=now) for e in self.indexer.active_entries_of(subject, now)]
            result = CheckResult(id_masked=mask_id(number, normalised=True), subject=subject, entries=entries, source="index",
                                 index_block=indexed, chain_block=head, behind=max(0, head - indexed))
        self._trace([subject])
        return result

    def checks_of(self, id_number: str, trace_keys: list[bytes]) -> list[dict[str, Any]]:
        """Audit: every recorded blacklist check of a person, by any centre or lender, oldest
        first, from the sealed access records opened with the trace key (docs/privacy.md).
        Counts against the by-ID quota like a check."""
        number = normalise_id(id_number)
        if self.quota is not None:
            self.quota.take(1)
        subject = subject_ref(self.key, number, normalised=True)
        self.sync()
        self.indexer.open_accesses(self.indexer.trace_key_versions(trace_keys))
        return [{"recorder": r.recorder, "purpose": int(r.purpose), "recorded_at": r.recorded_at, "block": r.block,
                 "tx": "0x" + bytes(r.tx).hex()}
                for r in self.indexer.accesses_to(subject) if r.purpose == AccessPurpose.BLACKLIST_CHECKED]

    def check_file(
        self, ids_csv: Path, out_csv: Path, *, progress: Callable[[int, int], None] | None = None
    ) -> dict[str, int]:
        """Check every ID in a CSV (first column, or a column named id_number) and write a result
        CSV: id (masked), valid, listed, entries (centre:reason:expires). One index snapshot."""
        rows = _read_ids(ids_csv)
        if self.quota is not None:
            self.quota.take(sum(1 for raw in rows if _valid_id(raw)))
        indexed, head = self.sync()
        now = self._chain_time()
        active = self.indexer.active_entries_by_subject(now)
        summary = {"rows": 0, "invalid": 0, "listed": 0, "clear": 0}
        subjects: list[bytes] = []
        tmp = out_csv.with_suffix(out_csv.suffix + ".tmp")
        with tmp.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["row", "id_masked", "valid", "listed", "entries", "error"])
            for i, raw in enumerate(rows, start=2):
                summary["rows"] += 1
                try:
                    number = normalise_id(raw)
                except HpfIssuerError as exc:
                    summary["invalid"] += 1
                    w.writerow([i, "", "no", "", "", exc.message_zh or str(exc)])
                    continue
                subject = subject_ref(self.key, number, normalised=True)
                subjects.append(subject)
                found = active.get(subject, [])
                summary["listed" if found else "clear"] += 1
                w.writerow([i, mask_id(number, normalised=True), "yes", "yes" if found else "no",
                            ";".join(f"{e.centre}:{reason_name(e.reason)}:{e.expires_at}" for e in found), ""])
                if progress and summary["rows"] % 1000 == 0:
                    progress(summary["rows"], len(rows))
        tmp.replace(out_csv)
        summary["index_behind_blocks"] = max(0, head - indexed)
        self._trace(subjects)
        return summary

    def import_entries(
        self, entries_csv: Path, *, progress: Callable[[int, int], None] | None = None
    ) -> ImportReport:
        """Import a centre's existing list: columns id_number, reason, years, note. Every row is
        validated before anything is sent; a rerun lists nothing twice (a person this centre
        already lists actively is skipped)."""
        table = read_csv_rows(entries_csv)  # UTF-8, GBK or Latin-1; fields up to 128 KB
        header = [h.strip() for h in table[0]] if table else []
        missing = {"id_number", "reason", "years"} - set(header)
        if missing:
            raise BadBlacklistInput(
                f"{entries_csv} lacks the column(s) {', '.join(sorted(missing))} (need id_number, reason, years).",
                message_zh=f"{entries_csv} 缺少列：{'、'.join(sorted(missing))}。",
            )
        rows = [(i, dict(zip(header, r, strict=False))) for i, r in enumerate(table[1:], start=2) if r]
        rejected: list[dict[str, Any]] = []
        valid: list[tuple[str, str, int, str]] = []
        seen: set[str] = set()
        for i, row in rows:
            try:
                number = normalise_id(row.get("id_number") or "")
                parse_reason(row.get("reason") or "")
                years = check_years(int((row.get("years") or "").strip()))
                if number in seen:
                    raise BadBlacklistInput("The same person appears twice in the file.", message_zh="同一人在文件中出现两次。")
                seen.add(number)
                valid.append((number, row.get("reason") or "", years, row.get("note") or ""))
            except (HpfIssuerError, ValueError) as exc:
                rejected.append({"row": i, "error": str(exc), "error_zh": getattr(exc, "message_zh", None)})
        if rejected:
            return ImportReport(listed=0, already=0, rejected=rejected)
        self.sync()
        now = self._chain_time()
        listed = already = 0
        for n, (number, reason, years, note) in enumerate(valid, start=1):
            subject = subject_ref(self.key, number, normalised=True)
            if any(e.centre == self.centre for e in self.indexer.active_entries_of(subject, now)):
                already += 1
            else:
                try:
                    self.add(number, reason, years, note=note)
                    listed += 1
                except AlreadyListed:  # listed since the index was read
                    already += 1
            if progress:
                progress(n, len(valid))
        self.sync()
        return ImportReport(listed=listed, already=already)

    def statistics(self, *, soon_days: int = 90) -> dict[str, Any]:
        self.sync()
        now = self._chain_time()
        return self.indexer.blacklist_statistics(now, soon=now + soon_days * 86400)

    def _trace(self, subjects: list[bytes]) -> None:
        if self.trace is None or not subjects:
            return
        self.trace.add([(s, AccessPurpose.BLACKLIST_CHECKED) for s in subjects])
        self.trace.flush_all()


def _valid_id(raw: str) -> bool:
    try:
        normalise_id(raw)
    except HpfIssuerError:
        return False
    return True


def _read_ids(path: Path) -> list[str]:
    rows = read_csv_rows(path)  # UTF-8, GBK or Latin-1; fields up to 128 KB
    if not rows:
        return []
    header = [c.strip().lower() for c in rows[0]]
    col = header.index("id_number") if "id_number" in header else 0
    body = rows[1:] if ("id_number" in header or not any(ch.isdigit() for ch in rows[0][0])) else rows
    return [r[col] if len(r) > col else "" for r in body]


_ERRORS_ZH = {
    "BlacklistNotListingCentre": "只有列入该条目的中心才能解除。",
    "BlacklistNotOperator": "本账户不是有效成员中心的操作员账户。",
    "BlacklistUnknownEntry": "没有这个黑名单条目。",
    "BlacklistEntryNotActive": "该条目已解除或已过期。",
    "BlacklistEntryAlreadyUnderAppeal": "该条目已在申诉中。",
    "BlacklistEntryNotUnderAppeal": "该条目不在申诉中。",
    "BlacklistInvalidLiftReason": "请给出解除原因代码。",
    "BlacklistInvalidExpiry": "期限超出联盟规定的范围。",
    "BlacklistAlreadyListed": "本中心已将该人员列入黑名单，不重复列入。",
}
_ERRORS_EN = {
    "BlacklistNotListingCentre": "Only the centre that listed the entry can lift it",
    "BlacklistNotOperator": "This account is not the operator of an active member centre",
    "BlacklistUnknownEntry": "There is no such blacklist entry",
    "BlacklistEntryNotActive": "The entry is already lifted or expired",
    "BlacklistEntryAlreadyUnderAppeal": "The entry is already under appeal",
    "BlacklistEntryNotUnderAppeal": "The entry is not under appeal",
    "BlacklistInvalidLiftReason": "Give a reason code for lifting",
    "BlacklistInvalidExpiry": "The expiry is outside the consortium's bounds",
    "BlacklistAlreadyListed": "This centre already lists the person",
}


def _explain(exc: ContractError) -> str:
    return f"{_ERRORS_EN.get(exc.error, 'The chain refused the operation')} ({exc})."


def _explain_zh(exc: ContractError) -> str:
    return _ERRORS_ZH.get(exc.error, "区块链拒绝了该操作。")


def open_service(settings: Settings, centre: int, consortium_key: bytes, *, trace: bool = True,
                 quota: int | None = None) -> BlacklistService:
    """A BlacklistService for `centre` on the configured network, with its daily quota of by-ID
    checks (`quota`, default the HPF_BLACKLIST_DAILY_QUOTA setting)."""
    w3 = connect(settings)
    contracts = load_contracts(w3, settings.deployment_file)
    record = DeploymentRecord.load(settings.deployment_file)
    operator = account_sender(w3, operator_account(settings, centre), settings)
    indexer = Indexer(w3, record.addresses(), record.start_block, settings.index_file)
    queue = None
    if trace:
        queue = TraceQueue(settings.home / "issuer" / f"trace-{centre}.sqlite", contracts.trace, operator,
                           batch_size=1000, fsync=settings.trace_fsync)
    storage = settings.home / "issuer" / str(centre)
    if quota is None:
        quota = get_issuer_settings().blacklist_daily_quota
    return BlacklistService(centre=centre, contracts=contracts, operator=operator, indexer=indexer,
                            consortium_key=consortium_key, storage=storage, trace=queue,
                            quota=CheckQuota(storage / "check-quota.sqlite", quota), digest=digest_for_centre(centre))


def iter_subjects(key: bytes, ids: Iterable[str]) -> list[bytes]:
    return [subject_ref(key, i) for i in ids]
