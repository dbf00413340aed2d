"""Write one realistic KOTAKU *Form Data RT* workbook (spec §2b) and return its ground truth;
:mod:`transforms.sample.rt_forms` writes one per RT of a generated kelurahan-year.

Laid out like the official form: ``Cover`` (identity, no region code), household sheets with
invented residents, ``C. Rekap data RT (logbook SIM)`` (the underlying counts and the two ideal
lengths, ``…Ideal`` rows as formulas) and ``Kekumuhan Awal_RT`` (the denominators, the
16-criterion table with ``VOLUME``/``PROSEN (%)``/``NILAI`` and the stored ``TOTAL NILAI`` and
``TINGKAT KEKUMUHAN``, computed the form's way). A
:class:`~transforms.sample.form_template.FormLayout` shifts rows and columns, switches merged
cells, formulas (with cached values), Indonesian text numbers, the colon, date and tingkat
styles. Every value written is recorded with its cell in ``SampleForm.cells``, so a reader can
be checked cell by cell.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Mapping, Sequence
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from transforms.sample import workbooks
from transforms.sample.form_template import (
    COVER,
    FORM,
    FORM_KRITERIA,
    NAMA_WARGA,
    PERSONAL,
    REKAP,
    REKAP_LABEL,
    UNIT_LABEL,
    FormLayout,
    SampleForm,
    date_text,
    form_scores,
    tingkat_text,
)
from transforms.sample.truth import SampleRT
from transforms.spec import criteria

# --------------------------------------------------------------------------- writing


class _Writer:
    """Writes one form and records where each value went."""

    def __init__(self, path: Path, layout: FormLayout, rng: random.Random) -> None:
        self.wb = xlsxwriter.Workbook(str(path))
        self.wb.set_properties({"created": workbooks.FIXED_CREATED,
                                "author": "Tim Fasilitator KOTAKU"})
        self.lay, self.rng = layout, rng
        self.cells: dict[str, str] = {}
        self.bold = self.wb.add_format({"bold": True, "border": 1, "align": "center",
                                        "valign": "vcenter", "text_wrap": True})
        self.pct = self.wb.add_format({"num_format": "0.00%"})
        self.date = self.wb.add_format({"num_format": "dd mmmm yyyy"})

    def note(self, key: str, sheet: str, r: int, c: int) -> None:
        self.cells[key] = f"{sheet}!{xl_rowcol_to_cell(r, c)}"

    def number(self, ws, r: int, c: int, value: float, *, is_count: bool,
               formula: str | None = None, fmt=None) -> None:
        """A number as the layout writes it: a number, a formula with its cached value, or
        Indonesian text (``0,85``, ``1.234,5``, sometimes with a unit)."""
        lay = self.lay
        settled = is_count or not float(value).is_integer() or value < 1000  # no `1.309` in m
        as_text = lay.numbers == "text_id" and (not is_count or self.rng.random() < 0.4) or (
            lay.numbers == "mixed" and settled and self.rng.random() < 0.3)
        if as_text:
            text = workbooks.format_number(float(value), "id")
            if lay.numbers == "mixed" and self.rng.random() < 0.5:
                text += " unit" if is_count else ""
            ws.write_string(r, c, text)
        elif formula and lay.formulas:
            ws.write_formula(r, c, formula, fmt, value)
        else:
            ws.write_number(r, c, value, fmt)

    def pair(self, ws, sheet: str, r: int, c: int, label: str, value: object,
             key: str | None, *, written: str | None = None) -> None:
        """A label/value pair in the layout's colon style (value None: left empty)."""
        style = self.lay.colon
        shown = value if written is None else written
        if style == "label" and isinstance(shown, str):
            ws.write_string(r, c, f"{label} : {shown}")
            col = c
        elif style == "inline" and isinstance(shown, str):
            ws.write_string(r, c, label)
            ws.write_string(r, c + 1, f": {shown}")
            col = c + 1
        else:
            ws.write_string(r, c, label)
            ws.write_string(r, c + 1, ":")
            col = c + 2
            if isinstance(shown, dt.date):
                ws.write_datetime(r, col, dt.datetime.combine(shown, dt.time()), self.date)
            elif shown is not None:
                ws.write(r, col, shown)
        if key:
            self.note(key, sheet, r, col)


def _cover(w: _Writer, identity: Mapping[str, object], rt: SampleRT) -> None:
    """The Cover: a title and the identity pairs (no region code unless the layout adds one)."""
    lay = w.lay
    ws = w.wb.add_worksheet(COVER)
    ws.write_string(max(0, lay.cover_row - 4), lay.cover_col, "FORMULIR PENDATAAN TINGKAT RT")
    ws.write_string(max(1, lay.cover_row - 3), lay.cover_col, "PROGRAM KOTAKU")
    pairs: list[tuple[str, object, str | None]] = [
        ("Provinsi", identity["provinsi"], "provinsi"),
        ("Kabupaten", identity["kabupaten"], "kabupaten"),
        ("Kecamatan", identity["kecamatan"], "kecamatan"),
        ("Kelurahan/Desa", identity["kelurahan"], "kelurahan"),
        ("RT_RW", f"RT{rt.rt}-RW{rt.rw}", "rt"),
    ]
    if identity.get("tanggal_written") is not None:
        pairs.append(("Tanggal Pendataan", identity["tanggal_written"], "tanggal_pendataan"))
    if lay.tahun_pair:
        pairs.append(("Tahun", str(identity["tahun"]), "tahun"))
    if lay.kawasan and rt.kawasan:
        pairs.append(("Kawasan", rt.kawasan, "kawasan"))
    if lay.kode_wilayah:
        pairs.append(("Kode Wilayah", identity["kode_kelurahan"], "kode_kelurahan"))
    for i, (label, value, key) in enumerate(pairs):
        w.pair(ws, COVER, lay.cover_row + i, lay.cover_col, label, value, key)
    w.cells["rw"] = w.cells["rt"]
    if "tahun" not in w.cells and "tanggal_pendataan" in w.cells:
        w.cells["tahun"] = w.cells["tanggal_pendataan"]
    ws.set_column(lay.cover_col, lay.cover_col + 2, 20)


def _personal(w: _Writer, identity: Mapping[str, object], n: int) -> None:
    """Household sheets with invented residents, NIK and misleading pairs a reader must never
    take (a wrong kabupaten, year and KK count)."""
    for name in PERSONAL:
        ws = w.wb.add_worksheet(name)
        ws.write_string(0, 0, "DAFTAR RUMAH TANGGA" if name != PERSONAL[0] else "FORM FGD RT")
        ws.write_string(2, 0, "Kabupaten")
        ws.write_string(2, 1, "KABUPATEN CONTOH RAHASIA")
        ws.write_string(3, 0, "Tahun")
        ws.write_number(3, 1, 1999)
        ws.write_string(4, 0, "Jumlah KK")
        ws.write_number(4, 1, 99999)
        for j, head in enumerate(("No", "Nama Kepala Rumah Tangga", "NIK", "VOLUME")):
            ws.write_string(6, j, head)
        for i in range(n):
            ws.write_number(7 + i, 0, i + 1)
            ws.write_string(7 + i, 1, w.rng.choice(NAMA_WARGA).upper())
            ws.write_string(7 + i, 2, f"3311{w.rng.randrange(10**11, 10**12)}")
            ws.write_number(7 + i, 3, w.rng.randrange(1, 9))


def _rekap(w: _Writer, identity: Mapping[str, object], rt: SampleRT, krt: int,
           omit: str | None) -> dict[str, str]:
    """The Rekap sheet: identity, household counts, one row per volume's quantity and the two
    ``…Ideal`` lengths (existing + needed, as formulas). Returns the cell feeding each volume."""
    ws = w.wb.add_worksheet(REKAP)
    v = rt.values
    o = w.lay.rekap_offset
    ws.write_string(o, o, "REKAP DATA RT (LOGBOOK SIM)")
    heads = [("Provinsi", identity["provinsi"]), ("Kabupaten", identity["kabupaten"]),
             ("Kecamatan", identity["kecamatan"]), ("Kelurahan", identity["kelurahan"]),
             ("RT_RW", f"RT{rt.rt}-RW{rt.rw}"),
             ("Jumlah Kepala Rumah Tangga", krt), ("Jumlah Kepala Keluarga", v["jumlah_kk"]),
             ("Jumlah Penduduk", v["jumlah_penduduk"])]
    for i, (label, value) in enumerate(heads):
        ws.write_string(o + 1 + i, o, "ABCDEFGH"[i])
        ws.write_string(o + 1 + i, o + 1, label)
        ws.write(o + 1 + i, o + 2, value)
    r = o + 11
    for j, head in enumerate(("No", "KRITERIA", "INDIKATOR", "NILAI", "SATUAN")):
        ws.write_string(r, o + j, head, w.bold)
    feeds: dict[str, str] = {}
    r += 2
    val = o + 3
    for c in criteria.criteria():
        if c.kode == omit:
            continue
        ws.write_string(r, o + 2, REKAP_LABEL[c.kode])
        ws.write_number(r, val, v[c.vol])
        ws.write_string(r, o + 4, c.satuan)
        feeds[c.kode] = f"'{REKAP}'!{xl_rowcol_to_cell(r, val)}"
        if c.kode in ("2a", "4b"):  # existing length and the ideal one right after the need
            key, label = (("panjang_jalan_ideal_m",
                           "Panjang total Jaringan Jalan Lingkungan yang Ideal")
                          if c.kode == "2a" else
                          ("panjang_drainase_ideal_m", "Panjang drainase Ideal"))
            existing = round(float(v[key]) - float(v[c.vol]), 2)
            ws.write_string(r + 1, o + 2, "Panjang eksisting")
            ws.write_number(r + 1, val, existing)
            ws.write_string(r + 2, o + 2, label)
            w.number(ws, r + 2, val, float(v[key]), is_count=False,
                     formula=f"={xl_rowcol_to_cell(r + 1, val)}+{xl_rowcol_to_cell(r, val)}")
            ws.write_string(r + 2, o + 4, "meter")
            w.note(key, REKAP, r + 2, val)
            r += 2
        r += 1
    return feeds


def _form(w: _Writer, identity: Mapping[str, object], rt: SampleRT, krt: int,
          feeds: Mapping[str, str], stored: Mapping[str, object], defects: Sequence[str]) -> None:
    """The Kekumuhan Awal_RT sheet: top pairs, the 16-criterion table, total and tingkat."""
    lay, v = w.lay, rt.values
    ws = w.wb.add_worksheet(FORM)
    R, C = lay.row_offset, lay.col_offset
    a, k, vc, sc, pc, nc = C, C + 1, C + 2, C + 3, C + 4, C + 5
    title = "PERHITUNGAN TINGKAT KEKUMUHAN AWAL PENINGKATAN KUALITAS PERMUKIMAN KUMUH"
    if lay.merged:
        ws.merge_range(R, a, R, nc, title, w.bold)
    else:
        ws.write_string(R, a, title)
    names = [("Provinsi", "provinsi"), ("Kabupaten", "kabupaten"), ("Kecamatan", "kecamatan"),
             ("Kelurahan", "kelurahan")]
    for i, (label, key) in enumerate(names):
        ws.write_string(R + 2 + i, a, label)
        ws.write_string(R + 2 + i, k, f": {identity[key]}")
    ws.write_string(R + 6, a, "RT_RW")
    ws.write_string(R + 6, k, f": RT{rt.rt}-RW{rt.rw}")
    den_rows = {"luas_ha": R + 2, "jumlah_krt": R + 3, "jumlah_bangunan": R + 4,
                "jumlah_penduduk": R + 5, "jumlah_kk": R + 6}
    tops = [("Luas Verifikasi", "luas_ha", v["luas_ha"], "Ha"),
            ("Jumlah KRT", "jumlah_krt", krt, "KRT"),
            ("Jumlah Bangunan", "jumlah_bangunan", v["jumlah_bangunan"], "Unit"),
            ("Jumlah Penduduk", "jumlah_penduduk", v["jumlah_penduduk"], "Jiwa"),
            ("Jumlah KK", "jumlah_kk", v["jumlah_kk"], "KK")]
    for label, key, value, unit in tops:
        r = den_rows[key]
        ws.write_string(r, vc, label)
        if not (key == "jumlah_kk" and "nilai_kosong" in defects):
            w.number(ws, r, pc, float(value), is_count=key != "luas_ha", formula=f"={value}")
        ws.write_string(r, nc, unit)
        w.note(key, FORM, r, pc)
    h = R + 10
    if lay.merged:
        ws.merge_range(h, a, h + 2, a, "ASPEK", w.bold)
        ws.merge_range(h, k, h + 2, k, "KRITERIA", w.bold)
        ws.merge_range(h, vc, h + 1, nc, "KONDISI AWAL (BASELINE)", w.bold)
    else:
        ws.write_string(h, a, "ASPEK", w.bold)
        ws.write_string(h, k, "KRITERIA", w.bold)
        ws.write_string(h, vc, "KONDISI AWAL (BASELINE)", w.bold)
    for col, head in ((vc, "VOLUME"), (sc, "SATUAN"), (pc, "PROSEN (%)"), (nc, "NILAI")):
        ws.write_string(h + 2, col, head, w.bold)
    if lay.extra_columns:
        ws.write_string(h + 2, nc + 1, "NILAI MANUAL")
        ws.write_string(h + 2, nc + 2, "VOLUME (CEK)")
        ws.write_string(h + 2, nc + 4, "KETERANGAN")
    r = h + 3
    den_cell = {"jumlah_bangunan": xl_rowcol_to_cell(den_rows["jumlah_krt"], pc),
                "luas_ha": xl_rowcol_to_cell(den_rows["luas_ha"], pc),
                "jumlah_kk": xl_rowcol_to_cell(den_rows["jumlah_kk"], pc),
                "panjang_jalan_ideal_m": _cross(w.cells["panjang_jalan_ideal_m"]),
                "panjang_drainase_ideal_m": _cross(w.cells["panjang_drainase_ideal_m"])}
    nilai_cells: list[str] = []
    for number in "1234567":
        crits = [c for c in criteria.criteria() if c.kode[0] == number
                 and not (c.kode == "4c" and "baris_hilang" in defects)]
        first = r
        label = f"{number}. {crits[0].aspek}"
        if lay.merged and len(crits) > 1:
            ws.merge_range(r, a, r + len(crits) - 1, a, label.upper() if number == "1" else label)
        else:
            ws.write_string(r, a, label)
        for c in crits:
            _criterion(w, ws, r, c, v, feeds, stored, defects, den_cell)
            nilai_cells.append(xl_rowcol_to_cell(r, nc))
            r += 1
        ws.write_string(r, a, f"Rata-rata {crits[0].aspek}")
        rng_cells = f"{xl_rowcol_to_cell(first, pc)}:{xl_rowcol_to_cell(r - 1, pc)}"
        mean = sum(float(stored[f"stored_persen_{c.kode}"]) for c in crits) / len(crits) / 100
        ws.write_formula(r, pc, f"=AVERAGE({rng_cells})", w.pct, mean)
        r += 1
    _result(w, ws, r, stored, nilai_cells)


def _cross(ref: str) -> str:
    """A ``Sheet!C25`` cell as a formula reference (``'Sheet'!C25``)."""
    sheet, _, cell = ref.rpartition("!")
    return f"'{sheet}'!{cell}"


def _criterion(w: _Writer, ws, r: int, c: criteria.Criterion, v: Mapping[str, float],
               feeds: Mapping[str, str], stored: Mapping[str, object], defects: Sequence[str],
               den_cell: Mapping[str, str]) -> None:
    """One criterion row: label, volume, unit, PROSEN and NILAI (formulas with cached values)."""
    lay = w.lay
    k, vc, sc, pc, nc = (lay.col_offset + i for i in (1, 2, 3, 4, 5))
    ws.write_string(r, k, f"{c.kode[1]}. {FORM_KRITERIA[c.kode]}")
    value = v[c.vol]
    vol_cell = xl_rowcol_to_cell(r, vc)
    if c.kode == "2b" and "bukan_angka" in defects:
        ws.write_string(r, vc, "tidak tahu")
    elif c.kode == "4b" and "sel_error" in defects:
        ws.write_formula(r, vc, "=1/0", None, "#DIV/0!")
    else:
        w.number(ws, r, vc, float(value), is_count=c.is_count, formula=f"={feeds[c.kode]}")
    w.note(c.vol, FORM, r, vc)
    ws.write_string(r, sc, UNIT_LABEL[c.satuan])
    persen = float(stored[f"stored_persen_{c.kode}"]) / 100
    ws.write_formula(r, pc, f"=IFERROR({vol_cell}/{den_cell[c.penyebut]},0)", w.pct, persen)
    w.note(f"stored_persen_{c.kode}", FORM, r, pc)
    p = xl_rowcol_to_cell(r, pc)
    ws.write_formula(
        r, nc, f"=IF({p}>=75.995%,5,IF({p}>=50.995%,3,IF({p}>=24.995%,1,0)))", None,
        stored[f"stored_nilai_{c.kode}"])
    w.note(f"stored_nilai_{c.kode}", FORM, r, nc)
    if lay.extra_columns:
        ws.write_number(r, nc + 1, w.rng.choice((0, 1, 3, 5)))
        ws.write_number(r, nc + 2, float(value))
        if w.rng.random() < 0.2:
            ws.write_string(r, nc + 4, w.rng.choice(("sudah dibangun", "cek ulang", "swadaya")))


def _result(w: _Writer, ws, r: int, stored: Mapping[str, object], nilai_cells: list[str]) -> None:
    """The band note, the stored TOTAL NILAI and TINGKAT KEKUMUHAN (merged when the layout
    merges, with the template's stray ``KR`` formula in the merged-away cell)."""
    lay = w.lay
    k, sc, nc = lay.col_offset + 1, lay.col_offset + 3, lay.col_offset + 5
    bands = ("BATAS AMBANG NILAI TINGKAT KEKUMUHAN", "60 -80 : KUMUH BERAT",
             "38 - 59 : KUMUH SEDANG", "16 - 37 KUMUH RINGAN", " < 16, DINYATAKAN TIDAK KUMUH")
    for i, text in enumerate(bands):
        ws.write_string(r + i, k, text)
    total = int(stored["stored_total_nilai"])
    tingkat = str(stored["stored_tingkat_kekumuhan"])
    total_cell = xl_rowcol_to_cell(r, nc)
    formula = (f'=IF({total_cell}>=60,"KUMUH BERAT",IF({total_cell}>=38,"KUMUH SEDANG",'
               f'IF({total_cell}>=16,"KUMUH RINGAN","TIDAK KUMUH")))')
    if lay.merged:
        ws.merge_range(r, sc, r + 1, sc + 1, "TOTAL NILAI", w.bold)
        ws.merge_range(r, nc, r + 1, nc, "")
        ws.merge_range(r + 2, sc, r + 3, sc + 1, "TINGKAT KEKUMUHAN", w.bold)
        ws.merge_range(r + 2, nc, r + 3, nc, "")
    else:
        ws.write_string(r, sc, "TOTAL NILAI", w.bold)
        ws.write_string(r + 2, sc, "TINGKAT KEKUMUHAN", w.bold)
    ws.write_formula(r, nc, f"=SUM({','.join(nilai_cells)})", None, total)
    ws.write_formula(r + 2, nc, formula if lay.tingkat_style != "short" else
                     formula.replace("KUMUH BERAT", "KB").replace("KUMUH SEDANG", "KS")
                     .replace("KUMUH RINGAN", "KR").replace("TIDAK KUMUH", "TK"), None, tingkat)
    if lay.merged:  # the template's leftover formula below the tingkat, inside the merge
        ws.write_formula(r + 3, nc, '=IF(E40>71,"KB",IF(E40>=47,"KS","KR"))', None, "KR")
    w.note("stored_total_nilai", FORM, r, nc)
    w.note("stored_tingkat_kekumuhan", FORM, r + 2, nc)


def write_form(path: Path, identity: Mapping[str, object], rt: SampleRT, krt: int,
               layout: FormLayout, *, defects: Sequence[str] = (), seed: int = 0) -> SampleForm:
    """Write one Form Data RT for ``rt`` (its 22 values as intended) and return its ground
    truth. ``identity``: provinsi, kabupaten, kecamatan, kelurahan as the clerk writes them,
    kode_kelurahan (dotted; written only with ``layout.kode_wilayah``), tahun and
    tanggal_pendataan (a date; None writes no date)."""
    rng = random.Random(seed)
    values = dict(rt.values)
    if "volume_melebihi_penyebut" in defects:
        values["vol_7b"] = int(values["jumlah_bangunan"]) + 3
    if "nilai_negatif" in defects:
        values["vol_3a"] = -2
    rt = dataclasses.replace(rt, values=values)
    written = dict(identity)
    tanggal = identity.get("tanggal_pendataan")
    expected_date = None
    if "tanggal_hilang" in defects or not isinstance(tanggal, dt.date):
        written["tanggal_written"] = None
    else:
        written["tanggal_written"], expected_date = date_text(tanggal, layout.date_style)
    scores = form_scores(values, krt)
    if "baris_hilang" in defects:  # the form's total then lacks 4c
        del scores["stored_persen_4c"]
        total = int(scores["stored_total_nilai"]) - int(scores.pop("stored_nilai_4c"))
        scores["stored_total_nilai"] = total
        scores["tingkat_kekumuhan"] = next(label for low, label in criteria.TINGKAT_BANDS
                                           if total >= low)
    stored = {**{k: val for k, val in scores.items() if k != "tingkat_kekumuhan"},
              "stored_tingkat_kekumuhan": tingkat_text(str(scores["tingkat_kekumuhan"]),
                                                        layout.tingkat_style)}
    path.parent.mkdir(parents=True, exist_ok=True)
    w = _Writer(path, layout, rng)
    _cover(w, written, rt)
    _personal(w, written, 8)
    feeds = _rekap(w, written, rt, krt, "4c" if "baris_hilang" in defects else None)
    _form(w, written, rt, krt, feeds, stored, defects)
    w.wb.close()
    if "baris_hilang" in defects:
        for key in ("vol_4c", "stored_persen_4c", "stored_nilai_4c"):
            w.cells.pop(key, None)
    return SampleForm(path=path, kode_kelurahan=str(identity["kode_kelurahan"]),
                      nama_kelurahan=str(identity.get("nama_kelurahan", identity["kelurahan"])),
                      tahun=int(identity["tahun"]),  # type: ignore[call-overload]
                      tanggal_pendataan=expected_date, rt=rt, jumlah_krt=krt, layout=layout,
                      identity=written, stored=stored, cells=w.cells, defects=list(defects))
