"""Resident ID numbers: GB 11643 vectors, the check character against its textbook definition,
15 → 18 conversion, masking, and the subject reference."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from issuer.errors import HpfIssuerError, InvalidCentreCode, InvalidIdNumber
from issuer.ids import (
    PROVINCE_CODES,
    check_centre_code,
    check_character,
    is_valid_id,
    make_id,
    mask_id,
    normalise_id,
    parse_id,
    subject_ref,
    upgrade_15_to_18,
)

GB_EXAMPLES = ("11010519491231002X", "440524188001010014")  # the examples printed in GB 11643-1999


def reference_check_character(first17: str) -> str:
    """ISO 7064 MOD 11-2 as the standard states it: a_1 = (12 - sum(a_i * 2^(i-1) mod 11)) mod 11,
    with positions counted from the right, the check character being position 1."""
    s = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(first17))
    value = (12 - s % 11) % 11
    return "X" if value == 10 else str(value)


@pytest.mark.parametrize("number", GB_EXAMPLES)
def test_gb_11643_examples_are_valid(number: str) -> None:
    assert normalise_id(number) == number
    assert check_character(number[:17]) == number[17]


def test_parse_gives_the_parts() -> None:
    p = parse_id("11010519491231002X")
    assert (p.region_code, p.birth_date, p.sequence, p.sex) == (110105, date(1949, 12, 31), 2, "female")
    assert parse_id("440524188001010014").sex == "male"


def test_normalise_strips_upper_cases_and_folds_full_width() -> None:
    assert normalise_id("  11010519491231002x\n") == "11010519491231002X"
    assert normalise_id("１１０１０５１９４９１２３１００２ｘ") == "11010519491231002X"


def test_15_digit_numbers_are_converted() -> None:
    # the 15-digit form of the GB example: region, YYMMDD, sequence; "19" goes before the year
    assert upgrade_15_to_18("110105491231002") == "11010519491231002X"
    assert normalise_id("110105491231002") == "11010519491231002X"
    with pytest.raises(InvalidIdNumber) as e:
        normalise_id("110105490231002")  # 1949-02-31
    assert e.value.reason == "birth_date"


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("", "empty"),
        ("1101051949123100", "length"),
        ("11010519491231002XX", "length"),
        ("1101051949123100AX", "characters"),
        ("11010519491231002Y", "characters"),
        ("99010519491231002X", "region"),  # 99 is no province
        ("00010519491231002X", "region"),
        ("110105194902310026", "birth_date"),  # 31 February
        ("110105179901010026", "birth_date"),  # before 1800
        ("110105299901010026", "birth_date"),  # in the future
        ("110105194912310021", "check_digit"),
    ],
)
def test_invalid_numbers_say_why_in_both_languages(number: str, reason: str) -> None:
    with pytest.raises(InvalidIdNumber) as e:
        normalise_id(number)
    assert e.value.reason == reason
    assert isinstance(e.value, ValueError) and isinstance(e.value, HpfIssuerError)
    assert e.value.message and e.value.message_zh and e.value.message != e.value.message_zh
    assert not is_valid_id(number)


def test_birth_date_bound_uses_today() -> None:
    assert is_valid_id("11010519491231002X", today=date(1950, 1, 1))
    assert not is_valid_id("11010519491231002X", today=date(1949, 12, 30))


@st.composite
def valid_ids(draw: st.DrawFn) -> str:
    province = draw(st.sampled_from(sorted(PROVINCE_CODES)))
    region = province * 10_000 + draw(st.integers(0, 9999))
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=date.today()))
    return make_id(region_code=region, birth_date=born, sequence=draw(st.integers(0, 999)))


@given(valid_ids())
def test_generated_numbers_are_valid_and_checked_by_the_textbook_rule(number: str) -> None:
    assert normalise_id(number) == number
    assert number[17] == reference_check_character(number[:17])
    assert normalise_id(number.lower()) == number


@given(valid_ids(), st.integers(0, 17), st.integers(1, 10))
def test_any_single_changed_character_is_refused(number: str, position: int, shift: int) -> None:
    alphabet = "0123456789X" if position == 17 else "0123456789"
    old = number[position]
    new = alphabet[(alphabet.index(old) + shift) % len(alphabet)]
    if new == old:
        return
    with pytest.raises(InvalidIdNumber):
        normalise_id(number[:position] + new + number[position + 1 :])


@given(valid_ids(), st.integers(0, 15))
def test_swapping_adjacent_digits_is_refused(number: str, position: int) -> None:
    a, b = number[position], number[position + 1]
    if a == b:
        return
    with pytest.raises(InvalidIdNumber):
        normalise_id(number[:position] + b + a + number[position + 2 :])


def test_mask_keeps_first_six_and_last_four() -> None:
    assert mask_id("11010519491231002X") == "110105********002X"
    assert mask_id("110105491231002") == "110105********002X"
    assert len(mask_id("440524188001010014")) == 18
    with pytest.raises(InvalidIdNumber):
        mask_id("not an id")


def test_subject_ref_is_hmac_sha256_of_the_normalised_number() -> None:
    key = bytes(range(32))
    expected = hmac.new(key, b"11010519491231002X", hashlib.sha256).digest()
    ref = subject_ref(key, "11010519491231002X")
    assert ref == expected and len(ref) == 32
    # golden vector, shared with the blacklist tests
    assert ref.hex() == "a66755453b106dcea0cfa264214ae59ff1e8b067f3e5f3aa8085e1d8757880eb"
    # every written form of one person gives one reference
    assert subject_ref(key, "11010519491231002x") == ref
    assert subject_ref(key, " 110105491231002 ") == ref
    assert subject_ref(bytes(32), "11010519491231002X") != ref


def test_subject_ref_refuses_a_wrong_key_or_number() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        subject_ref(b"short", "11010519491231002X")
    with pytest.raises(InvalidIdNumber):
        subject_ref(bytes(32), "11010519491231002")


def test_make_id_refuses_impossible_parts() -> None:
    with pytest.raises(InvalidIdNumber):
        make_id(region_code=990000, birth_date=date(1990, 1, 1), sequence=1)
    with pytest.raises(ValueError):
        make_id(region_code=460100, birth_date=date(1990, 1, 1), sequence=1000)


@pytest.mark.parametrize("code", [460100, 460200, 460400, 110000, 820000])
def test_centre_codes(code: int) -> None:
    assert check_centre_code(code) == code


@pytest.mark.parametrize("code", [0, 46010, 4601000, 990100, 100000, True])
def test_bad_centre_codes(code: int) -> None:
    with pytest.raises(InvalidCentreCode) as e:
        check_centre_code(code)
    assert e.value.message_zh
