"""Cell-value parsing (spec §2 "Cell values")."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from transforms.read.numbers import ParsedNumber, detect_convention, parse_number


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (["0,85"], "id"),
        (["1.234,5"], "id"),
        (["1.234.567"], "id"),
        (["0,309"], "id"),  # a leading 0 cannot be a thousands group
        (["0.85"], "en"),
        (["1,234.5"], "en"),
        (["1,234,567"], "en"),
        (["1.309"], None),
        (["1,309"], None),
        (["1.309", "1,309", "12", "abc", "", "-"], None),
        (["1.309", "0,85 ha"], "id"),
        (["0.85", "2.5", "0,85"], "en"),  # majority
        (["0.85", "0,85"], None),  # tie: nothing settled
        ([], None),
    ],
)
def test_detect_convention(texts: list[str], expected: str | None) -> None:
    assert detect_convention(texts) == expected


@pytest.mark.parametrize(
    ("value", "is_count", "convention", "expected"),
    [
        (3.0, True, None, ParsedNumber(3.0, None)),
        (7, True, None, ParsedNumber(7.0, None)),
        (0.31, False, None, ParsedNumber(0.31, None)),
        ("12", True, None, ParsedNumber(12.0, None)),
        (" 12 ", True, None, ParsedNumber(12.0, None)),
        ("0,85", False, None, ParsedNumber(0.85, None)),
        ("0.85", False, None, ParsedNumber(0.85, None)),
        ("1.234,5", False, None, ParsedNumber(1234.5, None)),
        ("1,234.5", False, None, ParsedNumber(1234.5, None)),
        ("1.234.567", True, None, ParsedNumber(1234567.0, None)),
        ("1,234,567", True, None, ParsedNumber(1234567.0, None)),
        # a lone separator followed by three digits
        ("1.309", True, None, ParsedNumber(1309.0, None)),
        ("1,309", True, None, ParsedNumber(1309.0, None)),
        ("1.309", True, "en", ParsedNumber(1309.0, None)),
        ("1.309", False, None, ParsedNumber(None, "ambigu")),
        ("1,309", False, None, ParsedNumber(None, "ambigu")),
        ("1.309", False, "id", ParsedNumber(1309.0, None)),
        ("1,309", False, "id", ParsedNumber(1.309, None)),
        ("1.309", False, "en", ParsedNumber(1.309, None)),
        ("1,309", False, "en", ParsedNumber(1309.0, None)),
        ("1234.567", False, None, ParsedNumber(1234.567, None)),
        # not rejected here: validation judges non-integers and negatives
        ("12,5", True, "id", ParsedNumber(12.5, None)),
        ("-5", True, None, ParsedNumber(-5.0, None)),
        (-2.0, True, None, ParsedNumber(-2.0, None)),
        # nihil
        ("-", True, None, ParsedNumber(0.0, None)),
        ("–", False, None, ParsedNumber(0.0, None)),
        ("—", False, None, ParsedNumber(0.0, None)),
        (" - ", True, None, ParsedNumber(0.0, None)),
        # units
        ("12 unit", True, None, ParsedNumber(12.0, None)),
        ("0,85 ha", False, None, ParsedNumber(0.85, None)),
        ("0,85ha", False, None, ParsedNumber(0.85, None)),
        ("150 KK", True, None, ParsedNumber(150.0, None)),
        ("800 m", False, None, ParsedNumber(800.0, None)),
        ("1.200 m", False, "id", ParsedNumber(1200.0, None)),
        ("540 jiwa", True, None, ParsedNumber(540.0, None)),
        ("12\u00a0unit", True, None, ParsedNumber(12.0, None)),
        # empty
        (None, True, None, ParsedNumber(None, "kosong")),
        ("", True, None, ParsedNumber(None, "kosong")),
        ("   ", False, None, ParsedNumber(None, "kosong")),
        # errors
        ("#DIV/0!", True, None, ParsedNumber(None, "sel_error")),
        ("#REF!", False, None, ParsedNumber(None, "sel_error")),
        ("#N/A", True, None, ParsedNumber(None, "sel_error")),
        ("#VALUE!", True, None, ParsedNumber(None, "sel_error")),
        ("#NAME?", True, None, ParsedNumber(None, "sel_error")),
        ("#NUM!", True, None, ParsedNumber(None, "sel_error")),
        ("#NULL!", True, None, ParsedNumber(None, "sel_error")),
        # not numbers
        ("abc", True, None, ParsedNumber(None, "bukan_angka")),
        ("12 ekor", True, None, ParsedNumber(None, "bukan_angka")),
        ("1.2.3", True, None, ParsedNumber(None, "bukan_angka")),
        ("12.", True, None, ParsedNumber(None, "bukan_angka")),
        ("1 309", True, None, ParsedNumber(None, "bukan_angka")),
        ("50%", False, None, ParsedNumber(None, "bukan_angka")),
        (True, True, None, ParsedNumber(None, "bukan_angka")),
        (dt.date(2024, 1, 1), True, None, ParsedNumber(None, "bukan_angka")),
        (float("nan"), True, None, ParsedNumber(None, "bukan_angka")),
    ],
)
def test_parse_number(
    value: object, is_count: bool, convention: str | None, expected: ParsedNumber
) -> None:
    assert parse_number(value, is_count=is_count, convention=convention) == expected


def _format(integer: int, fraction: str, convention: str) -> str:
    """A number written with thousands separators in the given convention."""
    text = f"{integer:,}" + (f".{fraction}" if fraction else "")
    if convention == "id":
        text = text.translate(str.maketrans(",.", ".,"))
    return text


_INTEGERS = st.integers(min_value=0, max_value=10**12)
_FRACTIONS = st.text(alphabet="0123456789", min_size=0, max_size=4)
_CONVENTIONS = st.sampled_from(["id", "en"])


@given(_INTEGERS, _FRACTIONS, _CONVENTIONS, st.sampled_from(["", " ha", " m"]))
def test_formatted_measure_parses_back(
    integer: int, fraction: str, convention: str, unit: str
) -> None:
    text = _format(integer, fraction, convention) + unit
    expected = float(f"{integer}.{fraction or '0'}")
    assert parse_number(text, is_count=False, convention=convention) == (expected, None)


@given(_INTEGERS, _CONVENTIONS, st.sampled_from([None, "id", "en"]))
def test_formatted_count_parses_back_under_any_convention(
    integer: int, convention: str, file_convention: str | None
) -> None:
    text = _format(integer, "", convention)
    assert parse_number(text, is_count=True, convention=file_convention) == (float(integer), None)


@given(_INTEGERS, st.text(alphabet="0123456789", min_size=1, max_size=4), _CONVENTIONS)
def test_decimal_text_settles_convention(integer: int, fraction: str, convention: str) -> None:
    text = _format(integer, fraction, convention)
    settles = len(fraction) != 3 or integer >= 1000 or integer == 0
    assert detect_convention([text]) == (convention if settles else None)


@pytest.mark.parametrize(
    ("text", "value", "kept"),
    [("1.214", 1.214, True),  # English-style file, ha/m: read as a decimal
     ("1.214", 1214.0, False),  # read as the clerk wrote it (1.214 = 1214)
     ("1,309", 1309.0, True),  # English thousands: shown 1.309, typed 1,309
     ("1,309", 1.309, False),
     ("0.85", 0.85, False), ("12", 12.0, False), ("1.234,5", 1234.5, False)],
)
def test_read_otherwise_keeps_only_texts_that_would_not_look_as_typed(
        text: str, value: float, kept: bool) -> None:
    from transforms.read.numbers import read_otherwise

    assert read_otherwise(text, value) is kept
