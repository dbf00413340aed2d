"""Realistic KOTAKU survey workbooks (spec §2) for the sample data, tests and benchmarks.

Every value written is known (``SampleWorkbook.rts``), so readers and scorers can be tested
against ground truth. Layout variations follow what spec §2 allows; ``generate_sample`` cycles
them so a default sample holds every value of every variation at least once. Defective
workbooks (one injected error each) are written to ``out_dir/_bermasalah/`` for kelurahan-years
that no valid workbook of the sample covers.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import random
import re
import shutil
import zlib
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import xlsxwriter

from transforms import spec

#: Fixed creation time so a seed gives byte-identical files.
FIXED_CREATED = dt.datetime(2024, 1, 1, 8, 0, 0)

#: Folder (under ``out_dir``) holding the defective workbooks.
DEFECT_DIR = "_bermasalah"

#: Injected error kinds, one per defective workbook.
DEFECTS: tuple[str, ...] = (
    "nilai_negatif",
    "bukan_angka",
    "kolom_hilang",
    "kode_tidak_dikenal",
    "rt_ganda",
    "volume_melebihi_penyebut",
    "tahun_di_luar_rentang",
    "bukan_bilangan_bulat",
)

#: Every value of every Layout variation; a default sample holds each at least once.
LAYOUT_VARIATIONS: dict[str, tuple[object, ...]] = {
    "identity_sheet": ("Identitas", "Cover", "Identitas Kelurahan", None),
    "rt_sheet": ("Data RT", "Rekap RT", "Data Kumuh RT"),
    "group_header_rows": (0, 1, 2),
    "column_order": ("standard", "shuffled"),
    "label_style": ("short", "vol", "volume", "long", "upper"),
    "rt_rw": ("separate", "RT001-RW002", "RT 03 RW 01", "001/002", "001_002"),
    "numbers": ("numeric", "text_id", "text_en", "mixed"),
    "dash_for_zero": (False, True),
    "trailing_units": (False, True),
    "total_rows": ("none", "end", "middle", "both"),
    "stored_scores": (False, True),
    "extra_columns": (False, True),
    "notes_below": (False, True),
    "numbering_row": (False, True),
    "formulas": (False, True),
    "kode_format": ("dotted", "digits", "number", "spaced"),
    "kabupaten_label": ("Kabupaten/Kota", "Kabupaten", "Kota", "Kab/Kota"),
}

_KAWASAN = ("Kawasan Pesisir", "Kawasan Bantaran Sungai", "Kawasan Pasar", "Kawasan Stasiun")
_KETUA = ("Bp. Sutrisno", "Ibu Siti Aminah", "Bp. H. Slamet", "Bp. Agus Salim", "Ibu Wahyuni")
_KETERANGAN = ("", "", "Verifikasi ulang", "Data baseline", "Pemekaran RT")
_TIERS = {"bersih": (0.0, 0.15), "ringan": (0.15, 0.5), "sedang": (0.4, 0.75), "berat": (0.75, 1)}


@dataclass
class SampleRT:
    """One RT row as intended: canonical rt/rw ("006A", "002") and every numeric column."""

    rt: str
    rw: str
    kawasan: str | None
    values: dict[str, float | int]


@dataclass
class Layout:
    """How a workbook is laid out: every variation spec §2 allows (defaults: the plain form)."""

    identity_sheet: str | None = "Identitas"
    rt_sheet: str = "Data RT"
    group_header_rows: int = 1
    column_order: str = "standard"
    label_style: str = "short"
    rt_rw: str = "separate"
    numbers: str = "numeric"
    dash_for_zero: bool = False
    trailing_units: bool = False
    total_rows: str = "none"
    stored_scores: bool = False
    extra_columns: bool = False
    notes_below: bool = False
    numbering_row: bool = False
    formulas: bool = False
    kode_format: str = "dotted"
    kabupaten_label: str = "Kabupaten/Kota"
    file_name: str = ""
    #: Seeds the minor choices (label variants, padding, shuffling); 0 = canonical labels.
    variant_seed: int = 0


@dataclass
class SampleWorkbook:
    """A generated workbook and its ground truth (reference codes/names, intended RT values)."""

    path: Path
    kode_kelurahan: str
    nama_kelurahan: str
    kode_kecamatan: str
    kode_kabupaten: str
    tahun: int
    tanggal_pendataan: dt.date | None
    rts: list[SampleRT]
    layout: Layout
    defects: list[str] = field(default_factory=list)
    #: What kumuh must decide for this file: diterima, ditolak, duplikat or digantikan.
    expected_status: str = "diterima"
    #: Identity values as written (clerk forms; kode dotted, before any defect).
    identity: dict[str, object] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# Scoring ground truth (spec §3)


def expected_scores(values: dict[str, float | int]) -> dict[str, object]:
    """persen_x, nilai_x, total_nilai and tingkat_kekumuhan of one RT, per spec §3 (for tests
    and for the stored score columns)."""
    out: dict[str, object] = {}
    total = 0
    for c in spec.criteria():
        den = values[c.penyebut]
        frac = 0.0 if den == 0 else values[c.vol] / den
        f = round(frac, spec.FRACTION_DECIMALS)
        nilai = next((n for t, n in spec.NILAI_BANDS if f >= t), 0)
        out[c.persen] = 100 * frac
        out[c.nilai] = nilai
        total += nilai
    out["total_nilai"] = total
    out["tingkat_kekumuhan"] = next(lbl for t, lbl in spec.TINGKAT_BANDS if total >= t)
    return out


# ---------------------------------------------------------------------------------------------
# RT values


def _group_sizes(rng: random.Random, n: int) -> list[int]:
    """RW group sizes of 3–8 summing to n (at least two groups when n >= 6)."""
    sizes: list[int] = []
    remaining = n
    while remaining > 8 or (not sizes and remaining >= 6):
        size = rng.randint(3, min(8, remaining - 3))
        sizes.append(size)
        remaining -= size
    if remaining:
        sizes.append(remaining)
    return sizes


def _denominators(rng: random.Random) -> dict[str, float | int]:
    """Plausible denominators: luas with a decimal part, penduduk >= KK."""
    luas = round(rng.uniform(0.4, 4.5), 2)
    if luas == int(luas):
        luas += 0.05
    bangunan = max(5, int(luas * rng.uniform(40, 140)))
    kk = max(bangunan, int(bangunan * rng.uniform(0.95, 1.4)))
    jalan = round(luas * rng.uniform(250, 700), rng.choice((0, 0, 1)))
    drainase = round(jalan * rng.uniform(0.9, 1.8), rng.choice((0, 0, 1, 2)))
    return {
        "luas_ha": luas,
        "jumlah_bangunan": bangunan,
        "jumlah_penduduk": int(kk * rng.uniform(3.0, 4.6)),
        "jumlah_kk": kk,
        "panjang_jalan_ideal_m": float(jalan),
        "panjang_drainase_ideal_m": float(drainase),
    }


def _volumes(rng: random.Random, den: dict[str, float | int], tier: str) -> dict[str, float | int]:
    """Volumes around the tier's fraction, each within its denominator."""
    lo, hi = _TIERS[tier]
    out: dict[str, float | int] = {}
    for c in spec.criteria():
        frac = min(1.0, max(0.0, rng.uniform(lo, hi) + rng.gauss(0, 0.12)))
        if rng.random() < (0.35 if tier == "bersih" else 0.08):
            frac = 0.0
        d = den[c.penyebut]
        if c.is_count:
            out[c.vol] = min(int(d), round(frac * d))
        else:
            digits = 2 if c.satuan == "ha" else rng.choice((0, 1))
            out[c.vol] = float(min(d, round(frac * d, digits)))
    return out


def _tiers(rng: random.Random, n: int) -> list[str]:
    """Tingkat targets for n RTs: a mix with at least one near-clean and one heavy RT."""
    tiers = rng.choices(list(_TIERS), weights=(0.25, 0.35, 0.25, 0.15), k=n)
    if n >= 4:
        a, b = rng.sample(range(n), 2)
        tiers[a], tiers[b] = "bersih", "berat"
    return tiers


def generate_rts(rng: random.Random, n: int) -> list[SampleRT]:
    """n valid RTs in RW groups of 3–8 (RT numbers restart per RW, sometimes a split RT "006A")
    with volumes within their denominators and a mix of tingkat."""
    tiers = _tiers(rng, n)
    kawasan_names = _KAWASAN if rng.random() < 0.35 else (None,)
    rts: list[SampleRT] = []
    rw = rng.choice((1, 1, 1, 2))
    for size in _group_sizes(rng, n):
        kawasan = rng.choice(kawasan_names)
        num, suffixed = 0, True
        for _ in range(size):
            if not suffixed and rng.random() < 0.06:
                rt, suffixed = f"{num:03d}A", True
            else:
                num, suffixed = num + 1, False
                rt = f"{num:03d}"
            den = _denominators(rng)
            values = {**den, **_volumes(rng, den, tiers[len(rts)])}
            rts.append(SampleRT(rt=rt, rw=f"{rw:03d}", kawasan=kawasan, values=values))
        rw += rng.choice((1, 1, 1, 2))
    return rts


# ---------------------------------------------------------------------------------------------
# Cell text


def format_number(value: float, convention: str, decimals: int = 2) -> str:
    """A number as a clerk types it: ``1.234,5`` (convention "id") or ``1,234.5`` ("en")."""
    s = f"{abs(value):,.{decimals}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    if convention == "id":
        s = s.translate(str.maketrans({",": ".", ".": ","}))
    return ("-" if value < 0 else "") + s


def _pad(code: str, width: int) -> str:
    """An RT/RW code re-padded to width digits, suffix kept ("006A", 2 → "06A")."""
    m = re.fullmatch(r"(\d+)([A-Za-z]?)", code)
    if not m:
        return code
    return f"{int(m.group(1)):0{width}d}{m.group(2)}"


def rt_rw_text(rt: str, rw: str, form: str) -> str:
    """The combined RT/RW cell in one of the Layout.rt_rw forms."""
    if form == "RT001-RW002":
        return f"RT{rt}-RW{rw}"
    if form == "RT 03 RW 01":
        return f"RT {_pad(rt, 2)} RW {_pad(rw, 2)}"
    sep = "/" if form == "001/002" else "_"
    return f"{rt}{sep}{rw}"


def format_kode(kode: str, kode_format: str) -> str | int:
    """The kelurahan code as written: dotted, digits text, a number or space-separated."""
    if kode_format == "digits":
        return kode.replace(".", "")
    if kode_format == "number":
        return int(kode.replace(".", ""))
    if kode_format == "spaced":
        return kode.replace(".", " ")
    return kode


# ---------------------------------------------------------------------------------------------
# Columns


@dataclass(frozen=True)
class _Col:
    key: str  # value key in a row dict
    label: str
    kind: str  # text | count | ha | m | persen | nilai | num
    group: str | None = None  # aspect title above; None: label merged down
    unit: str = ""


def _upper(layout: Layout, label: str) -> str:
    return label.upper() if layout.label_style == "upper" else label


def _base_label(col: spec.InputColumn, layout: Layout, rng: random.Random) -> str:
    label = col.labels[0] if layout.variant_seed == 0 else rng.choice(col.labels)
    if col.kind in ("ha", "m") or (col.unit and rng.random() < 0.4):
        label += f" ({'Ha' if col.unit == 'ha' else col.unit})"
    return _upper(layout, label)


def _vol_label(c: spec.Criterion, layout: Layout) -> str:
    style = layout.label_style
    if style == "vol":
        return f"Vol {c.kode}"
    if style == "volume":
        return f"Volume {c.kode}"
    if style == "long":
        return f"{c.kode}. {c.kriteria} ({c.satuan})"
    return _upper(layout, c.kode)


def _score_labels(c: spec.Criterion, layout: Layout) -> tuple[str, str]:
    style = layout.label_style
    if style == "long":
        return f"{c.kode} (%)", f"{c.kode} Skor"
    if style in ("vol", "volume"):
        return f"Persen {c.kode}", f"Nilai {c.kode}"
    return _upper(layout, f"% {c.kode}"), _upper(layout, f"Nilai {c.kode}")


def _criterion_cols(layout: Layout) -> list[list[_Col]]:
    """Per aspect, its volume (and stored score) columns."""
    aspects: dict[str, list[_Col]] = {}
    for c in spec.criteria():
        group = f"{c.kode[0]}. {c.aspek}"
        cols = aspects.setdefault(group, [])
        kind = "count" if c.is_count else c.satuan
        cols.append(_Col(c.vol, _vol_label(c, layout), kind, group, c.satuan))
        if layout.stored_scores:
            persen, nilai = _score_labels(c, layout)
            cols.append(_Col(c.persen, persen, "persen", group))
            cols.append(_Col(c.nilai, nilai, "nilai", group))
    return [[*cols] for cols in aspects.values()]


def _base_cols(layout: Layout, rng: random.Random, kawasan: bool) -> list[_Col]:
    inputs = spec.input_columns()
    names = ["rt", "rw"] if layout.rt_rw == "separate" else ["rt_rw"]
    if kawasan:
        names.append("kawasan")
    cols = [_Col(n, _base_label(inputs[n], layout, rng), "text") for n in names]
    for n in spec.denominators():
        col = inputs[n]
        cols.append(_Col(n, _base_label(col, layout, rng), col.kind, None, col.unit))
    return cols


def _columns(layout: Layout, rng: random.Random, kawasan: bool) -> list[_Col]:
    """The table's columns in written order."""
    base = _base_cols(layout, rng, kawasan)
    aspects = _criterion_cols(layout)
    tail: list[_Col] = []
    if layout.stored_scores:
        tingkat = "Tingkat" if rng.random() < 0.5 else "Tingkat Kekumuhan"
        tail += [_Col("total_nilai", "Total Nilai", "nilai"), _Col("tingkat", tingkat, "text")]
    if layout.extra_columns:
        base.insert(0, _Col("x_no", "No", "nilai"))
        base.insert(3, _Col("x_ketua", "Nama Ketua RT", "text"))
        base.append(_Col("x_luas_permukiman", "Luas Permukiman (Ha)", "ha"))
        tail.append(_Col("x_keterangan", "Keterangan", "text"))
    tail = [dataclasses.replace(c, label=_upper(layout, c.label)) for c in tail]
    if layout.column_order == "shuffled":
        for cols in aspects:
            rng.shuffle(cols)
        blocks: list[list[_Col]] = [[c] for c in base + tail] + aspects
        rng.shuffle(blocks)
        return [c for block in blocks for c in block]
    return base + [c for cols in aspects for c in cols] + tail


# ---------------------------------------------------------------------------------------------
# Rows


def _rt_row(
    rt: SampleRT, i: int, layout: Layout, rng: random.Random, pad: int
) -> dict[str, object]:
    row: dict[str, object] = dict(rt.values)
    if layout.rt_rw == "separate":
        row["rt"], row["rw"] = _pad(rt.rt, pad), _pad(rt.rw, pad)
    else:
        row["rt_rw"] = rt_rw_text(rt.rt, rt.rw, layout.rt_rw)
    row["kawasan"] = rt.kawasan
    if layout.stored_scores:
        scores = expected_scores(rt.values)
        row.update(scores)
        row["tingkat"] = scores["tingkat_kekumuhan"]
    if layout.extra_columns:
        row["x_no"] = i + 1
        row["x_ketua"] = rng.choice(_KETUA)
        row["x_luas_permukiman"] = round(rt.values["luas_ha"] * rng.uniform(0.5, 0.95), 2)
        row["x_keterangan"] = rng.choice(_KETERANGAN)
    return row


def _total_row(label: str, rows: list[dict[str, object]], cols: list[_Col]) -> dict[str, object]:
    """A Jumlah/Subtotal row summing the numeric input columns of rows."""
    out: dict[str, object] = {"_total": label}
    for col in cols:
        if col.kind in ("count", "ha", "m"):
            vals = [r[col.key] for r in rows if isinstance(r.get(col.key), int | float)]
            out[col.key] = round(sum(vals), 2) if col.kind != "count" else int(sum(vals))
    return out


def _with_totals(
    rows: list[dict[str, object]], rts: list[SampleRT], layout: Layout, cols: list[_Col]
) -> list[dict[str, object]]:
    """RT rows with Subtotal rows after each RW but the last ("middle") or every RW ("both"),
    and a Jumlah row at the end ("end", "both")."""
    if layout.total_rows == "none":
        return rows
    out: list[dict[str, object]] = []
    group: list[dict[str, object]] = []
    for i, row in enumerate(rows):
        out.append(row)
        group.append(row)
        last_of_rw = i + 1 == len(rows) or rts[i + 1].rw != rts[i].rw
        is_last = i + 1 == len(rows)
        if last_of_rw and layout.total_rows in ("middle", "both") and (
            not is_last or layout.total_rows == "both"
        ):
            out.append(_total_row("Subtotal", group, cols))
            group = []
    if layout.total_rows in ("end", "both"):
        out.append(_total_row("Jumlah", rows, cols))
    return out


# ---------------------------------------------------------------------------------------------
# Defects


def _apply_defects(
    defects: Sequence[str],
    identity: dict[str, object],
    cols: list[_Col],
    rows: list[dict[str, object]],
    rng: random.Random,
) -> tuple[dict[str, object], list[_Col], list[dict[str, object]]]:
    """Identity, columns and rows with the named errors injected."""
    identity, rows = dict(identity), [dict(r) for r in rows]
    rt_rows = [r for r in rows if "_total" not in r]
    target = rt_rows[min(1, len(rt_rows) - 1)]
    vols = [c for c in spec.criteria() if any(col.key == c.vol for col in cols)]
    for defect in defects:
        if defect == "nilai_negatif":
            c = rng.choice(vols)
            target[c.vol] = -(target[c.vol] or 3)
        elif defect == "bukan_angka":
            target[rng.choice(vols).vol] = "tidak tahu"
        elif defect == "kolom_hilang":
            c = rng.choice(vols)
            cols = [col for col in cols if col.key not in (c.vol, c.persen, c.nilai)]
        elif defect == "kode_tidak_dikenal":
            parts = str(identity["kode_kelurahan"]).split(".")
            identity["kode_kelurahan"] = ".".join([parts[0], parts[1], "99", parts[3]])
        elif defect == "rt_ganda":
            rows.insert(rows.index(target) + 1, dict(target))
        elif defect == "volume_melebihi_penyebut":
            c = next(c for c in vols if c.is_count)
            target[c.vol] = int(target[c.penyebut]) + rng.randint(1, 9)
        elif defect == "tahun_di_luar_rentang":
            identity["tahun"] = 2009
        elif defect == "bukan_bilangan_bulat":
            target["jumlah_kk"] = int(target["jumlah_kk"]) + 0.5
        else:
            raise ValueError(f"unknown defect {defect!r}")
    return identity, cols, rows


# ---------------------------------------------------------------------------------------------
# Writing


class _Sheet:
    """Writes cells of one worksheet following the layout's number conventions."""

    def __init__(self, wb: xlsxwriter.Workbook, ws, layout: Layout, rng: random.Random) -> None:
        self.ws, self.layout, self.rng = ws, layout, rng
        self.salt = layout.variant_seed
        self.conv = "en" if layout.numbers == "text_en" else "id"
        self.all_text = layout.numbers in ("text_id", "text_en")
        self.header = wb.add_format(
            {"bold": True, "align": "center", "valign": "vcenter", "text_wrap": True, "border": 1}
        )
        self.date = wb.add_format({"num_format": "dd/mm/yyyy"})
        self.whole = wb.add_format({"num_format": "0"})

    def coin(self, r: int, c: int, k: int = 0) -> float:
        """A uniform [0, 1) draw fixed by the cell, so one changed cell changes nothing else."""
        return zlib.crc32(b"%d:%d:%d:%d" % (self.salt, r, c, k)) / 2**32

    def head(self, r1: int, c1: int, r2: int, c2: int, text: str) -> None:
        if (r1, c1) == (r2, c2):
            self.ws.write_string(r1, c1, text, self.header)
        else:
            self.ws.merge_range(r1, c1, r2, c2, text, self.header)

    def value(self, r: int, c: int, col: _Col, v: object, *, force_text: bool = False) -> None:
        """One table cell: numeric, text in the file's convention, "-", unit text or formula."""
        if v is None or v == "":
            return
        if isinstance(v, str) or col.kind == "text":
            self.ws.write_string(r, c, str(v))
            return
        lay = self.layout
        is_input = col.kind in ("count", "ha", "m") and not col.key.startswith("x_")
        if lay.dash_for_zero and is_input and v == 0:
            self.ws.write_string(r, c, "-")
            return
        units = lay.trailing_units and col.key in spec.denominators()
        mixed = lay.numbers == "mixed" and self.coin(r, c) < 0.2
        if self.all_text or units or mixed or force_text:
            text = format_number(float(v), self.conv)
            self.ws.write_string(r, c, f"{text} {col.unit}" if units else text)
        elif lay.formulas and col.kind == "count" and is_input and v >= 10 and (
            col.key in spec.denominators() or self.coin(r, c, 1) < 0.3
        ):
            a = 1 + int(self.coin(r, c, 2) * (int(v) - 1))
            self.ws.write_formula(r, c, f"={a}+{int(v) - a}", None, v)
        else:
            self.ws.write_number(r, c, v)


def _write_identity(sh: _Sheet, top: int, identity: dict[str, object], layout: Layout) -> int:
    """Label/value pairs from row top; returns the next free row."""
    rng = sh.rng
    labels = {f.field: f.labels for f in spec.identity_fields()}
    label_col = rng.choice((0, 0, 1))
    gap = rng.choice((1, 1, 2))
    colon = rng.random() < 0.4
    if layout.variant_seed == 0:
        label_col, gap, colon = 0, 1, False
    row = top
    for name in ("provinsi", "kabupaten", "kecamatan", "kelurahan", "kode_kelurahan", "tahun",
                 "tanggal_pendataan"):
        value = identity.get(name)
        if value is None:
            continue
        if name == "kabupaten":
            label = layout.kabupaten_label
        else:
            label = labels[name][0] if layout.variant_seed == 0 else rng.choice(labels[name])
        sh.ws.write_string(row, label_col, f"{label} :" if colon else label)
        vc = label_col + gap
        if name == "kode_kelurahan":
            kode = format_kode(str(value), layout.kode_format)
            if isinstance(kode, int):
                sh.ws.write_number(row, vc, kode, sh.whole)
            else:
                sh.ws.write_string(row, vc, kode)
        elif name == "tahun":
            sh.ws.write_number(row, vc, int(value))  # type: ignore[arg-type]
        elif isinstance(value, dt.date):
            sh.ws.write_datetime(row, vc, value, sh.date)
        else:
            sh.ws.write_string(row, vc, str(value))
        row += 1
    return row


def _runs(cols: list[_Col], key: Callable[[_Col], str | None]) -> list[tuple[int, int, str]]:
    """Contiguous column runs with the same non-None key: (first, last, key)."""
    runs: list[tuple[int, int, str]] = []
    for i, col in enumerate(cols):
        k = key(col)
        if k is None:
            continue
        if runs and runs[-1][2] == k and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i, k)
        else:
            runs.append((i, i, k))
    return runs


def _write_header(sh: _Sheet, top: int, cols: list[_Col]) -> int:
    """Group rows (if any) and the header row from row top; returns the header row index."""
    g = sh.layout.group_header_rows
    h = top + g
    for i, col in enumerate(cols):
        if col.group is None and g:
            sh.head(top, i, h, i, col.label)
        else:
            sh.head(h, i, h, i, col.label)
    if g == 2:
        title = _upper(sh.layout, "Volume Permasalahan Kekumuhan")
        for a, b, _ in _runs(cols, lambda c: "v" if c.group else None):
            sh.head(top, a, top, b, title)
    if g:
        for a, b, group in _runs(cols, lambda c: c.group):
            sh.head(h - 1, a, h - 1, b, _upper(sh.layout, group))
    return h


def _write_rows(sh: _Sheet, start: int, cols: list[_Col], rows: list[dict[str, object]]) -> int:
    """The RT and total rows from row start; returns the next free row."""
    label_col = next(i for i, c in enumerate(cols) if c.key in ("rt", "rt_rw"))
    r = start
    first_rt = True
    for row in rows:
        total = row.get("_total")
        for i, col in enumerate(cols):
            if total and i == label_col:
                sh.ws.write_string(r, i, str(total))
            else:
                force = first_rt and col.key == "luas_ha" and sh.layout.numbers == "mixed"
                sh.value(r, i, col, row.get(col.key), force_text=force)
        first_rt = first_rt and bool(total)
        r += 1
    return r


def _write_notes(sh: _Sheet, r: int, ncols: int, identity: dict[str, object]) -> None:
    """A blank row, a note and a signature block under the table."""
    r += 1
    sh.ws.write_string(r, 0, f"Catatan: data hasil verifikasi lapangan tahun {identity['tahun']}.")
    c = max(1, ncols - 4)
    lines = ("Mengetahui,", f"Lurah {identity['kelurahan']}", "", "", "( SUHARTONO, S.Sos )",
             "NIP. 19700312 199803 1 005")
    for i, line in enumerate(lines):
        if line:
            sh.ws.write_string(r + 2 + i, c, line)


def _local_rng(identity: dict[str, object], layout: Layout) -> random.Random:
    key = f"{identity.get('kode_kelurahan')}|{identity.get('tahun')}|{layout.variant_seed}"
    return random.Random(zlib.crc32(key.encode()))


def write_workbook(
    path: Path,
    identity: dict[str, object],
    rts: list[SampleRT],
    layout: Layout,
    *,
    defects: Sequence[str] = (),
) -> None:
    """Write one survey workbook (spec §2) of rts in layout, with the named errors injected.

    identity: provinsi, kabupaten, kecamatan, kelurahan (as the clerk writes them),
    kode_kelurahan (dotted), tahun, tanggal_pendataan (date or None).
    """
    rng = _local_rng(identity, layout)
    cols = _columns(layout, rng, any(rt.kawasan for rt in rts))
    pad = 3 if layout.variant_seed == 0 else rng.choice((3, 3, 2, 1))
    rows = [_rt_row(rt, i, layout, rng, pad) for i, rt in enumerate(rts)]
    rows = _with_totals(rows, rts, layout, cols)
    defect_rng = random.Random(layout.variant_seed + 1)
    written, cols, rows = _apply_defects(defects, identity, cols, rows, defect_rng)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": False})
    wb.set_properties({"created": FIXED_CREATED, "author": "Tim Fasilitator KOTAKU"})
    if layout.identity_sheet:
        ident = _Sheet(wb, wb.add_worksheet(layout.identity_sheet), layout, rng)
        ident.ws.write_string(0, 0, "IDENTITAS KELURAHAN/DESA")
        _write_identity(ident, 2, written, layout)
        ident.ws.set_column(0, 2, 22)
    sh = _Sheet(wb, wb.add_worksheet(layout.rt_sheet), layout, rng)
    sh.ws.write_string(0, 0, "REKAPITULASI DATA KEKUMUHAN TINGKAT RT")
    top = 2
    if not layout.identity_sheet:
        top = _write_identity(sh, 2, written, layout) + 1
    h = _write_header(sh, top, cols)
    if layout.numbering_row:
        h += 1
        for i in range(len(cols)):
            sh.ws.write_string(h, i, f"({i + 1})")
    end = _write_rows(sh, h + 1, cols, rows)
    if layout.notes_below:
        _write_notes(sh, end, len(cols), identity)
    sh.ws.set_column(0, len(cols) - 1, 11)
    wb.close()


# ---------------------------------------------------------------------------------------------
# Reference list and clerk identity


@dataclass(frozen=True)
class _Reference:
    provinces: dict[str, str]
    regencies: dict[str, str]
    districts: dict[str, str]
    villages: dict[str, list[tuple[str, str]]]  # kabupaten code -> sorted (code, name)


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))  # every value stays text (dotted codes)


@cache
def _reference(reference_dir: Path) -> _Reference:
    """The official region list, codes as dotted text."""
    def names(f: str) -> dict[str, str]:
        return {r["code"]: r["name"] for r in _read_csv(reference_dir / f)}

    villages: dict[str, list[tuple[str, str]]] = {}
    for r in _read_csv(reference_dir / "villages.csv"):
        villages.setdefault(r["code"][:5], []).append((r["code"], r["name"]))
    for v in villages.values():
        v.sort()
    return _Reference(names("provinces.csv"), names("regencies.csv"), names("districts.csv"),
                      villages)


def _clerk_kabupaten(rng: random.Random, name: str) -> str:
    kind, _, base = name.partition(" ")
    if kind == "Kabupaten":
        return rng.choice((f"KAB. {base.upper()}", name, f"Kab. {base}", name.upper()))
    return rng.choice((name, name.upper(), f"KOTA {base.upper()}"))


def _clerk_identity(
    rng: random.Random, ref: _Reference, kode: str, nama: str, tahun: int
) -> dict[str, object]:
    """Identity values as clerks write them (prefixes, upper case), date sometimes missing."""
    kec = ref.districts[kode[:8]]
    prefix = "Kel." if kode[9] == "1" else "Desa"
    tanggal = None
    if rng.random() < 0.8:
        tanggal = dt.date(tahun, 1, 1) + dt.timedelta(days=rng.randrange(365))
    return {
        "provinsi": rng.choice((ref.provinces[kode[:2]], ref.provinces[kode[:2]].upper())),
        "kabupaten": _clerk_kabupaten(rng, ref.regencies[kode[:5]]),
        "kecamatan": rng.choice((kec, f"Kec. {kec}", kec.upper())),
        "kelurahan": rng.choice((nama, nama.upper(), f"{prefix} {nama}")),
        "kode_kelurahan": kode,
        "tahun": tahun,
        "tanggal_pendataan": tanggal,
    }


_FILE_NAMES = (
    "Data Kumuh {prefix} {nama} {tahun} (final).xlsx",
    "REKAP_RT_{digits}_{tahun}.xlsx",
    "{upper} {tahun}.xlsx",
    "Baseline Kumuh {nama} Th {tahun} - revisi 2.xlsx",
    "Rekap Kumuh {nama} – {tahun}.xlsx",
    "data rt {lower} {tahun} FIX.xlsx",
    "Kelurahan {nama} {tahun} — update Agustus.xlsx",
)


def _file_name(i: int, kode: str, nama: str, tahun: int) -> str:
    """A clerk-style file name (spaces, parentheses, sometimes non-ASCII)."""
    safe = re.sub(r'[/\\:*?"<>|]+', "-", nama)
    return _FILE_NAMES[i % len(_FILE_NAMES)].format(
        prefix="Kel." if kode[9] == "1" else "Desa", nama=safe, upper=safe.upper(),
        lower=safe.lower(), digits=kode.replace(".", ""), tahun=tahun,
    )


# ---------------------------------------------------------------------------------------------
# Sample


def _layouts(rng: random.Random, n: int) -> list[Layout]:
    """n layouts; each field's values cycle through a seeded permutation, so every value
    appears once n >= its number of values."""
    perms = {}
    for name in LAYOUT_VARIATIONS:
        perm = list(range(n))
        rng.shuffle(perm)
        perms[name] = perm
    layouts = [
        Layout(
            **{k: v[perms[k][i] % len(v)] for k, v in LAYOUT_VARIATIONS.items()},  # type: ignore[arg-type]
            variant_seed=rng.randrange(1, 1_000_000),
        )
        for i in range(n)
    ]
    if not any(lay.formulas and lay.numbers == "numeric" for lay in layouts):
        for i, lay in enumerate(layouts):
            if lay.numbers == "numeric":
                layouts[i] = dataclasses.replace(lay, formulas=True)
                break
    return layouts


def _unique(path: Path, used: set[Path]) -> Path:
    out, k = path, 2
    while out in used:
        out = path.with_name(f"{path.stem} ({k}){path.suffix}")
        k += 1
    used.add(out)
    return out


def _write_job(job: tuple) -> list[SampleRT]:
    """Generate a workbook's RTs from its own seed and write it (runs in a worker)."""
    path, identity, n_rts, rts_seed, layout, defects = job
    rts = generate_rts(random.Random(rts_seed), n_rts)
    write_workbook(path, identity, rts, layout, defects=defects)
    return rts


def generate_sample(
    out_dir: Path,
    reference_dir: Path,
    *,
    kabupaten: Sequence[str] = ("33.75", "35.08"),
    years: Sequence[int] = (2023, 2024),
    kelurahan_per_kabupaten: int = 8,
    rts_per_kelurahan: tuple[int, int] = (8, 20),
    seed: int = 2024,
    with_errors: bool = True,
    workers: int = 1,
) -> list[SampleWorkbook]:
    """Write one workbook per chosen village per year under
    ``out_dir/<kabupaten>/<kecamatan>/<clerk file name>`` (plus, with_errors, one defective
    workbook per DEFECTS kind under ``out_dir/_bermasalah/``) and return their ground truth.
    Deterministic for a seed, whatever the number of workers."""
    out_dir, ref = Path(out_dir), _reference(Path(reference_dir))
    rng = random.Random(seed)
    plan: list[tuple[str, str, str, int, bool]] = []  # kab, kode, nama, tahun, defective
    spare: list[tuple[str, str, str]] = []
    for kab in kabupaten:
        villages = ref.villages.get(kab, [])
        k = min(kelurahan_per_kabupaten, len(villages))
        chosen = sorted(rng.sample(villages, k))
        spare += [(kab, *v) for v in villages if v not in chosen]
        plan += [(kab, kode, nama, tahun, False) for kode, nama in chosen for tahun in years]
    if with_errors:
        for i in range(len(DEFECTS)):
            if spare:
                kab, kode, nama = spare.pop(rng.randrange(len(spare)))
                plan.append((kab, kode, nama, years[i % len(years)], True))
            else:
                kab, kode, nama = plan[i % len(plan)][:3]
                plan.append((kab, kode, nama, min(years) - 1, True))
    n_bad = sum(bad for *_, bad in plan)
    layouts = _layouts(rng, len(plan) - n_bad) + _layouts(rng, n_bad)
    items, jobs, used = [], [], set()
    n_defect = 0
    for i, (kab, kode, nama, tahun, bad) in enumerate(plan):
        identity = _clerk_identity(rng, ref, kode, nama, tahun)
        name = _file_name(i, kode, nama, tahun)
        kec = re.sub(r"[/\\:*?\"<>|]+", "-", ref.districts[kode[:8]])
        folder = out_dir / DEFECT_DIR if bad else out_dir / kab / kec
        path = _unique(folder / name, used)
        defects = [DEFECTS[n_defect]] if bad else []
        n_defect += bad
        item = SampleWorkbook(
            path=path, kode_kelurahan=kode, nama_kelurahan=nama, kode_kecamatan=kode[:8],
            kode_kabupaten=kab, tahun=tahun, tanggal_pendataan=identity["tanggal_pendataan"],
            rts=[], layout=dataclasses.replace(layouts[i], file_name=path.name), defects=defects,
            identity=identity,
        )
        items.append(item)
        n_rts, rts_seed = rng.randint(*rts_per_kelurahan), rng.randrange(2**63)
        jobs.append((path, identity, n_rts, rts_seed, item.layout, tuple(defects)))
    for item, rts in zip(items, _run(jobs, workers), strict=True):
        item.rts = rts
        item.expected_status = "ditolak" if item.defects else "diterima"
    if with_errors:
        items += _resubmissions(rng, out_dir, [i for i in items if not i.defects])
    return items


def _resubmissions(rng: random.Random, out_dir: Path,
                   valid: list[SampleWorkbook]) -> list[SampleWorkbook]:
    """What shared folders also hold: a byte-identical copy of one workbook (``duplikat``) and
    a later revision of another, dated after it (the original becomes ``digantikan``)."""
    if len(valid) < 2:
        return []
    copied, revised = valid[0], valid[1]
    copy_path = out_dir / DEFECT_DIR / f"{copied.path.stem} - Salinan.xlsx"
    copy_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(copied.path, copy_path)
    copy = dataclasses.replace(copied, path=copy_path, expected_status="duplikat")

    identity = dict(revised.identity)
    base = revised.tanggal_pendataan or dt.date(revised.tahun, 1, 1)
    identity["tanggal_pendataan"] = base + dt.timedelta(days=30)  # dated beats undated too
    rts = generate_rts(rng, len(revised.rts))
    path = revised.path.with_name(f"{revised.path.stem} revisi.xlsx")
    layout = dataclasses.replace(revised.layout, file_name=path.name)
    write_workbook(path, identity, rts, layout)
    revised.expected_status = "digantikan"
    return [copy, dataclasses.replace(revised, path=path, rts=rts, layout=layout,
                                      identity=identity,
                                      tanggal_pendataan=identity["tanggal_pendataan"],
                                      expected_status="diterima")]


def _run(jobs: list[tuple], workers: int) -> list[list[SampleRT]]:
    """Run the write jobs in order (in a process pool when workers > 1); their RTs."""
    if workers <= 1:
        return [_write_job(job) for job in jobs]
    chunk = max(1, min(32, len(jobs) // (workers * 8)))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(_write_job, jobs, chunksize=chunk))


# ---------------------------------------------------------------------------------------------
# Worked example (spec §4)

_WORKED = (
    ("001", "002", 1.25, 120, 540, 150, 800, 900,
     92, 0.31, 61, 200, 404, 38, 0, 0.95, 450, 230, 114, 76, 150, 39, 120, 91),
    ("002", "002", 0.80, 75, 300, 80, 500, 500,
     10, 0, 5, 0, 100, 0, 0, 0, 0, 50, 20, 20, 80, 80, 75, 75),
    ("003", "003", 2.10, 210, 820, 230, 1200, 1300,
     168, 1.7, 170, 960, 1000, 184, 190, 1.62, 1100, 1000, 200, 180, 230, 220, 210, 200),
)


def worked_example() -> tuple[dict[str, object], list[SampleRT]]:
    """Spec §4's worked example: identity of Podosugih (33.75.01.1003, Kota Pekalongan, 2024)
    and its three RTs with exactly the table's values."""
    identity: dict[str, object] = {
        "provinsi": "Jawa Tengah",
        "kabupaten": "Kota Pekalongan",
        "kecamatan": "Pekalongan Barat",
        "kelurahan": "Podosugih",
        "kode_kelurahan": "33.75.01.1003",
        "tahun": 2024,
        "tanggal_pendataan": dt.date(2024, 6, 15),
    }
    counts = spec.count_columns()
    rts = []
    for rt, rw, *nums in _WORKED:
        values = {
            name: int(v) if name in counts else float(v)
            for name, v in zip(spec.numeric_columns(), nums, strict=True)
        }
        rts.append(SampleRT(rt=rt, rw=rw, kawasan=None, values=values))
    return identity, rts
