"""Read one survey workbook into identity, RT rows and per-cell problems (spec §2).

``read_workbook`` never raises for bad input: an unreadable file comes back with
``readable=False`` and a short Bahasa Indonesia ``read_error``. Everything the validation step
needs to point a clerk at a cell (sheet, Excel row, cell reference, raw value) is kept.

Before calamine sees a file it is sniffed (empty, zip, OLE2, or text/HTML/CSV/PDF that is no
workbook) and checked against caps: file size, the real inflated size of every zip member (not the
declared one: a zip bomb stops here), and the grid size of each sheet measured from its XML
before the sheet is built (``MAX_*``). Each refusal carries a rule code of
``spec_tables/rules.csv`` in ``read_error_code`` (``berkas_kosong``, ``bukan_workbook``,
``berkas_rusak``, ``berkas_terenkripsi``, ``berkas_terlalu_besar``).

python-calamine (0.9) returns Excel error cells (``#DIV/0!``) as empty strings, so for
``.xlsx``/``.xlsm`` and ``.ods`` the error cells of the RT sheet are looked up in the file's XML;
in a legacy ``.xls`` an error cell reads as empty (``kosong``, still an error).
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import io
import math
import re
import struct
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import python_calamine as pc

from transforms import spec
from transforms.numbers import (
    EXCEL_ERRORS,
    MAX_NUMBER_CHARS,
    Convention,
    ParsedNumber,
    detect_convention,
    parse_number,
)
from transforms.rtrw import normalise_code, parse_rt_rw

Grid = list[list[Any]]
MergeMap = dict[tuple[int, int], tuple[int, int, int, int]] | None

#: Rows scanned for the header row and for identity labels (spec §2).
HEADER_SCAN_ROWS = 40
IDENTITY_SCAN_ROWS = 30
#: Group-header rows above the header row a merged-down label may come from.
GROUP_ROWS = 2
MIN_HEADER_MATCHES = 3
#: Longest text looked at as a column, identity or total-row label (longer is never one).
MAX_LABEL_CHARS = 120

#: Normalised labels of the optional stored-result columns (not in the spec CSVs: they are
#: read only to reconcile, never published).
STORED_TOTAL_LABELS = frozenset({"totalnilai", "totalskor", "nilaitotal", "skortotal"})
STORED_TINGKAT_LABELS = frozenset({"tingkat", "tingkatkekumuhan", "klasifikasikekumuhan"})
#: Normalised sheet-name fragments of an identity sheet and of the RT sheet.
IDENTITY_SHEET_WORDS = ("identitas", "cover")
RT_SHEET_NAME = re.compile(r"(?<![a-z])rt(?![a-z])")  # the word "RT" in a sheet name

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


@dataclass
class CellProblem:
    """A cell of an RT row that could not be read as required (for validation findings).

    ``kode``: kosong | bukan_angka | ambigu | sel_error; ``baris``: Excel 1-based row;
    ``sel``: cell reference (``H14``); ``kolom``: canonical column (``vol_1a``, ``rt``).
    """

    sheet: str
    baris: int
    kolom: str
    sel: str
    nilai: str
    kode: str


@dataclass
class WorkbookRead:
    """Everything read from one workbook, before validation."""

    sumber_file: str
    sha256: str
    size: int
    readable: bool
    read_error: str | None
    #: Rule code (transforms/spec_tables/rules.csv) of an unreadable file; None = tidak_terbaca.
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
    #: The RT rows as column arrays in frame order (None: no table read); see :attr:`rows`.
    table: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def rows(self) -> pd.DataFrame:
        """The RT rows: ``sumber_baris``, ``rt``, ``rw``, ``kawasan``, the numeric columns as
        float64 and the stored-result columns the file has (built on first use)."""
        frame = self.__dict__.get("_rows")
        if frame is None:
            frame = _empty_rows() if self.table is None else _frame(self.table)
            self.__dict__["_rows"] = frame
        return frame


# --------------------------------------------------------------------------- cell helpers


def column_letter(index0: int) -> str:
    """Excel column letters of a 0-based column index (0 → ``A``, 26 → ``AA``)."""
    letters = ""
    n = index0 + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _column_index(letters: str) -> int:
    """0-based column index of Excel column letters (``AA`` → 26)."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def cell_ref(row0: int, col0: int) -> str:
    """Excel reference of a 0-based cell (0, 0 → ``A1``)."""
    return f"{column_letter(col0)}{row0 + 1}"


def _blank(value: object) -> bool:
    """True for an empty cell (None, empty or whitespace-only text)."""
    return value is None or (isinstance(value, str) and not value.strip())


def _raw_text(value: object) -> str:
    """A cell value as text for findings (whole floats without ``.0``, dates ISO)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def _text_or_none(value: object) -> str | None:
    """A text field (names, kawasan): stripped text, or None when empty."""
    return None if _blank(value) else _raw_text(value)


_norm = lru_cache(maxsize=32768)(spec.norm_label)


# --------------------------------------------------------------------------- column labels

_CODES = frozenset(c.kode for c in spec.criteria())
_CODE_LABEL = re.compile(
    r"^\s*(?:(?P<pre>%|persen(?:tase)?|nilai|skor)\s*[.:]?\s*)?"
    r"(?:vol(?:ume)?\s*[.:]?\s*)?"
    r"(?P<num>[0-9])\.?(?P<letter>[a-z])(?![0-9a-z])(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL,
)
_STORED_REST = re.compile(r"%|\bpersen|\bnilai|\bskor", re.IGNORECASE)


def _stored_kind(marker: str) -> str:
    """``persen`` or ``nilai`` for a stored-result marker (``%``, ``Persen``, ``Skor`` …)."""
    return "persen" if marker.lower() in ("%", "persen", "persentase") else "nilai"


@lru_cache(maxsize=16384)
@lru_cache(maxsize=65536)  # labels and data texts repeat across a run's workbooks
def match_column_label(label: str) -> str | None:
    """Canonical column of a header label (``'Vol. 2b'`` → ``vol_2b``, ``'% 1a'`` →
    ``stored_persen_1a``, ``'JUMLAH KK'`` → ``jumlah_kk``), or None when unknown."""
    if len(label) > MAX_LABEL_CHARS:
        return None
    norm = _norm(label)
    if not norm:
        return None
    base = spec.column_label_index().get(norm)
    if base is not None:
        return base
    if norm in STORED_TOTAL_LABELS:
        return "stored_total_nilai"
    if norm in STORED_TINGKAT_LABELS:
        return "stored_tingkat_kekumuhan"
    m = _CODE_LABEL.match(label)
    kode = f"{m.group('num')}{m.group('letter').lower()}" if m else ""
    if m is None or kode not in _CODES:
        return None
    if m.group("pre"):
        return f"stored_{_stored_kind(m.group('pre'))}_{kode}"
    marker = _STORED_REST.search(m.group("rest"))
    if marker:
        return f"stored_{_stored_kind(marker.group(0).strip())}_{kode}"
    return f"vol_{kode}"


# --------------------------------------------------------------------------- workbook access


class _ReadFailure(Exception):
    """The file cannot be read as a workbook: a rule code (rules.csv) and a Bahasa Indonesia
    detail for the clerk."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


# --------------------------------------------------------------------------- caps and sniffing

#: Largest file read at all (bytes on disk).
MAX_FILE_BYTES = 100 * 1024**2
#: Largest total of the zip members as actually inflated (a zip bomb stops here).
MAX_UNCOMPRESSED_BYTES = 200 * 1024**2
#: Largest sheet as a grid from A1 (rows × columns up to the last non-empty cell).
MAX_SHEET_CELLS = 3_000_000
#: Largest total of the grids loaded from one workbook.
MAX_BOOK_CELLS = 6_000_000
#: Most parts in a zip container (a 50-sheet workbook has about 60; zip64 counts read 65535).
MAX_ZIP_MEMBERS = 10_000

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_ENCRYPTED_OLE = "EncryptedPackage".encode("utf-16-le")
_INFLATE_CHUNK = 1 << 20


def _mb(n: float) -> str:
    """A byte count as ``12,3 MB`` (Indonesian decimal comma)."""
    return f"{n / 1024**2:.1f} MB".replace(".", ",")


def _count(n: int) -> str:
    """A count with Indonesian thousands dots (``3.000.000``)."""
    return f"{n:,}".replace(",", ".")


def _too_big(detail: str) -> _ReadFailure:
    return _ReadFailure(detail, "berkas_terlalu_besar")


def _not_workbook(looks_like: str) -> _ReadFailure:
    return _ReadFailure(f"Berkas ini berisi {looks_like}, bukan workbook Excel/ODS",
                        "bukan_workbook")


def _looks_like_text(head: bytes) -> str | None:
    """What a non-workbook file holds, judged from its first bytes (None: binary)."""
    if head.startswith(b"%PDF"):
        return "dokumen PDF"
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"),
                       (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            return _text_kind(head[len(bom):].decode(codec, "ignore"))
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end of the sample
            text = head.decode("cp1252", "replace")
            if sum(ch in "\ufffd\x00" or (ch < " " and ch not in "\r\n\t") for ch in text) > 8:
                return None
        else:
            text = head[: exc.start].decode("utf-8")
    return _text_kind(text)


def _text_kind(text: str) -> str | None:
    """Name of the text format of a file's beginning (HTML, XML, CSV, plain text)."""
    if any(ch == "\x00" or (ch < " " and ch not in "\r\n\t\f") for ch in text[:2048]):
        return None
    low = text.lstrip().lower()
    if low.startswith(("<!doctype html", "<html", "<table", "<meta", "<head", "<body")) or (
        "<html" in low[:2048] or "<table" in low[:2048]
    ):
        return "teks HTML (halaman web yang disimpan dengan nama .xls/.xlsx)"
    if low.startswith("<?xml") or low.startswith("<"):
        if "urn:schemas-microsoft-com:office:spreadsheet" in low:
            return "XML Spreadsheet 2003"
        return "teks XML"
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    if lines and sum(any(sep in line for sep in ",;\t|") for line in lines) >= len(lines) / 2:
        return "teks CSV"
    return "teks biasa"


def _sniff(data: bytes) -> str:
    """``zip`` or ``ole`` (the containers calamine reads), else raise ``bukan_workbook``."""
    if data.startswith(_ZIP_MAGICS):
        return "zip"
    if data.startswith(_OLE_MAGIC):
        return "ole"
    looks = _looks_like_text(data[:4096])
    raise _not_workbook(looks or "data biner yang tidak dikenal (bukan Excel/ODS)")


def _check_ole(data: bytes) -> None:
    """An OLE2 file is a legacy .xls or an encrypted Office file (``EncryptedPackage``)."""
    if _ENCRYPTED_OLE in data:
        raise _ReadFailure("berkas dilindungi kata sandi", "berkas_terenkripsi")


def _raw_member(data: bytes, info: zipfile.ZipInfo) -> memoryview:
    """The compressed bytes of a zip member, located through its local header."""
    off = info.header_offset
    if data[off:off + 4] != b"PK\x03\x04":
        raise zipfile.BadZipFile("local header missing")
    name_len, extra_len = struct.unpack("<HH", data[off + 26:off + 30])
    start = off + 30 + name_len + extra_len
    return memoryview(data)[start:start + info.compress_size]


def _inflated_size(zf: zipfile.ZipFile, data: bytes, info: zipfile.ZipInfo, budget: int,
                   keep: list[bytes] | None = None) -> int:
    """The member's real uncompressed size (not the declared one), stopping past ``budget``;
    with ``keep``, the inflated bytes are appended to it (so the member is inflated once)."""
    if info.compress_type == zipfile.ZIP_STORED:
        if keep is not None and info.compress_size <= budget:
            keep.append(bytes(_raw_member(data, info)))
        return info.compress_size
    if info.compress_type != zipfile.ZIP_DEFLATED:
        size = 0
        with zf.open(info) as fh:
            while size <= budget and (chunk := fh.read(_INFLATE_CHUNK)):
                size += len(chunk)
                if keep is not None:
                    keep.append(chunk)
        return size
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    raw = _raw_member(data, info)
    size = 0
    pending = bytes(raw)
    while pending and size <= budget:
        chunk = inflater.decompress(pending, _INFLATE_CHUNK)
        size += len(chunk)
        if keep is not None:
            keep.append(chunk)
        pending = inflater.unconsumed_tail
    if size > budget:
        return size
    tail = inflater.flush()
    if keep is not None:
        keep.append(tail)
    return size + len(tail)


def _kept_part(name: str) -> bool:
    """Zip members kept inflated after the container check: the xlsx parts the reader parses
    itself (workbook, its relationships and the worksheets)."""
    return name.startswith("xl/worksheets/") or name in (
        "xl/workbook.xml", "xl/_rels/workbook.xml.rels")


def _zip_entries(data: bytes) -> int | None:
    """Entry count of a zip's end-of-central-directory record (None when there is none);
    read before zipfile builds one object per entry."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 66_000))
    if end < 0 or end + 22 > len(data):
        return None
    return struct.unpack("<H", data[end + 10:end + 12])[0]


def _check_zip(data: bytes) -> tuple[str, dict[str, bytes]]:
    """Open a zip container and check it before calamine: (``xlsx``, ``ods`` or ``xlsb``, the
    inflated parts of :func:`_kept_part`). Raises berkas_rusak, berkas_terenkripsi,
    bukan_workbook or berkas_terlalu_besar."""
    parts: dict[str, bytes] = {}
    entries = _zip_entries(data)
    if entries is not None and entries > MAX_ZIP_MEMBERS:
        raise _too_big(f"arsipnya berisi {_count(entries)} bagian, batasnya "
                       f"{_count(MAX_ZIP_MEMBERS)}")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            kind = _zip_kind({i.filename for i in infos})
            if any(i.flag_bits & 0x1 for i in infos):
                raise _ReadFailure("isi zip dilindungi kata sandi", "berkas_terenkripsi")
            total = 0
            for info in infos:
                keep: list[bytes] | None = [] if _kept_part(info.filename) else None
                total += _inflated_size(zf, data, info, MAX_UNCOMPRESSED_BYTES - total, keep)
                if total > MAX_UNCOMPRESSED_BYTES:
                    raise _too_big(f"isinya mengembang menjadi lebih dari "
                                   f"{_mb(MAX_UNCOMPRESSED_BYTES)} saat dibuka")
                if keep is not None:
                    parts[info.filename] = b"".join(keep)
    except (zipfile.BadZipFile, zlib.error, struct.error, EOFError, OSError,
            NotImplementedError, RuntimeError) as exc:
        raise _ReadFailure("arsip zip terpotong atau tidak utuh", "berkas_rusak") from exc
    return kind, parts


def _zip_kind(names: set[str]) -> str:
    """Which workbook a zip holds, from its member names (raise bukan_workbook otherwise)."""
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "xl/workbook.bin" in names:
        return "xlsb"
    if "content.xml" in names:
        return "ods"
    if not names:
        raise _ReadFailure("arsip zip kosong", "berkas_rusak")
    if "word/document.xml" in names:
        raise _not_workbook("dokumen Word (.docx)")
    if any(n.startswith("ppt/") for n in names):
        raise _not_workbook("presentasi PowerPoint (.pptx)")
    raise _not_workbook("arsip ZIP berisi berkas lain")


# xlsx cell positions: every ``r="B12"`` attribute (rows and cells) found with numpy for the
# fast bound; cells without ``r`` or with a namespace prefix take the sequential scan.
_R_ATTR = np.frombuffer(b' r="', dtype="<u4")[0]
_XLSX_TAG = re.compile(rb"<(?:\w+:)?(row|c)\b([^>]*?)(/?)>")
_XLSX_ATTR_REF = re.compile(rb'\br="([A-Z]{0,3})([0-9]{0,7})"')


def _attr_starts(xml: bytes) -> np.ndarray:
    """Offsets just after every `` r="`` of the XML (a 4-byte match at each alignment)."""
    parts = [np.zeros(0, dtype=np.int64)]
    for offset in range(4):
        n = (len(xml) - offset) // 4
        if n > 0:
            words = np.frombuffer(xml, dtype="<u4", count=n, offset=offset)
            parts.append(np.flatnonzero(words == _R_ATTR) * 4 + offset + 4)
    return np.concatenate(parts)


def _parse_run(a: np.ndarray, pos: np.ndarray, lo: int, hi: int, base: int,
               width: int) -> tuple[np.ndarray, np.ndarray]:
    """Value of the run of bytes in [lo, hi] at each position (letters base 26 from 1, digits
    base 10) and the positions after it, vectorised."""
    value = np.zeros(len(pos), dtype=np.int64)
    live = np.ones(len(pos), dtype=bool)
    zero = 64 if base == 26 else 48
    for _ in range(width):
        ch = a[pos]
        live = live & (ch >= lo) & (ch <= hi)
        value = np.where(live, value * base + (ch.astype(np.int64) - zero), value)
        pos = pos + live
    return value, pos


def _xlsx_ref_bounds(xml: bytes) -> tuple[int, int]:
    """(largest row, largest column), 1-based, over every ``r`` attribute of a sheet's XML."""
    a = np.frombuffer(xml + b"\0" * 12, dtype=np.uint8)
    cols, pos = _parse_run(a, _attr_starts(xml), 65, 90, 26, 3)
    rows, _ = _parse_run(a, pos, 48, 57, 10, 7)
    return int(rows.max(initial=0)), int(cols.max(initial=0))


def _xlsx_grid_cells(xml: bytes) -> int:
    """Cells of an xlsx sheet read as a grid from A1 (rows × columns up to the last cell
    holding something), from its XML without building the sheet. The fast bound counts
    every referenced cell; when it passes the cap, empty styled cells are left out."""
    plain = b"<c>" not in xml and b":c " not in xml and b":c>" not in xml
    if plain and xml.count(b"<c ") == xml.count(b'<c r="'):
        rows, cols = _xlsx_ref_bounds(xml)
        if rows * cols <= MAX_SHEET_CELLS:
            return rows * cols
    return _xlsx_grid_cells_sequential(xml)


def _xlsx_grid_cells_sequential(xml: bytes) -> int:
    """:func:`_xlsx_grid_cells` following row and cell order (for cells without ``r``)."""
    row = col = -1
    max_row = max_col = -1
    for m in _XLSX_TAG.finditer(xml):
        ref = _XLSX_ATTR_REF.search(m.group(2))
        if m.group(1) == b"row":
            row = int(ref.group(2)) - 1 if ref and ref.group(2) else row + 1
            col = -1
            continue
        if ref and ref.group(1):
            col = _column_index(ref.group(1).decode())
            row = int(ref.group(2)) - 1 if ref.group(2) else row
        else:
            col += 1
        if not m.group(3):
            max_row, max_col = max(max_row, row), max(max_col, col)
    return (max_row + 1) * (max_col + 1)


def _ods_grid_cells(content: bytes) -> dict[str, int]:
    """Cells of each ODS table read as a grid from A1 (repeated rows/columns expanded, empty
    trailing repeats ignored), streaming through content.xml."""
    out: dict[str, int] = {}
    name, row, max_row, max_col = "", 0, 0, 0
    for event, el in ET.iterparse(io.BytesIO(content), events=("start", "end")):
        if event == "start":
            if el.tag == f"{_ODS_TABLE}table":
                name, row, max_row, max_col = el.get(f"{_ODS_TABLE}name", ""), 0, 0, 0
            continue
        if el.tag == f"{_ODS_TABLE}table-row":
            repeat = int(el.get(f"{_ODS_TABLE}number-rows-repeated", "1"))
            width = _ods_row_width(el)
            if width:
                max_row, max_col = row + repeat, max(max_col, width)
            row += repeat
            el.clear()
        elif el.tag == f"{_ODS_TABLE}table":
            out[name] = max_row * max_col
            el.clear()
    return out


def _ods_row_width(row: ET.Element) -> int:
    """Columns of an ODS row up to its last cell holding something (0: empty row)."""
    col = width = 0
    for cell in row:
        span = int(cell.get(f"{_ODS_TABLE}number-columns-repeated", "1"))
        col += span
        if len(cell) or cell.get(f"{_ODS_OFFICE}value-type"):
            width = col
    return width


_OLE_WORD = "WordDocument".encode("utf-16-le")
_OLE_POWERPOINT = "PowerPoint Document".encode("utf-16-le")


def _calamine_failure(exc: Exception, data: bytes) -> _ReadFailure:
    """The read failure of a calamine exception on a file that passed the container checks:
    a password, an old Word/PowerPoint file, else a damaged workbook."""
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, pc.PasswordError) or "password" in reason.lower():
        return _ReadFailure("berkas dilindungi kata sandi", "berkas_terenkripsi")
    if data.startswith(_OLE_MAGIC) and _OLE_WORD in data:
        return _not_workbook("dokumen Word 97-2003 (.doc)")
    if data.startswith(_OLE_MAGIC) and _OLE_POWERPOINT in data:
        return _not_workbook("presentasi PowerPoint 97-2003 (.ppt)")
    return _ReadFailure("isi workbook tidak dapat diurai", "berkas_rusak")


class _Book:
    """A parsed workbook: sheet names and sheets as grids, loaded once each, never past the
    caps (``MAX_*``): the container is checked before calamine opens it, and each sheet's grid
    size is measured from its XML before calamine builds it."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.kind = _sniff(data)
        self._parts: dict[str, bytes] = {}
        self._sheet_paths: dict[str, str] | None = None
        if self.kind == "ole":
            _check_ole(data)
        else:
            self.kind, self._parts = _check_zip(data)
        self._cells_loaded = 0
        if self.kind == "ods":  # calamine builds every ODS table when it opens the file
            for name, cells in self._ods_grid_cells().items():
                self._reserve(name, cells)
        try:
            self.book = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
            self.names = [
                m.name for m in self.book.sheets_metadata if m.typ == pc.SheetTypeEnum.WorkSheet
            ]
        except Exception as exc:  # calamine raises many types for bad input
            raise _calamine_failure(exc, self.data) from exc
        self._grids: dict[str, Grid] = {}
        self._merges: dict[str, MergeMap] = {}

    def _reserve(self, name: str, cells: int) -> None:
        """Count ``cells`` against the caps before a sheet of that size is built."""
        if cells > MAX_SHEET_CELLS:
            raise _too_big(f"sheet '{name}' memuat {_count(cells)} sel (baris × kolom sampai "
                           f"sel terisi terakhir), batasnya {_count(MAX_SHEET_CELLS)} sel")
        self._cells_loaded += cells
        if self._cells_loaded > MAX_BOOK_CELLS:
            raise _too_big(f"seluruh sheet memuat lebih dari {_count(MAX_BOOK_CELLS)} sel")

    def _ods_grid_cells(self) -> dict[str, int]:
        """Grid size of every ODS table, from content.xml."""
        try:
            with zipfile.ZipFile(io.BytesIO(self.data)) as zf:
                return _ods_grid_cells(zf.read("content.xml"))
        except (zipfile.BadZipFile, KeyError, ET.ParseError, ValueError, OSError) as exc:
            raise _ReadFailure("isi XML workbook tidak utuh", "berkas_rusak") from exc

    def _xlsx_grid_cells(self, name: str) -> int:
        """Grid size of an xlsx sheet, from its XML part (inflated once, by the zip check)."""
        parts = self._parts
        try:
            if self._sheet_paths is None:
                self._sheet_paths = _xlsx_sheet_paths(parts["xl/workbook.xml"],
                                                      parts["xl/_rels/workbook.xml.rels"])
            path = self._sheet_paths.get(name)
            if path is not None and path not in parts:
                raise _ReadFailure(f"sheet '{name}' tidak ada di dalam arsip", "berkas_rusak")
            paths = [path] if path else [n for n in parts if n.startswith("xl/worksheets/")]
            return max((_xlsx_grid_cells(parts[p]) for p in paths), default=0)
        except (KeyError, ET.ParseError, ValueError) as exc:
            raise _ReadFailure("isi XML workbook tidak utuh", "berkas_rusak") from exc

    def grid(self, name: str) -> Grid:
        """All cells of a sheet from A1, as calamine returns them ('' for empty)."""
        if name not in self._grids:
            if self.kind == "xlsx":
                self._reserve(name, self._xlsx_grid_cells(name))
            try:
                sheet = self.book.get_sheet_by_name(name)
                if self.kind in ("ole", "xlsb"):  # no XML to measure: check calamine's range
                    end = sheet.end
                    self._reserve(name, 0 if end is None else (end[0] + 1) * (end[1] + 1))
                self._grids[name] = sheet.to_python(skip_empty_area=False)
                ranges = sheet.merged_cell_ranges
            except _ReadFailure:
                raise
            except Exception as exc:
                raise _calamine_failure(exc, self.data) from exc
            self._merges[name] = None if ranges is None else _merge_map(ranges)
        return self._grids[name]

    def merges(self, name: str) -> MergeMap:
        """Merged ranges of a loaded sheet keyed by top-left cell (None: format has none)."""
        self.grid(name)
        return self._merges[name]

    def error_cells(self, name: str) -> dict[tuple[int, int], str]:
        """Excel error values of a sheet by 0-based (row, col), read from the file's XML."""
        try:
            with zipfile.ZipFile(io.BytesIO(self.data)) as zf:
                members = set(zf.namelist())
                if "xl/workbook.xml" in members:
                    return _xlsx_error_cells(zf, name)
                if "content.xml" in members:
                    return _ods_error_cells(zf, name)
        except (zipfile.BadZipFile, KeyError, ET.ParseError, ValueError):
            return {}
        return {}


def _merge_map(ranges: Iterable[tuple[tuple[int, int], tuple[int, int]]]) -> MergeMap:
    """Merged ranges keyed by their top-left cell: (row0, col0, row1, col1)."""
    return {(r0, c0): (r0, c0, r1, c1) for (r0, c0), (r1, c1) in ranges}


_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_XLSX_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.DOTALL)
_XLSX_REF = re.compile(rb'\br="([A-Z]+)([0-9]+)"')
_XLSX_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")


def _xlsx_sheet_paths(workbook_xml: bytes, rels_xml: bytes) -> dict[str, str]:
    """Zip member of every worksheet of an xlsx/xlsm, by sheet name."""
    book = ET.fromstring(workbook_xml)
    rels = ET.fromstring(rels_xml)
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_NS_PKG}Relationship")}
    out: dict[str, str] = {}
    for sheet in book.iter(f"{_NS_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_NS_REL}id"), "")
        out.setdefault(sheet.get("name", ""),
                       target.lstrip("/") if target.startswith("/") else f"xl/{target}")
    return out


def _xlsx_sheet_path(zf: zipfile.ZipFile, name: str) -> str | None:
    """Zip member of the worksheet called ``name`` in an xlsx/xlsm."""
    return _xlsx_sheet_paths(zf.read("xl/workbook.xml"),
                             zf.read("xl/_rels/workbook.xml.rels")).get(name)


def _xlsx_error_cells(zf: zipfile.ZipFile, name: str) -> dict[tuple[int, int], str]:
    """Error cells (``t="e"``) of one xlsx worksheet."""
    path = _xlsx_sheet_path(zf, name)
    if path is None:
        return {}
    xml = zf.read(path)
    if b't="e"' not in xml:
        return {}
    out: dict[tuple[int, int], str] = {}
    for m in _XLSX_CELL.finditer(xml):
        attrs = m.group(1)
        if b't="e"' not in attrs:
            continue
        ref = _XLSX_REF.search(attrs)
        value = _XLSX_VALUE.search(m.group(2) or b"")
        if ref:
            text = value.group(1).decode() if value else "#VALUE!"
            out[(int(ref.group(2)) - 1, _column_index(ref.group(1).decode()))] = text
    return out


_ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_ODS_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_ODS_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_ODS_CALCEXT = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}"


def _ods_error_cells(zf: zipfile.ZipFile, name: str) -> dict[tuple[int, int], str]:
    """Error cells (``calcext:value-type="error"``) of one ODS table."""
    content = zf.read("content.xml")
    if b'value-type="error"' not in content:
        return {}
    out: dict[tuple[int, int], str] = {}
    for table in ET.fromstring(content).iter(f"{_ODS_TABLE}table"):
        if table.get(f"{_ODS_TABLE}name") != name:
            continue
        row0 = 0
        for row in table.iter(f"{_ODS_TABLE}table-row"):
            col0 = 0
            for cell in row:
                span = int(cell.get(f"{_ODS_TABLE}number-columns-repeated", "1"))
                if cell.get(f"{_ODS_CALCEXT}value-type") == "error":
                    text = "".join(cell.itertext()).strip() or "#VALUE!"
                    for c in range(col0, col0 + min(span, 1024)):
                        out[(row0, c)] = text
                col0 += span
            row0 += int(row.get(f"{_ODS_TABLE}number-rows-repeated", "1"))
    return out


# --------------------------------------------------------------------------- header row


@dataclass
class _Header:
    row: int  # 0-based header row (the lowest one)
    top: int  # 0-based topmost row a label came from
    columns: dict[str, int]  # canonical column -> 0-based column index


def _label_above(grid: Grid, r: int, c: int, merges: MergeMap) -> tuple[object, int] | None:
    """The label an empty header cell inherits from the nearest non-empty cell above it
    (within GROUP_ROWS rows), unless that cell is a group title merged across columns."""
    for ra in range(r - 1, max(r - 1 - GROUP_ROWS, -1), -1):
        row = grid[ra]
        value = row[c] if c < len(row) else ""
        if _blank(value):
            continue
        merge = merges.get((ra, c)) if merges else None
        if merge is not None and merge[3] > merge[1] and merge[2] < r:
            return None
        return value, ra
    return None


def _row_columns(grid: Grid, r: int, merges: MergeMap) -> tuple[dict[str, int], int]:
    """Known columns a candidate header row names (first label wins) and the topmost row used."""
    found: dict[str, int] = {}
    top = r
    for c, value in enumerate(grid[r]):
        source = r
        if _blank(value):
            inherited = _label_above(grid, r, c, merges)
            if inherited is None:
                continue
            value, source = inherited
        if not isinstance(value, str):
            continue
        name = match_column_label(value)
        if name is not None and name not in found:
            found[name] = c
            top = min(top, source)
    return found, top


_LETTER = re.compile(r"[^\W\d_]")  # every column label has a letter; number texts have none


def _names_own_column(row: list[Any]) -> bool:
    """True when a row holds at least one known column label of its own (cheap pre-check)."""
    return any(type(v) is str and _LETTER.search(v) and match_column_label(v) is not None
               for v in row)


def _find_header(grid: Grid, merges: MergeMap) -> _Header | None:
    """The row among the first HEADER_SCAN_ROWS naming the most known columns (>= 3);
    on a tie the upper row wins."""
    best: _Header | None = None
    for r in range(min(HEADER_SCAN_ROWS, len(grid))):
        if not _names_own_column(grid[r]):
            continue  # a header row has at least one known label of its own
        columns, top = _row_columns(grid, r, merges)
        if len(columns) >= MIN_HEADER_MATCHES and (
            best is None or len(columns) > len(best.columns)
        ):
            best = _Header(r, top, columns)
    return best


# --------------------------------------------------------------------------- sheet choice


def _is_identity_sheet(name: str) -> bool:
    """True for a sheet named like Identitas / Cover / Identitas Kelurahan."""
    norm = _norm(name)
    return any(word in norm for word in IDENTITY_SHEET_WORDS)


def _choose_rt_sheet(book: _Book) -> tuple[str | None, _Header | None]:
    """The RT sheet and its header: a sheet named with "RT", else the only non-identity
    sheet, else the sheet whose header names the most known columns."""
    named = [n for n in book.names if RT_SHEET_NAME.search(n.lower()) and not _is_identity_sheet(n)]
    others = [n for n in book.names if not _is_identity_sheet(n)]
    if named:
        rounds = [named, [n for n in book.names if n not in named]]
    elif len(others) == 1:
        rounds = [others, [n for n in book.names if n not in others]]
    else:
        rounds = [book.names]
    for candidates in rounds:
        best: tuple[str, _Header] | None = None
        for name in candidates:
            header = _find_header(book.grid(name), book.merges(name))
            if header and (best is None or len(header.columns) > len(best[1].columns)):
                best = (name, header)
        if best:
            return best
    fallback = named or (others if len(others) == 1 else [])
    return (fallback[0] if fallback else None), None


# --------------------------------------------------------------------------- identity

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
    index = spec.identity_label_index()
    head, colon, tail = text.partition(":")
    if colon and tail.strip() and index.get(_norm(head)):
        return index[_norm(head)], tail.strip()
    return index.get(_norm(text)), None


def _value_right_of(row: list[Any], c: int) -> tuple[object, int] | None:
    """The next non-empty cell right of column c, skipping a lone ':' cell."""
    for cc in range(c + 1, len(row)):
        value = row[cc]
        if _blank(value) or (isinstance(value, str) and value.strip() == ":"):
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
    if _blank(value):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not float(value).is_integer():
            return _raw_text(value)
        text = str(int(value))
    else:
        text = _raw_text(value)
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
    return _text_or_none(value)


def _read_identity(
    book: _Book, rt_sheet: str | None, header: _Header | None
) -> tuple[dict[str, object], dict[str, str], dict[str, tuple[str, str]]]:
    """Identity from identity-named sheets, then from the rows above the RT table."""
    found: dict[str, tuple[object, str, str]] = {}
    for name in book.names:
        if _is_identity_sheet(name):
            _scan_identity(book.grid(name), name, IDENTITY_SCAN_ROWS, found)
    if rt_sheet is not None:
        limit = IDENTITY_SCAN_ROWS if header is None else min(IDENTITY_SCAN_ROWS, header.top)
        _scan_identity(book.grid(rt_sheet), rt_sheet, limit, found)
    identity: dict[str, object] = {}
    raw: dict[str, str] = {}
    cells: dict[str, tuple[str, str]] = {}
    for f in spec.identity_fields():
        hit = found.get(f.field)
        identity[f.field] = None if hit is None else _identity_value(f.field, hit[0])
        if hit is not None:
            raw[f.field] = _raw_text(hit[0])
            cells[f.field] = (hit[1], hit[2])
    return identity, raw, cells


# --------------------------------------------------------------------------- RT rows

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
    tokens = [_numbering_token(v) for v in row if not _blank(v)]
    if len(tokens) < MIN_HEADER_MATCHES or any(t is None for t in tokens):
        return False
    numbers = [t[0] for t in tokens if t]
    if all(t[1] for t in tokens if t):
        return all(b > a for a, b in zip(numbers, numbers[1:], strict=False))
    return numbers == list(range(numbers[0], numbers[0] + len(numbers)))


def _is_total_label(value: object) -> bool:
    """True for a total-row label (Jumlah, Subtotal, Total, Jml, Rata-rata, Jumlah Total …)."""
    if not isinstance(value, str) or len(value) > MAX_LABEL_CHARS:
        return False
    norm = _norm(value)
    return bool(norm) and any(norm.startswith(label) for label in spec.TOTAL_ROW_LABELS)


def _is_total_row(row: list[Any], key_col: int | None) -> bool:
    """True when the RT cell or the first non-empty cell of a row is a total label."""
    if key_col is not None and _is_total_label(row[key_col]):
        return True
    first = next((v for v in row if not _blank(v)), None)
    return _is_total_label(first)


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
    counts = spec.count_columns()
    numeric = [(n, columns[n], n in counts) for n in spec.numeric_columns() if n in columns]
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
    codes = [c.kode for c in spec.criteria()]
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


def _data_rows(grid: Grid, header: _Header, lay: _Layout) -> list[int]:
    """0-based indices of the RT rows under the header (spec §2 row rules)."""
    out: list[int] = []
    first = True
    for r in range(header.row + 1, len(grid)):
        row = grid[r]
        if all(_blank(v) for v in row):
            continue
        if first:
            first = False
            if _is_numbering_row(row):
                continue
        if _is_total_row(row, lay.key):
            continue
        rt, _ = _row_rt_rw(row, lay)
        if rt is None and not any(_looks_numeric(row[c]) for _, c, _ in lay.numeric):
            break
        out.append(r)
    return out


class _Rows:
    """Column arrays of the RT DataFrame, filled column by column."""

    def __init__(self, lay: _Layout, baris: list[int]) -> None:
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
        for name in spec.numeric_columns():
            values = self.numeric.get(name)
            out[name] = np.full(n, np.nan) if values is None else values
        return {**out, **self.stored}


def _objects(values: list[Any]) -> np.ndarray:
    """An object array of ``values`` (None kept, no string inference)."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _frame(columns: dict[str, Any]) -> pd.DataFrame:
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
        kinds = {p.dtype for p in parts if p is not None}
        kind = kinds.pop() if len(kinds) == 1 and all(p is not None for p in parts) else (
            object if np.dtype(object) in kinds else np.float64)
        filled = [p.astype(kind, copy=False) if p is not None else np.full(n, np.nan, kind)
                  for p, n in zip(parts, sizes, strict=True)]
        data[name] = pd.Series(np.concatenate(filled), dtype=kind, copy=False)
    return pd.DataFrame(data)


@lru_cache(maxsize=1)
def _empty_template() -> pd.DataFrame:
    return _frame(_Rows(_layout({}), []).columns())


def _empty_rows() -> pd.DataFrame:
    """An RT DataFrame with no rows and every always-present column."""
    return _empty_template().copy()


#: Parsed cell texts of this process by (is_count — None for stored — , convention), then
#: text: survey files repeat the same texts; each memo is cleared past ``_MEMO_MAX`` entries.
_MEMO: dict[tuple[bool | None, Convention | None], dict[str, ParsedNumber]] = {}
_MEMO_MAX = 200_000


def _text_memo(is_count: bool | None, convention: Convention | None) -> dict[str, ParsedNumber]:
    """The process's parsed-text memo for one column kind and convention (emptied when full)."""
    memo = _MEMO.setdefault((is_count, convention), {})
    if len(memo) > _MEMO_MAX:
        memo.clear()
    return memo


def _all_floats(values: tuple[Any, ...]) -> bool:
    """True when every value is a float (the common case: numeric cells, no text)."""
    return not values or set(map(type, values)) == {float}


class _TableReader:
    """Reads the RT rows of one sheet column by column into arrays and cell problems.

    Numeric columns holding only numbers become arrays at once; other columns parse cell by
    cell (a text seen before in the column is not parsed again). Problems are recorded in row
    order, RT and RW first, then the numeric columns in spec order."""

    def __init__(self, book: _Book, sheet: str, header: _Header) -> None:
        self.book = book
        self.sheet = sheet
        self.grid = book.grid(sheet)
        self.header = header
        self.lay = _layout(header.columns)
        self.problems: list[CellProblem] = []
        self._found: list[tuple[int, int, CellProblem]] = []
        self._errors: dict[tuple[int, int], str] | None = None
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

    def _problem(self, r: int, c: int, kolom: str, value: object, kode: str,
                 order: int = 0) -> None:
        self._found.append((r, order, CellProblem(self.sheet, r + 1, kolom, cell_ref(r, c),
                                                  _raw_text(value), kode)))

    def read(self) -> dict[str, Any]:
        """Parse all RT rows as column arrays; sets ``convention`` and ``problems``."""
        rows = _data_rows(self.grid, self.header, self.lay)
        if b"opendocument" in self.book.data[:100]:
            self._errors = self.book.error_cells(self.sheet)  # ODS error cells may read as 0
        columns = list(zip(*(self.grid[r] for r in rows), strict=True)) if rows else []
        self.convention = detect_convention(self._numeric_texts(columns))
        out = _Rows(self.lay, [r + 1 for r in rows])
        self._read_codes(rows, out)
        for order, (name, c, is_count) in enumerate(self.lay.numeric, start=2):
            values = columns[c] if columns else ()
            out.numeric[name] = self._numeric_column(rows, values, c, name, is_count, order)
        for name, c in self.lay.stored:
            out.stored[name] = self._stored_column(name, columns[c] if columns else ())
        self._found.sort(key=lambda item: item[:2])
        self.problems = [p for _, _, p in self._found]
        return out.columns()

    def _numeric_texts(self, columns: list[tuple[Any, ...]]) -> Iterable[str]:
        """Text cells of the known numeric columns (for convention detection)."""
        for _, c, _ in self.lay.numeric:
            if columns:
                yield from (v for v in columns[c] if type(v) is str and v)

    def _read_codes(self, rows: list[int], out: _Rows) -> None:
        """RT, RW and kawasan of every row, with a problem for an unreadable RT/RW cell."""
        lay = self.lay
        for r in rows:
            row = self.grid[r]
            rt, rw = _row_rt_rw(row, lay)
            self._check_code(r, lay.key, "rt", rt, 0)  # a failed combined cell: one problem
            self._check_code(r, lay.rw, "rw", rw, 1)
            out.rt.append(rt)
            out.rw.append(rw)
            out.kawasan.append(None if lay.kawasan is None else _text_or_none(row[lay.kawasan]))

    def _numeric_column(self, rows: list[int], values: tuple[Any, ...], c: int, name: str,
                        is_count: bool, order: int) -> np.ndarray:
        """One numeric column as float64 (NaN where unreadable, with a problem)."""
        if not self._errors and _all_floats(values):
            return np.array(values, dtype=np.float64)
        out = np.empty(len(values), dtype=np.float64)
        convention = self.convention
        memo = _text_memo(is_count, convention)
        for i, value in enumerate(values):
            if type(value) is float and not self._errors:
                out[i] = value
                continue
            r = rows[i]
            if type(value) is str and value:
                parsed = memo.get(value)
                if parsed is None:
                    parsed = memo[value] = (
                        ParsedNumber(float(value), None) if value.isdigit() and value.isascii()
                        and len(value) <= MAX_NUMBER_CHARS  # plain digits: any convention
                        else parse_number(value, is_count=is_count, convention=convention))
            else:
                value = self._cell(r, c)
                parsed = parse_number(value, is_count=is_count, convention=convention)
            out[i] = math.nan if parsed.value is None else parsed.value
            if parsed.problem is not None:
                self._problem(r, c, name, value, parsed.problem, order)
        return out

    def _check_code(self, r: int, c: int | None, kolom: str, code: str | None,
                    order: int) -> None:
        """Record a problem for an empty or unreadable RT/RW cell."""
        if c is None or code is not None:
            return
        value = self._cell(r, c)
        if _blank(value):
            kode = "kosong"
        elif isinstance(value, str) and value.strip().upper() in EXCEL_ERRORS:
            kode = "sel_error"
        else:
            kode = "bukan_angka"
        self._problem(r, c, kolom, value, kode, order)

    def _stored_column(self, name: str, values: tuple[Any, ...]) -> Any:
        """Stored percents/scores/total/tingkat: read for reconciliation, never a problem."""
        if name == "stored_tingkat_kekumuhan":
            return np.array([_text_or_none(v) for v in values], dtype=object)
        if _all_floats(values):
            out = np.array(values, dtype=np.float64)
            out[~np.isfinite(out)] = np.nan
            return out
        convention = self.convention
        memo = _text_memo(None, convention)

        def one(value: object) -> float:
            if type(value) is float:
                return value if math.isfinite(value) else math.nan
            text = type(value) is str
            parsed = memo.get(value) if text else None
            if parsed is None:
                parsed = parse_number(value.strip().removesuffix("%").strip() if text else value,
                                      is_count=False, convention=convention)
                if text:
                    memo[value] = parsed
            return math.nan if parsed.value is None else parsed.value

        return np.array([one(v) for v in values], dtype=np.float64)


# --------------------------------------------------------------------------- entry point


def _required_missing(columns: dict[str, int]) -> list[str]:
    """Required RT-table columns not found (rt/rw satisfied by a combined rt_rw column)."""
    required = [c.name for c in spec.base_columns() if c.required]
    required += [c.name for c in spec.volume_columns()]
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
        readable=False,
        read_error=message,
        read_error_code=code,
        identity={f.field: None for f in spec.identity_fields()},
        missing_columns=_required_missing({}),
    )


def _file_sha256(path: Path) -> str:
    """sha256 of a file read in chunks (for a file too big to load)."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while chunk := fh.read(_INFLATE_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _read_book(book: _Book, result: WorkbookRead) -> None:
    """Fill ``result`` from a parsed workbook."""
    sheet, header = _choose_rt_sheet(book)
    result.rt_sheet = sheet
    result.identity, result.identity_raw, result.identity_cells = _read_identity(
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
    table = _TableReader(book, sheet, header)
    result.table = table.read()
    result.convention = table.convention
    result.problems = table.problems


#: errno values of I/O failures that may pass (network shares, NFS/SMB): worth a retry.
TRANSIENT_ERRNOS = frozenset({errno.EIO, errno.EAGAIN, errno.ETIMEDOUT, errno.ESTALE,
                              errno.ECONNRESET, errno.ECONNABORTED, errno.EHOSTDOWN,
                              errno.EHOSTUNREACH, errno.ENETDOWN, errno.ENETUNREACH,
                              errno.ENOLCK, errno.EBUSY})


def is_transient(exc: BaseException) -> bool:
    """True for an I/O error that may succeed when tried again (never for bad content)."""
    return isinstance(exc, OSError) and exc.errno in TRANSIENT_ERRNOS


def read_workbook(path: Path, sumber_file: str) -> WorkbookRead:
    """Read one survey workbook (.xlsx/.xlsm/.xls/.ods) for validation and scoring.

    Reads the bytes once (sha256, size), then identity, the RT table's rows as a DataFrame
    (``sumber_baris``, ``rt``, ``rw``, ``kawasan``, numeric columns as float64, stored columns)
    and the cells that could not be read. Never raises for bad input.
    """
    try:
        size = Path(path).stat().st_size
        if size > MAX_FILE_BYTES:
            detail = f"ukurannya {_mb(size)}, batasnya {_mb(MAX_FILE_BYTES)}"
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
    result = WorkbookRead(
        sumber_file=sumber_file,
        sha256=sha256,
        size=len(data),
        readable=True,
        read_error=None,
    )
    try:
        _read_book(_Book(data), result)
    except _ReadFailure as exc:
        return _unreadable(sumber_file, sha256, len(data), str(exc), exc.code)
    except (Exception, RecursionError) as exc:  # noqa: BLE001 - bad input never stops a run
        detail = f"isi berkas tidak terduga ({type(exc).__name__}: {str(exc)[:200]})"
        return _unreadable(sumber_file, sha256, len(data), detail)
    return result


__all__: list[str] = [
    "CellProblem",
    "WorkbookRead",
    "cell_ref",
    "column_letter",
    "match_column_label",
    "normalise_kode",
    "parse_tahun",
    "parse_tanggal",
    "read_workbook",
]
