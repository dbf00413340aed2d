"""RT/RW code parsing (spec §2)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from transforms.read.rtrw import normalise_code, parse_rt_rw


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("RT001-RW002", ("001", "002")),
        ("RT 03 RW 01", ("003", "001")),
        ("001/002", ("001", "002")),
        ("001_002", ("001", "002")),
        ("RT06A-RW002", ("006A", "002")),
        ("RT.01/RW.02", ("001", "002")),
        ("1/2", ("001", "002")),
        ("rt 6a / rw 2", ("006A", "002")),
        ("RT03RW01", ("003", "001")),
        ("RW 02 RT 01", ("001", "002")),
        (" 001 - 002 ", ("001", "002")),
        ("", (None, None)),
        ("RT", (None, None)),
        ("1/2/3", (None, None)),
        ("Jumlah", (None, None)),
        ("RT 1000 RW 1", (None, None)),
        (1.0, (None, None)),
        (None, (None, None)),
    ],
)
def test_parse_rt_rw(value: object, expected: tuple[str | None, str | None]) -> None:
    assert parse_rt_rw(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (3.0, "003"),
        (3, "003"),
        (12.0, "012"),
        ("01", "001"),
        ("1", "001"),
        ("001", "001"),
        ("6a", "006A"),
        ("06 A", "006A"),
        ("RT 05", "005"),
        ("RW.002", "002"),
        ("RT:7", "007"),
        ("No. 5", "005"),
        ("3.0", "003"),
        (3.5, None),
        (-1.0, None),
        (1000.0, None),
        ("", None),
        ("  ", None),
        ("RT", None),
        ("Nama", None),
        ("6ab", None),
        (True, None),
        (None, None),
    ],
)
def test_normalise_code(value: object, expected: str | None) -> None:
    assert normalise_code(value) == expected


_NUMBERS = st.integers(min_value=1, max_value=999)
_SUFFIX = st.sampled_from(["", "a", "A", "b", "C"])
_PAIR_FORMS = (
    "RT{rt:03d}{s}-RW{rw:03d}",
    "RT {rt:02d}{s} RW {rw:02d}",
    "{rt:03d}{s}/{rw:03d}",
    "{rt:03d}{s}_{rw:03d}",
    "RT{rt:02d}{s}-RW{rw:03d}",
    "RT.{rt:02d}{s}/RW.{rw:02d}",
    "{rt}{s}/{rw}",
)


@given(_NUMBERS, _SUFFIX, _NUMBERS, st.sampled_from(_PAIR_FORMS))
def test_rt_rw_forms_parse_back(rt: int, suffix: str, rw: int, form: str) -> None:
    text = form.format(rt=rt, s=suffix, rw=rw)
    assert parse_rt_rw(text) == (f"{rt:03d}{suffix.upper()}", f"{rw:03d}")


@given(
    _NUMBERS,
    _SUFFIX,
    st.sampled_from(["{n}{s}", "{n:03d}{s}", "RT {n:02d}{s}", "RW.{n}{s}", " {n} {s} "]),
)
def test_single_code_forms_parse_back(number: int, suffix: str, form: str) -> None:
    text = form.format(n=number, s=suffix)
    assert normalise_code(text) == f"{number:03d}{suffix.upper()}"


@given(_NUMBERS)
def test_numeric_cell_code(number: int) -> None:
    assert normalise_code(float(number)) == f"{number:03d}"
