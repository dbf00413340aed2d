"""The RT rows under the header: row rules, RT/RW codes, numbers and cell problems."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from transforms.read.cells import Grid, blank, cell_ref, norm_label, raw_text, text_or_none
from transforms.read.header import MIN_HEADER_MATCHES, Header
from transforms.read.labels import MAX_LABEL_CHARS
from transforms.read.numbers import (
    EXCEL_ERRORS,
    Convention,
    EnNumber,
    IdNumber,
    Read,
    Reading,
    parse_number,
    read_otherwise,
    reading,
    vote_winner,
)
from transforms.read.rtrw import normalise_code, parse_rt_rw
from transforms.read.sheets import Book
from transforms.spec import criteria

if TYPE_CHECKING:
    from transforms.read.workbook import WorkbookRead


@dataclass
class CellProblem:
    """A cell of an RT row that could not be read as required (for validation findings).

    ``masalah``: kosong | bukan_angka | ambigu | sel_error; ``baris``: Excel 1-based row;
    ``sel``: cell reference (``H14``); ``kolom``: canonical column (``vol_1a``, ``rt``);
    ``isi_sel``: the cell's text as the clerk sees it.
    """

    sheet: str
    baris: int
    kolom: str
    sel: str
    isi_sel: str
    masalah: str


_NUMBERING = re.compile(r"^\(\s*(\d{1,3})\s*\)$")


def _numbering_token(value: object) -> tuple[int, bool] | None:
    """(n, parenthesised) for a column-numbering cell like ``(3)`` or 3, else None."""
    if isinstance(value, float | int) and not isinstance(value, bool):
        return (int(value), False) if float(value).is_integer() else None
    if isinstance(value, str):
        text = value.strip()
        if m := _NUMBERING.match(text):
            return int(m.group(1)), True
        if text.isdigit():
            return int(text), False
    return None


def _is_numbering_row(row: list[Any]) -> bool:
    """True for a column-numbering row: (1) (2) … increasing, or 1 2 3 … consecutive."""
    tokens = []
    for value in row:
        if not blank(value):
            token = _numbering_token(value)
            if token is None:
                return False
            tokens.append(token)
    if len(tokens) < MIN_HEADER_MATCHES:
        return False
    numbers = [t[0] for t in tokens if t]
    if all(t[1] for t in tokens if t):
        return all(b > a for a, b in zip(numbers, numbers[1:], strict=False))
    return numbers == list(range(numbers[0], numbers[0] + len(numbers)))


#: Cell texts of this process known to be (or not to be) a total-row label.
_TOTAL_LABELS: dict[str, bool] = {}


def _is_total_label(value: object) -> bool:
    """True for a total-row label (Jumlah, Subtotal, Total, Jml, Rata-rata, Jumlah Total …)."""
    if not isinstance(value, str) or len(value) > MAX_LABEL_CHARS:
        return False
    known = _TOTAL_LABELS.get(value)
    if known is None:
        if len(_TOTAL_LABELS) > _MEMO_MAX:
            _TOTAL_LABELS.clear()
        norm = norm_label(value)
        known = _TOTAL_LABELS[value] = bool(norm) and any(
            norm.startswith(label) for label in criteria.TOTAL_ROW_LABELS)
    return known


def _first_filled(row: list[Any]) -> object:
    """The first non-empty cell of a row (None: the row is empty)."""
    for value in row:
        if value is not None and (not isinstance(value, str) or value.strip()):
            return value
    return None


def _looks_numeric(value: object) -> bool:
    """True for a cell holding a number (convention-free check used to find the table end)."""
    if isinstance(value, float | int) and not isinstance(value, bool):
        return True
    if isinstance(value, str) and value:
        return parse_number(value, is_count=True, convention=None).value is not None
    return False


@dataclass
class _Layout:
    """Where the RT table's columns are (0-based indices)."""

    rt: int | None
    rw: int | None
    rt_rw: int | None
    kawasan: int | None
    numeric: list[tuple[str, int, bool]]  # (column, index, is_count)
    stored: list[tuple[str, int]]

    @property
    def key(self) -> int | None:
        """Column holding the RT code (the RT column, else the combined RT/RW column)."""
        return self.rt if self.rt is not None else self.rt_rw


def _layout(columns: dict[str, int]) -> _Layout:
    """Column positions of a header, numeric columns in spec order."""
    counts = criteria.count_columns()
    numeric = [(n, columns[n], n in counts) for n in criteria.numeric_columns() if n in columns]
    return _Layout(
        rt=columns.get("rt"),
        rw=columns.get("rw"),
        rt_rw=columns.get("rt_rw"),
        kawasan=columns.get("kawasan"),
        numeric=numeric,
        stored=[(n, columns[n]) for n in _stored_columns() if n in columns],
    )


@lru_cache(maxsize=1)
def _stored_columns() -> tuple[str, ...]:
    """Stored-result columns in output order."""
    codes = [c.kode for c in criteria.criteria()]
    return (
        *(f"stored_persen_{k}" for k in codes),
        *(f"stored_nilai_{k}" for k in codes),
        "stored_total_nilai",
        "stored_tingkat_kekumuhan",
    )


def _row_rt_rw(row: list[Any], lay: _Layout) -> tuple[str | None, str | None]:
    """(rt, rw) of a data row from RT/RW columns or the combined column."""
    rt = rw = None
    if lay.rt is not None:
        rt = normalise_code(row[lay.rt])
        if rt is None:
            rt, rw = parse_rt_rw(row[lay.rt])  # a combined value under an "RT" label
    elif lay.rt_rw is not None:
        rt, rw = parse_rt_rw(row[lay.rt_rw])
    if lay.rw is not None:
        rw = normalise_code(row[lay.rw]) or rw
    elif rw is None and lay.rt_rw is not None and lay.rt is not None:
        rw = parse_rt_rw(row[lay.rt_rw])[1]
    return rt, rw


def _data_rows(grid: Grid, header: Header,
               lay: _Layout) -> tuple[list[int], list[tuple[str | None, str | None]]]:
    """0-based indices of the RT rows under the header (spec §2 row rules) and their (rt, rw)
    codes."""
    out: list[int] = []
    codes: list[tuple[str | None, str | None]] = []
    first = True
    key = lay.key
    for r in range(header.row + 1, len(grid)):
        row = grid[r]
        filled = _first_filled(row)
        if filled is None:
            continue  # an empty row
        if first:
            first = False
            if _is_numbering_row(row):
                continue
        if (key is not None and _is_total_label(row[key])) or _is_total_label(filled):
            continue  # the RT cell or the first non-empty cell is a total label
        rt, rw = _row_rt_rw(row, lay)
        if rt is None and not any(_looks_numeric(row[c]) for _, c, _ in lay.numeric):
            break
        out.append(r)
        codes.append((rt, rw))
    return out, codes


class RowColumns:
    """Column arrays of the RT DataFrame at Excel rows ``baris``, filled column by column
    (by the table reader here and by the Form Data RT reader)."""

    def __init__(self, baris: list[int]) -> None:
        self.baris = baris
        self.rt: list[str | None] = []
        self.rw: list[str | None] = []
        self.kawasan: list[str | None] = []
        self.numeric: dict[str, Any] = {}
        self.stored: dict[str, Any] = {}

    def columns(self) -> dict[str, Any]:
        """The rows as column arrays in frame order (every numeric column, NaN if absent)."""
        n = len(self.baris)
        out: dict[str, Any] = {
            "sumber_baris": np.array(self.baris, dtype=np.int64),
            "rt": _objects(self.rt),
            "rw": _objects(self.rw),
            "kawasan": _objects(self.kawasan),
        }
        for name in criteria.numeric_columns():
            values = self.numeric.get(name)
            out[name] = np.full(n, np.nan) if values is None else values
        return {**out, **self.stored}


def _objects(values: list[Any]) -> np.ndarray:
    """An object array of ``values`` (None kept, no string inference)."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def table_frame(columns: dict[str, Any]) -> pd.DataFrame:
    """A DataFrame of column arrays, object arrays kept as object (not inferred as str)."""
    return pd.DataFrame({k: pd.Series(v, dtype=v.dtype, copy=False)
                         for k, v in columns.items()})


def stack_rows(reads: list[tuple[int, WorkbookRead]]) -> pd.DataFrame:
    """The RT rows of many reads as one frame with provenance (``wb``, ``sumber_file``,
    ``sha256``, ``sumber_sheet``) first, built column by column — the same frame as
    concatenating each read's :attr:`WorkbookRead.rows` (a column a file lacks is NaN)."""
    tables = [(wb, r, r.table) for wb, r in reads
              if r.table is not None and len(r.table["sumber_baris"])]
    sizes = [len(t["sumber_baris"]) for _, _, t in tables]
    which = np.repeat(np.arange(len(tables)), sizes)  # row → its table
    data: dict[str, Any] = {"wb": np.array([wb for wb, _, _ in tables], dtype=np.int64)[which]}
    for col, attr in (("sumber_file", "sumber_file"), ("sha256", "sha256"),
                      ("sumber_sheet", "rt_sheet")):
        # one value per workbook repeated on each of its rows: categorical codes, not copies
        values = pd.Index([getattr(r, attr) for _, r, _ in tables], dtype="str")
        categories = values.unique()
        codes = categories.get_indexer(values)[which]
        data[col] = pd.Categorical.from_codes(codes, categories=categories)
    for name in dict.fromkeys(k for _, _, t in tables for k in t):
        parts = [t.get(name) for _, _, t in tables]
        present = [p for p in parts if p is not None]
        kinds = {p.dtype for p in present}
        if len(kinds) == 1 and len(present) == len(parts):
            kind = kinds.pop()
            column = np.concatenate(present)
        else:
            kind = object if np.dtype(object) in kinds else np.float64
            column = np.concatenate([p.astype(kind, copy=False) for p in present])
            if len(present) < len(parts):  # NaN on the rows of the tables without the column
                has = np.repeat(np.array([p is not None for p in parts]), sizes)
                column, filled = np.full(len(has), np.nan, kind), column
                column[has] = filled
        data[name] = pd.Series(column, dtype=kind, copy=False)
    return pd.DataFrame(data)


@lru_cache(maxsize=1)
def _empty_template() -> pd.DataFrame:
    return table_frame(RowColumns([]).columns())


def empty_rows() -> pd.DataFrame:
    """An RT DataFrame with no rows and every always-present column."""
    return _empty_template().copy()


#: This process's number-cell texts, each read once (survey files repeat the same texts); a
#: memo is emptied past ``_MEMO_MAX`` entries when a table starts. A numeric column's text
#: maps to :func:`transforms.read.numbers.reading` of it: its number when it reads the same in
#: every context (voting by its class), else its :class:`Reading`; a stored column's text
#: (read without a trailing ``%``) to its number when the same under every convention, else
#: to its number in each place of a :class:`Reading` (NaN where it has none).
_READINGS: dict[str, float | Reading] = {}
_STORED_READINGS: dict[str, float | tuple[float, ...]] = {}
_MEMO_MAX = 200_000

#: Position in a :class:`Reading` of a non-count column's read under each convention.
_BY_CONVENTION: dict[Convention | None, int] = {"id": 2, "en": 3, None: 4}


def _stored_reading(value: object) -> float | tuple[float, ...]:
    """A stored cell's number, or its number (NaN when it is none) in each place of a
    :class:`Reading`; a text may end in ``%`` (memoised)."""
    if type(value) is str:
        found = reading(value.strip().removesuffix("%").strip())
        if type(found) is not Reading:  # one number in every context
            number: float | tuple[float, ...] = float(found)
        else:
            number = (math.nan, *(read if type(read) is float else read[0]
                                  for read in found[1:]))
        _STORED_READINGS[value] = number
        return number
    parsed = parse_number(value, is_count=False, convention=None)  # any convention: no text
    return math.nan if parsed.value is None else parsed.value


def _text_reading(text: str) -> float | Reading:
    """The memoised :func:`transforms.read.numbers.reading` of a numeric column's text: its
    number when the same in every context, by the class of its vote, else the reading."""
    found = _READINGS[text] = reading(text)
    return found


_TINGKAT = "stored_tingkat_kekumuhan"


#: Classes of what a numeric column's cell reads as without a look at the cell: a number
#: (a text's, maybe voting) or a text's :class:`Reading`.
_READABLE = frozenset({float, IdNumber, EnNumber, Reading})


class TableReader:
    """Reads the RT rows of one sheet column by column into arrays and cell problems.

    Numeric columns holding only numbers become arrays at once; a text is read once per
    process (:func:`transforms.read.numbers.reading`: its convention vote and its value in every
    context), and only empty or other cells, or sheets with error cells, go cell by cell.
    Problems are recorded in row order, RT and RW first, then the numeric columns in spec
    order."""

    def __init__(self, book: Book, sheet: str, header: Header) -> None:
        self.book = book
        self.sheet = sheet
        self.grid = book.grid(sheet)
        self.header = header
        self.lay = _layout(header.columns)
        self.problems: list[CellProblem] = []
        #: (Excel row, column) → a number cell's text as typed where it reads two ways and was
        #: not read the Indonesian way (``1.214`` read as 1,214), so a finding can show what
        #: the clerk typed and how it was read; any other cell shown the Indonesian way looks
        #: as typed (``1.214`` read as 1214), so it is not kept.
        self.typed: dict[tuple[int, str], str] = {}
        self._found: list[tuple[int, int, CellProblem]] = []
        self._errors: dict[tuple[int, int], str] | None = None
        #: Column → its cells with each text replaced by what it reads as (its memo entry)
        #: and the classes found; columns holding only numbers are left out.
        self._readings: dict[int, tuple[list[Any], set[type]]] = {}
        self.convention: Convention | None = None

    def _error_at(self, r: int, c: int) -> str | None:
        """The Excel error value of a cell (error cells loaded from the XML on first need)."""
        if self._errors is None:
            self._errors = self.book.error_cells(self.sheet)
        return self._errors.get((r, c))

    def _cell(self, r: int, c: int) -> object:
        """A cell value, with the Excel error text calamine drops put back."""
        value = self.grid[r][c]
        if value == "" or (type(value) is float and self._errors):
            return self._error_at(r, c) or value
        return value

    def _problem(self, r: int, c: int, kolom: str, value: object, masalah: str,
                 order: int = 0) -> None:
        self._found.append((r, order, CellProblem(self.sheet, r + 1, kolom, cell_ref(r, c),
                                                  raw_text(value), masalah)))

    def read(self) -> dict[str, Any]:
        """Parse all RT rows as column arrays; sets ``convention`` and ``problems``."""
        for memo in (_READINGS, _STORED_READINGS):
            if len(memo) > _MEMO_MAX:
                memo.clear()
        rows, codes = _data_rows(self.grid, self.header, self.lay)
        if b"opendocument" in self.book.data[:100]:
            self._errors = self.book.error_cells(self.sheet)  # ODS error cells may read as 0
        columns = list(zip(*(self.grid[r] for r in rows), strict=True)) if rows else []
        self.convention = self._detect_convention(columns)
        out = RowColumns([r + 1 for r in rows])
        self._read_codes(rows, codes, out)
        for order, (name, c, is_count) in enumerate(self.lay.numeric, start=2):
            values = columns[c] if columns else ()
            out.numeric[name] = self._numeric_column(rows, values, c, name, is_count, order)
        self._stored_columns(columns, out)
        self._found.sort(key=lambda item: item[:2])
        self.problems = [p for _, _, p in self._found]
        return out.columns()

    def _detect_convention(self, columns: list[tuple[Any, ...]]) -> Convention | None:
        """:func:`transforms.read.numbers.detect_convention` of the text cells of the known
        numeric columns, each text read once per process (what they read as is kept for
        parsing in ``_readings``). A text votes when it reads one way only, so the same in
        every context: its memo entry is then a voting number (a :class:`Reading` left in the
        memo never votes), and the votes are counted over the classes of the entries."""
        votes: dict[Convention | None, int] = {"id": 0, "en": 0, None: 0}
        if columns:
            get = _READINGS.get
            for _, c, _ in self.lay.numeric:
                values = columns[c]
                if set(map(type, values)) == {float}:
                    continue  # numbers only: nothing to read or vote
                found = list(map(get, values, values))  # a text's memo entry, other cells as is
                kinds = list(map(type, found))
                classes = set(kinds)
                if str in classes:  # a text not read before (or an empty one)
                    found = [_text_reading(v) if type(v) is str and v else v for v in found]
                    kinds = list(map(type, found))
                    classes = set(kinds)
                if IdNumber in classes:
                    votes["id"] += kinds.count(IdNumber)
                if EnNumber in classes:
                    votes["en"] += kinds.count(EnNumber)
                self._readings[c] = (found, classes)
        return vote_winner(votes)

    def _read_codes(self, rows: list[int], codes: list[tuple[str | None, str | None]],
                    out: RowColumns) -> None:
        """RT, RW and kawasan of every row, with a problem for an unreadable RT/RW cell."""
        lay = self.lay
        for r, (rt, rw) in zip(rows, codes, strict=True):
            row = self.grid[r]
            self._check_code(r, lay.key, "rt", rt, 0)  # a failed combined cell: one problem
            self._check_code(r, lay.rw, "rw", rw, 1)
            out.rt.append(rt)
            out.rw.append(rw)
            out.kawasan.append(None if lay.kawasan is None else text_or_none(row[lay.kawasan]))

    def _numeric_column(self, rows: list[int], values: tuple[Any, ...], c: int, name: str,
                        is_count: bool, order: int) -> np.ndarray:
        """One numeric column as float64 (NaN where unreadable, with a problem).

        Numbers pass as they are and texts take their reading; a column with an empty or
        other cell, or in a sheet with error cells, is read cell by cell."""
        at = 1 if is_count else _BY_CONVENTION[self.convention]
        found, kinds = self._readings.get(c) or (values, {float})
        if not self._errors and kinds <= _READABLE:  # numbers and read texts only
            if Reading in kinds:
                reads = [read[at] if type(read) is Reading else read for read in found]
                if tuple in set(map(type, reads)):  # cells with a problem or a text as typed
                    for i, read in enumerate(reads):
                        if type(read) is tuple:
                            reads[i] = self._take(read, rows[i], c, name, values[i], order)
                found = reads
            return np.array(found, dtype=np.float64)
        out = np.empty(len(values), dtype=np.float64)
        for i, value in enumerate(values):
            if type(value) is float and not self._errors:
                out[i] = value
                continue
            r = rows[i]
            if type(value) is str and value:
                read = _READINGS.get(value)  # memoised by the vote, unless emptied since
                if read is None:  # (another table's read in this process's threads)
                    read = _text_reading(value)
                if type(read) is Reading:
                    read = read[at]
            else:
                value = self._cell(r, c)
                parsed = parse_number(value, is_count=is_count, convention=self.convention)
                read = (math.nan if parsed.value is None else parsed.value, parsed.problem,
                        parsed.problem is None and type(value) is str
                        and read_otherwise(value, parsed.value))
            out[i] = self._take(read, r, c, name, value, order)
        return out

    def _take(self, read: Read, r: int, c: int, name: str, value: object, order: int) -> float:
        """The value of a cell's read, recording its problem or its text as typed."""
        if type(read) is not tuple:
            return read
        number, problem, typed = read
        if problem is not None:
            self._problem(r, c, name, value, problem, order)
        elif typed:
            self.typed[(r + 1, name)] = value
        return number

    def _check_code(self, r: int, c: int | None, kolom: str, code: str | None,
                    order: int) -> None:
        """Record a problem for an empty or unreadable RT/RW cell."""
        if c is None or code is not None:
            return
        value = self._cell(r, c)
        if blank(value):
            masalah = "kosong"
        elif isinstance(value, str) and value.strip().upper() in EXCEL_ERRORS:
            masalah = "sel_error"
        else:
            masalah = "bukan_angka"
        self._problem(r, c, kolom, value, masalah, order)

    def _stored_columns(self, columns: list[tuple[Any, ...]], out: RowColumns) -> None:
        """Stored percents/scores/total/tingkat: read for reconciliation, never a problem (the
        numbers as rows of one float block, NaN where not finite)."""
        numbers = [self._stored_numbers(columns[c] if columns else ())
                   for name, c in self.lay.stored if name != _TINGKAT]
        block = np.array(numbers, dtype=np.float64).reshape(len(numbers), len(out.baris))
        block[~np.isfinite(block)] = np.nan
        rows = iter(block)
        for name, c in self.lay.stored:
            out.stored[name] = (
                np.array([text_or_none(v) for v in columns[c]] if columns else [], dtype=object)
                if name == _TINGKAT else next(rows))

    def _stored_numbers(self, values: tuple[Any, ...]) -> tuple[Any, ...] | list[Any]:
        """A stored column's numbers (a text may end in ``%``; NaN or ±inf kept as read)."""
        if set(map(type, values)) <= {float}:
            return values
        at = _BY_CONVENTION[self.convention]
        found = list(map(_STORED_READINGS.get, values, values))  # a known text's entry, or as is
        if set(map(type, found)) <= {float}:
            return found
        found = [read if type(read) is float or type(read) is tuple else _stored_reading(read)
                 for read in found]
        return [read[at] if type(read) is tuple else read for read in found]
