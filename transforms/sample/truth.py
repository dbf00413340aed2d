"""Ground truth of the sample: the RTs a workbook is meant to hold, how it is laid out, the
scores spec §3 gives them (a second scoring implementation, independent of
:mod:`transforms.indicators.scoring`) and spec §4's worked example.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from transforms.spec import criteria

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

KAWASAN = ("Kawasan Pesisir", "Kawasan Bantaran Sungai", "Kawasan Pasar", "Kawasan Stasiun")
_TIERS = {"bersih": (0.0, 0.15), "ringan": (0.15, 0.5), "sedang": (0.4, 0.75), "berat": (0.75, 1)}
#: Year-on-year trend of an RT (weight, range of the factor on its volumes): most RTs are
#: handled and get better, some stay, a few get worse.
_TRENDS = {"membaik": (0.55, (0.45, 0.85)), "tetap": (0.3, (0.92, 1.08)),
           "memburuk": (0.15, (1.15, 1.6))}


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
    for c in criteria.criteria():
        den = values[c.penyebut]
        frac = 0.0 if den == 0 else values[c.vol] / den
        f = round(frac, criteria.FRACTION_DECIMALS)
        nilai = next((n for t, n in criteria.NILAI_BANDS if f >= t), 0)
        out[c.persen] = 100 * frac
        out[c.nilai] = nilai
        total += nilai
    out["total_nilai"] = total
    out["tingkat_kekumuhan"] = next(lbl for t, lbl in criteria.TINGKAT_BANDS if total >= t)
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
    for c in criteria.criteria():
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


def generate_rts(rng: random.Random, n: int,
                 kawasan: Sequence[str | None] | None = None) -> list[SampleRT]:
    """n valid RTs in RW groups of 3–8 (RT numbers restart per RW, sometimes a split RT "006A")
    with volumes within their denominators and a mix of tingkat. Each RW group lies in one
    kawasan drawn from ``kawasan`` (``None``: no kawasan), the first group in the first one;
    by default a third of the kelurahan have kawasan."""
    tiers = _tiers(rng, n)
    kawasan_names = kawasan or (KAWASAN if rng.random() < 0.35 else (None,))
    rts: list[SampleRT] = []
    rw = rng.choice((1, 1, 1, 2))
    for group, size in enumerate(_group_sizes(rng, n)):
        kawasan = rng.choice(kawasan_names) if group or not kawasan else kawasan_names[0]
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



def _scaled_volumes(rng: random.Random, values: dict[str, float | int], factor: float,
                    den: dict[str, float | int]) -> dict[str, float | int]:
    """``values``' volumes times ``factor`` (±10 % per criterion), within ``den``."""
    out: dict[str, float | int] = {}
    for c in criteria.criteria():
        d, x = den[c.penyebut], values[c.vol] * factor * rng.uniform(0.9, 1.1)
        if c.is_count:
            out[c.vol] = min(int(d), round(x))
        else:
            out[c.vol] = float(min(d, round(x, 2 if c.satuan == "ha" else 1)))
    return out


def evolve_rts(rng: random.Random, rts: Sequence[SampleRT]) -> list[SampleRT]:
    """The same RTs surveyed a year later: same RT/RW, kawasan, luas and lengths; buildings and
    households within −5 %…+10 %; volumes mostly lower, some the same, a few higher (see
    ``_TRENDS``) — never the doubling or halving a typo makes (``berubah_drastis``)."""
    out = []
    names, weights = list(_TRENDS), [w for w, _ in _TRENDS.values()]
    for rt in rts:
        v = rt.values
        bangunan = max(5, round(v["jumlah_bangunan"] * rng.uniform(0.95, 1.1)))
        kk = max(bangunan, round(v["jumlah_kk"] * rng.uniform(0.95, 1.1)))
        den = {**{k: v[k] for k in criteria.denominators()}, "jumlah_bangunan": bangunan,
               "jumlah_kk": kk,
               "jumlah_penduduk": round(v["jumlah_penduduk"] * kk / v["jumlah_kk"])}
        lo, hi = _TRENDS[rng.choices(names, weights)[0]][1]
        values = {**den, **_scaled_volumes(rng, v, rng.uniform(lo, hi), den)}
        out.append(SampleRT(rt=rt.rt, rw=rt.rw, kawasan=rt.kawasan, values=values))
    return out


def revise_rts(rng: random.Random, rts: Sequence[SampleRT]) -> list[SampleRT]:
    """A clerk's revision of a workbook: the same RTs, with the volumes of one to three RTs
    corrected by up to ±10 %."""
    fixed = set(rng.sample(range(len(rts)), min(len(rts), rng.randint(1, 3))))
    return [SampleRT(rt=rt.rt, rw=rt.rw, kawasan=rt.kawasan,
                     values={**rt.values, **_scaled_volumes(rng, rt.values, 1.0, rt.values)})
            if i in fixed else rt for i, rt in enumerate(rts)]


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
    counts = criteria.count_columns()
    rts = []
    for rt, rw, *nums in _WORKED:
        values = {
            name: int(v) if name in counts else float(v)
            for name, v in zip(criteria.numeric_columns(), nums, strict=True)
        }
        rts.append(SampleRT(rt=rt, rw=rw, kawasan=None, values=values))
    return identity, rts
