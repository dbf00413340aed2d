"""Where things are on an official KOTAKU *Form Data RT* (spec §2b), found by their labels,
never by fixed addresses: the form's three readable sheets (``Kekumuhan Awal_RT``, ``Cover``,
``C. Rekap data RT``; household sheets are never loaded), its label/value pairs (the value is
the next cell right of the label holding something other than ``:``, or written ``: X`` in the
label cell), and its criteria table (the ``VOLUME`` header under ``KONDISI AWAL``, its ``PROSEN``
and ``NILAI`` columns, a row per criterion and the stored total and tingkat labels below).
:mod:`transforms.read.rt_form` reads the values at those places.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from transforms.read.cells import Grid, MergeMap, blank, cell_ref
from transforms.read.labels import MAX_LABEL_CHARS, STORED_TINGKAT_LABELS, STORED_TOTAL_LABELS
from transforms.read.numbers import EXCEL_ERRORS
from transforms.read.sheets import Book
from transforms.spec import criteria

#: Normalised sheet-name fragments of the form's three readable sheets.
FORM_SHEET = "kekumuhanawal"
REKAP_SHEET = "rekapdatart"
COVER_SHEET = "cover"
#: Household sheets (residents' names and NIK): never loaded, whatever else their name says.
PERSONAL_SHEET = re.compile(r"^\s*(?:form\s*fgd|a\s*[.]?\s*(?:dp(?![a-z])|[1-6](?![0-9])))",
                            re.IGNORECASE)
#: Largest grid scanned for label/value pairs (a form's sheets are far smaller).
SCAN_ROWS = 400
SCAN_COLS = 40

#: Labels of the form beyond the spec tables (normalised label → field). ``jumlah_krt`` is
#: information only; the Rekap sheet names the ideal road length its own way.
FORM_LABELS: dict[str, str] = {
    "jumlahkrt": "jumlah_krt",
    "jumlahkepalarumahtangga": "jumlah_krt",
    "panjangtotaljaringanjalanlingkunganyangideal": "panjang_jalan_ideal_m",
    "panjangjaringanjalanlingkunganyangideal": "panjang_jalan_ideal_m",
    "panjangdrainaseyangideal": "panjang_drainase_ideal_m",
}
#: Unit words written right of a denominator's value (the value is missing when one comes
#: first), normalised.
UNIT_WORDS = frozenset({"ha", "hektar", "krt", "unit", "jiwa", "kk", "m", "meter"})
#: Normalised headers of the criteria table.
_VOLUME = "volume"
_BASELINE = "kondisiawal"
_PERSEN_HEAD = ("prosen", "persen")
_NILAI_HEAD = "nilai"
_ENUMERATION = re.compile(r"^\s*(?:[0-9]{1,2}|[A-Za-z])\s*[.)]?\s+(?=\S)")
_ASPECT = re.compile(r"^\s*([1-9])\s*[.)]\s*(.*)$", re.DOTALL)
_CRITERION = re.compile(r"^\s*([a-dA-D])\s*[.)]\s*\S")
_ENDS_ASPECT = ("ratarata", "jumlah", "total", "batasambang")


# --------------------------------------------------------------------------- sheets


def _norm(text: object) -> str:
    return criteria.norm_label(text)


def _sheet(names: Iterable[str], fragment: str) -> str | None:
    """The first sheet whose normalised name holds ``fragment`` (never a household sheet)."""
    return next((n for n in names if fragment in _norm(n) and not PERSONAL_SHEET.match(n)), None)


def form_sheet(names: Iterable[str]) -> str | None:
    """The ``Kekumuhan Awal_RT`` sheet of a workbook's sheet names, or None when the workbook
    is not a Form Data RT."""
    return _sheet(names, FORM_SHEET)


def form_sheets(names: Iterable[str]) -> dict[str, str | None]:
    """The only sheets of a form that are ever read: ``form`` (Kekumuhan Awal_RT), ``cover``
    and ``rekap`` (C. Rekap data RT), each None when absent."""
    names = list(names)
    return {"form": form_sheet(names), "cover": _sheet(names, COVER_SHEET),
            "rekap": _sheet(names, REKAP_SHEET)}


class FormSheets:
    """The three readable sheets of a form, loaded on first use, with their error cells."""

    def __init__(self, book: Book) -> None:
        self.book = book
        chosen = form_sheets(book.names)
        self.form, self.cover, self.rekap = chosen["form"], chosen["cover"], chosen["rekap"]
        self.loaded: list[str] = []
        self._errors: dict[str, dict[tuple[int, int], str]] = {}

    def grid(self, name: str) -> Grid:
        if name not in self.loaded:
            self.loaded.append(name)
        return self.book.grid(name)

    def merges(self, name: str) -> MergeMap:
        return self.book.merges(name)

    def value(self, name: str, r: int, c: int) -> object:
        """A cell's value, with an Excel error value calamine drops put back."""
        row = self.grid(name)[r]
        value = row[c] if c < len(row) else ""
        if value == "" or isinstance(value, float):
            if name not in self._errors:
                self._errors[name] = self.book.error_cells(name)
            return self._errors[name].get((r, c)) or value
        return value


# --------------------------------------------------------------------------- label/value pairs


@dataclass(frozen=True)
class Pair:
    """A label found on a sheet and its value: the value's cell, or where it belongs."""

    sheet: str
    value: object  # None when missing
    row: int  # 0-based
    col: int

    @property
    def ref(self) -> str:
        return f"{self.sheet}!{cell_ref(self.row, self.col)}"


@cache
def _label_index() -> dict[str, str]:
    """Every label a form pair may carry, normalised → field (identity and RT columns)."""
    return {**criteria.column_label_index(), **criteria.identity_label_index(), **FORM_LABELS}


def _label_field(text: str) -> str | None:
    """The field a label cell names (``A  Provinsi``, ``Kabupaten :`` too), or None."""
    if len(text) > MAX_LABEL_CHARS:
        return None
    index = _label_index()
    return index.get(_norm(text)) or index.get(_norm(_ENUMERATION.sub("", text)))


def clean_value(value: object) -> object:
    """A value written ``: JAWA TENGAH`` without its colon; other values as they are."""
    return value.strip().lstrip(":").strip() if isinstance(value, str) else value


def _after(r: int, c: int, merges: MergeMap) -> int:
    """The first column right of a label cell (past the label's merged range)."""
    merge = merges.get((r, c)) if merges else None
    return (merge[3] if merge else c) + 1


def value_after(row: list[Any], r: int, c: int, merges: MergeMap) -> tuple[object, int]:
    """(value, column) of the pair whose label is at (r, c): the next cell holding something
    other than ``:``; (None, where it belongs) when that is a unit word or another label."""
    where = _after(r, c, merges)
    for cc in range(where, min(len(row), SCAN_COLS)):
        value = row[cc]
        if blank(value):
            continue
        if isinstance(value, str) and clean_value(value) == "":
            where = cc + 1  # a lone ':' cell: the value belongs after it
            continue
        if isinstance(value, str):
            if _norm(value) in UNIT_WORDS:
                return None, max(where, cc - 1)
            if _label_field(value) is not None:
                return None, where
        return value, cc
    return None, where


def find_pairs(sheets: FormSheets, name: str, fields: Iterable[str], rows: int,
           found: dict[str, Pair]) -> None:
    """Add the pairs of ``fields`` in the first ``rows`` rows of a sheet to ``found`` (a field
    already found keeps its first pair)."""
    wanted = set(fields)
    grid, merges = sheets.grid(name), sheets.merges(name)
    for r in range(min(rows, len(grid), SCAN_ROWS)):
        row = grid[r]
        for c in range(min(len(row), SCAN_COLS)):
            text = row[c]
            if not isinstance(text, str) or not text.strip():
                continue
            head, colon, tail = text.partition(":")
            name_of = _label_field(head) if colon and tail.strip() else None
            if name_of in wanted and name_of not in found:
                found[name_of] = Pair(name, tail.strip(), r, c)
                continue
            name_of = _label_field(text)
            if name_of in wanted and name_of not in found:
                value, cc = value_after(row, r, c, merges)
                cell = sheets.value(name, r, cc)  # an error value calamine reads as empty
                if value is not None or (isinstance(cell, str) and cell in EXCEL_ERRORS):
                    value = cell
                found[name_of] = Pair(name, value, r, cc)


# --------------------------------------------------------------------------- the criteria table


@dataclass
class CriteriaTable:
    """Where the form's criteria table is (0-based)."""

    top: int  # first row of the table's header (ASPEK / KONDISI AWAL)
    header: int  # the VOLUME header row
    volume: int
    persen: int | None
    nilai: int | None
    rows: dict[str, int] = field(default_factory=dict)  # kode -> row
    total: tuple[int, int] | None = None  # label cell of TOTAL NILAI
    tingkat: tuple[int, int] | None = None


def _text_cells(grid: Grid, rows: range) -> Iterable[tuple[int, int, str]]:
    """(row, col, normalised text) of every short text cell in ``rows``."""
    for r in rows:
        for c, value in enumerate(grid[r][:SCAN_COLS]):
            if isinstance(value, str) and value.strip() and len(value) <= MAX_LABEL_CHARS:
                yield r, c, _norm(value)


def _span(grid: Grid, merges: MergeMap, r: int, c: int) -> tuple[int, int]:
    """Columns a header cell covers: its merged range, else up to the next filled cell."""
    merge = merges.get((r, c)) if merges else None
    if merge:
        return merge[1], merge[3]
    row = grid[r]
    end = next((cc for cc in range(c + 1, len(row)) if not blank(row[cc])), len(row))
    return c, end - 1


def find_table(grid: Grid, merges: MergeMap) -> CriteriaTable | None:
    """The VOLUME header of the baseline block (the first VOLUME when no block is labelled)
    and its PROSEN and NILAI columns."""
    rows = range(min(len(grid), SCAN_ROWS))
    texts = list(_text_cells(grid, rows))
    baselines = [(r, c) for r, c, t in texts if t.startswith(_BASELINE)]
    volumes = [(r, c) for r, c, t in texts if t == _VOLUME]
    chosen: tuple[int, int, int, int] | None = None  # row, col, span start, span end
    for br, bc in baselines:
        lo, hi = _span(grid, merges, br, bc)
        under = [(r, c) for r, c in volumes if r > br and lo <= c <= hi]
        if under:
            chosen = (*under[0], lo, hi)
            break
    if chosen is None and volumes:
        chosen = (*volumes[0], volumes[0][1], SCAN_COLS)
    if chosen is None:
        return None
    hr, vc, lo, hi = chosen
    heads = [(c, t) for r, c, t in texts if r == hr and vc < c <= hi]
    persen = next((c for c, t in heads if t.startswith(_PERSEN_HEAD)), None)
    nilai = next((c for c, t in heads if t == _NILAI_HEAD), None)
    top = min([hr, *(r for r, c in baselines if r < hr and c <= vc)])
    table = CriteriaTable(top=top, header=hr, volume=vc, persen=persen, nilai=nilai)
    _find_rows(grid, table)
    return table


@cache
def _aspects() -> dict[str, str]:
    """Normalised aspect name → its number (``kondisibangunangedung`` → ``1``)."""
    return {_norm(c.aspek): c.kode[0] for c in criteria.criteria()}


def _aspect(text: str) -> str | None:
    """The aspect number a label names (``1. KONDISI BANGUNAN GEDUNG``, ``Kondisi Drainase
    Lingkungan``), else None."""
    m = _ASPECT.match(text)
    body = m.group(2) if m else text
    number = _aspects().get(_norm(body))
    if number is None and m and _norm(body).startswith("kondisi"):
        number = m.group(1)
    return number


def _find_rows(grid: Grid, table: CriteriaTable) -> None:
    """The row of each criterion (aspect label carried down its merged rows) and the labels
    of the stored total and tingkat below the table."""
    codes = {c.kode for c in criteria.criteria()}
    aspect: str | None = None
    for r in range(table.header + 1, min(len(grid), SCAN_ROWS)):
        row = grid[r]
        for c in range(min(len(row), SCAN_COLS)):
            value = row[c]
            if not isinstance(value, str) or not value.strip() or len(value) > MAX_LABEL_CHARS:
                continue
            norm = _norm(value)
            if norm in STORED_TOTAL_LABELS and table.total is None:
                table.total = (r, c)
            elif norm in STORED_TINGKAT_LABELS and table.tingkat is None:
                table.tingkat = (r, c)
            if c >= table.volume:
                continue
            if norm.startswith(_ENDS_ASPECT):
                aspect = None
            elif (number := _aspect(value)) is not None:
                aspect = number
            elif aspect and (m := _CRITERION.match(value)):
                kode = f"{aspect}{m.group(1).lower()}"
                if kode in codes and kode not in table.rows:
                    table.rows[kode] = r
