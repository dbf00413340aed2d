"""Read one official KOTAKU *Form Data RT* workbook (one RT) into the reader's result (spec §2b).

A city office receives the per-RT survey form, not the kelurahan workbook of spec §2. The form
is recognised by a sheet named like ``Kekumuhan Awal_RT``; everything is found by its labels,
never by fixed addresses (copies shift rows and columns; :mod:`transforms.read.form_layout`
finds the places). A merged cell holds its value in its top-left cell; a formula cell counts by
its cached value.

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

import numpy as np

from transforms.read.cells import blank, cell_ref, column_letter, raw_text
from transforms.read.form_layout import (
    SCAN_ROWS,
    CriteriaTable,
    FormSheets,
    Pair,
    clean_value,
    find_pairs,
    find_table,
    form_sheet,
    form_sheets,
    value_after,
)
from transforms.read.identity import MONTHS, normalise_kode, parse_tahun, parse_tanggal
from transforms.read.numbers import (
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

#: Where each non-identity field is read: Cover (RT), the form sheet's top pairs, the Rekap.
COVER_FIELDS = ("rt", "rw", "rt_rw", "kawasan")
TOP_FIELDS = ("luas_ha", "jumlah_bangunan", "jumlah_penduduk", "jumlah_kk", "jumlah_krt")
REKAP_FIELDS = ("panjang_jalan_ideal_m", "panjang_drainase_ideal_m")
#: Labels naming where a missing value must be written, for the clerk.
_LABEL_OF = {"luas_ha": "Luas Verifikasi", "jumlah_bangunan": "Jumlah Bangunan",
             "jumlah_penduduk": "Jumlah Penduduk", "jumlah_kk": "Jumlah KK",
             "panjang_jalan_ideal_m": "Panjang total Jaringan Jalan Lingkungan yang Ideal",
             "panjang_drainase_ideal_m": "Panjang drainase Ideal", "rt": "RT_RW",
             "rw": "RT_RW"}
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
        self.sheets = FormSheets(book)
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
        table = find_table(grid, merges)
        found: dict[str, Pair] = {}
        identity = [f.field for f in criteria.identity_fields()]
        if s.cover:
            find_pairs(s, s.cover, [*identity, *COVER_FIELDS], SCAN_ROWS, found)
        find_pairs(s, s.form, [*identity, *COVER_FIELDS, *TOP_FIELDS],
               SCAN_ROWS if table is None else table.top, found)
        if s.rekap:
            find_pairs(s, s.rekap, [*identity, *COVER_FIELDS, *REKAP_FIELDS], SCAN_ROWS, found)
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

    def _identity(self, found: dict[str, Pair]) -> None:
        """Typed identity, raw texts and cells (``tahun`` from the date when not written)."""
        res = self.result
        for f in criteria.identity_fields():
            pair = found.get(f.field)
            res.identity[f.field] = None
            if pair is None:
                continue
            res.identity_cells[f.field] = (pair.sheet, cell_ref(pair.row, pair.col))
            res.cells[f.field] = pair.ref
            value = clean_value(pair.value)
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

    def _rt(self, found: dict[str, Pair], out: RowColumns) -> None:
        """RT and RW from ``RT_RW`` (else separate ``RT`` and ``RW`` pairs), and the kawasan."""
        codes: dict[str, str | None] = {"rt": None, "rw": None}
        combined = found.get("rt_rw")
        if combined is not None:
            codes["rt"], codes["rw"] = parse_rt_rw(clean_value(combined.value))
            self._code_cells(combined, ("rt", "rw"), codes["rt"])
        else:
            for kolom in codes:
                if (pair := found.get(kolom)) is not None:
                    codes[kolom] = normalise_code(clean_value(pair.value))
                    self._code_cells(pair, (kolom,), codes[kolom])
        kawasan = found.get("kawasan")
        out.rt.append(codes["rt"])
        out.rw.append(codes["rw"])
        out.kawasan.append(None if kawasan is None or blank(kawasan.value)
                           else raw_text(clean_value(kawasan.value)))
        if kawasan is not None:
            self.result.cells["kawasan"] = kawasan.ref

    def _code_cells(self, pair: Pair, kolom: tuple[str, ...], code: str | None) -> None:
        """Record the cell of RT/RW values, and one problem when the cell does not read."""
        for name in kolom:
            self.result.cells[name] = pair.ref
        if code is None:
            kode = "kosong" if blank(clean_value(pair.value)) else "bukan_angka"
            self.problem(pair.sheet, pair.row, pair.col, kolom[0], pair.value, kode)

    def _denominators(self, values: Mapping[str, Pair], out: RowColumns) -> None:
        for kolom, pair in values.items():
            value = "" if pair.value is None else clean_value(pair.value)
            number = self.number(pair.sheet, pair.row, pair.col, value, kolom)
            self.result.cells[kolom] = pair.ref
            if kolom == "jumlah_krt":
                self.result.jumlah_krt = None if np.isnan(number) else number
            else:
                out.numeric[kolom] = np.array([number])

    def _volumes(self, table: CriteriaTable, volumes: Mapping[str, tuple[int, object]],
                 out: RowColumns) -> None:
        sheet = self.sheets.form
        assert sheet is not None
        for c in criteria.criteria():
            if c.kode not in volumes:
                continue
            r, value = volumes[c.kode]
            out.numeric[c.vol] = np.array([self.number(sheet, r, table.volume, value, c.vol)])
            self.result.cells[c.vol] = f"{sheet}!{cell_ref(r, table.volume)}"

    def _stored(self, table: CriteriaTable, out: RowColumns) -> None:
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
            value, cc = value_after(grid[r], r, c, merges)
            value = None if value is None else s.value(sheet, r, cc)
            self.result.cells[name] = f"{sheet}!{cell_ref(r, cc)}"
            out.stored[name] = (np.array([None if blank(value) else raw_text(value)],
                                         dtype=object) if name.endswith("tingkat_kekumuhan")
                                else np.array([_stored_number(value, percent=False)]))

    def _missing(self, found: Mapping[str, Pair], table: CriteriaTable | None) -> None:
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
