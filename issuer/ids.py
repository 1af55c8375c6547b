"""Resident ID numbers (公民身份号码, GB 11643-1999) and the subject reference built from them.

An 18-character number is: a 6-digit administrative-division code of the place of first
registration, the birth date YYYYMMDD, a 3-digit sequence (odd for men, even for women), and a
check character computed with ISO 7064 MOD 11-2 over the first 17 digits ('X' stands for 10).
Numbers issued before 1999 have 15 digits (a 2-digit year, no check character); they convert to
18 by inserting "19" before the year and appending the check character.

Every function here is pure (the one clock read, "is the birth date in the future?", can be
pinned with `today=`). The blacklist and the importer both go through `normalise_id`, so one
person always yields one normalised number and one subject reference.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Literal

from issuer.errors import InvalidCentreCode, InvalidIdNumber

__all__ = [
    "CONSORTIUM_KEY_LENGTH",
    "PROVINCE_CODES",
    "InvalidIdNumber",
    "ResidentId",
    "check_centre_code",
    "check_character",
    "is_valid_id",
    "make_id",
    "mask_id",
    "normalise_id",
    "parse_id",
    "subject_ref",
    "upgrade_15_to_18",
]

#: Province-level codes of GB/T 2260 (the first two digits of every division code): the
#: provinces, autonomous regions and municipalities, Taiwan (71), Hong Kong (81) and Macao (82).
PROVINCE_CODES: frozenset[int] = frozenset(
    {
        11,
        12,
        13,
        14,
        15,
        21,
        22,
        23,
        31,
        32,
        33,
        34,
        35,
        36,
        37,
        41,
        42,
        43,
        44,
        45,
        46,
        50,
        51,
        52,
        53,
        54,
        61,
        62,
        63,
        64,
        65,
        71,
        81,
        82,
    }
)
CONSORTIUM_KEY_LENGTH = 32

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # 2^(17-i) mod 11
_CHECK_CHARACTERS = "10X98765432"  # indexed by (weighted sum mod 11)
_EARLIEST_BIRTH = date(1800, 1, 1)  # GB 11643's own example 440524188001010014 was born in 1880


def _invalid(reason: str, en: str, zh: str) -> InvalidIdNumber:
    return InvalidIdNumber(en, message_zh=zh, reason=reason)


def check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character ('0'-'9' or 'X') of the first 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("the check character is computed over exactly 17 ASCII digits")
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARACTERS[total % 11]


def _clean(raw: str) -> str:
    # NFKC folds full-width digits and 'Ｘ' typed with a Chinese input method into ASCII.
    return unicodedata.normalize("NFKC", raw).strip().upper()


def _check_region(region: str) -> None:
    if int(region[:2]) not in PROVINCE_CODES:
        raise _invalid(
            "region",
            f"The ID number's region code {region} does not start with a province code.",
            f"身份证号码的地区码 {region} 不是以有效的省级代码开头。",
        )


def _check_birth_date(digits: str, today: date | None) -> date:
    try:
        born = date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise _invalid(
            "birth_date",
            f"The ID number's birth date {digits} is not a calendar date.",
            f"身份证号码中的出生日期 {digits} 不是有效日期。",
        ) from None
    if not _EARLIEST_BIRTH <= born <= (today or date.today()):  # noqa: DTZ011 — a calendar date, local like the ID's
        raise _invalid(
            "birth_date",
            f"The ID number's birth date {born.isoformat()} is out of range (1800 to today).",
            f"身份证号码中的出生日期 {born.isoformat()} 超出范围（1800年至今天）。",
        )
    return born


def _check_digits(text: str, count: int) -> None:
    if not (text.isascii() and text.isdigit() and len(text) == count):
        raise _invalid(
            "characters",
            "The ID number may contain only digits, and an X as its last character.",
            "身份证号码只能由数字组成，最后一位可以是 X。",
        )


def upgrade_15_to_18(old: str, *, today: date | None = None) -> str:
    """The 18-character number for a 15-digit legacy one (region, "19"+YYMMDD, sequence, check)."""
    text = _clean(old)
    _check_digits(text, 15)
    first17 = text[:6] + "19" + text[6:]
    _check_region(first17[:6])
    _check_birth_date(first17[6:14], today)
    return first17 + check_character(first17)


def normalise_id(raw: str, *, today: date | None = None) -> str:
    """The canonical 18-character form of a resident ID number, or `InvalidIdNumber`.

    Strips surrounding space, folds full-width characters, upper-cases the check 'x', converts
    a 15-digit legacy number, and checks region, birth date and check character.
    """
    text = _clean(raw)
    # 1. length decides the form
    if not text:
        raise _invalid("empty", "The ID number is empty.", "身份证号码为空。")
    if len(text) == 15:
        return upgrade_15_to_18(text, today=today)
    if len(text) != 18:
        raise _invalid(
            "length",
            f"An ID number has 18 characters (or 15 for an old one), not {len(text)}.",
            f"身份证号码应为18位（旧号码为15位），而不是{len(text)}位。",
        )
    # 2. characters: 17 digits and a digit or X
    _check_digits(text[:17], 17)
    if not (text[17].isdigit() and text[17].isascii()) and text[17] != "X":
        raise _invalid(
            "characters",
            "The ID number may contain only digits, and an X as its last character.",
            "身份证号码只能由数字组成，最后一位可以是 X。",
        )
    # 3. region and birth date
    _check_region(text[:6])
    _check_birth_date(text[6:14], today)
    # 4. the check character
    expected = check_character(text[:17])
    if text[17] != expected:
        raise _invalid(
            "check_digit",
            "The ID number's check digit is wrong: a digit was probably mistyped.",
            "身份证号码校验位不正确，可能有数字输错。",
        )
    return text


def is_valid_id(raw: str, *, today: date | None = None) -> bool:
    try:
        normalise_id(raw, today=today)
    except InvalidIdNumber:
        return False
    return True


@dataclass(frozen=True, kw_only=True)
class ResidentId:
    """The parts of a valid, normalised ID number."""

    number: str
    region_code: int
    birth_date: date
    sequence: int
    sex: Literal["male", "female"]


def parse_id(raw: str, *, today: date | None = None) -> ResidentId:
    number = normalise_id(raw, today=today)
    sequence = int(number[14:17])
    return ResidentId(
        number=number,
        region_code=int(number[:6]),
        birth_date=date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
        sequence=sequence,
        sex="male" if sequence % 2 else "female",
    )


def make_id(*, region_code: int, birth_date: date, sequence: int) -> str:
    """A valid ID number from its parts (demo data and tests). Raises `InvalidIdNumber` when the
    parts cannot form one (unknown province, birth date out of range)."""
    if not 100_000 <= region_code <= 999_999 or not 0 <= sequence <= 999:
        raise ValueError("region_code has 6 digits and sequence 3")
    first17 = f"{region_code:06d}{birth_date:%Y%m%d}{sequence:03d}"
    _check_region(first17[:6])
    _check_birth_date(first17[6:14], None)
    return first17 + check_character(first17)


def mask_id(id_number: str, *, normalised: bool = False) -> str:
    """The number as shown on certificates and lists: first 6 and last 4 kept, e.g.
    `460100********1234`. The input is normalised (and so validated) first, unless the caller
    says it already is (`normalised=True`: an ID read back from the centre's database)."""
    number = id_number if normalised else normalise_id(id_number)
    return number[:6] + "*" * 8 + number[14:]


def subject_ref(consortium_key: bytes, id_number: str, *, normalised: bool = False) -> bytes:
    """HMAC-SHA256(consortium key, normalised ID number): the 32-byte subject of blacklist entries
    and certificates (docs/design.md §5). Only member centres hold the key, so only they can compute it.
    `normalised=True` skips normalising an ID that already is (bulk issuance, checked files)."""
    if len(consortium_key) != CONSORTIUM_KEY_LENGTH:
        raise ValueError(f"the consortium key is {CONSORTIUM_KEY_LENGTH} bytes, not {len(consortium_key)}")
    number = id_number if normalised else normalise_id(id_number)
    return hmac.new(consortium_key, number.encode("ascii"), hashlib.sha256).digest()


def check_centre_code(centre: int) -> int:
    """`centre` if it is a fund centre's code: a 6-digit administrative-division code of a known
    province (460100 Haikou). Raises `InvalidCentreCode` otherwise."""
    if type(centre) is not int or not 100_000 <= centre <= 999_999 or centre // 10_000 not in PROVINCE_CODES:
        raise InvalidCentreCode(
            f"{centre!r} is not a centre code: give the centre's 6-digit administrative-division code, e.g. 460100.",
            message_zh=f"{centre!r} 不是中心代码：请给出中心的6位行政区划代码，例如 460100。",
        )
    return centre
