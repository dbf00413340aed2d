"""Great Expectations suites for the survey data, built from the spec tables.

Two suites, each validated once per batch (a GX call costs ~0.4 s whatever the frame size):
- ``rt_rows``: one row per RT of every workbook in the batch (value rules of spec §5);
- ``workbooks``: one row per file (readability, structure, identity, code, year, names).
Each expectation's ``meta`` carries the rule code (``aturan``, see
``transforms/spec/tables/rules.csv``) and the column it speaks of, which
:mod:`expectations.validate_input` turns into clerk findings.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from transforms.spec import criteria, reference

if TYPE_CHECKING:
    from expectations.gx_import import gx

INTEGER_SUFFIX = "__pecahan"  # derived column: fractional part of a count
#: Derived column of a ha/m volume: the largest volume its row allows (the denominator, or
#: the volume itself when it passes the denominator by no more than rounding causes).
ROUNDED_SUFFIX = "__batas"


def _meta(aturan: str, kolom: str, **extra: str) -> dict[str, str]:
    return {"aturan": aturan, "kolom": kolom, **extra}


def rt_row_expectations() -> list[gx.expectations.Expectation]:
    """Value rules per RT row: required, non-negative, plausible magnitude, whole counts,
    volume ≤ denominator (ha/m: beyond rounding), unique RT per workbook; warnings: a ha/m
    volume above its denominator within rounding, penduduk ≥ KK and zero denominators."""
    from expectations.gx_import import gx

    E = gx.expectations
    out: list[gx.expectations.Expectation] = [
        E.ExpectColumnValuesToNotBeNull(column="rt", meta=_meta("rt_kosong", "rt")),
        E.ExpectColumnValuesToNotBeNull(column="rw", meta=_meta("rw_kosong", "rw")),
        E.ExpectCompoundColumnsToBeUnique(column_list=["wb", "rt", "rw"],
                                          meta=_meta("rt_ganda", "rt")),
    ]
    for col in criteria.numeric_columns():
        out.append(E.ExpectColumnValuesToNotBeNull(column=col, meta=_meta("nilai_kosong", col)))
        out.append(E.ExpectColumnValuesToBeBetween(column=col, min_value=0,
                                                   meta=_meta("nilai_negatif", col)))
    for col in criteria.numeric_columns():
        maks = criteria.input_columns()[col].max_plausible
        if maks is not None:
            out.append(E.ExpectColumnValuesToBeBetween(
                column=col, max_value=maks,
                meta=_meta("nilai_tidak_wajar", col, maks=f"{maks:g}")))
    for col in sorted(criteria.count_columns()):
        out.append(E.ExpectColumnValuesToBeInSet(column=col + INTEGER_SUFFIX, value_set=[0.0],
                                                 meta=_meta("bukan_bilangan_bulat", col)))
    for c in criteria.criteria():  # a ha/m volume may pass its denominator by rounding (spec §3)
        out.append(E.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=c.penyebut if c.is_count else c.vol + ROUNDED_SUFFIX, column_B=c.vol,
            or_equal=True, ignore_row_if="either_value_is_missing",
            meta=_meta("volume_melebihi_penyebut", c.vol, penyebut=c.penyebut)))
        if not c.is_count:
            out.append(E.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A=c.penyebut, column_B=c.vol, or_equal=True,
                ignore_row_if="either_value_is_missing",
                meta=_meta("volume_dibulatkan", c.vol, penyebut=c.penyebut)))
    out.append(E.ExpectColumnPairValuesAToBeGreaterThanB(
        column_A="jumlah_penduduk", column_B="jumlah_kk", or_equal=True,
        ignore_row_if="either_value_is_missing",
        meta=_meta("penduduk_kurang_dari_kk", "jumlah_penduduk", penyebut="jumlah_kk")))
    for den in sorted({c.penyebut for c in criteria.criteria()}):
        out.append(E.ExpectColumnValuesToNotBeInSet(column=den, value_set=[0, 0.0],
                                                    meta=_meta("penyebut_nol_nol", den)))
    return out


def workbook_expectations(today: dt.date | None = None) -> list[gx.expectations.Expectation]:
    """File-level rules: readable, RT table with rows and required columns present, identity
    present,
    code well-formed and in the region list, year in range; warning: names match the list.
    Expects the frame of :func:`transforms.read.batch.with_reference` (``kode_dikenal``,
    ``nama_*_cocok``)."""
    from expectations.gx_import import gx

    E = gx.expectations
    year = (today or dt.date.today()).year
    out: list[gx.expectations.Expectation] = [
        E.ExpectColumnValuesToBeInSet(column="terbaca", value_set=[True],
                                      meta=_meta("tidak_terbaca", "")),
        E.ExpectColumnValuesToBeInSet(column="tabel_rt_ditemukan", value_set=[True],
                                      meta=_meta("tabel_rt_tidak_ditemukan", "")),
        E.ExpectColumnValuesToBeNull(column="kolom_hilang", meta=_meta("kolom_hilang", "")),
        E.ExpectColumnValuesToBeBetween(column="jumlah_baris_rt", min_value=1,
                                        meta=_meta("tabel_rt_kosong", "")),
        E.ExpectColumnValuesToMatchRegex(column="kode_kelurahan",
                                         regex=reference.KODE_KELURAHAN_PATTERN,
                                         meta=_meta("kode_format", "kode_kelurahan")),
        E.ExpectColumnValuesToBeInSet(column="kode_dikenal", value_set=[True],
                                      meta=_meta("kode_tidak_dikenal", "kode_kelurahan")),
        E.ExpectColumnValuesToBeBetween(column="tahun", min_value=criteria.TAHUN_MIN,
                                        max_value=year,
                                        meta=_meta("tahun_di_luar_rentang", "tahun")),
    ]
    for f in criteria.identity_fields():
        if f.required:
            out.append(E.ExpectColumnValuesToNotBeNull(column=f.field,
                                                       meta=_meta("identitas_hilang", f.field)))
    for level in ("kelurahan", "kecamatan", "kabupaten"):
        out.append(E.ExpectColumnValuesToBeInSet(column=f"nama_{level}_cocok", value_set=[True],
                                                 meta=_meta("nama_berbeda", level)))
    return out
