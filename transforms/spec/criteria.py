"""The domain spec as data: criteria, input columns, identity labels and scoring bands.

Everything that reads, scores, validates or publishes asks this module what the columns are,
so a rule lives in one CSV row (``transforms/spec/tables/*.csv``), never in sixteen hand-written
branches. ``criteria.csv`` is a byte copy of ``shared/spec/criteria.csv``.
"""

from __future__ import annotations

import csv
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SPEC_DIR = Path(__file__).parent / "tables"

#: Spec version of the scoring rules; raise when scoring changes (invalidates outputs).
RULES_VERSION = "permen-pupr-14-2018/kotaku-2"

#: Score thresholds on the fraction rounded to 9 decimals (spec §3), highest first.
NILAI_BANDS: tuple[tuple[float, int], ...] = ((0.75995, 5), (0.50995, 3), (0.24995, 1))
FRACTION_DECIMALS = 9
#: A ha or m volume above its denominator by at most this much counts as equal to it (real
#: tools round hectares and metres to 2 decimals; spec §3 "Rounding"). Counts get none.
ROUNDING_TOLERANCE = 0.005

#: Tingkat bands on total_nilai (spec §3), highest first: (minimum total, label).
TINGKAT_BANDS: tuple[tuple[int, str], ...] = (
    (60, "Kumuh Berat"),
    (38, "Kumuh Sedang"),
    (16, "Kumuh Ringan"),
    (0, "Tidak Kumuh"),
)
TINGKAT_LABELS: tuple[str, ...] = ("Tidak Kumuh", "Kumuh Ringan", "Kumuh Sedang", "Kumuh Berat")
#: Column-name suffix for each tingkat (jumlah_rt_<suffix>, luas_kumuh_<suffix>_ha).
TINGKAT_SUFFIX: dict[str, str] = {
    "Tidak Kumuh": "tidak_kumuh",
    "Kumuh Ringan": "kumuh_ringan",
    "Kumuh Sedang": "kumuh_sedang",
    "Kumuh Berat": "kumuh_berat",
}

#: Survey years accepted (spec §5: 2015 … current year).
TAHUN_MIN = 2015

#: Row labels that mark a total row (spec §2), normalised with :func:`norm_label`.
TOTAL_ROW_LABELS = frozenset({"jumlah", "subtotal", "total", "jml", "ratarata", "grandtotal"})

#: Units measured in whole things: their columns must hold whole numbers.
COUNT_UNITS = frozenset({"unit", "KK", "jiwa"})


@dataclass(frozen=True)
class Criterion:
    """One of the 16 criteria of Permen PUPR 14/2018 (a row of criteria.csv)."""

    kode: str  # "1a"
    aspek: str
    kriteria: str
    satuan: str  # unit, ha, m, KK
    penyebut: str  # denominator column name

    @property
    def vol(self) -> str:
        return f"vol_{self.kode}"

    @property
    def persen(self) -> str:
        return f"persen_{self.kode}"

    @property
    def nilai(self) -> str:
        return f"nilai_{self.kode}"

    @property
    def is_count(self) -> bool:
        return self.satuan in COUNT_UNITS


@dataclass(frozen=True)
class InputColumn:
    """A column of the RT table: canonical name, kind (text/count/ha/m), unit and labels."""

    name: str
    kind: str  # text | count | ha | m
    unit: str
    required: bool
    labels: tuple[str, ...]
    description_id: str
    description_en: str
    #: Largest value plausible for one RT (``maks_wajar`` in columns.csv); None = no bound.
    max_plausible: float | None = None

    @property
    def is_count(self) -> bool:
        return self.kind == "count"

    @property
    def is_numeric(self) -> bool:
        return self.kind != "text"


@dataclass(frozen=True)
class IdentityField:
    """A label/value field of the identity block (spec §2)."""

    field: str
    required: bool
    labels: tuple[str, ...]
    description_id: str


def _rows(name: str) -> list[dict[str, str]]:
    with (SPEC_DIR / name).open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@cache
def criteria() -> tuple[Criterion, ...]:
    """The 16 criteria in spec order (1a … 7b)."""
    return tuple(Criterion(**row) for row in _rows("criteria.csv"))


@cache
def base_columns() -> tuple[InputColumn, ...]:
    """RT-table columns other than the criterion volumes (rt, rw, luas_ha, jumlah_kk …)."""
    return tuple(
        InputColumn(
            name=r["name"],
            kind=r["kind"],
            unit=r["unit"],
            required=r["required"] == "yes",
            labels=tuple(r["labels"].split("|")),
            description_id=r["description_id"],
            description_en=r["description_en"],
            max_plausible=float(r["maks_wajar"]) if r.get("maks_wajar") else None,
        )
        for r in _rows("columns.csv")
    )


@cache
def volume_columns() -> tuple[InputColumn, ...]:
    """One volume column per criterion (vol_1a …), typed by the criterion's unit."""
    out = []
    for c in criteria():
        kind = "count" if c.is_count else c.satuan
        out.append(
            InputColumn(
                name=c.vol,
                kind=kind,
                unit=c.satuan,
                required=True,
                labels=(c.kode, f"Vol {c.kode}", f"Volume {c.kode}"),
                description_id=f"Volume kriteria {c.kode}: {c.kriteria} ({c.satuan})",
                description_en=f"Volume of criterion {c.kode} ({c.satuan})",
            )
        )
    return tuple(out)


@cache
def input_columns() -> dict[str, InputColumn]:
    """Every recognised RT-table column by canonical name."""
    return {c.name: c for c in (*base_columns(), *volume_columns())}


@cache
def denominators() -> tuple[str, ...]:
    """The six denominator columns published with every indicator table, in contract order."""
    return (
        "luas_ha",
        "jumlah_bangunan",
        "jumlah_penduduk",
        "jumlah_kk",
        "panjang_jalan_ideal_m",
        "panjang_drainase_ideal_m",
    )


@cache
def numeric_columns() -> tuple[str, ...]:
    """Denominators then volumes: every number read from an RT row."""
    return (*denominators(), *(c.vol for c in criteria()))


@cache
def count_columns() -> frozenset[str]:
    """Numeric columns that must hold whole numbers (unit, KK, jiwa)."""
    return frozenset(n for n in numeric_columns() if input_columns()[n].is_count)


@cache
def identity_fields() -> tuple[IdentityField, ...]:
    """Identity-block fields in spec order."""
    return tuple(
        IdentityField(
            field=r["field"],
            required=r["required"] == "yes",
            labels=tuple(r["labels"].split("|")),
            description_id=r["description_id"],
        )
        for r in _rows("identity.csv")
    )


_PAREN_UNIT = re.compile(r"\([^()]*\)\s*$")


def norm_label(text: object) -> str:
    """Canonical form of a label: lower case, accents, a trailing ``(unit)`` and all
    non-alphanumerics removed (``'Luas (Ha)'`` → ``'luas'``, ``'JUMLAH  KK'`` → ``'jumlahkk'``)."""
    s = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    s = s.strip()
    while True:
        stripped = _PAREN_UNIT.sub("", s).strip()
        if stripped == s or not stripped:
            break
        s = stripped
    return re.sub(r"[^0-9a-z]", "", s.lower())


@cache
def column_label_index() -> dict[str, str]:
    """Normalised label → canonical column name for the non-volume RT columns."""
    out: dict[str, str] = {}
    for col in base_columns():
        for label in (col.name, *col.labels):
            out[norm_label(label)] = col.name
    return out


@cache
def identity_label_index() -> dict[str, str]:
    """Normalised label → identity field."""
    out: dict[str, str] = {}
    for f in identity_fields():
        for label in f.labels:
            out[norm_label(label)] = f.field
    return out


def rules_fingerprint() -> str:
    """sha256 of the spec tables and rules version: changes when any scoring input changes."""
    h = hashlib.sha256(RULES_VERSION.encode())
    for p in sorted(SPEC_DIR.glob("*.csv")):
        h.update(p.read_bytes())
    return h.hexdigest()[:16]
