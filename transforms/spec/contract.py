"""The output contract (spec §6) as data: every published table, column, type and description.

``spec/tables/tables.csv`` lists each table's columns; a row whose column starts with ``@`` is a
group expanded here from the criteria and input-column tables (codes, names, denominators, vol_*,
persen_*, nilai_*, counts by tingkat, luas kumuh, completeness). The Parquet schemas, the DuckDB
tables and the data dictionary are all derived from :func:`tables`.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

import pyarrow as pa

from transforms.spec import criteria

#: Raise when a published column is added, removed, renamed or retyped.
CONTRACT_VERSION = "1.1.0"

#: The four indicator tables and the three progress tables (spec §7) are hive-partitioned by
#: tahun, one file per kabupaten/kota; the others are flat.
PARTITIONED = ("indikator_rt", "indikator_kelurahan", "indikator_kecamatan",
               "indikator_kabupaten", "indikator_kawasan", "perubahan_rt",
               "kemajuan_kabupaten")

ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "int8": pa.int8(),
    "int16": pa.int16(),
    "int32": pa.int32(),
    "int64": pa.int64(),
    "float64": pa.float64(),
    "timestamp": pa.timestamp("us", tz="UTC"),
}

_LEVELS = ("provinsi", "kabupaten", "kecamatan", "kelurahan")
CODE_PATTERNS = {"provinsi": r"^\d{2}$", "kabupaten": r"^\d{2}\.\d{2}$",
                 "kecamatan": r"^\d{2}\.\d{2}\.\d{2}$",
                 "kelurahan": r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$"}
_LEVEL_DESC = {
    "provinsi": ("provinsi", "province"),
    "kabupaten": ("kabupaten/kota", "regency/city"),
    "kecamatan": ("kecamatan", "district"),
    "kelurahan": ("kelurahan/desa", "village"),
}


@dataclass(frozen=True)
class Column:
    """One published column: name, logical type, unit and descriptions (id, en)."""

    name: str
    type: str
    unit: str
    description_id: str
    description_en: str
    #: Allowed values, checked on every published table: ``in:a,b,c``, ``range:lo..hi`` (either
    #: bound may be empty) or ``regex:pattern``; empty when any value of the type is allowed.
    allowed: str = ""

    @property
    def arrow_type(self) -> pa.DataType:
        return ARROW_TYPES[self.type]


def _codes(level: str, kind: str) -> list[Column]:
    upto = _LEVELS[: _LEVELS.index(level) + 1]
    cols = []
    for lv in upto:
        d_id, d_en = _LEVEL_DESC[lv]
        if kind == "kode":
            cols.append(Column(f"kode_{lv}", "string", "",
                               f"Kode Kemendagri {d_id} (teks bertitik)",
                               f"Kemendagri code of the {d_en} (dotted text)",
                               "regex:" + CODE_PATTERNS[lv]))
        else:
            cols.append(Column(f"nama_{lv}", "string", "",
                               f"Nama {d_id} menurut daftar wilayah resmi",
                               f"Name of the {d_en} from the official region list"))
    return cols


#: Denominators of a roll-up (kelurahan, kecamatan, kabupaten) are sums over its reported RTs;
#: ``luas_ha`` there is the reported RTs' area, not the unit's administrative area.
_SUMMED = {"luas_ha": ("Luas seluruh RT yang dilaporkan (jumlah luas_ha RT, hektare); bukan "
                       "luas wilayah administrasi",
                       "Area of all reported RTs (sum of their luas_ha, hectares); not the "
                       "administrative area")}


def _penyebut(table: str) -> list[Column]:
    out = []
    for name in criteria.denominators():
        c = criteria.input_columns()[name]
        typ = "int64" if c.is_count else "float64"
        d_id, d_en = c.description_id, c.description_en
        if table != "indikator_rt":
            d_id, d_en = _SUMMED.get(name, (f"{d_id}, jumlah atas seluruh RT yang dilaporkan",
                                            f"{d_en}, summed over all reported RTs"))
        out.append(Column(name, typ, c.unit, d_id, d_en, "range:0.."))
    return out


def _criteria(kind: str) -> list[Column]:
    out = []
    for c in criteria.criteria():
        if kind == "vol":
            out.append(Column(c.vol, "int64" if c.is_count else "float64", c.satuan,
                              f"Volume {c.kode}: {c.kriteria} ({c.satuan})",
                              f"Volume of criterion {c.kode} ({c.satuan})", "range:0.."))
        elif kind == "persen":
            out.append(Column(c.persen, "float64", "%",
                              f"Persentase {c.kode} = 100 × {c.vol} / {c.penyebut} "
                              "(rasio jumlah, tidak dibulatkan)",
                              f"Percent of criterion {c.kode}: 100 × volume / {c.penyebut}",
                              "range:0..100"))
        else:
            out.append(Column(c.nilai, "int8", "poin",
                              f"Nilai {c.kode} (0/1/3/5) menurut Permen PUPR 14/2018",
                              f"Score of criterion {c.kode} (0/1/3/5)",
                              "in:" + ",".join(str(n) for _, n in (*criteria.NILAI_BANDS, (0, 0)))))
    return out


def _jumlah_rt() -> list[Column]:
    out = [Column("jumlah_rt", "int64", "RT", "Jumlah RT yang dilaporkan", "Number of RTs",
                  "range:0..")]
    for label in criteria.TINGKAT_LABELS:
        sfx = criteria.TINGKAT_SUFFIX[label]
        out.append(Column(f"jumlah_rt_{sfx}", "int64", "RT", f"Jumlah RT bertingkat {label}",
                          f"Number of RTs whose level is {label}", "range:0.."))
    return out


def _luas_kumuh() -> list[Column]:
    out = [Column("luas_kumuh_ha", "float64", "ha",
                  "Luas RT yang tingkatnya bukan Tidak Kumuh (jumlah luas_ha)",
                  "Area of RTs whose level is not Tidak Kumuh", "range:0..")]
    for label in criteria.TINGKAT_LABELS[1:]:
        sfx = criteria.TINGKAT_SUFFIX[label].removeprefix("kumuh_")
        out.append(Column(f"luas_kumuh_{sfx}_ha", "float64", "ha",
                          f"Luas RT bertingkat {label}", f"Area of RTs whose level is {label}",
                          "range:0.."))
    return out


def _kelengkapan() -> list[Column]:
    return [
        Column("jumlah_kelurahan_referensi", "int64", "kelurahan",
               "Jumlah kelurahan/desa/desa adat dalam daftar wilayah resmi",
               "Villages in the official region list under this unit", "range:1.."),
        Column("jumlah_kelurahan_dilaporkan", "int64", "kelurahan",
               "Jumlah kelurahan/desa dengan workbook diterima untuk tahun ini",
               "Villages with an accepted workbook for the year", "range:0.."),
        Column("kelengkapan_persen", "float64", "%",
               "100 × dilaporkan / referensi", "Completeness: 100 × reported / reference",
               "range:0..100"),
    ]


def _group(name: str, table: str) -> list[Column]:
    kind, _, level = name.partition("_")
    if kind in ("kode", "nama"):
        return _codes(level, kind)
    if name == "penyebut":
        return _penyebut(table)
    groups = {"jumlah_rt": _jumlah_rt, "luas_kumuh": _luas_kumuh, "kelengkapan": _kelengkapan}
    if name in groups:
        return groups[name]()
    return _criteria(name)


TAHUN = Column("tahun", "int16", "", "Tahun pendataan (partisi hive tahun=YYYY)",
               "Survey year (hive partition tahun=YYYY)", f"range:{criteria.TAHUN_MIN}..")


@cache
def tables() -> dict[str, tuple[Column, ...]]:
    """Every published table → its columns in contract order (``tahun`` first)."""
    out: dict[str, list[Column]] = {}
    with (criteria.SPEC_DIR / "tables.csv").open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            cols = out.setdefault(row["table"], [TAHUN] if row["table"] in PARTITIONED else [])
            if row["column"].startswith("@"):
                cols.extend(_group(row["column"][1:], row["table"]))
            else:
                cols.append(Column(row["column"], row["type"], row["unit"],
                                   row["description_id"], row["description_en"],
                                   row.get("allowed") or ""))
    return {t: tuple(c) for t, c in out.items()}


def columns(table: str) -> list[str]:
    """Column names of ``table`` in contract order."""
    return [c.name for c in tables()[table]]


def arrow_schema(table: str, metadata: dict[str, str] | None = None) -> pa.Schema:
    """Arrow schema of ``table`` with each column's description as field metadata."""
    fields = [
        pa.field(c.name, c.arrow_type, metadata={
            "description": c.description_id, "description_en": c.description_en, "unit": c.unit})
        for c in tables()[table]
    ]
    meta = {"kumuh_contract_version": CONTRACT_VERSION, **(metadata or {})}
    return pa.schema(fields, metadata=meta)


def duckdb_type(column: Column) -> str:
    """The DuckDB SQL type for a contract column."""
    return {"string": "VARCHAR", "int8": "TINYINT", "int16": "SMALLINT", "int32": "INTEGER",
            "int64": "BIGINT", "float64": "DOUBLE", "timestamp": "TIMESTAMPTZ"}[column.type]
