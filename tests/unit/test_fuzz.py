"""Property tests of the parsers: arbitrary input never raises; signs, padding, units and
dashes parse back (extends ``test_numbers.py`` / ``test_rtrw.py``); random bytes never crash the
reader."""

from __future__ import annotations

import math
import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.read.numbers import DASHES, detect_convention, parse_number
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
