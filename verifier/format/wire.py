"""The payload on the wire: the certificate as a canonical CBOR map with small integer keys, and a
plain CBOR reader for hostile bytes (no tags, no indefinite lengths, no duplicate keys, nothing
after the item).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn

import cbor2

from verifier.errors import MalformedCertificate, UnsupportedVersion
from verifier.format.content import ACCOUNT_STATUSES, PURPOSES, Certificate, _malformed

if TYPE_CHECKING:
    from verifier.disclosure import MinimalCertificate

PAYLOAD_VERSION = 1
MINIMAL_PAYLOAD_VERSION = 2  # a minimal certificate (verifier/disclosure.py)
_PURPOSE_BY_WIRE = {wire: code for code, (wire, _) in PURPOSES.items()}
_MAX_CBOR_DEPTH = 8

# Payload map keys. Small integers encode in one byte; key 0 is the schema version.
_VERSION_KEY = 0
PAYLOAD_KEYS: dict[str, int] = {
    "number": 1,
    "centre_code": 2,
    # 3 was the centre name: no longer in the payload (it is on chain), never to be reused.
    "purpose": 4,
    "audience": 5,
    "issued_at": 6,
    "valid_until": 7,
    "name": 8,
    "id_masked": 9,
    "subject_ref": 10,
    "employer_name": 11,
    "employer_account": 12,
    "account_masked": 13,
    "account_status": 14,
    "account_opened": 15,
    "deposit_base": 16,
    "employee_rate_bp": 17,
    "employer_rate_bp": 18,
    "monthly_amount": 19,
    "first_month": 20,
    "last_month": 21,
    "months_continuous": 22,
    "balance": 23,
    "loan_outstanding": 24,
    "supersedes": 25,
}
_OPTIONAL_FIELDS = frozenset({"audience", "supersedes"})
_FIELD_BY_KEY = {key: name for name, key in PAYLOAD_KEYS.items()}


# On the wire, dates, months, the purpose and the account status are small integers (20150701, 201507, 1, 0):
# every byte saved is QR area. The Python API keeps the readable forms.
_DATE_FIELDS = frozenset({"account_opened"})
_MONTH_FIELDS = frozenset({"first_month", "last_month"})


def _to_wire(name: str, value: object) -> object:
    if name == "account_status":
        return ACCOUNT_STATUSES.index(str(value))
    if name == "purpose":
        return PURPOSES[str(value)][0]
    if name in _DATE_FIELDS or name in _MONTH_FIELDS:
        return int(str(value).replace("-", ""))
    return value


def _from_wire(name: str, value: object) -> object:
    if name == "account_status":
        if type(value) is not int or not 0 <= value < len(ACCOUNT_STATUSES):
            _malformed("Field 'account_status' must be 0 (normal), 1 (sealed) or 2 (closed).")
        return ACCOUNT_STATUSES[value]
    if name == "purpose":
        if type(value) is not int or value not in _PURPOSE_BY_WIRE:
            _malformed(f"Field 'purpose' must be a purpose code 1 to {len(PURPOSES)}.")
        return _PURPOSE_BY_WIRE[value]
    if name in _DATE_FIELDS:
        if type(value) is not int or not 10000101 <= value <= 99991231:
            _malformed(f"Field '{name}' must be a date as the integer YYYYMMDD.")
        return f"{value // 10000:04d}-{value // 100 % 100:02d}-{value % 100:02d}"
    if name in _MONTH_FIELDS:
        if type(value) is not int or not 100001 <= value <= 999912:
            _malformed(f"Field '{name}' must be a month as the integer YYYYMM.")
        return f"{value // 100:04d}-{value % 100:02d}"
    return value


def _encode_payload(c: Certificate | MinimalCertificate) -> bytes:
    if not isinstance(c, Certificate):  # payload version 2 (verifier/disclosure.py)
        return c.encode_payload()
    payload: dict[int, object] = {_VERSION_KEY: PAYLOAD_VERSION}
    for name, key in PAYLOAD_KEYS.items():
        value = getattr(c, name)
        if value is not None:  # optional fields are left out, never null
            payload[key] = _to_wire(name, value)
    return cbor2.dumps(payload, canonical=True)


def _decode_payload(data: bytes, disclosures: tuple[bytes, ...] = ()) -> Certificate | MinimalCertificate:
    payload = _cbor_loads(data, "payload")
    if not isinstance(payload, dict):
        _malformed("The payload is not a CBOR map.")
    if any(type(k) is not int for k in payload):
        _malformed("The payload has a key that is not an integer.")
    if _VERSION_KEY not in payload:
        _malformed("The payload has no schema version (key 0).")
    version = payload[_VERSION_KEY]
    if type(version) is not int:
        _malformed("The payload's schema version (key 0) is not an integer.")
    if version == MINIMAL_PAYLOAD_VERSION:
        from verifier.disclosure import decode_minimal  # noqa: PLC0415 - it builds on this module

        return decode_minimal(payload, disclosures)
    if version != PAYLOAD_VERSION:
        raise UnsupportedVersion(
            f"The payload has schema version {version}; this verifier reads versions {PAYLOAD_VERSION} "
            f"and {MINIMAL_PAYLOAD_VERSION}."
        )
    if disclosures:
        _malformed("A full (version 1) certificate carries no disclosures.")
    unknown = sorted(k for k in payload if k != _VERSION_KEY and k not in _FIELD_BY_KEY)
    if unknown:
        _malformed(f"The payload has unknown key {unknown[0]}.")
    values: dict[str, Any] = {}
    for name, key in PAYLOAD_KEYS.items():
        if key in payload:
            values[name] = _from_wire(name, payload[key])
        elif name not in _OPTIONAL_FIELDS:
            _malformed(f"The payload lacks field '{name}' (key {key}).")
    for name in _OPTIONAL_FIELDS:
        if name in values and values[name] is None:
            _malformed(f"Field '{name}' is null; an absent value is left out of the payload.")
    return Certificate(**values)


def _reject_tag(*_: object) -> NoReturn:
    raise ValueError("CBOR tags are not allowed here")


class _NoTags(dict[int, Callable[..., Any]]):
    """Overrides every semantic tag cbor2 knows: tags would bring dates, big numbers, sets and
    shared (even cyclic) references into a structure that only ever holds plain values. cbor2
    looks decoders up by tag number, so answering every lookup covers tags it may add later;
    tests/verifier/test_format.py checks that a bignum still fails."""

    def __contains__(self, key: object) -> bool:
        return True

    def __getitem__(self, key: int) -> Callable[..., Any]:
        return _reject_tag

    def get(self, key: int, default: Any = None) -> Callable[..., Any]:
        return _reject_tag


_NO_TAGS = _NoTags()


def _cbor_loads(data: bytes, what: str) -> Any:
    stream = io.BytesIO(data)
    try:
        value = cbor2.CBORDecoder(
            stream,
            semantic_decoders=_NO_TAGS,
            tag_hook=_reject_tag,
            max_depth=_MAX_CBOR_DEPTH,
            allow_indefinite=False,
            allow_duplicate_keys=False,
        ).decode()
    except Exception as exc:  # hostile input; cbor2 raises more than CBORDecodeError
        raise MalformedCertificate(f"The {what} is not valid CBOR.") from exc
    if stream.tell() != len(data):
        _malformed(f"The {what} has bytes after its CBOR data.")
    return value
