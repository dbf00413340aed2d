"""Container safety before calamine sees a file: sniffing, size caps, zip-bomb checks.

A file is sniffed (empty, zip, OLE2, or text/HTML/CSV/PDF that is no workbook) and checked
against caps: file size, the inflated size of the zip members (never the declared one: a zip bomb
stops here; bounded from the compressed sizes, else measured by inflating), and the grid size of
each sheet measured from its XML before the sheet is built (``MAX_*``). Each refusal is a
:class:`ReadFailure` carrying a rule code of ``spec/tables/rules.csv`` (``berkas_kosong``,
``bukan_workbook``, ``berkas_rusak``, ``berkas_terenkripsi``, ``berkas_terlalu_besar``).
"""

from __future__ import annotations

import io
import math
import re
import struct
import xml.etree.ElementTree as ET
import zipfile
import zlib

import numpy as np
import python_calamine as pc

from transforms.read.cells import column_index


class ReadFailure(Exception):
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


def mb_text(n: float) -> str:
    """A byte count as ``12,3 MB`` (Indonesian decimal comma)."""
    return f"{n / 1024**2:.1f} MB".replace(".", ",")


def count_text(n: int) -> str:
    """A count with Indonesian thousands dots (``3.000.000``)."""
    return f"{n:,}".replace(",", ".")


def too_big(detail: str) -> ReadFailure:
    return ReadFailure(detail, "berkas_terlalu_besar")


def _not_workbook(looks_like: str) -> ReadFailure:
    return ReadFailure(f"Berkas ini berisi {looks_like}, bukan workbook Excel/ODS",
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


def sniff(data: bytes) -> str:
    """``zip`` or ``ole`` (the containers calamine reads), else raise ``bukan_workbook``."""
    if data.startswith(_ZIP_MAGICS):
        return "zip"
    if data.startswith(_OLE_MAGIC):
        return "ole"
    looks = _looks_like_text(data[:4096])
    raise _not_workbook(looks or "data biner yang tidak dikenal (bukan Excel/ODS)")


def check_ole(data: bytes) -> None:
    """An OLE2 file is a legacy .xls or an encrypted Office file (``EncryptedPackage``)."""
    if _ENCRYPTED_OLE in data:
        raise ReadFailure("berkas dilindungi kata sandi", "berkas_terenkripsi")


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


#: Most bytes one byte of deflate data inflates to: a match of 258 bytes takes at least two
#: bits (a length code and a distance code of one bit each), so 8 bits give 1032 bytes.
_DEFLATE_MAX_RATIO = 1032


def _inflated_bound(infos: list[zipfile.ZipInfo]) -> float:
    """Most bytes the members can inflate to, from their compressed sizes alone (the sizes
    zipfile and calamine read them with; the declared uncompressed sizes may lie); infinite
    when a member uses another method than stored or deflate."""
    bound = 0.0
    for info in infos:
        if info.compress_type == zipfile.ZIP_STORED:
            bound += info.compress_size
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            bound += _DEFLATE_MAX_RATIO * info.compress_size
        else:
            return math.inf
    return bound


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


def check_zip(data: bytes) -> tuple[str, dict[str, bytes]]:
    """Open a zip container and check it before calamine: (``xlsx``, ``ods`` or ``xlsb``, the
    inflated parts of :func:`_kept_part`). Every member is inflated to measure its real size,
    unless their compressed sizes alone keep the total under the cap (:func:`_inflated_bound`):
    then only the kept parts are. Raises berkas_rusak, berkas_terenkripsi, bukan_workbook or
    berkas_terlalu_besar."""
    parts: dict[str, bytes] = {}
    entries = _zip_entries(data)
    if entries is not None and entries > MAX_ZIP_MEMBERS:
        raise too_big(f"arsipnya berisi {count_text(entries)} bagian, batasnya "
                       f"{count_text(MAX_ZIP_MEMBERS)}")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            kind = _zip_kind({i.filename for i in infos})
            if any(i.flag_bits & 0x1 for i in infos):
                raise ReadFailure("isi zip dilindungi kata sandi", "berkas_terenkripsi")
            # no member can pass the cap: only the parts the reader parses need inflating
            bounded = _inflated_bound(infos) <= MAX_UNCOMPRESSED_BYTES
            total = 0
            for info in infos:
                keep: list[bytes] | None = [] if _kept_part(info.filename) else None
                if bounded and keep is None:
                    continue
                total += _inflated_size(zf, data, info, MAX_UNCOMPRESSED_BYTES - total, keep)
                if total > MAX_UNCOMPRESSED_BYTES:
                    raise too_big(f"isinya mengembang menjadi lebih dari "
                                   f"{mb_text(MAX_UNCOMPRESSED_BYTES)} saat dibuka")
                if keep is not None:
                    parts[info.filename] = b"".join(keep)
    except (zipfile.BadZipFile, zlib.error, struct.error, EOFError, OSError,
            NotImplementedError, RuntimeError) as exc:
        raise ReadFailure("arsip zip terpotong atau tidak utuh", "berkas_rusak") from exc
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
        raise ReadFailure("arsip zip kosong", "berkas_rusak")
    if "word/document.xml" in names:
        raise _not_workbook("dokumen Word (.docx)")
    if any(n.startswith("ppt/") for n in names):
        raise _not_workbook("presentasi PowerPoint (.pptx)")
    raise _not_workbook("arsip ZIP berisi berkas lain")


# xlsx cell positions: every ``r="B12"`` attribute (rows and cells) found with numpy byte masks
# for the fast bound; cells without ``r`` or with a namespace prefix take the sequential scan.
_XLSX_TAG = re.compile(rb"<(?:\w+:)?(row|c)\b([^>]*?)(/?)>")
_XLSX_ATTR_REF = re.compile(rb'\br="([A-Z]{0,3})([0-9]{0,7})"')
_PAD = b"\0" * 12  # the longest look past a position: `` r="`` and a 3+7 character reference
#: A sheet XML up to this size is measured with bytes methods (numpy's per-call cost is more).
_SMALL_XML = 4096
_REF_LETTERS = re.compile(rb' r="([A-Z]{0,3})')
_REF_DIGITS = re.compile(rb' r="[A-Z]{0,3}([0-9]{0,7})')


def _at(a: np.ndarray, n: int, text: bytes) -> np.ndarray:
    """Mask of the offsets in [0, n) where ``text`` starts (``a``: the XML bytes, padded)."""
    mask = a[:n] == text[0]
    for k in range(1, len(text)):
        mask &= a[k:n + k] == text[k]
    return mask


def _parse_run(a: np.ndarray, pos: np.ndarray, lo: int, hi: int, base: int,
               width: int) -> tuple[np.ndarray, np.ndarray]:
    """Value of the run of bytes in [lo, hi] at each position (letters base 26 from 1, digits
    base 10) and the positions after it, vectorised."""
    value = np.zeros(len(pos), dtype=np.int64)
    live = np.ones(len(pos), dtype=bool)
    zero = 64 if base == 26 else 48
    for _ in range(width):
        ch = a[pos]
        live &= (ch >= lo) & (ch <= hi)
        if not np.count_nonzero(live):
            break  # every run has ended
        value = np.where(live, value * base + (ch.astype(np.int64) - zero), value)
        pos = pos + live
    return value, pos


def _xlsx_ref_bounds(a: np.ndarray, n: int) -> tuple[int, int] | None:
    """(largest row, largest column), 1-based, over every `` r="`` attribute of a sheet's XML;
    None when a cell tag is not a plain ``<c r="…`` (``<c>``, ``<c`` without ``r`` first, a
    prefixed ``x:c``)."""
    quote_r = _at(a, n + 3, b'r="')  # offsets where ``r="`` starts
    after_c = a[2:n + 2]  # the byte after a ``<c`` or ``:c`` at each offset
    closed, spaced = after_c == ord(">"), after_c == ord(" ")
    no_ref = (_at(a, n, b"<c") & (closed | (spaced & ~quote_r[3:n + 3]))) | (
        _at(a, n, b":c") & (closed | spaced))
    if no_ref.any():
        return None
    starts = np.flatnonzero((a[:n] == ord(" ")) & quote_r[1:n + 1]) + 4
    cols, pos = _parse_run(a, starts, 65, 90, 26, 3)
    rows, _ = _parse_run(a, pos, 48, 57, 10, 7)
    return int(rows.max(initial=0)), int(cols.max(initial=0))


def _small_ref_bounds(xml: bytes) -> tuple[int, int] | None:
    """:func:`_xlsx_ref_bounds` of a small XML with bytes methods (None: a cell without a
    plain ``r``)."""
    if b"<c>" in xml or b":c " in xml or b":c>" in xml or (
            xml.count(b"<c ") != xml.count(b'<c r="')):
        return None
    rows = max(map(int, set(_REF_DIGITS.findall(xml)) - {b""}), default=0)
    letters = {run.decode() for run in set(_REF_LETTERS.findall(xml))}
    return rows, max(map(column_index, letters), default=-1) + 1


def xlsx_grid_cells(xml: bytes) -> int:
    """Cells of an xlsx sheet read as a grid from A1 (rows × columns up to the last cell
    holding something), from its XML without building the sheet. The fast bound counts
    every referenced cell; when it passes the cap, empty styled cells are left out."""
    if len(xml) <= _SMALL_XML:
        bounds = _small_ref_bounds(xml)
    else:
        a = np.frombuffer(xml + _PAD, dtype=np.uint8)
        bounds = _xlsx_ref_bounds(a, len(xml))
    if bounds is not None and bounds[0] * bounds[1] <= MAX_SHEET_CELLS:
        return bounds[0] * bounds[1]
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
            col = column_index(ref.group(1).decode())
            row = int(ref.group(2)) - 1 if ref.group(2) else row
        else:
            col += 1
        if not m.group(3):
            max_row, max_col = max(max_row, row), max(max_col, col)
    return (max_row + 1) * (max_col + 1)


def ods_grid_cells(content: bytes) -> dict[str, int]:
    """Cells of each ODS table read as a grid from A1 (repeated rows/columns expanded, empty
    trailing repeats ignored), streaming through content.xml."""
    out: dict[str, int] = {}
    name, row, max_row, max_col = "", 0, 0, 0
    for event, el in ET.iterparse(io.BytesIO(content), events=("start", "end")):
        if event == "start":
            if el.tag == f"{ODS_TABLE}table":
                name, row, max_row, max_col = el.get(f"{ODS_TABLE}name", ""), 0, 0, 0
            continue
        if el.tag == f"{ODS_TABLE}table-row":
            repeat = int(el.get(f"{ODS_TABLE}number-rows-repeated", "1"))
            width = _ods_row_width(el)
            if width:
                max_row, max_col = row + repeat, max(max_col, width)
            row += repeat
            el.clear()
        elif el.tag == f"{ODS_TABLE}table":
            out[name] = max_row * max_col
            el.clear()
    return out


def _ods_row_width(row: ET.Element) -> int:
    """Columns of an ODS row up to its last cell holding something (0: empty row)."""
    col = width = 0
    for cell in row:
        span = int(cell.get(f"{ODS_TABLE}number-columns-repeated", "1"))
        col += span
        if len(cell) or cell.get(f"{ODS_OFFICE}value-type"):
            width = col
    return width


_OLE_WORD = "WordDocument".encode("utf-16-le")
_OLE_POWERPOINT = "PowerPoint Document".encode("utf-16-le")


def calamine_failure(exc: Exception, data: bytes) -> ReadFailure:
    """The read failure of a calamine exception on a file that passed the container checks:
    a password, an old Word/PowerPoint file, else a damaged workbook."""
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, pc.PasswordError) or "password" in reason.lower():
        return ReadFailure("berkas dilindungi kata sandi", "berkas_terenkripsi")
    if data.startswith(_OLE_MAGIC) and _OLE_WORD in data:
        return _not_workbook("dokumen Word 97-2003 (.doc)")
    if data.startswith(_OLE_MAGIC) and _OLE_POWERPOINT in data:
        return _not_workbook("presentasi PowerPoint 97-2003 (.ppt)")
    return ReadFailure("isi workbook tidak dapat diurai", "berkas_rusak")


def oversized_file(size: int) -> str | None:
    """The clerk's detail for a file over ``MAX_FILE_BYTES`` (None: small enough to read)."""
    if size > MAX_FILE_BYTES:
        return f"ukurannya {mb_text(size)}, batasnya {mb_text(MAX_FILE_BYTES)}"
    return None


def charge_cells(name: str, cells: int, loaded: int) -> int:
    """Cells loaded from a workbook once sheet ``name`` of ``cells`` cells is added; raises
    berkas_terlalu_besar past ``MAX_SHEET_CELLS`` or ``MAX_BOOK_CELLS``."""
    if cells > MAX_SHEET_CELLS:
        raise too_big(f"sheet '{name}' memuat {count_text(cells)} sel (baris × kolom sampai "
                      f"sel terisi terakhir), batasnya {count_text(MAX_SHEET_CELLS)} sel")
    loaded += cells
    if loaded > MAX_BOOK_CELLS:
        raise too_big(f"seluruh sheet memuat lebih dari {count_text(MAX_BOOK_CELLS)} sel")
    return loaded



ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
ODS_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
ODS_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
ODS_CALCEXT = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}"
