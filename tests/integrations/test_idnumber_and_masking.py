"""GB 11643 validation, GB 32100 credit codes, GB/T 36904 identifiers and masking."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from integrations import (
    InvalidIdNumber,
    id_check_digit,
    is_valid_credit_code,
    is_valid_id_number,
    mask_id_number,
    mask_name,
    mask_phone,
    parse_id_number,
    redact,
)
from integrations._seed import make_id_number
from integrations.elicence import check_licence_identifier, make_licence_identifier

# The GB 11643 worked example (11010519491231002X), and one of the sandbox residents.
STANDARD_EXAMPLE = "11010519491231002X"


def test_standard_example_is_valid_and_parsed() -> None:
    parsed = parse_id_number(STANDARD_EXAMPLE.lower())
    assert parsed.value == STANDARD_EXAMPLE
    assert (parsed.region_code, parsed.birth_date, parsed.sex) == (
        "110105",
        dt.date(1949, 12, 31),
        "female",
    )


def test_parsed_id_number_repr_is_masked() -> None:
    assert repr(parse_id_number(STANDARD_EXAMPLE)) == "IdNumber('1101**********002X')"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("32130219900101123", "length"),
        ("32130219900101123A", "characters"),
        ("991302199001011234", "region"),
        ("321302199002301234", "birth_date"),
        ("321302189912311234", "birth_date"),
        ("321302199001011235", "checksum"),
    ],
)
def test_invalid_numbers_are_rejected_with_reason(value: str, reason: str) -> None:
    with pytest.raises(InvalidIdNumber) as caught:
        parse_id_number(value)
    assert caught.value.reason == reason
    assert value not in str(caught.value)


def test_future_birth_date_is_rejected_when_today_is_given() -> None:
    value = make_id_number("321302", dt.date(2030, 1, 1), 1)
    assert is_valid_id_number(value)
    assert not is_valid_id_number(value, today=dt.date(2025, 1, 1))


suqian_ids = st.builds(
    make_id_number,
    st.sampled_from(["321302", "321311", "321322", "321323", "321324"]),
    st.dates(dt.date(1900, 1, 1), dt.date(2024, 12, 31)),
    st.integers(0, 999),
)


@given(suqian_ids)
def test_generated_numbers_are_valid(value: str) -> None:
    assert is_valid_id_number(value)
    assert value[-1] == id_check_digit(value[:17])


@given(suqian_ids, st.integers(0, 16), st.integers(1, 9))
def test_any_single_digit_change_is_rejected(value: str, position: int, delta: int) -> None:
    digit = (int(value[position]) + delta) % 10
    mutated = value[:position] + str(digit) + value[position + 1 :]
    assert not is_valid_id_number(mutated)


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000802100433B", "914403001922038216"])
def test_published_credit_codes_are_valid(code: str) -> None:
    assert is_valid_credit_code(code)


def test_credit_code_with_wrong_check_character_is_invalid() -> None:
    assert not is_valid_credit_code("91350100M000100Y44")
    assert not is_valid_credit_code("91350100M000100YI3")  # I is not in the alphabet


def test_licence_identifier_is_well_formed_and_each_fault_is_flagged() -> None:
    good = make_licence_identifier("91350100M000100Y43001", "914403001922038216", "32130200000001", 2)
    assert check_licence_identifier(good) == ()
    assert check_licence_identifier(good[:-1] + ("0" if good[-1] != "0" else "1")) == ("check_character",)
    assert check_licence_identifier(good.replace(".002.", ".2.")) == ("version", "check_character")
    assert check_licence_identifier("SQ-JDCJSZ-2015-000017") == ("prefix",)
    assert check_licence_identifier("1.2.156.3005.2.a.b") == ("structure",)


def test_masks_follow_the_documented_formats() -> None:
    assert mask_id_number("321302199001011234") == "3213**********1234"
    assert mask_phone("13805270001") == "138****0001"
    assert mask_name("张伟") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_id_number("123") == "***"


def test_redact_masks_ids_and_phones_inside_text() -> None:
    text = "用户321302199001011234（电话13805270001）核验失败；订单号 2024010112345678901 保留"
    assert redact(text) == (
        "用户3213**********1234（电话138****0001）核验失败；订单号 2024010112345678901 保留"
    )


def test_redact_masks_numbers_written_in_groups_and_old_15_digit_id_numbers() -> None:
    assert redact("电话 138 1234 5678 或 138-1234-5678，+86 13912345678") == (
        "电话 138****5678 或 138****5678，+86 139****5678"
    )
    assert redact("身份证 321302 19900101 1234") == "身份证 3213**********1234"
    # A 15-digit ID number (issued until 1999) is starred whole: 8 of 15 kept would be more than half.
    assert redact("旧证 321302900101123") == "旧证 " + "*" * 15
    # Any other 15-digit number (no birth date where an ID number has it) is not one.
    assert redact("订单 123456789012345") == "订单 123456789012345"
