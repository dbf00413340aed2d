"""Build the bad-input corpus: files clerks really send, and what kumuh must say about each.

Run ``.venv/bin/python -m tests.corpus.build`` to (re)generate ``tests/corpus/files/`` and the
manifest ``tests/corpus/cases.csv`` (one row per expected finding: file, expected
``pengiriman.status``, rule, severity, sheet, Excel row, column, note). Deterministic: the same
bytes every time (fixed seeds, fixed zip timestamps, a seeded stand-in for the encryption salt).

The 100,000-row workbook is not committed (about 6 MB); :func:`build_large` writes it at test
time and its manifest row is marked ``built at test time`` in the note.
The encrypted workbook needs ``msoffcrypto-tool`` (a builder-only tool, not a kumuh
dependency); without it the committed file is kept as it is.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import shutil
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

import xlsxwriter

from transforms.sample import truth, workbooks
from transforms.spec import criteria

HERE = Path(__file__).resolve().parent
FILES = HERE / "files"
CASES = HERE / "cases.csv"
REFERENCE = HERE.parents[1] / "data" / "reference" / "wilayah"
COLUMNS = ["file", "status", "aturan", "tingkat", "sheet", "baris", "kolom", "note"]

#: The committed-size exception: written by the corpus test into its temporary copy.
LARGE_FILE = "besar/100000 baris RT.xlsx"
LARGE_ROWS = 100_000

ZIP_TIME = (2024, 1, 1, 8, 0, 0)
NUMERIC = list(criteria.numeric_columns())
VOLUMES = [c.vol for c in criteria.criteria()]
HEADER = {
    "rt": "RT",
    "rw": "RW",
    "luas_ha": "Luas (Ha)",
    "jumlah_bangunan": "Jumlah Bangunan",
    "jumlah_penduduk": "Jumlah Penduduk",
    "jumlah_kk": "Jumlah KK",
    "panjang_jalan_ideal_m": "Panjang Jalan Ideal (m)",
    "panjang_drainase_ideal_m": "Panjang Drainase Ideal (m)",
    **{c.vol: c.kode for c in criteria.criteria()},
}
RT_SHEET = "Data RT"
ID_SHEET = "Identitas"


# --------------------------------------------------------------------------- manifest


@dataclass(frozen=True)
class Find:
    """One expected finding (empty strings where not applicable)."""

    aturan: str
    tingkat: str = "error"
    sheet: str = ""
    baris: int | str = ""
    kolom: str = ""


@dataclass
class Case:
    file: str
    status: str
    note: str
    finds: list[Find] = field(default_factory=list)

    def rows(self) -> Iterator[dict[str, object]]:
        base = {"file": self.file, "status": self.status, "note": self.note}
        if not self.finds:
            yield {**base, "aturan": "", "tingkat": "", "sheet": "", "baris": "", "kolom": ""}
        for f in self.finds:
            yield {**base, "aturan": f.aturan, "tingkat": f.tingkat, "sheet": f.sheet,
                   "baris": f.baris, "kolom": f.kolom}


# --------------------------------------------------------------------------- reference


@dataclass(frozen=True)
class Village:
    kode: str
    kelurahan: str
    kecamatan: str
    kabupaten: str
    provinsi: str


def _names(name: str) -> dict[str, str]:
    with (REFERENCE / name).open(newline="", encoding="utf-8") as fh:
        return {r["code"]: r["name"] for r in csv.DictReader(fh)}


def villages(kabupaten: str = "35.08") -> list[Village]:
    """The reference villages of a kabupaten, in code order, with their official names."""
    prov, kab, kec = _names("provinces.csv"), _names("regencies.csv"), _names("districts.csv")
    return [Village(k, n, kec[k[:8]], kab[k[:5]], prov[k[:2]])
            for k, n in sorted(_names("villages.csv").items()) if k.startswith(kabupaten + ".")]


def identity_pairs(v: Village, tahun: object = 2024, tanggal: dt.date | None = None,
                   **override: object) -> list[tuple[str, object]]:
    """Identity label/value pairs as a clerk writes them (official names)."""
    values: dict[str, object] = {"Provinsi": v.provinsi, "Kabupaten/Kota": v.kabupaten,
                                 "Kecamatan": v.kecamatan, "Kelurahan/Desa": v.kelurahan,
                                 "Kode Wilayah": v.kode, "Tahun": tahun,
                                 "Tanggal Pendataan": tanggal}
    values.update(override)
    return [(k, val) for k, val in values.items() if val is not None]


def sample_identity(v: Village, tahun: int = 2024,
                    tanggal: dt.date | None = None) -> dict[str, object]:
    """Identity dict for :func:`transforms.sample.workbooks.write_workbook`."""
    return {"provinsi": v.provinsi, "kabupaten": v.kabupaten, "kecamatan": v.kecamatan,
            "kelurahan": v.kelurahan, "kode_kelurahan": v.kode, "tahun": tahun,
            "tanggal_pendataan": tanggal}


# --------------------------------------------------------------------------- writers


@dataclass(frozen=True)
class Formula:
    """A formula cell with its cached value (an Excel error text or a number)."""

    formula: str
    value: object


Row = dict[str, object]


def table(rts: list[truth.SampleRT]) -> list[Row]:
    """Table rows (column → cell value) of RTs."""
    return [{"rt": rt.rt, "rw": rt.rw, **rt.values} for rt in rts]


def rts(seed: int, n: int = 6) -> list[truth.SampleRT]:
    """n valid RTs (seeded)."""
    return truth.generate_rts(random.Random(seed), n)


@dataclass(frozen=True)
class Placed:
    """Where a written table landed (Excel 1-based rows)."""

    header_row: int
    first_row: int


def _cell(ws, r: int, c: int, value: object, date_format: object) -> None:
    """One cell: number, text, date, formula with cached value, or nothing for None."""
    if value is None:
        return
    if isinstance(value, Formula):
        ws.write_formula(r, c, value.formula, None, value.value)
    elif isinstance(value, str):
        ws.write_string(r, c, value)
    elif isinstance(value, dt.date):
        ws.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_format)
    else:
        ws.write_number(r, c, value)


def _identity_sheet(wb, name: str, pairs: list[tuple[str, object]], date_format: object) -> None:
    ws = wb.add_worksheet(name)
    ws.write_string(0, 0, "IDENTITAS KELURAHAN/DESA")
    for i, (label, value) in enumerate(pairs):
        ws.write_string(2 + i, 0, label)
        _cell(ws, 2 + i, 1, value, date_format)


def write_xlsx(path: Path, pairs: list[tuple[str, object]] | None, rows: list[Row], *,
               columns: list[str] | None = None, identity_sheet: str | None = ID_SHEET,
               rt_sheet: str = RT_SHEET, labels: dict[str, str] | None = None,
               before: list[str] = (), after: list[str] = (),
               filler: Callable[[object, int], None] | None = None) -> Placed:
    """A plain survey workbook: identity sheet (label in A, value in B from row 3), then the RT
    sheet (title in row 1, header in row 3, RTs from row 4); extra sheets ``before``/``after``
    the RT sheet, each filled by ``filler(ws, i)``."""
    columns = columns or ["rt", "rw", *NUMERIC]
    names = {**HEADER, **(labels or {})}
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties({"created": workbooks.FIXED_CREATED, "author": "Korpus kumuh"})
    date_format = wb.add_format({"num_format": "dd/mm/yyyy"})
    for i, name in enumerate(before):
        ws = wb.add_worksheet(name)
        if filler:
            filler(ws, i)
    if identity_sheet and pairs is not None:
        _identity_sheet(wb, identity_sheet, pairs, date_format)
    ws = wb.add_worksheet(rt_sheet)
    ws.write_string(0, 0, "REKAPITULASI DATA KEKUMUHAN TINGKAT RT")
    for c, col in enumerate(columns):
        ws.write_string(2, c, names.get(col, col))
    for r, row in enumerate(rows):
        for c, col in enumerate(columns):
            _cell(ws, 3 + r, c, row.get(col), date_format)
    for i, name in enumerate(after):
        extra = wb.add_worksheet(name)
        if filler:
            filler(extra, len(before) + i)
    wb.close()
    return Placed(header_row=3, first_row=4)


def _zip(path: Path, members: list[tuple[str, bytes]], level: int = 6) -> None:
    """A zip with fixed timestamps (deterministic bytes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            zf.writestr(info, data)


# --- hand-written xlsx (fast, for the 100,000-row sheet and the zip bombs) -----------------

_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_RNS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def _package(sheets: list[str]) -> list[tuple[str, bytes]]:
    """The xlsx parts around the worksheets named ``sheets`` (sheet1.xml … in order)."""
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(sheets) + 1))
    types = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://'
             'schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" '
             'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
             '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
             'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
             f'spreadsheetml.sheet.main+xml"/>{overrides}</Types>')
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://'
            'schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>')
    sheet_tags = "".join(f'<sheet name="{escape(n)}" sheetId="{i}" r:id="rId{i}"/>'
                         for i, n in enumerate(sheets, 1))
    book = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook {_NS} {_RNS}>'
            f"<sheets>{sheet_tags}</sheets></workbook>")
    book_rels = "".join(
        f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/'
        f'2006/relationships/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, len(sheets) + 1))
    book_rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships '
                 'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                 f"{book_rels}</Relationships>")
    return [("[Content_Types].xml", types.encode()), ("_rels/.rels", rels.encode()),
            ("xl/workbook.xml", book.encode()), ("xl/_rels/workbook.xml.rels", book_rels.encode())]


def _xml_cell(ref: str, value: object) -> str:
    if isinstance(value, str):
        return f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'
    return f'<c r="{ref}"><v>{value}</v></c>'


def _xml_sheet(rows: Iterator[list[object]]) -> Iterator[bytes]:
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    yield f"{head}<worksheet {_NS}><sheetData>".encode()
    for r, values in enumerate(rows, 1):
        cells = "".join(_xml_cell(f"{_letter(c)}{r}", v) for c, v in enumerate(values)
                        if v is not None)
        yield f'<row r="{r}">{cells}</row>'.encode()
    yield _SHEET_END


_SHEET_END = b"</sheetData></worksheet>"


def _letter(c: int) -> str:
    s, n = "", c + 1
    while n:
        n, rem = divmod(n - 1, 26)
        s = chr(65 + rem) + s
    return s


def build_large(path: Path, n: int = LARGE_ROWS) -> None:
    """A valid workbook with n RTs (RT 001–999 in RW 001…), written as XML directly."""
    v = villages()[-1]
    ident = [[label, value] for label, value in identity_pairs(v, 2023)]
    base = {"luas_ha": 2.5, "jumlah_bangunan": 200, "jumlah_penduduk": 900, "jumlah_kk": 250,
            "panjang_jalan_ideal_m": 1000.0, "panjang_drainase_ideal_m": 1200.0}

    head = [["REKAPITULASI DATA KEKUMUHAN TINGKAT RT"], [],
            [HEADER[c] for c in ["rt", "rw", *NUMERIC]]]
    # the RT rows repeat seven patterns: each row's XML is its pattern with the row number put
    # in (the bytes :func:`_xml_sheet` gives, in half the time for 100,000 rows)
    patterns = []
    for k in range(7):
        vols = [round(min(base[c.penyebut], (k + 1) * (13 if c.is_count else 0.05)
                          * (100 if c.satuan == "m" else 1)), 2) for c in criteria.criteria()]
        cells = "".join(_xml_cell(f"{_letter(c)}\0", v)
                        for c, v in enumerate([*base.values(), *vols], start=2))
        patterns.append(cells + "</row>")

    def body() -> Iterator[bytes]:
        for i in range(n):
            r = str(i + len(head) + 1)
            yield (f'<row r="{r}"><c r="A{r}"><v>{i % 999 + 1}</v></c><c r="B{r}"><v>'
                   f"{i // 999 + 1}</v></c>" + patterns[i % 7].replace("\0", r)).encode()

    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, data in _package([ID_SHEET, RT_SHEET]):
            zf.writestr(zipfile.ZipInfo(name, ZIP_TIME), data, zipfile.ZIP_DEFLATED)
        zf.writestr(zipfile.ZipInfo("xl/worksheets/sheet1.xml", ZIP_TIME),
                    b"".join(_xml_sheet(iter([["IDENTITAS"], [], *ident]))), zipfile.ZIP_DEFLATED)
        info = zipfile.ZipInfo("xl/worksheets/sheet2.xml", ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w", force_zip64=True) as fh:
            fh.write(b"".join(_xml_sheet(iter(head)))[:-len(_SHEET_END)])
            chunk: list[bytes] = []
            for part in body():
                chunk.append(part)
                if len(chunk) >= 2000:
                    fh.write(b"".join(chunk))
                    chunk = []
            fh.write(b"".join(chunk) + _SHEET_END)


# --- ODS -----------------------------------------------------------------------------------


def _ods_cell(value: object, repeat: int = 1) -> str:
    rep = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    if value is None:
        return f"<table:table-cell{rep}/>"
    if isinstance(value, int | float):
        return (f'<table:table-cell{rep} office:value-type="float" office:value="{value}">'
                f"<text:p>{value}</text:p></table:table-cell>")
    return (f'<table:table-cell{rep} office:value-type="string"><text:p>{escape(str(value))}'
            "</text:p></table:table-cell>")


def write_ods(path: Path, tables: dict[str, str]) -> None:
    """An OpenDocument spreadsheet from table name → table-row XML."""
    body = "".join(f'<table:table table:name="{escape(n)}">{rows}</table:table>'
                   for n, rows in tables.items())
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f"<office:body><office:spreadsheet>{body}</office:spreadsheet></office:body>"
        "</office:document-content>")
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:'
        'names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry '
        'manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.'
        'spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" '
        'manifest:media-type="text/xml"/></manifest:manifest>')
    _zip(path, [("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"),
                ("META-INF/manifest.xml", manifest.encode()), ("content.xml", content.encode())])


def _ods_rows(rows: list[list[object]]) -> str:
    return "".join("<table:table-row>" + "".join(_ods_cell(v) for v in row)
                   + "</table:table-row>" for row in rows)


# --------------------------------------------------------------------------- the cases


class Corpus:
    """Writes the case files under ``root`` and collects the manifest."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.cases: list[Case] = []
        self._villages = iter(villages())

    def village(self) -> Village:
        """A reference village not used by another case (no accidental supersession)."""
        return next(self._villages)

    def add(self, rel: str, status: str, note: str, *finds: Find) -> Path:
        self.cases.append(Case(rel, status, note, list(finds)))
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def plain(self, rel: str, status: str, note: str, rows: list[Row],
              finds: Callable[[Placed], list[Find]] = lambda p: [], *,
              pairs: list[tuple[str, object]] | None = None, **kw: object) -> Placed:
        """A plain workbook of ``rows``; ``finds`` gets where the table landed."""
        path = self.root / rel
        placed = write_xlsx(path, pairs if pairs is not None else identity_pairs(self.village()),
                            rows, **kw)
        self.cases.append(Case(rel, status, note, finds(placed)))
        return placed

    def write_manifest(self, path: Path) -> None:
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
            w.writeheader()
            for case in self.cases:
                w.writerows(case.rows())


def _valid_bytes(root: Path, seed: int, v: Village) -> bytes:
    """The bytes of a valid workbook (written to a scratch file under ``root``)."""
    tmp = root / f".scratch-{seed}.xlsx"
    write_xlsx(tmp, identity_pairs(v), table(rts(seed)))
    data = tmp.read_bytes()
    tmp.unlink()
    return data


def unreadable_cases(c: Corpus) -> None:
    """Files that are no workbook at all, or one kumuh must refuse to open."""
    c.add("tidak_terbaca/kosong.xlsx", "ditolak", "0 byte",
          Find("berkas_kosong")).write_bytes(b"")
    good = _valid_bytes(c.root, 1, c.village())
    c.add("tidak_terbaca/terpotong saat diunduh.xlsx", "ditolak",
          "xlsx terpotong: 60% pertama dari sebuah workbook yang benar",
          Find("berkas_rusak")).write_bytes(good[: len(good) * 6 // 10])
    c.add("tidak_terbaca/acak.xlsx", "ditolak", "4 KB byte acak (seed 11)",
          Find("bukan_workbook")).write_bytes(random.Random(11).randbytes(4096))
    csv_text = "RT;RW;Luas (Ha);Jumlah Bangunan\n001;002;1,25;120\n002;002;0,80;75\n"
    c.add("tidak_terbaca/ekspor dari aplikasi.xlsx", "ditolak", "teks CSV bernama .xlsx",
          Find("bukan_workbook")).write_text(csv_text, encoding="utf-8")
    html = ("<html><head><meta charset='utf-8'><title>Rekap</title></head><body><table>"
            "<tr><th>RT</th><th>RW</th><th>Luas (Ha)</th></tr>"
            "<tr><td>001</td><td>002</td><td>1,25</td></tr></table></body></html>")
    c.add("tidak_terbaca/Laporan Kumuh (ekspor web).xls", "ditolak",
          "HTML 'ekspor Excel' aplikasi web bernama .xls",
          Find("bukan_workbook")).write_text(html, encoding="utf-8")
    pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
    c.add("tidak_terbaca/hasil pindai.xlsx", "ditolak", "PDF bernama .xlsx",
          Find("bukan_workbook")).write_bytes(pdf)
    _zip(c.add("tidak_terbaca/dokumen word.xlsx", "ditolak", "docx bernama .xlsx",
               Find("bukan_workbook")),
         [("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w:document/>")])
    _encrypted(c, good)
    _bombs(c)
    members = [(i.filename, zipfile.ZipFile(io.BytesIO(good)).read(i))
               for i in zipfile.ZipFile(io.BytesIO(good)).infolist()
               if i.filename != "xl/worksheets/sheet2.xml"]
    _zip(c.add("tidak_terbaca/sheet hilang dari arsip.xlsx", "ditolak",
               "workbook.xml menyebut sheet yang tidak ada di dalam zip", Find("berkas_rusak")),
         members)


def _encrypted(c: Corpus, plain: bytes) -> None:
    """The workbook encrypted with password 'kumuh' (ECMA-376 agile, as Excel does)."""
    path = c.add("tidak_terbaca/terkunci kata sandi.xlsx", "ditolak",
                 "dienkripsi dengan kata sandi (msoffcrypto-tool, ECMA-376 agile)",
                 Find("berkas_terenkripsi"))
    try:
        import msoffcrypto.method.container.ecma376_encrypted as container
        import msoffcrypto.method.ecma376_agile as agile
        from msoffcrypto.format.ooxml import OOXMLFile
    except ImportError:
        print(f"msoffcrypto-tool not installed: keeping {path.name} as committed")
        return

    class _FixedClock(dt.datetime):
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> dt.datetime:
            return workbooks.FIXED_CREATED

    saved = agile._random_buffer, container.datetime
    # Deterministic salt, keys and OLE timestamps: the corpus bytes stay stable.
    agile._random_buffer, container.datetime = random.Random(2024).randbytes, _FixedClock
    try:
        out = io.BytesIO()
        OOXMLFile(io.BytesIO(plain)).encrypt("kumuh", out)
    finally:
        agile._random_buffer, container.datetime = saved
    path.write_bytes(out.getvalue())


def _bombs(c: Corpus) -> None:
    """Files past the caps: an inflation bomb, a far-away cell, an endlessly repeated ODS row."""
    path = c.add("tidak_terbaca/bom zip.xlsx", "ditolak",
                 "sheet1.xml mengembang menjadi 210 MB (> 200 MB) dari zip ~0,2 MB",
                 Find("berkas_terlalu_besar"))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, data in _package([RT_SHEET]):
            zf.writestr(zipfile.ZipInfo(name, ZIP_TIME), data, zipfile.ZIP_DEFLATED)
        info = zipfile.ZipInfo("xl/worksheets/sheet1.xml", ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w", force_zip64=True) as fh:
            fh.write(f"<worksheet {_NS}><sheetData>".encode())
            block = b" " * 1024**2  # whitespace between rows: ~1000:1 under deflate
            for _ in range(210 * 1024**2 // len(block) + 1):
                fh.write(block)
            fh.write(b"</sheetData></worksheet>")
    far = _xml_sheet(iter([["RT", "RW", "Luas (Ha)"], ["001", "002", 1.5]]))
    sheet = b"".join(far).replace(b"</sheetData>",
                                  b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
                                  b"</sheetData>")
    _zip(c.add("tidak_terbaca/isian di sel XFD1048576.xlsx", "ditolak",
               "satu angka di sel terakhir lembar: grid 17 miliar sel (> batas sel)",
               Find("berkas_terlalu_besar")),
         [*_package([RT_SHEET]), ("xl/worksheets/sheet1.xml", sheet)])
    rows = ('<table:table-row table:number-rows-repeated="1000000">'
            + _ods_cell(1, repeat=50) + "</table:table-row>")
    write_ods(c.add("tidak_terbaca/baris berulang sejuta kali.ods", "ditolak",
                    "ODS: satu baris terisi diulang 1.000.000 × 50 kolom (> batas sel)",
                    Find("berkas_terlalu_besar")), {RT_SHEET: rows})


def structure_cases(c: Corpus) -> None:
    """Identity and table-structure errors (spec §5)."""
    v = c.village()
    c.plain("struktur/identitas tanpa kode.xlsx", "ditolak", "label Kode Wilayah tidak ada",
            table(rts(21)), lambda p: [Find("identitas_hilang", kolom="kode_kelurahan")],
            pairs=[(k, x) for k, x in identity_pairs(v) if k != "Kode Wilayah"])
    v = c.village()
    bad = v.kode[:-1] + "O"  # letter O for the digit 0
    pairs = identity_pairs(v, **{"Kode Wilayah": bad})
    kode_row = id_row(pairs, "Kode Wilayah")
    c.plain("struktur/kode salah ketik.xlsx", "ditolak", f"kode tertulis '{bad}'",
            table(rts(22)), lambda p: [Find("kode_format", sheet=ID_SHEET, baris=kode_row,
                                            kolom="kode_kelurahan")], pairs=pairs)
    v = c.village()
    c.plain("struktur/kode tidak dikenal.xlsx", "ditolak", "kecamatan 99 tidak ada",
            table(rts(23)), lambda p: [Find("kode_tidak_dikenal", sheet=ID_SHEET, baris=kode_row,
                                            kolom="kode_kelurahan")],
            pairs=identity_pairs(v, **{"Kode Wilayah": v.kode[:6] + "99" + v.kode[8:]}))
    tahun_row = id_row(pairs, "Tahun")
    for tahun, note in ((2009, "sebelum 2015"), (2099, "tahun depan jauh")):
        c.plain(f"struktur/tahun {tahun}.xlsx", "ditolak", note, table(rts(24)),
                lambda p: [Find("tahun_di_luar_rentang", sheet=ID_SHEET, baris=tahun_row,
                                kolom="tahun")],
                pairs=identity_pairs(c.village(), tahun))
    c.plain("struktur/tanpa tabel RT.xlsx", "ditolak", "sheet Data RT berisi catatan, tanpa "
            "baris judul", [{"rt": "catatan rapat"}, {"rt": "belum diisi"}],
            lambda p: [Find("tabel_rt_tidak_ditemukan", sheet=RT_SHEET)], columns=["rt"],
            labels={"rt": "Keterangan"})
    c.plain("struktur/kolom Jumlah KK hilang.xlsx", "ditolak", "kolom Jumlah KK dihapus",
            table(rts(25)), lambda p: [Find("kolom_hilang", sheet=RT_SHEET,
                                            baris=p.header_row, kolom="jumlah_kk")],
            columns=["rt", "rw", *[n for n in NUMERIC if n != "jumlah_kk"]])


def id_row(pairs: list[tuple[str, object]], label: str) -> int:
    """Excel row of an identity label written by :func:`_identity_sheet` (values from row 3)."""
    return 3 + [k for k, _ in pairs].index(label)


def _edit(rows: list[Row], i: int, **values: object) -> list[Row]:
    rows = [dict(r) for r in rows]
    rows[i].update(values)
    return rows


def _rows_with(seed: int, i: int, **values: object) -> list[Row]:
    return _edit(table(rts(seed)), i, **values)


def value_cases(c: Corpus) -> None:
    """Cell errors of the RT table (spec §5), each at a known sheet/row/column."""
    def at(i: int, aturan: str, kolom: str, tingkat: str = "error"):
        return lambda p: [Find(aturan, tingkat, RT_SHEET, p.first_row + i, kolom)]

    c.plain("nilai/nomor RT kosong.xlsx", "ditolak", "baris 3 tanpa nomor RT",
            _rows_with(31, 2, rt=None), at(2, "rt_kosong", "rt"))
    base = table(rts(32))
    dup = [*base[:3], dict(base[1]), *base[3:]]
    c.plain("nilai/RT ganda.xlsx", "ditolak", "RT baris 2 diulang di baris 4", dup,
            lambda p: [Find("rt_ganda", "error", RT_SHEET, p.first_row + 1, "rt"),
                       Find("rt_ganda", "error", RT_SHEET, p.first_row + 3, "rt")])
    c.plain("nilai/sel wajib kosong.xlsx", "ditolak", "Jumlah KK kosong",
            _rows_with(33, 0, jumlah_kk=None), at(0, "nilai_kosong", "jumlah_kk"))
    c.plain("nilai/bukan angka.xlsx", "ditolak", "'tidak tahu' di 2b",
            _rows_with(34, 4, vol_2b="tidak tahu"), at(4, "bukan_angka", "vol_2b"))
    c.plain("nilai/negatif.xlsx", "ditolak", "-3 di 5a",
            _rows_with(35, 1, vol_5a=-3), at(1, "nilai_negatif", "vol_5a"))
    c.plain("nilai/KK pecahan.xlsx", "ditolak", "Jumlah KK 150,5",
            _rows_with(36, 3, jumlah_kk=150.5), at(3, "bukan_bilangan_bulat", "jumlah_kk"))
    rows = table(rts(37))
    c.plain("nilai/volume melebihi penyebut.xlsx", "ditolak", "1a = bangunan + 7",
            _edit(rows, 2, vol_1a=rows[2]["jumlah_bangunan"] + 7),
            at(2, "volume_melebihi_penyebut", "vol_1a"))
    zero = dict.fromkeys(["vol_1c", "vol_7a", "vol_7b"], 0)
    c.plain("nilai/penyebut nol.xlsx", "ditolak", "bangunan 0 tetapi 1a = 4",
            _rows_with(38, 0, jumlah_bangunan=0, vol_1a=4, **zero),
            lambda p: [Find("penyebut_nol", "error", RT_SHEET, p.first_row, "vol_1a"),
                       Find("penyebut_nol_nol", "warning", RT_SHEET, p.first_row,
                            "jumlah_bangunan")])
    c.plain("nilai/galat rumus.xlsx", "ditolak", "#DIV/0! di 1a, #REF! di Jumlah KK, #N/A di "
            "Luas (nilai tersimpan rumus)",
            _edit(_edit(_rows_with(39, 0, vol_1a=Formula("=1/0", "#DIV/0!")), 2,
                        jumlah_kk=Formula("=#REF!*2", "#REF!")), 4,
                  luas_ha=Formula('=NA()', "#N/A")),
            lambda p: [Find("sel_error", "error", RT_SHEET, p.first_row, "vol_1a"),
                       Find("sel_error", "error", RT_SHEET, p.first_row + 2, "jumlah_kk"),
                       Find("sel_error", "error", RT_SHEET, p.first_row + 4, "luas_ha")])
    c.plain("nilai/angka ambigu 1.309.xlsx", "ditolak",
            "'1.309' di Luas (Ha), angka lain berupa sel angka: konvensi tidak dapat ditentukan",
            _rows_with(40, 1, luas_ha="1.309"), at(1, "angka_ambigu", "luas_ha"))
    rows = table(rts(41))
    c.plain("nilai/luas 1e12 ha.xlsx", "ditolak", "Luas 1.000.000.000.000 ha",
            _edit(rows, 0, luas_ha=1e12), at(0, "nilai_tidak_wajar", "luas_ha"))
    c.plain("nilai/bangunan 10 pangkat 15.xlsx", "ditolak", "Jumlah Bangunan 10^15",
            _edit(rows, 2, jumlah_bangunan=10**15), at(2, "nilai_tidak_wajar", "jumlah_bangunan"))


def warning_cases(c: Corpus) -> None:
    """Published with a warning (spec §5)."""
    v = c.village()
    pairs = identity_pairs(v, **{"Kelurahan/Desa": v.kelurahan + "X"})
    c.plain("peringatan/nama kelurahan berbeda.xlsx", "diterima",
            f"ditulis '{v.kelurahan}X' untuk {v.kode}", table(rts(51)),
            lambda p: [Find("nama_berbeda", "warning", ID_SHEET, id_row(pairs, "Kelurahan/Desa"),
                            "nama_kelurahan")], pairs=pairs)
    rows = table(rts(52))
    c.plain("peringatan/penduduk kurang dari KK.xlsx", "diterima", "penduduk = KK - 5",
            _edit(rows, 1, jumlah_penduduk=rows[1]["jumlah_kk"] - 5),
            lambda p: [Find("penduduk_kurang_dari_kk", "warning", RT_SHEET, p.first_row + 1,
                            "jumlah_penduduk")])
    c.plain("peringatan/kriteria nol per nol.xlsx", "diterima",
            "Panjang Drainase Ideal 0 dan 4b, 4c = 0",
            _rows_with(53, 0, panjang_drainase_ideal_m=0, vol_4b=0, vol_4c=0),
            lambda p: [Find("penyebut_nol_nol", "warning", RT_SHEET, p.first_row,
                            "panjang_drainase_ideal_m")])
    _stored(c)


def _stored(c: Corpus) -> None:
    """Stored % 1a, Nilai 1a, Total Nilai and Tingkat: row 1's % 1a and row 3's total are off."""
    rts_ = rts(54)
    rows = []
    for rt in rts_:
        s = truth.expected_scores(rt.values)
        rows.append({"rt": rt.rt, "rw": rt.rw, **rt.values, "p1a": round(s["persen_1a"], 2),
                     "n1a": s["nilai_1a"], "total": s["total_nilai"],
                     "tingkat": s["tingkat_kekumuhan"]})
    rows[0]["p1a"] = round(rows[0]["p1a"] + 12.5, 2)
    rows[2]["total"] = rows[2]["total"] + 3
    columns = ["rt", "rw", *NUMERIC, "p1a", "n1a", "total", "tingkat"]
    labels = {"p1a": "% 1a", "n1a": "Nilai 1a", "total": "Total Nilai", "tingkat": "Tingkat"}
    c.plain("peringatan/persen tersimpan berbeda.xlsx", "diterima",
            "% 1a baris 1 ditambah 12,5; Total Nilai baris 3 ditambah 3 (dilaporkan setelah "
            "reconcile.stored_disagreements dipasang di flow)", rows,
            lambda p: [Find("tersimpan_berbeda", "warning", RT_SHEET, p.first_row, "persen_1a"),
                       Find("tersimpan_berbeda", "warning", RT_SHEET, p.first_row + 2,
                            "total_nilai")],
            columns=columns, labels=labels)


def _other_sheet(ws, i: int) -> None:
    ws.write_string(0, 0, f"Lampiran {i + 1}: foto dan catatan lapangan")
    for r in range(1, 4):
        ws.write_string(r, 0, f"Catatan {r}")
        ws.write_number(r, 1, (i + 1) * r)


def tricky_valid_cases(c: Corpus) -> None:
    """Odd but valid: published, no finding."""
    c.plain("rumit/Rekap RT 2024 (disimpan sebagai xls).xls", "diterima",
            "isi xlsx dengan ekstensi .xls", table(rts(61)))
    c.plain("rumit/lima puluh sheet.xlsx", "diterima",
            "50 sheet; Identitas sheet ke-21, Data RT sheet ke-22", table(rts(62, 12)),
            before=[f"Lampiran {i}" for i in range(1, 21)],
            after=[f"Lampiran {i}" for i in range(21, 49)], filler=_other_sheet)
    v = c.village()
    path = c.add("rumit/judul kolom tiga baris.xlsx", "diterima",
                 "2 baris judul kelompok (digabung) + baris judul; label 1a–7b di bawah judul "
                 "aspek")
    workbooks.write_workbook(path, sample_identity(v), rts(63, 9),
                          truth.Layout(group_header_rows=2, total_rows="both"))
    rows = []
    for rt in rts(64):
        row: Row = {"rt": rt.rt, "rw": rt.rw}
        for col, value in rt.values.items():
            unit = criteria.input_columns()[col].unit
            text = workbooks.format_number(float(value), "id")
            row[col] = f"{text} {unit}" if col in criteria.denominators() or value else text
        rows.append(row)
    c.plain("rumit/angka dengan satuan.xlsx", "diterima",
            "teks '12 unit', '0,85 ha', '800 m' (konvensi Indonesia)", rows)
    v = c.village()
    c.plain("rumit/Cover dengan kode angka.xlsx", "diterima",
            "identitas di sheet 'Cover', 'Kode Kemendagri' sebagai angka", table(rts(65)),
            pairs=[("Provinsi", v.provinsi), ("Kabupaten/Kota", v.kabupaten),
                   ("Kecamatan", v.kecamatan), ("Kelurahan/Desa", v.kelurahan),
                   ("Kode Kemendagri", int(v.kode.replace(".", ""))), ("Tahun", 2024)],
            identity_sheet="Cover")
    v = c.village()
    ident = [[label, value] for label, value in identity_pairs(v)]
    body = [[HEADER[k] for k in ["rt", "rw", *NUMERIC]],
            *[[r["rt"], r["rw"], *(r[k] for k in NUMERIC)] for r in table(rts(66))]]
    write_ods(c.add("rumit/ods/Rekap Kumuh Kelurahan.ods", "diterima", "OpenDocument (.ods)"),
              {ID_SHEET: _ods_rows(ident), RT_SHEET: _ods_rows(body)})
    c.plain("Kabupaten Lumajang/Kecamatan Tempursari/Désa Ñoño – Rekap Kumuh 2024 (final).xlsx",
            "diterima", "nama berkas dengan spasi, é, Ñ, en dash; folder bertingkat",
            table(rts(67)))
    c.plain("Kabupaten Lumajang/Kecamatan Pronojiwo/Data Kumuh Kelurahan — pendataan ulang"
            " café.xlsx", "diterima", "em dash dan é di nama berkas", table(rts(68)))
    c.cases.append(Case(LARGE_FILE, "diterima",
                        f"{LARGE_ROWS:,} baris RT; built at test time (build_large), ~6 MB"))


def supersession_cases(c: Corpus) -> None:
    """Two workbooks of one kelurahan-year, and a byte-identical copy (spec §5)."""
    v = c.village()
    c.plain("pendataan ulang/Data Kumuh Maret.xlsx", "digantikan", "tanggal 01/03/2024",
            table(rts(71)), lambda p: [Find("digantikan", "warning")],
            pairs=identity_pairs(v, tanggal=dt.date(2024, 3, 1)))
    c.plain("pendataan ulang/Data Kumuh September.xlsx", "diterima", "tanggal 01/09/2024",
            table(rts(72)), pairs=identity_pairs(v, tanggal=dt.date(2024, 9, 1)))
    v = c.village()
    for name, seed in (("versi A", 73), ("versi B", 74)):
        c.plain(f"tanggal sama/{name}.xlsx", "ditolak", "tanggal sama 05/05/2024",
                table(rts(seed)), lambda p: [Find("workbook_ganda", kolom="tanggal_pendataan")],
                pairs=identity_pairs(v, tanggal=dt.date(2024, 5, 5)))
    v = c.village()
    for name, seed in (("versi 1", 75), ("versi 2", 76)):
        c.plain(f"tanpa tanggal/{name}.xlsx", "ditolak", "keduanya tanpa tanggal pendataan",
                table(rts(seed)), lambda p: [Find("workbook_ganda", kolom="tanggal_pendataan")],
                pairs=identity_pairs(v))
    c.plain("salinan/Data Kumuh.xlsx", "diterima", "asli (urutan path pertama)", table(rts(77)))
    copy = c.add("salinan/Data Kumuh_salinan.xlsx", "duplikat", "salinan byte-identik",
                 Find("duplikat", "warning"))
    shutil.copyfile(c.root / "salinan/Data Kumuh.xlsx", copy)


#: Stored tingkat as clerks abbreviate it (spec §5): not a disagreement.
TINGKAT_SHORT = {"Tidak Kumuh": "TK", "Kumuh Ringan": "KR", "Kumuh Sedang": "KS",
                 "Kumuh Berat": "KB"}


def rounding_and_empty_cases(c: Corpus) -> None:
    """Spec §3 rounding of ha/m volumes, an RT table without RT rows, and a stored tingkat
    written as clerks abbreviate it."""
    rows = _edit(table(rts(81)), 0, luas_ha=0.098, vol_1b=0.10, vol_4a=0.05)
    c.plain("pembulatan/luas 0,098 ha dan 1b 0,10 ha.xlsx", "diterima",
            "1b lebih besar dari luas 0,002 ha (pembulatan): dihitung 100%", rows,
            lambda p: [Find("volume_dibulatkan", "warning", RT_SHEET, p.first_row, "vol_1b")])
    rows = _edit(table(rts(82)), 1, luas_ha=0.098, vol_1b=0.05, vol_4a=0.104)
    c.plain("pembulatan/4a melebihi luas 0,006 ha.xlsx", "ditolak",
            "4a lebih besar dari luas 0,006 ha: lebih dari batas pembulatan 0,005", rows,
            lambda p: [Find("volume_melebihi_penyebut", "error", RT_SHEET, p.first_row + 1,
                            "vol_4a")])
    rows = table(rts(83))
    c.plain("pembulatan/KK satu lebih.xlsx", "ditolak",
            "3a = Jumlah KK + 1: hitungan tanpa toleransi",
            _edit(rows, 2, vol_3a=rows[2]["jumlah_kk"] + 1),
            lambda p: [Find("volume_melebihi_penyebut", "error", RT_SHEET, p.first_row + 2,
                            "vol_3a")])
    c.plain("struktur/tabel RT tanpa baris RT.xlsx", "ditolak",
            "baris judul, lalu hanya baris JUMLAH dan tanda tangan",
            [{"rt": "JUMLAH", "luas_ha": 12.5, "jumlah_kk": 640},
             {}, {"rt": "Mengetahui, Lurah"}],
            lambda p: [Find("tabel_rt_kosong", "error", RT_SHEET, p.header_row)])
    rows, levels = [], []
    for rt in rts(84):
        levels.append(truth.expected_scores(rt.values)["tingkat_kekumuhan"])
        rows.append({"rt": rt.rt, "rw": rt.rw, **rt.values, "tingkat": TINGKAT_SHORT[levels[-1]]})
    rows[1]["tingkat"] = levels[1].upper()
    wrong = next(k for k in ("KB", "TK") if k != rows[3]["tingkat"])
    rows[3]["tingkat"] = wrong
    c.plain("peringatan/tingkat tersimpan disingkat.xlsx", "diterima",
            f"Tingkat ditulis TK/KR/KS/KB dan huruf besar; baris 4 salah ({wrong})", rows,
            lambda p: [Find("tersimpan_berbeda", "warning", RT_SHEET, p.first_row + 3,
                            "tingkat_kekumuhan")],
            columns=["rt", "rw", *NUMERIC, "tingkat"], labels={"tingkat": "Tingkat"})
    rows = [{**r, "luas_ha": f"{r['luas_ha']:.2f}"} for r in table(rts(85))]  # 0.85: English
    rows[1].update(panjang_jalan_ideal_m="1.214", vol_2a=800, vol_2b=500)
    c.plain("angka/panjang jalan 1.214 dibaca desimal.xlsx", "ditolak",
            "luas ditulis 0.85 (gaya Inggris), jadi '1.214' m dibaca 1,214 m, padahal maksudnya "
            "1214 m; 2a = 800 dan 2b = 500 melebihinya", rows,
            lambda p: [Find("volume_melebihi_penyebut", "error", RT_SHEET, p.first_row + 1,
                            "vol_2a"),
                       Find("volume_melebihi_penyebut", "error", RT_SHEET, p.first_row + 1,
                            "vol_2b")])


def build(root: Path = FILES, manifest: Path = CASES) -> list[Case]:
    """Write every case file under ``root`` (emptied first) and the manifest."""
    if root.exists():
        keep = root / "tidak_terbaca/terkunci kata sandi.xlsx"
        saved = keep.read_bytes() if keep.exists() else None
        shutil.rmtree(root)
        if saved is not None:
            keep.parent.mkdir(parents=True)
            keep.write_bytes(saved)
    root.mkdir(parents=True, exist_ok=True)
    c = Corpus(root)
    for group in (unreadable_cases, structure_cases, value_cases, warning_cases,
                  tricky_valid_cases, supersession_cases, rounding_and_empty_cases):
        group(c)
    c.write_manifest(manifest)
    return c.cases


def main() -> None:
    cases = build()
    files = {case.file for case in cases}
    print(f"{len(files)} files, {sum(len(list(x.rows())) for x in cases)} manifest rows "
          f"→ {FILES.relative_to(HERE.parents[1])}")


if __name__ == "__main__":
    main()


