"""Property tests of the parsers: arbitrary input never raises; signs, padding, units and
dashes parse back (extends ``test_numbers.py`` / ``test_rtrw.py``); random bytes never crash the
reader."""

from __future__ import annotations

import math
import re
import time

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from transforms.read.numbers import (
    DASHES,
    EnNumber,
    IdNumber,
    Reading,
    detect_convention,
    parse_number,
    read_otherwise,
    reading,
)
from transforms.read.rtrw import normalise_code, parse_rt_rw
from transforms.read.workbook import read_workbook
from transforms.sample import workbooks

CODE = re.compile(r"^\d{3}[A-Z]?$")
ANY_CELL = st.one_of(
    st.none(), st.booleans(), st.text(), st.floats(), st.integers(),
    st.dates(), st.datetimes(), st.times(),
)


# --------------------------------------------------------------------------- parsers


@given(ANY_CELL, st.booleans(), st.sampled_from([None, "id", "en"]))
def test_parse_number_never_raises(value: object, is_count: bool, convention: str | None) -> None:
    parsed = parse_number(value, is_count=is_count, convention=convention)
    assert (parsed.value is None) != (parsed.problem is None)
    assert parsed.problem in (None, "kosong", "bukan_angka", "ambigu", "sel_error")
    assert parsed.value is None or math.isfinite(parsed.value)


NUMBER_TEXT = st.one_of(
    st.text(max_size=20),
    st.from_regex(r"[ \u00a0]?[+-]?[0-9.,]{1,12}( ?(m|Ha|unit|KK|jiwa|xyz)\.?)?[ ]?",
                  fullmatch=True),
    st.text(alphabet="0123456789.,-", min_size=95, max_size=105),
)
#: Contexts of :class:`transforms.read.numbers.Reading`: field → (is_count, convention).
CONTEXTS = {"count": (True, None), "id": (False, "id"), "en": (False, "en"),
            "none": (False, None)}


def _expected_read(text: str, is_count: bool, convention: str | None) -> object:
    """What the table reader records for ``text`` the cell-by-cell way: the value alone, or
    (value or NaN, problem, whether the text must be kept as typed)."""
    parsed = parse_number(text, is_count=is_count, convention=convention)
    value = math.nan if parsed.value is None else parsed.value
    typed = parsed.value is not None and read_otherwise(text, parsed.value)
    return value if parsed.problem is None and not typed else (value, parsed.problem, typed)


def _same(a: object, b: object) -> bool:
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return a == b


@settings(max_examples=500)
@given(NUMBER_TEXT)
@example("1.309")
@example("1,309")
@example("-1,309 m")
@example("1.234,5")
@example("1,234.5")
@example("1.234.567")
@example("0,85")
@example("12")
@example(" 12  unit ")
@example("-")
@example("#DIV/0!")
@example("")
@example("9" * 101)
def test_reading_a_text_once_equals_parsing_it_in_every_context(text: str) -> None:
    read = reading(text)
    if type(read) is Reading:  # it reads differently by context (or is no number): no vote
        vote = read.vote
        assert vote is None
    else:  # one number in every context, voting by its class
        vote = {IdNumber: "id", EnNumber: "en", float: None}[type(read)]
        read = Reading(vote, *[float(read)] * 4)
    for field, (is_count, convention) in CONTEXTS.items():
        assert _same(getattr(read, field), _expected_read(text, is_count, convention)), field
    assert vote == detect_convention([text])


@given(st.lists(st.text(max_size=20), max_size=30), st.randoms(use_true_random=False))
def test_detect_convention_never_raises_and_ignores_order(texts: list[str], rng) -> None:
    result = detect_convention(texts)
    assert result in (None, "id", "en")
    shuffled = list(texts)
    rng.shuffle(shuffled)
    assert detect_convention(shuffled) == result


_PADDING = st.sampled_from(["", " ", "  ", "\u00a0", "\t"])


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=99),
       st.sampled_from(["id", "en"]), _PADDING, _PADDING, st.sampled_from(["", "-"]),
       st.sampled_from(["", " ha", " m", " Ha", "ha"]))
def test_signed_padded_measure_parses_back(integer: int, cents: int, convention: str,
                                           left: str, right: str, sign: str, unit: str) -> None:
    value = integer + cents / 100
    text = left + sign + workbooks.format_number(value, convention) + unit + right
    parsed = parse_number(text, is_count=False, convention=convention)
    assert parsed.problem is None
    assert parsed.value == pytest.approx(-value if sign else value)


@given(st.integers(min_value=0, max_value=10**12), st.sampled_from(["id", "en"]),
       st.sampled_from(["", " unit", " KK", " jiwa", " unit.", " bh"]), _PADDING)
def test_count_with_unit_parses_back(integer: int, convention: str, unit: str,
                                     pad: str) -> None:
    text = pad + workbooks.format_number(integer, convention) + unit + pad
    assert parse_number(text, is_count=True, convention=None) == (float(integer), None)


@given(st.sampled_from(sorted(DASHES)), _PADDING, st.booleans())
def test_dash_is_zero(dash: str, pad: str, is_count: bool) -> None:
    assert parse_number(pad + dash + pad, is_count=is_count, convention=None) == (0.0, None)


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15))
def test_english_repr_of_a_float_parses_back(value: float) -> None:
    text = repr(value)
    if "e" in text:
        return  # exponent notation is not a clerk's number
    parsed = parse_number(text, is_count=False, convention="en")
    assert parsed == (value, None)


@pytest.mark.parametrize("text", ["1" * 20_000 + "?", "1." * 10_000 + "x", " " * 30_000,
                                  "RT " + "1 " * 10_000, "1/" * 10_000])
def test_long_text_is_rejected_in_linear_time(text: str) -> None:
    start = time.perf_counter()
    parsed = parse_number(text, is_count=False, convention=None)
    assert parsed.value is None and parsed.problem in ("bukan_angka", "kosong")
    assert detect_convention([text] * 100) is None
    assert parse_rt_rw(text) == (None, None) and normalise_code(text) is None
    assert time.perf_counter() - start < 1.0  # was ~3 s per cell (regex backtracking)


@given(ANY_CELL)
def test_rt_rw_parsers_never_raise(value: object) -> None:
    pair = parse_rt_rw(value)
    assert len(pair) == 2
    assert (pair[0] is None) == (pair[1] is None)
    assert all(code is None or CODE.match(code) for code in pair)
    code = normalise_code(value)
    assert code is None or CODE.match(code)


@given(st.text(alphabet="RTWrtw0123456789 -/_.:ABab", max_size=16))
def test_rt_rw_on_code_like_text(text: str) -> None:
    rt, rw = parse_rt_rw(text)
    assert (rt is None) == (rw is None)
    code = normalise_code(text)
    if code is not None:
        assert normalise_code(code) == code  # canonical codes are fixed points
    for part in (rt, rw):
        if part is not None:
            assert CODE.match(part) and normalise_code(part) == part


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=3000))
def test_reader_never_raises_on_random_bytes(tmp_path_factory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("bytes") / "x.xlsx"
    path.write_bytes(data)
    result = read_workbook(path, "x.xlsx")
    assert not result.terbaca and result.read_error
    assert result.read_error_code in ("berkas_kosong", "bukan_workbook", "berkas_rusak")
