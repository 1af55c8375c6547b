"""Minimal certificates: selective disclosure and signed threshold statements (payload version 2).

The SD-CWT / SD-JWT idea, in our CBOR payload (docs/format.md, "Minimal certificates"):

- The signed payload keeps the *envelope* in clear (number, centre, purpose, audience, times,
  subject reference, supersedes), the other fields only as salted digests (key 26: 16-byte
  digests, sorted: one per disclosed field and one for the withheld fields together, whose
  opening `[salt, 0, {key: value, ...}]` is not handed out), and the centre's threshold
  statements (key 27: `[field key, op, threshold, holds]`, e.g. months_continuous >= 12: true).
  One digest per withheld field, as SD-JWT has, would cost 24 QR characters a field and burst
  the QR budget (docs/format.md): a lender cannot use a digest it cannot open anyway.
- A disclosed field travels in the COSE unprotected header (label -65538) as a *disclosure*: the
  CBOR bytes of `[salt (16 bytes), field key, value]`. Its digest is
  SHA-256("HPF1:sd:" ‖ disclosure bytes), first 16 bytes. The verifier shows a field only when
  its disclosure's digest is among the signed ones; one that is not is a forgery (reported as
  BAD_SIGNATURE by the signature check) and is never shown.

The certificate digest (the Merkle leaf) covers the signed bytes only, so the same signed
certificate can be handed on with fewer disclosures (`without`) and still verifies.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import cbor2

from verifier import format as fmt
from verifier.format.content import (
    _ACCOUNT_MASKED_RE,
    _ACCOUNT_RE,
    _ID_MASKED_RE,
    _ID_MIN_MASKED,
    _NUMBER_RE,
    _check_date,
    _check_month,
    _check_text,
    _check_uint,
    _malformed,
)
from verifier.format.wire import _cbor_loads, _from_wire, _to_wire
from verifier.labels import ACCOUNT_STATUS_ZH, format_rate, yuan

__all__ = [
    "CLAIMS_KEY",
    "DEFAULT_DISCLOSURES",
    "DISCLOSURES_LABEL",
    "ENVELOPE_FIELDS",
    "MINIMAL_VERSION",
    "SD_DIGESTS_KEY",
    "SD_FIELDS",
    "Claim",
    "MinimalCertificate",
    "claim_holds",
    "default_claims",
    "for_purpose",
    "make_minimal",
]

MINIMAL_VERSION = 2
SD_DIGESTS_KEY = 26
CLAIMS_KEY = 27
DISCLOSURES_LABEL = -65538
SALT_LENGTH = 8  # a disclosed field's salt: hides its value only if a holder later withholds it
REST_SALT_LENGTH = 16  # the withheld fields' salt: never handed out, so never to be guessed
SD_DIGEST_LENGTH = 16
SD_DOMAIN = b"HPF1:sd:"
_MAX_CLAIMS = 8

ENVELOPE_FIELDS: tuple[str, ...] = (
    "number", "centre_code", "purpose", "audience", "issued_at", "valid_until", "subject_ref", "supersedes",
)
SD_FIELDS: tuple[str, ...] = tuple(n for n in fmt.PAYLOAD_KEYS if n not in ENVELOPE_FIELDS)
_SD_BY_KEY = {fmt.PAYLOAD_KEYS[n]: n for n in SD_FIELDS}

#: What each purpose's minimal certificate discloses by default (docs/privacy.md).
DEFAULT_DISCLOSURES: dict[str, tuple[str, ...]] = {
    # everything the standard 异地贷款 certificate lists: the minimal form is the full certificate
    "housing-loan": SD_FIELDS,
    # identity to match the applicant; the rest as signed statements (see default_claims)
    "commercial-loan": ("name", "id_masked"),
    "rental": ("name", "account_status"),
    "settlement": ("name", "id_masked"),
    "employment": ("name", "employer_name"),
    "other": ("name", "account_status"),
}

# Threshold statements: operators on the wire, and the fields they may speak of.
OPS: dict[str, int] = {">=": 1, "<=": 2, "==": 3}
_OP_BY_WIRE = {v: k for k, v in OPS.items()}
_CLAIM_FIELDS = frozenset({"months_continuous", "monthly_amount", "deposit_base", "balance", "loan_outstanding",
                           "account_status"})
_EQUALITY_ONLY = frozenset({"loan_outstanding", "account_status"})
#: The bands a monthly amount is stated in (fen): the highest band floor at or under the amount.
MONTHLY_BANDS = (50_000, 100_000, 200_000, 300_000, 500_000, 1_000_000)


@dataclass(frozen=True, kw_only=True)
class Claim:
    """A threshold statement the centre computed and signed: `field op value` is `holds`."""

    field: str
    op: str
    value: Any
    holds: bool

    def to_wire(self) -> list[Any]:
        return [fmt.PAYLOAD_KEYS[self.field], OPS[self.op], _to_wire(self.field, self.value), self.holds]

    def text_zh(self) -> str:
        yes = "是" if self.holds else "否"
        v = self.value
        if self.field == "months_continuous" and self.op == ">=":
            return f"连续缴存满 {v} 个月：{yes}"
        if self.field in ("monthly_amount", "deposit_base", "balance"):
            label = {"monthly_amount": "月缴存额", "deposit_base": "缴存基数", "balance": "账户余额"}[self.field]
            word = {">=": "不低于", "<=": "不高于", "==": "等于"}[self.op]
            return f"{label}{word} {yuan(v)} 元：{yes}"
        if self.field == "loan_outstanding":
            return f"{'有' if v else '无'}未结清公积金贷款：{yes}"
        if self.field == "account_status":
            return f"账户状态为{ACCOUNT_STATUS_ZH.get(str(v), str(v))}：{yes}"
        word = {">=": "不少于", "<=": "不多于", "==": "等于"}[self.op]
        return f"连续缴存月数{word} {v} 个月：{yes}"

    def to_json(self) -> dict[str, Any]:
        return {"field": self.field, "op": self.op, "value": self.value, "holds": self.holds,
                "text": f"{self.field} {self.op} {json_value(self.value)}: {'yes' if self.holds else 'no'}",
                "text_zh": self.text_zh()}




def json_value(value: Any) -> Any:
    return value.hex() if isinstance(value, bytes) else (str(value).lower() if isinstance(value, bool) else value)


def claim_holds(claim: Claim, value: Any) -> bool:
    """Whether `claim`'s statement holds for `value` (e.g. the account's current figure)."""
    return _evaluate(value, claim.op, claim.value)


def _evaluate(value: Any, op: str, threshold: Any) -> bool:
    if op == ">=":
        return bool(value >= threshold)
    if op == "<=":
        return bool(value <= threshold)
    return bool(value == threshold)


#: Each purpose's default threshold statements: (field, op, threshold); "band" = the monthly
#: amount's band floor (MONTHLY_BANDS).
CLAIM_SPECS: dict[str, tuple[tuple[str, str, Any], ...]] = {
    "housing-loan": (),
    "commercial-loan": (("months_continuous", ">=", 12), ("monthly_amount", ">=", "band"),
                        ("account_status", "==", "normal"), ("loan_outstanding", "==", False)),
    "rental": (("monthly_amount", ">=", "band"), ("months_continuous", ">=", 6)),
    "settlement": (("months_continuous", ">=", 12), ("account_status", "==", "normal")),
    "employment": (("months_continuous", ">=", 6), ("account_status", "==", "normal")),
    "other": (("months_continuous", ">=", 12),),
}


def default_claims(full: fmt.Certificate, purpose: str) -> tuple[Claim, ...]:
    """The threshold statements a purpose's minimal certificate carries by default."""
    band = max((b for b in MONTHLY_BANDS if b <= full.monthly_amount), default=MONTHLY_BANDS[0])
    return tuple(claim(full, f, op, band if v == "band" else v) for f, op, v in CLAIM_SPECS[purpose])


def claim(full: fmt.Certificate, field_name: str, op: str, value: Any) -> Claim:
    """The statement `field op value`, evaluated on the full certificate's facts."""
    if field_name not in _CLAIM_FIELDS or op not in OPS or (field_name in _EQUALITY_ONLY and op != "=="):
        raise ValueError(f"no threshold statement on {field_name} {op}")
    return Claim(field=field_name, op=op, value=value, holds=_evaluate(getattr(full, field_name), op, value))


def _disclosure(salt: bytes, name: str, value: Any) -> bytes:
    return cbor2.dumps([salt, fmt.PAYLOAD_KEYS[name], _to_wire(name, value)], canonical=True)


def sd_digest(disclosure: bytes) -> bytes:
    return hashlib.sha256(SD_DOMAIN + disclosure).digest()[:SD_DIGEST_LENGTH]


@dataclass(frozen=True, kw_only=True)
class MinimalCertificate:
    """A minimal certificate's content as the verifier may show it: the envelope, the disclosed
    fields whose digests are signed (`disclosed`), the signed threshold statements (`claims`).
    `mismatched` counts disclosures whose digest is not among the signed ones: never shown, and
    the signature check fails on them. Encoding needs `digests` and `disclosures` as signed."""

    number: str
    centre_code: int
    purpose: fmt.Purpose
    audience: int | None = None
    issued_at: int
    valid_until: int
    subject_ref: bytes
    supersedes: str | None = None
    digests: tuple[bytes, ...]
    claims: tuple[Claim, ...] = ()
    disclosures: tuple[bytes, ...] = ()
    disclosed: tuple[tuple[str, Any], ...] = ()
    mismatched: int = 0

    def __post_init__(self) -> None:
        _check_envelope(self)
        if not 1 <= len(self.digests) <= len(SD_FIELDS) + 1 or len(set(self.digests)) != len(self.digests) or any(
                type(d) is not bytes or len(d) != SD_DIGEST_LENGTH for d in self.digests):
            _malformed(f"A minimal certificate carries 1 to {len(SD_FIELDS) + 1} distinct "
                           f"{SD_DIGEST_LENGTH}-byte digests.")

    def value(self, name: str) -> Any:
        """A disclosed field's value; KeyError if it was not disclosed."""
        return dict(self.disclosed)[name]

    @property
    def name(self) -> str | None:
        """The holder's name if disclosed (captions under the QR code print it masked), else None."""
        return dict(self.disclosed).get("name")

    def encode_payload(self) -> bytes:
        payload: dict[int, object] = {0: MINIMAL_VERSION}
        for name in ENVELOPE_FIELDS:
            value = getattr(self, name)
            if value is not None:
                payload[fmt.PAYLOAD_KEYS[name]] = _to_wire(name, value)
        payload[SD_DIGESTS_KEY] = b"".join(sorted(self.digests))
        if self.claims:
            payload[CLAIMS_KEY] = [c.to_wire() for c in self.claims]
        return cbor2.dumps(payload, canonical=True)

    def without(self, names: Iterable[str]) -> MinimalCertificate:
        """The same signed certificate with the disclosures of `names` removed (the holder may
        withhold more; the signature and the digest do not change)."""
        drop = {fmt.PAYLOAD_KEYS[n] for n in names}
        kept = tuple(d for d in self.disclosures if cbor2.loads(d)[1] not in drop)
        return _with_disclosures(self, kept)

    def to_json(self) -> dict[str, Any]:
        """The envelope and the disclosed fields only, as `Certificate.to_json` names them, plus
        "disclosure": "minimal" and "withheld": the names (never the values) of the fields withheld."""
        out: dict[str, Any] = {}
        shown = dict(self.disclosed)
        for name in fmt.PAYLOAD_KEYS:
            if name in ENVELOPE_FIELDS:
                value = getattr(self, name)
            elif name in shown:
                value = shown[name]
            else:
                continue
            out[name] = value.hex() if isinstance(value, bytes) else value
            if name == "purpose":
                out["purpose_zh"] = fmt.PURPOSES[self.purpose][1]
        out["disclosure"] = "minimal"
        out["withheld"] = [n for n in SD_FIELDS if n not in shown]
        return out


def _check_envelope(c: MinimalCertificate) -> None:
    _check_text("number", c.number, 40, _NUMBER_RE)
    _check_uint("centre_code", c.centre_code, 100_000, 999_999)
    if type(c.purpose) is not str or c.purpose not in fmt.PURPOSES:
        _malformed(f"Field 'purpose' must be one of {', '.join(fmt.PURPOSES)}, not {c.purpose!r}.")
    if c.audience is not None:
        _check_uint("audience", c.audience, 1_000_000, 2**32 - 1)
    _check_uint("issued_at", c.issued_at)
    _check_uint("valid_until", c.valid_until)
    if c.valid_until <= c.issued_at:
        _malformed("Field 'valid_until' must be later than 'issued_at'.")
    if type(c.subject_ref) is not bytes or len(c.subject_ref) != 32:
        _malformed("Field 'subject_ref' must be 32 bytes.")
    if c.supersedes is not None:
        _check_text("supersedes", c.supersedes, 40, _NUMBER_RE)
        if c.supersedes == c.number:
            _malformed("Field 'supersedes' must name another certificate than this one.")


def _check_masked(name: str, value: Any, max_len: int, pattern: re.Pattern[str], masked: Callable[[str], bool]) -> None:
    """A masked text field: valid text first, then masked enough."""
    _check_text(name, value, max_len, pattern)
    if not masked(value):
        _malformed(f"Field '{name}' is not masked.")


def _check_field(name: str, value: Any) -> None:
    """One disclosed value, checked as `Certificate` checks it (cross-field rules where both
    fields are disclosed are checked by `_check_pairs`)."""
    checks: dict[str, Callable[[Any], object]] = {
        "name": lambda v: _check_text(name, v, 64),
        "id_masked": lambda v: _check_masked(name, v, 18, _ID_MASKED_RE, lambda s: s.count("*") >= _ID_MIN_MASKED),
        "employer_name": lambda v: _check_text(name, v, 64),
        "employer_account": lambda v: _check_text(name, v, 32, _ACCOUNT_RE),
        "account_masked": lambda v: _check_masked(name, v, 32, _ACCOUNT_MASKED_RE, lambda s: "*" in s),
        "account_status": lambda v: None,  # _from_wire checked it
        "account_opened": lambda v: _check_date(name, v),
        "employee_rate_bp": lambda v: _check_uint(name, v, 0, 10_000),
        "employer_rate_bp": lambda v: _check_uint(name, v, 0, 10_000),
        "first_month": lambda v: _check_month(name, v),
        "last_month": lambda v: _check_month(name, v),
        "loan_outstanding": lambda v: type(v) is bool or _malformed("Field 'loan_outstanding' must be true or false."),
    }
    checks.get(name, lambda v: _check_uint(name, v))(value)


def _check_pairs(shown: Mapping[str, Any]) -> None:
    if "first_month" in shown and "last_month" in shown:
        first, last = _check_month("first_month", shown["first_month"]), _check_month(
            "last_month", shown["last_month"])
        if last < first:
            _malformed("Field 'last_month' must not be before 'first_month'.")
        if "months_continuous" in shown:
            _check_uint("months_continuous", shown["months_continuous"], 0, last - first + 1)


def _open_disclosures(disclosures: Sequence[bytes], digests: Sequence[bytes]) -> tuple[tuple[tuple[str, Any], ...], int]:
    """(the disclosed fields whose digests are signed, how many disclosures are not signed)."""
    signed = set(digests)
    shown: dict[str, Any] = {}
    seen: set[int] = set()
    mismatched = 0
    for raw in disclosures:
        item = _cbor_loads(raw, "disclosure")
        if not (isinstance(item, list) and len(item) == 3 and type(item[0]) is bytes and len(item[0]) == SALT_LENGTH
                and type(item[1]) is int and item[1] in _SD_BY_KEY):
            _malformed(f"A disclosure is not [{SALT_LENGTH}-byte salt, field key, value] of a withholdable field.")
        if item[1] in seen:
            _malformed(f"Field key {item[1]} is disclosed twice.")
        seen.add(item[1])
        name = _SD_BY_KEY[item[1]]
        value = _from_wire(name, item[2])
        _check_field(name, value)
        if sd_digest(raw) not in signed:
            mismatched += 1  # forged or altered: never shown; the signature check fails on it
            continue
        shown[name] = value
    _check_pairs(shown)
    return tuple((n, shown[n]) for n in SD_FIELDS if n in shown), mismatched


def _with_disclosures(c: MinimalCertificate, disclosures: tuple[bytes, ...]) -> MinimalCertificate:
    shown, mismatched = _open_disclosures(disclosures, c.digests)
    return MinimalCertificate(
        number=c.number, centre_code=c.centre_code, purpose=c.purpose, audience=c.audience, issued_at=c.issued_at,
        valid_until=c.valid_until, subject_ref=c.subject_ref, supersedes=c.supersedes, digests=c.digests,
        claims=c.claims, disclosures=disclosures, disclosed=shown, mismatched=mismatched)


def for_purpose(full: fmt.Certificate, *, salt: Callable[[int], bytes] = os.urandom) -> fmt.Certificate | MinimalCertificate:
    """The minimal certificate of `full`'s purpose: `make_minimal` with the purpose's defaults,
    or `full` itself when the purpose's default discloses everything (housing-loan)."""
    if set(DEFAULT_DISCLOSURES[full.purpose]) == set(SD_FIELDS):
        return full
    return make_minimal(full, salt=salt)


def make_minimal(full: fmt.Certificate, *, disclose: Iterable[str] | None = None,
                 claims: Sequence[Claim] | None = None,
                 salt: Callable[[int], bytes] = os.urandom) -> MinimalCertificate:
    """The minimal form of `full`: `disclose` (default: the purpose's) in disclosures, every
    withholdable field as a salted digest, `claims` (default: the purpose's) signed. Sign it
    with `format.sign` like a full certificate."""
    names = tuple(DEFAULT_DISCLOSURES[full.purpose] if disclose is None else disclose)
    unknown = [n for n in names if n not in SD_FIELDS]
    if unknown:
        raise ValueError(f"cannot disclose {', '.join(unknown)}: use fields of {', '.join(SD_FIELDS)}")
    chosen = tuple(_disclosure(salt(SALT_LENGTH), n, getattr(full, n)) for n in SD_FIELDS if n in names)
    withheld = {fmt.PAYLOAD_KEYS[n]: _to_wire(n, getattr(full, n)) for n in SD_FIELDS if n not in names}
    rest = cbor2.dumps([salt(REST_SALT_LENGTH), 0, withheld], canonical=True)
    base = MinimalCertificate(
        number=full.number, centre_code=full.centre_code, purpose=full.purpose, audience=full.audience,
        issued_at=full.issued_at, valid_until=full.valid_until, subject_ref=full.subject_ref,
        supersedes=full.supersedes, digests=tuple(sorted(sd_digest(d) for d in (*chosen, rest))),
        claims=tuple(default_claims(full, full.purpose) if claims is None else claims))
    return _with_disclosures(base, chosen)


def decode_minimal(payload: dict[int, Any], disclosures: Sequence[bytes]) -> MinimalCertificate:
    """A version-2 payload map (already checked to be a map with integer keys) and the
    unprotected header's disclosures, checked. Raises `MalformedCertificate`."""
    allowed = {0, SD_DIGESTS_KEY, CLAIMS_KEY} | {fmt.PAYLOAD_KEYS[n] for n in ENVELOPE_FIELDS}
    unknown = sorted(k for k in payload if k not in allowed)
    if unknown:
        _malformed(f"The minimal payload has key {unknown[0]}, which it may not carry in clear.")
    values: dict[str, Any] = {}
    for name in ENVELOPE_FIELDS:
        key = fmt.PAYLOAD_KEYS[name]
        if key in payload:
            if payload[key] is None:
                _malformed(f"Field '{name}' is null; an absent value is left out of the payload.")
            values[name] = _from_wire(name, payload[key])
        elif name not in ("audience", "supersedes"):
            _malformed(f"The payload lacks field '{name}' (key {key}).")
    raw = payload.get(SD_DIGESTS_KEY)
    if type(raw) is not bytes or not raw or len(raw) % SD_DIGEST_LENGTH:
        _malformed(f"The minimal payload's digests (key {SD_DIGESTS_KEY}) are not "
                       f"{SD_DIGEST_LENGTH}-byte digests.")
    digests = tuple(raw[i:i + SD_DIGEST_LENGTH] for i in range(0, len(raw), SD_DIGEST_LENGTH))
    claims = _decode_claims(payload[CLAIMS_KEY]) if CLAIMS_KEY in payload else ()
    if len(disclosures) > len(SD_FIELDS):
        _malformed("The certificate carries more disclosures than it has fields.")
    base = MinimalCertificate(**values, digests=digests, claims=claims)
    return _with_disclosures(base, tuple(disclosures))


def _decode_claims(raw: Any) -> tuple[Claim, ...]:
    if not isinstance(raw, list) or not 1 <= len(raw) <= _MAX_CLAIMS:
        _malformed(f"The threshold statements (key {CLAIMS_KEY}) are not a list of 1 to {_MAX_CLAIMS}.")
    out = []
    for item in raw:
        if not (isinstance(item, list) and len(item) == 4 and type(item[0]) is int and item[0] in _SD_BY_KEY
                and _SD_BY_KEY[item[0]] in _CLAIM_FIELDS and type(item[1]) is int and item[1] in _OP_BY_WIRE
                and type(item[3]) is bool):
            _malformed("A threshold statement is not [field key, operator 1-3, value, true/false].")
        name = _SD_BY_KEY[item[0]]
        if name in _EQUALITY_ONLY and _OP_BY_WIRE[item[1]] != "==":
            _malformed(f"A threshold statement on '{name}' can only be an equality (operator 3).")
        value = _from_wire(name, item[2])
        _check_field(name, value)
        out.append(Claim(field=name, op=_OP_BY_WIRE[item[1]], value=value, holds=item[3]))
    return tuple(out)


#: The withholdable fields' Chinese labels, as the full certificate prints them.
FIELD_ZH: dict[str, str] = {
    "name": "姓名", "id_masked": "证件号码", "employer_name": "单位名称", "employer_account": "单位账号",
    "account_masked": "个人账号", "account_status": "账户状态", "account_opened": "开户日期",
    "deposit_base": "缴存基数", "employee_rate_bp": "个人缴存比例", "employer_rate_bp": "单位缴存比例",
    "monthly_amount": "月缴存额", "first_month": "首次缴存年月", "last_month": "最近缴存年月",
    "months_continuous": "连续缴存月数", "balance": "账户余额", "loan_outstanding": "公积金贷款",
}
_CLAIM_SUMMARY_ZH = {"monthly_amount": "月缴存额档位", "months_continuous": "连续缴存月数是否达标",
                     "account_status": "账户状态是否正常", "loan_outstanding": "有无未结清公积金贷款",
                     "deposit_base": "缴存基数档位", "balance": "余额档位"}


def value_zh(name: str, value: Any) -> str:
    """A disclosed field's value as the certificate prints it."""
    if name in ("deposit_base", "monthly_amount", "balance"):
        return f"{yuan(value)} 元"
    if name in ("employee_rate_bp", "employer_rate_bp"):
        return format_rate(value)
    if name == "account_status":
        return ACCOUNT_STATUS_ZH.get(str(value), str(value))
    if name == "loan_outstanding":
        return "有未结清贷款" if value else "无未结清贷款"
    if name == "months_continuous":
        return f"{value} 个月"
    return str(value)


def minimal_summary_zh(purpose: str) -> str:
    """What the purpose's minimal certificate shows, in one Chinese line (for the portal)."""
    names = DEFAULT_DISCLOSURES[purpose]
    if set(names) == set(SD_FIELDS):
        return "与完整证明相同（列明全部缴存信息）"
    shown = "、".join(FIELD_ZH[n] for n in names)
    stated = "、".join(dict.fromkeys(_CLAIM_SUMMARY_ZH[f] for f, _, _ in CLAIM_SPECS[purpose]))
    return f"仅披露{shown}；另附中心签署的说明：{stated}"
