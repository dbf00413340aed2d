"""Read one survey workbook into identity, RT rows and per-cell problems (spec §2).

``read_workbook`` never raises for bad input: an unreadable file comes back with
``terbaca=False`` and a short Bahasa Indonesia ``read_error`` (and the rule code of the refusal
in ``read_error_code``). Everything the validation step needs to point a clerk at a cell (sheet,
Excel row, cell reference, raw value) is kept. The steps live beside this module: container
checks, sheets, header, identity, RT table.
"""

from __future__ import annotations

import errno
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from transforms.read import container
from transforms.read.cells import column_letter
from transforms.read.header import choose_rt_sheet
from transforms.read.identity import read_identity
from transforms.read.rt_table import CellProblem, TableReader, empty_rows, table_frame
from transforms.read.sheets import Book
from transforms.spec import criteria


@dataclass
class WorkbookRead:
    """Everything read from one workbook, before validation."""

    sumber_file: str
    sha256: str
    size: int
    terbaca: bool
    read_error: str | None
    #: Rule code (transforms/spec/tables/rules.csv) of an unreadable file; None = tidak_terbaca.
    read_error_code: str | None = None
    identity: dict[str, object] = field(default_factory=dict)
    identity_raw: dict[str, str] = field(default_factory=dict)
    identity_cells: dict[str, tuple[str, str]] = field(default_factory=dict)
    rt_sheet: str | None = None
    header_row: int | None = None
    columns: dict[str, str] = field(default_factory=dict)
    missing_columns: list[str] = field(default_factory=list)
    convention: str | None = None
    problems: list[CellProblem] = field(default_factory=list)
    #: (Excel row, column) → number cells' text as typed, where a finding must show it
    #: (:attr:`transforms.read.rt_table.TableReader.typed`).
    typed: dict[tuple[int, str], str] = field(default_factory=dict)
    #: The RT rows as column arrays in frame order (None: no table read); see :attr:`rows`.
    table: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def rows(self) -> pd.DataFrame:
        """The RT rows: ``sumber_baris``, ``rt``, ``rw``, ``kawasan``, the numeric columns as
        float64 and the stored-result columns the file has (built on first use)."""
        frame = self.__dict__.get("_rows")
        if frame is None:
            frame = empty_rows() if self.table is None else table_frame(self.table)
            self.__dict__["_rows"] = frame
        return frame


def _required_missing(columns: dict[str, int]) -> list[str]:
    """Required RT-table columns not found (rt/rw satisfied by a combined rt_rw column)."""
    required = [c.name for c in criteria.base_columns() if c.required]
    required += [c.name for c in criteria.volume_columns()]
    have = set(columns)
    if "rt_rw" in have:
        have |= {"rt", "rw"}
    return [name for name in required if name not in have]


def _unreadable(
    sumber_file: str, sha256: str, size: int, message: str, code: str | None = None
) -> WorkbookRead:
    """A WorkbookRead for a file that is not a readable workbook."""
    return WorkbookRead(
        sumber_file=sumber_file,
        sha256=sha256,
        size=size,
        terbaca=False,
        read_error=message,
        read_error_code=code,
        identity={f.field: None for f in criteria.identity_fields()},
        missing_columns=_required_missing({}),
    )


_HASH_CHUNK = 1 << 20


def _file_sha256(path: Path) -> str:
    """sha256 of a file read in chunks (for a file too big to load)."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while chunk := fh.read(_HASH_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _read_book(book: Book, result: WorkbookRead) -> None:
    """Fill ``result`` from a parsed workbook."""
    sheet, header = choose_rt_sheet(book)
    result.rt_sheet = sheet
    result.identity, result.identity_raw, result.identity_cells = read_identity(
        book, sheet, header
    )
    if sheet is None or header is None:
        result.missing_columns = _required_missing({})
        return
    result.header_row = header.row + 1
    result.columns = {
        name: column_letter(c) for name, c in sorted(header.columns.items(), key=lambda i: i[1])
    }
    result.missing_columns = _required_missing(header.columns)
    table = TableReader(book, sheet, header)
    result.table = table.read()
    result.convention = table.convention
    result.problems = table.problems
    result.typed = table.typed


def _read_parsed(book: Book, sumber_file: str, sha256: str, size: int) -> WorkbookRead:
    """The read of a parsed workbook: an official Form Data RT (spec §2b, recognised by its
    ``Kekumuhan Awal_RT`` sheet) by the form reader, any other as a kelurahan workbook."""
    from transforms.read import rt_form  # it builds on WorkbookRead, so it imports this module

    is_form = rt_form.form_sheet(book.names) is not None
    kind = rt_form.FormRead if is_form else WorkbookRead
    result = kind(sumber_file=sumber_file, sha256=sha256, size=size, terbaca=True,
                  read_error=None)
    (rt_form.read_form_book if is_form else _read_book)(book, result)
    return result


#: errno values of I/O failures that may pass (network shares, NFS/SMB): worth a retry.
TRANSIENT_ERRNOS = frozenset({errno.EIO, errno.EAGAIN, errno.ETIMEDOUT, errno.ESTALE,
                              errno.ECONNRESET, errno.ECONNABORTED, errno.EHOSTDOWN,
                              errno.EHOSTUNREACH, errno.ENETDOWN, errno.ENETUNREACH,
                              errno.ENOLCK, errno.EBUSY})


def is_transient(exc: BaseException) -> bool:
    """True for an I/O error that may succeed when tried again (never for bad content)."""
    return isinstance(exc, OSError) and exc.errno in TRANSIENT_ERRNOS


def read_workbook(path: Path, sumber_file: str) -> WorkbookRead:
    """Read one survey file (.xlsx/.xlsm/.xls/.ods) for validation and scoring: a kelurahan
    workbook (spec §2), or an official Form Data RT as a
    :class:`transforms.read.rt_form.FormRead` with its one RT row (spec §2b).

    Reads the bytes once (sha256, size), then identity, the RT table's rows as a DataFrame
    (``sumber_baris``, ``rt``, ``rw``, ``kawasan``, numeric columns as float64, stored columns)
    and the cells that could not be read. Never raises for bad input.
    """
    try:
        size = Path(path).stat().st_size
        detail = container.oversized_file(size)
        if detail is not None:
            return _unreadable(sumber_file, _file_sha256(path), size,
                               detail, "berkas_terlalu_besar")
        data = Path(path).read_bytes()
    except OSError as exc:
        if is_transient(exc):
            raise  # a network share hiccup: the read task retries with backoff
        return _unreadable(sumber_file, "", 0, f"Berkas tidak dapat dibuka: {exc.strerror}")
    sha256 = hashlib.sha256(data).hexdigest()
    if not data:
        return _unreadable(sumber_file, sha256, 0, "Berkas kosong (0 byte).", "berkas_kosong")
    try:
        result = _read_parsed(Book(data), sumber_file, sha256, len(data))
    except container.ReadFailure as exc:
        return _unreadable(sumber_file, sha256, len(data), str(exc), exc.code)
    except (Exception, RecursionError) as exc:  # noqa: BLE001 - bad input never stops a run
        detail = f"isi berkas tidak terduga ({type(exc).__name__}: {str(exc)[:200]})"
        return _unreadable(sumber_file, sha256, len(data), detail)
    return result
