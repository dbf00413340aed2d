"""Identity of a workbook (kelurahan, kode, tahun, tanggal …) from its label/value cells."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Any

from transforms.read.cells import Grid, blank, cell_ref, norm_label, raw_text, text_or_none
from transforms.read.header import Header, is_identity_sheet
from transforms.read.labels import MAX_LABEL_CHARS
from transforms.read.sheets import Book
from transforms.spec import criteria

IDENTITY_SCAN_ROWS = 30

MONTHS = {
    "jan": 1, "januari": 1, "january": 1,
    "feb": 2, "februari": 2, "pebruari": 2, "february": 2,
    "mar": 3, "maret": 3, "march": 3,
    "apr": 4, "april": 4,
    "mei": 5, "may": 5,
    "jun": 6, "juni": 6, "june": 6,
    "jul": 7, "juli": 7, "july": 7,
    "agu": 8, "agt": 8, "agustus": 8, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9,
    "okt": 10, "oktober": 10, "oct": 10, "october": 10,
    "nov": 11, "nop": 11, "nopember": 11, "november": 11,
    "des": 12, "desember": 12, "dec": 12, "december": 12,
}  # fmt: skip

_ENUMERATION = re.compile(r"^\s*(?:\d{1,2}|[a-zA-Z])[.)]\s+")
_KODE = re.compile(r"^(\d{2})([.\s]?)(\d{2})\2(\d{2})\2(\d{4})$")
_DATE_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_DATE_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DATE_TEXT = re.compile(r"^(\d{1,2})\s+([A-Za-z]+)\.?\s+(\d{4})$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def _identity_label(text: str) -> tuple[str | None, str | None]:
    """(identity field, value written in the same cell after ':') of a label cell."""
    if len(text) > MAX_LABEL_CHARS:
        return None, None
    return _identity_label_cached(text)


@lru_cache(maxsize=8192)
def _identity_label_cached(text: str) -> tuple[str | None, str | None]:
    text = _ENUMERATION.sub("", text)
    index = criteria.identity_label_index()
    head, colon, tail = text.partition(":")
    if colon and tail.strip() and index.get(norm_label(head)):
        return index[norm_label(head)], tail.strip()
    return index.get(norm_label(text)), None


def _value_right_of(row: list[Any], c: int) -> tuple[object, int] | None:
    """The next non-empty cell right of column c, skipping a lone ':' cell."""
    for cc in range(c + 1, len(row)):
        value = row[cc]
        if blank(value) or (isinstance(value, str) and value.strip() == ":"):
            continue
        return value, cc
    return None


def _scan_identity(
    grid: Grid, sheet: str, max_rows: int, found: dict[str, tuple[object, str, str]]
) -> None:
    """Add label/value pairs of the first ``max_rows`` rows to ``found`` (first one wins)."""
    for r in range(min(max_rows, len(grid))):
        row = grid[r]
        for c, value in enumerate(row):
            if not isinstance(value, str) or not value:
                continue
            name, inline = _identity_label(value)
            if name is None or name in found:
                continue
            if inline is not None:
                found[name] = (inline, sheet, cell_ref(r, c))
                continue
            hit = _value_right_of(row, c)
            if hit is None:
                continue
            cell_value, cc = hit
            if isinstance(cell_value, str) and _identity_label(cell_value)[0] is not None:
                continue  # the next cell is another label: this value is absent
            found[name] = (cell_value, sheet, cell_ref(r, cc))


def normalise_kode(value: object) -> str | None:
    """Dotted Kemendagri code (``33.75.01.1001``) of a 10-digit code in any accepted form,
    else the raw text as given (validation flags its format)."""
    if blank(value):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not float(value).is_integer():
            return raw_text(value)
        text = str(int(value))
    else:
        text = raw_text(value)
    m = _KODE.match(text)
    if not m:
        return text
    return f"{m.group(1)}.{m.group(3)}.{m.group(4)}.{m.group(5)}"


def parse_tahun(value: object) -> int | None:
    """Survey year as int from a number or 4-digit text, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value) if float(value).is_integer() else None
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"\d{4}", text):
            return int(text)
    return None


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    """A date, or None when the parts do not form one."""
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_tanggal(value: object) -> dt.date | None:
    """Survey date from a date cell, an Excel serial, or text (``12-03-2024``, ``12/03/2024``,
    ``2024-03-12``, ``12 Maret 2024``), else None."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 20000 <= value <= 80000:  # an unformatted Excel date serial (1954 … 2119)
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        return None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if m := _DATE_DMY.match(text):
        return _safe_date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    if m := _DATE_YMD.match(text):
        return _safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if (m := _DATE_TEXT.match(text)) and m.group(2).lower() in MONTHS:
        return _safe_date(int(m.group(3)), MONTHS[m.group(2).lower()], int(m.group(1)))
    return None


def _identity_value(name: str, value: object) -> object:
    """Typed identity value of a field."""
    if name == "kode_kelurahan":
        return normalise_kode(value)
    if name == "tahun":
        return parse_tahun(value)
    if name == "tanggal_pendataan":
        return parse_tanggal(value)
    return text_or_none(value)


def read_identity(
    book: Book, rt_sheet: str | None, header: Header | None
) -> tuple[dict[str, object], dict[str, str], dict[str, tuple[str, str]]]:
    """Identity from identity-named sheets, then from the rows above the RT table."""
    found: dict[str, tuple[object, str, str]] = {}
    for name in book.names:
        if is_identity_sheet(name):
            _scan_identity(book.grid(name), name, IDENTITY_SCAN_ROWS, found)
    if rt_sheet is not None:
        limit = IDENTITY_SCAN_ROWS if header is None else min(IDENTITY_SCAN_ROWS, header.top)
        _scan_identity(book.grid(rt_sheet), rt_sheet, limit, found)
    identity: dict[str, object] = {}
    raw: dict[str, str] = {}
    cells: dict[str, tuple[str, str]] = {}
    for f in criteria.identity_fields():
        hit = found.get(f.field)
        identity[f.field] = None if hit is None else _identity_value(f.field, hit[0])
        if hit is not None:
            raw[f.field] = raw_text(hit[0])
            cells[f.field] = (hit[1], hit[2])
    return identity, raw, cells

