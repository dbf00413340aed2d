"""Read one official KOTAKU *Form Data RT* workbook (one RT) into the reader's result (spec §2b).

A city office receives the per-RT survey form, not the kelurahan workbook of spec §2. The form
is recognised by a sheet named like ``Kekumuhan Awal_RT``; everything is found by its labels,
never by fixed addresses (copies shift rows and columns). A merged cell holds its value in its
top-left cell; a formula cell counts by its cached value.

Where each value comes from:

- **Volumes** (``vol_1a`` … ``vol_7b``): on ``Kekumuhan Awal_RT``, the rows labelled by an aspect
  (``1. Kondisi Bangunan Gedung`` … ``7. Kondisi Proteksi Kebakaran``, usually merged down over
  its criteria) and a criterion (``a. Ketidakteraturan Bangunan``), in the column headed
  ``VOLUME`` under ``KONDISI AWAL (BASELINE)``. ``PROSEN (%)`` and ``NILAI`` in that header row,
  ``TOTAL NILAI`` and ``TINGKAT KEKUMUHAN`` below the table are stored results, read only for
  reconciliation. Columns further right (manual scores, notes) are never read.
- **Denominators**: label/value pairs above that table (``Luas Verifikasi``, ``Jumlah
  Bangunan``, ``Jumlah Penduduk``, ``Jumlah KK``; ``Jumlah KRT`` is kept as information), and on
  ``C. Rekap data RT (logbook SIM)`` the rows ``Panjang total Jaringan Jalan Lingkungan yang
  Ideal`` and ``Panjang drainase Ideal``. The value is the next cell to the right holding
  something other than ``:``; a unit cell there (``Ha``, ``KRT``…) means the value is missing.
- **Identity**: the ``Cover`` pairs (``Provinsi``, ``Kabupaten``, ``Kecamatan``,
  ``Kelurahan/Desa``, ``RT_RW``, ``Tanggal Pendataan``, optional ``Kode Wilayah``, ``Tahun``,
  ``Kawasan``), value after a ``:`` cell or written ``: JAWA TENGAH``; the same labels on the two
  sheets above are a fallback. ``tahun`` is ``Tahun``, else the year of ``Tanggal Pendataan``
  (:func:`parse_survey_date`). The form has no code: ``kode_kelurahan`` stays None unless
  ``Kode Wilayah`` is written; the batch finds it from the names
  (:func:`transforms.read.batch.codes_from_names`).

Only those three sheets are ever loaded: the household sheets (``Form FGD RT…``, ``A. DP-RT``,
``A.1…A.6``) hold residents' names and NIK and are never read, so nothing of theirs can reach a
table, finding or log (:attr:`FormRead.sheets_read` lists what was loaded).

**How it maps onto** :class:`transforms.read.workbook.WorkbookRead` (so batch, GX suites,
reconcile and the submission decision take a form like a kelurahan workbook;
:func:`transforms.read.workbook.read_workbook` returns one for a file with a form sheet): a
:class:`FormRead` is a ``WorkbookRead`` with ONE RT row — ``rt``/``rw`` from ``RT_RW``,
``kawasan``, the six denominators and sixteen volumes as float64, and the stored results as
``stored_persen_<kode>`` (the form's fraction × 100, i.e. percent), ``stored_nilai_<kode>``,
``stored_total_nilai`` and ``stored_tingkat_kekumuhan`` (as written: ``KUMUH RINGAN``, ``KR``…).
``rt_sheet`` (hence ``sumber_sheet``) is the ``Kekumuhan Awal_RT`` sheet, ``header_row`` and
``sumber_baris`` the row of its ``VOLUME`` header. Because a form's values sit on different rows
and sheets, a column letter plus ``sumber_baris`` does not locate them: :attr:`FormRead.cells`
maps every column and identity field read to its cell (``Kekumuhan Awal_RT!C25``), and each
:class:`CellProblem` carries its own sheet, row and cell. ``columns`` holds the column letters
of the table (volume, PROSEN, NILAI) for information only. ``missing_columns`` lists the
required columns whose label was not found, and :attr:`FormRead.missing_labels` says which label
on which sheet a clerk must add.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np

from transforms.read.cells import Grid, MergeMap, blank, cell_ref, column_letter, raw_text
from transforms.read.identity import MONTHS, normalise_kode, parse_tahun, parse_tanggal
from transforms.read.labels import MAX_LABEL_CHARS, STORED_TINGKAT_LABELS, STORED_TOTAL_LABELS
from transforms.read.numbers import (
    EXCEL_ERRORS,
    Convention,
    detect_convention,
    parse_number,
    read_otherwise,
)
from transforms.read.rt_table import CellProblem, RowColumns
from transforms.read.rtrw import normalise_code, parse_rt_rw
from transforms.read.sheets import Book
from transforms.read.workbook import WorkbookRead
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
#: Where each non-identity field is read: Cover (RT), the form sheet's top pairs, the Rekap.
COVER_FIELDS = ("rt", "rw", "rt_rw", "kawasan")
TOP_FIELDS = ("luas_ha", "jumlah_bangunan", "jumlah_penduduk", "jumlah_kk", "jumlah_krt")
REKAP_FIELDS = ("panjang_jalan_ideal_m", "panjang_drainase_ideal_m")
#: Unit words written right of a denominator's value (the value is missing when one comes
#: first), normalised.
UNIT_WORDS = frozenset({"ha", "hektar", "krt", "unit", "jiwa", "kk", "m", "meter"})
#: Labels naming where a missing value must be written, for the clerk.
_LABEL_OF = {"luas_ha": "Luas Verifikasi", "jumlah_bangunan": "Jumlah Bangunan",
             "jumlah_penduduk": "Jumlah Penduduk", "jumlah_kk": "Jumlah KK",
             "panjang_jalan_ideal_m": "Panjang total Jaringan Jalan Lingkungan yang Ideal",
             "panjang_drainase_ideal_m": "Panjang drainase Ideal", "rt": "RT_RW",
             "rw": "RT_RW"}
#: Normalised headers of the criteria table.
_VOLUME = "volume"
_BASELINE = "kondisiawal"
_PERSEN_HEAD = ("prosen", "persen")
_NILAI_HEAD = "nilai"
_ENUMERATION = re.compile(r"^\s*(?:[0-9]{1,2}|[A-Za-z])\s*[.)]?\s+(?=\S)")
_ASPECT = re.compile(r"^\s*([1-9])\s*[.)]\s*(.*)$", re.DOTALL)
_CRITERION = re.compile(r"^\s*([a-dA-D])\s*[.)]\s*\S")
_ENDS_ASPECT = ("ratarata", "jumlah", "total", "batasambang")
_DAY_NAME = re.compile(r"^\s*(?:senin|selasa|rabu|kamis|jum'?at|sabtu|minggu|ahad)\s*,?\s*",
                       re.IGNORECASE)
_MONTH_YEAR = re.compile(r"^([A-Za-z]+)\s+(\d{4})$")


@dataclass
class FormRead(WorkbookRead):
    """A :class:`WorkbookRead` of one Form Data RT plus where each value came from."""

    #: Column or identity field → its cell, ``Sheet!C25`` (every value read, stored ones too).
    cells: dict[str, str] = field(default_factory=dict)
    #: ``Jumlah KRT`` (households) as read: information only (the form's own divisor).
    jumlah_krt: float | None = None
    #: Required column → (sheet, label) a clerk must add for it.
    missing_labels: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: The sheets loaded from the file (never a household sheet).
    sheets_read: tuple[str, ...] = ()


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


class _Sheets:
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
class _Pair:
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


def _clean_value(value: object) -> object:
    """A value written ``: JAWA TENGAH`` without its colon; other values as they are."""
    return value.strip().lstrip(":").strip() if isinstance(value, str) else value


def _after(r: int, c: int, merges: MergeMap) -> int:
    """The first column right of a label cell (past the label's merged range)."""
    merge = merges.get((r, c)) if merges else None
    return (merge[3] if merge else c) + 1


def _value_after(row: list[Any], r: int, c: int, merges: MergeMap) -> tuple[object, int]:
    """(value, column) of the pair whose label is at (r, c): the next cell holding something
    other than ``:``; (None, where it belongs) when that is a unit word or another label."""
    where = _after(r, c, merges)
    for cc in range(where, min(len(row), SCAN_COLS)):
        value = row[cc]
        if blank(value):
            continue
        if isinstance(value, str) and _clean_value(value) == "":
            where = cc + 1  # a lone ':' cell: the value belongs after it
            continue
        if isinstance(value, str):
            if _norm(value) in UNIT_WORDS:
                return None, max(where, cc - 1)
            if _label_field(value) is not None:
                return None, where
        return value, cc
    return None, where


def _pairs(sheets: _Sheets, name: str, fields: Iterable[str], rows: int,
           found: dict[str, _Pair]) -> None:
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
                found[name_of] = _Pair(name, tail.strip(), r, c)
                continue
            name_of = _label_field(text)
            if name_of in wanted and name_of not in found:
                value, cc = _value_after(row, r, c, merges)
                cell = sheets.value(name, r, cc)  # an error value calamine reads as empty
                if value is not None or (isinstance(cell, str) and cell in EXCEL_ERRORS):
                    value = cell
                found[name_of] = _Pair(name, value, r, cc)


# --------------------------------------------------------------------------- the criteria table


@dataclass
class _Table:
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


def _find_table(grid: Grid, merges: MergeMap) -> _Table | None:
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
    table = _Table(top=top, header=hr, volume=vc, persen=persen, nilai=nilai)
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


def _find_rows(grid: Grid, table: _Table) -> None:
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


# --------------------------------------------------------------------------- values


def parse_survey_date(value: object) -> dt.date | None:
    """The survey date of a ``Tanggal Pendataan`` cell: a date cell or serial, or text such as
    ``25 OKTOBER 2021``, ``25-10-2021``, ``Senin, 25 Okt 2021`` or ``Oktober 2021`` (the first
    of that month); Indonesian or English month names, any case. None when unreadable."""
    found = parse_tanggal(value)
    if found is not None or not isinstance(value, str):
        return found
    text = _DAY_NAME.sub("", value.strip())
    if re.search(r"[A-Za-z]", text):
        text = re.sub(r"[\s,./-]+", " ", text).strip()
    found = parse_tanggal(text)
    if found is None and (m := _MONTH_YEAR.match(text)) and m.group(1).lower() in MONTHS:
        found = dt.date(int(m.group(2)), MONTHS[m.group(1).lower()], 1)
    return found


def _number_texts(pairs: Iterable[object]) -> list[str]:
    return [v for v in pairs if isinstance(v, str) and v.strip()]


class _Reader:
    """Reads one form's sheets into a :class:`FormRead`."""

    def __init__(self, book: Book, result: FormRead) -> None:
        self.sheets = _Sheets(book)
        self.result = result
        self.problems: list[tuple[tuple[int, int, int], CellProblem]] = []
        self.convention: Convention | None = None

    def problem(self, sheet: str, r: int, c: int, kolom: str, value: object,
                masalah: str) -> None:
        order = (0 if sheet == self.sheets.cover else 1 if sheet == self.sheets.form else 2)
        self.problems.append(((order, r, c), CellProblem(sheet, r + 1, kolom, cell_ref(r, c),
                                                         raw_text(value), masalah)))

    def number(self, sheet: str, r: int, c: int, value: object, kolom: str) -> float:
        """A numeric value of ``kolom`` (NaN with a problem when unreadable)."""
        is_count = kolom in criteria.count_columns()
        parsed = parse_number(value, is_count=is_count, convention=self.convention)
        if parsed.problem is not None:
            self.problem(sheet, r, c, kolom, value, parsed.problem)
        elif type(value) is str and read_otherwise(value, parsed.value):
            self.result.typed[(r + 1, kolom)] = value  # keyed by its own cell's row
        return np.nan if parsed.value is None else parsed.value

    def read(self) -> None:
        s, res = self.sheets, self.result
        assert s.form is not None
        grid, merges = s.grid(s.form), s.merges(s.form)
        table = _find_table(grid, merges)
        found: dict[str, _Pair] = {}
        identity = [f.field for f in criteria.identity_fields()]
        if s.cover:
            _pairs(s, s.cover, [*identity, *COVER_FIELDS], SCAN_ROWS, found)
        _pairs(s, s.form, [*identity, *COVER_FIELDS, *TOP_FIELDS],
               SCAN_ROWS if table is None else table.top, found)
        if s.rekap:
            _pairs(s, s.rekap, [*identity, *COVER_FIELDS, *REKAP_FIELDS], SCAN_ROWS, found)
        res.rt_sheet = s.form
        self._identity(found)
        values = {k: p for k, p in found.items() if k in (*TOP_FIELDS, *REKAP_FIELDS)}
        volumes: dict[str, tuple[int, object]] = {}
        if table is not None:
            volumes = {k: (r, s.value(s.form, r, table.volume)) for k, r in table.rows.items()}
        self.convention = detect_convention(_number_texts(
            [*(p.value for p in values.values()), *(v for _, v in volumes.values())]))
        res.convention = self.convention
        out = RowColumns([] if table is None else [table.header + 1])
        if table is not None:
            res.header_row = table.header + 1
            res.columns = {f"{kind}_{c.kode}": column_letter(col) for c in criteria.criteria()
                           for kind, col in (("vol", table.volume), ("stored_persen", table.persen),
                                             ("stored_nilai", table.nilai)) if col is not None}
            self._rt(found, out)
            self._denominators(values, out)
            self._volumes(table, volumes, out)
            self._stored(table, out)
            res.table = out.columns()
        self._missing(found, table)
        res.problems = [p for _, p in sorted(self.problems, key=lambda item: item[0])]
        res.sheets_read = tuple(s.loaded)

    def _identity(self, found: dict[str, _Pair]) -> None:
        """Typed identity, raw texts and cells (``tahun`` from the date when not written)."""
        res = self.result
        for f in criteria.identity_fields():
            pair = found.get(f.field)
            res.identity[f.field] = None
            if pair is None:
                continue
            res.identity_cells[f.field] = (pair.sheet, cell_ref(pair.row, pair.col))
            res.cells[f.field] = pair.ref
            value = _clean_value(pair.value)
            if blank(value):
                continue
            if f.field == "kode_kelurahan":
                typed: object = normalise_kode(value)
            elif f.field == "tahun":
                typed = parse_tahun(value)
            elif f.field == "tanggal_pendataan":
                typed = parse_survey_date(value)
            else:
                typed = raw_text(value) or None
            res.identity[f.field] = typed
            res.identity_raw[f.field] = raw_text(value)
        tanggal = res.identity.get("tanggal_pendataan")
        if "tahun" not in res.identity_raw and "tanggal_pendataan" in res.identity_raw:
            res.identity["tahun"] = tanggal.year if isinstance(tanggal, dt.date) else None
            res.identity_raw["tahun"] = res.identity_raw["tanggal_pendataan"]
            res.identity_cells["tahun"] = res.identity_cells["tanggal_pendataan"]
            res.cells["tahun"] = res.cells["tanggal_pendataan"]

    def _rt(self, found: dict[str, _Pair], out: RowColumns) -> None:
        """RT and RW from ``RT_RW`` (else separate ``RT`` and ``RW`` pairs), and the kawasan."""
        codes: dict[str, str | None] = {"rt": None, "rw": None}
        combined = found.get("rt_rw")
        if combined is not None:
            codes["rt"], codes["rw"] = parse_rt_rw(_clean_value(combined.value))
            self._code_cells(combined, ("rt", "rw"), codes["rt"])
        else:
            for kolom in codes:
                if (pair := found.get(kolom)) is not None:
                    codes[kolom] = normalise_code(_clean_value(pair.value))
                    self._code_cells(pair, (kolom,), codes[kolom])
        kawasan = found.get("kawasan")
        out.rt.append(codes["rt"])
        out.rw.append(codes["rw"])
        out.kawasan.append(None if kawasan is None or blank(kawasan.value)
                           else raw_text(_clean_value(kawasan.value)))
        if kawasan is not None:
            self.result.cells["kawasan"] = kawasan.ref

    def _code_cells(self, pair: _Pair, kolom: tuple[str, ...], code: str | None) -> None:
        """Record the cell of RT/RW values, and one problem when the cell does not read."""
        for name in kolom:
            self.result.cells[name] = pair.ref
        if code is None:
            kode = "kosong" if blank(_clean_value(pair.value)) else "bukan_angka"
            self.problem(pair.sheet, pair.row, pair.col, kolom[0], pair.value, kode)

    def _denominators(self, values: Mapping[str, _Pair], out: RowColumns) -> None:
        for kolom, pair in values.items():
            value = "" if pair.value is None else _clean_value(pair.value)
            number = self.number(pair.sheet, pair.row, pair.col, value, kolom)
            self.result.cells[kolom] = pair.ref
            if kolom == "jumlah_krt":
                self.result.jumlah_krt = None if np.isnan(number) else number
            else:
                out.numeric[kolom] = np.array([number])

    def _volumes(self, table: _Table, volumes: Mapping[str, tuple[int, object]],
                 out: RowColumns) -> None:
        sheet = self.sheets.form
        assert sheet is not None
        for c in criteria.criteria():
            if c.kode not in volumes:
                continue
            r, value = volumes[c.kode]
            out.numeric[c.vol] = np.array([self.number(sheet, r, table.volume, value, c.vol)])
            self.result.cells[c.vol] = f"{sheet}!{cell_ref(r, table.volume)}"

    def _stored(self, table: _Table, out: RowColumns) -> None:
        """Stored PROSEN (as percent), NILAI, TOTAL NILAI and TINGKAT: never a problem."""
        s = self.sheets
        sheet = s.form
        assert sheet is not None
        grid, merges = s.grid(sheet), s.merges(sheet)
        for c in criteria.criteria():
            r = table.rows.get(c.kode)
            if r is None:
                continue
            for kind, col in (("persen", table.persen), ("nilai", table.nilai)):
                if col is None:
                    continue
                name = f"stored_{kind}_{c.kode}"
                out.stored[name] = np.array([_stored_number(s.value(sheet, r, col),
                                                            percent=kind == "persen")])
                self.result.cells[name] = f"{sheet}!{cell_ref(r, col)}"
        for name, label in (("stored_total_nilai", table.total),
                            ("stored_tingkat_kekumuhan", table.tingkat)):
            if label is None:
                continue
            r, c = label
            value, cc = _value_after(grid[r], r, c, merges)
            value = None if value is None else s.value(sheet, r, cc)
            self.result.cells[name] = f"{sheet}!{cell_ref(r, cc)}"
            out.stored[name] = (np.array([None if blank(value) else raw_text(value)],
                                         dtype=object) if name.endswith("tingkat_kekumuhan")
                                else np.array([_stored_number(value, percent=False)]))

    def _missing(self, found: Mapping[str, _Pair], table: _Table | None) -> None:
        """Required columns whose label was not found, and where a clerk must add it."""
        s, res = self.sheets, self.result
        form = s.form or ""
        if table is None:
            res.missing_labels["volume"] = (form, "VOLUME")
        where = {**dict.fromkeys(TOP_FIELDS, form),
                 **dict.fromkeys(REKAP_FIELDS, s.rekap or "C. Rekap data RT (logbook SIM)"),
                 "rt": s.cover or "Cover", "rw": s.cover or "Cover"}
        have = set(found) | ({"rt", "rw"} if "rt_rw" in found else set())
        for col in [c.name for c in criteria.base_columns() if c.required]:
            if col not in have:
                res.missing_columns.append(col)
                res.missing_labels[col] = (where[col], _LABEL_OF[col])
        for c in criteria.criteria():
            if table is None or c.kode not in table.rows:
                res.missing_columns.append(c.vol)
                aspect = next(a.aspek for a in criteria.criteria() if a.kode[0] == c.kode[0])
                res.missing_labels[c.vol] = (
                    form, f"{c.kode[0]}. {aspect} / {c.kode[1]}. {c.kriteria}")


def _stored_number(value: object, *, percent: bool) -> float:
    """A stored result as a float (NaN when empty or unreadable); a stored PROSEN cell holds a
    fraction (``0.125`` shown as 12.5 %) and is returned × 100 unless written ``12,5%``."""
    if blank(value):
        return np.nan
    text = isinstance(value, str)
    written_percent = text and value.strip().endswith("%")
    if text:
        value = value.strip().removesuffix("%").strip()
    parsed = parse_number(value, is_count=False, convention=None)
    if parsed.value is None or not np.isfinite(parsed.value):
        return np.nan
    return parsed.value * 100 if percent and not written_percent else parsed.value


# --------------------------------------------------------------------------- entry points


def read_form_book(book: Book, result: FormRead) -> None:
    """Fill ``result`` from a parsed workbook holding a ``Kekumuhan Awal_RT`` sheet."""
    _Reader(book, result).read()


__all__ = ["FormRead", "form_sheet", "form_sheets", "parse_survey_date", "read_form_book"]
