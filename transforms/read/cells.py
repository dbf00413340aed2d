"""Cell addresses and cell values of a sheet grid: Excel references and cell text."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from transforms.spec import criteria

Grid = list[list[Any]]
MergeMap = dict[tuple[int, int], tuple[int, int, int, int]] | None


def column_letter(index0: int) -> str:
    """Excel column letters of a 0-based column index (0 → ``A``, 26 → ``AA``)."""
    letters = ""
    n = index0 + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    """0-based column index of Excel column letters (``AA`` → 26)."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def cell_ref(row0: int, col0: int) -> str:
    """Excel reference of a 0-based cell (0, 0 → ``A1``)."""
    return f"{column_letter(col0)}{row0 + 1}"


def sheet_and_row(ref: str) -> tuple[str, int | None]:
    """Sheet and Excel row of a reference ``Sheet!C25`` (``('Sheet', 25)``; row None when
    the reference names no row)."""
    sheet, _, cell = ref.rpartition("!")
    digits = cell.lstrip("$ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    return sheet, int(digits) if digits.isdigit() else None


def blank(value: object) -> bool:
    """True for an empty cell (None, empty or whitespace-only text)."""
    return value is None or (isinstance(value, str) and not value.strip())


def raw_text(value: object) -> str:
    """A cell value as text for findings (whole floats without ``.0``, dates ISO)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def text_or_none(value: object) -> str | None:
    """A text field (names, kawasan): stripped text, or None when empty."""
    return None if blank(value) else raw_text(value)


#: :func:`transforms.criteria.criteria.norm_label`, memoised (labels repeat across workbooks).
norm_label = lru_cache(maxsize=32768)(criteria.norm_label)
