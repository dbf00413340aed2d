"""Run the input suites over a batch and turn failing rows into clerk findings.

Two suite runs per batch (workbooks, RT rows; :mod:`expectations.suites`), each giving every
failing row by index; the index maps to the workbook (``wb``), Excel row and column, and
:mod:`transforms.assess.findings` writes the message. This module never imports GX: the suites
run wherever the :data:`expectations.failures.Failures` function it is given runs them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd

from expectations import input_suites
from expectations.failures import Failures, here
from transforms.assess import findings
from transforms.indicators import scoring
from transforms.read.batch import Batch
from transforms.read.cells import sheet_and_row
from transforms.spec import criteria
from transforms.spec.names_to_code import NameMatch

#: Problems recorded by the reader → the rule that reports them.
PROBLEM_RULE = {"kosong": "nilai_kosong", "bukan_angka": "bukan_angka",
                "ambigu": "angka_ambigu", "sel_error": "sel_error"}


class Validator:
    """The two input suites (``workbooks``, ``rt_rows``) run where ``failures`` runs them;
    :meth:`validate` gives the findings of a batch."""

    def __init__(self, failures: Failures = here) -> None:
        self.failures = failures

    def validate(self, batch: Batch, workbooks: pd.DataFrame) -> pd.DataFrame:
        """Findings (``transforms.assess.findings.FINDING_COLUMNS``) of every workbook in ``batch``;
        ``workbooks`` is ``batch.workbooks`` joined with the reference
        (:func:`transforms.read.batch.with_reference`)."""
        wb_findings = list(_workbook_findings(self.failures, workbooks))
        blocked = {f.wb for f in wb_findings
                   if f.aturan in ("tidak_terbaca", "tabel_rt_tidak_ditemukan")}
        row_findings = [f for f in _row_findings(self.failures, batch, workbooks)
                        if f.wb not in blocked]
        return findings.to_frame(wb_findings + row_findings)


# --- workbook-level findings ---------------------------------------------------------------

def _workbook_findings(failures: Failures, workbooks: pd.DataFrame
                       ) -> Iterator[findings.Finding]:
    frame = workbooks.set_index("wb", drop=False).rename_axis(None)
    unreadable = set(frame.index[~frame["terbaca"].astype(bool)])
    no_table = set(frame.index[~frame["tabel_rt_ditemukan"].astype(bool)])
    for meta, index in failures("workbooks", frame):
        aturan = meta["aturan"]
        for wb in index:
            w = frame.loc[wb]
            if wb in unreadable and aturan != "tidak_terbaca":
                continue
            if wb in no_table and aturan in ("kolom_hilang", "tabel_rt_kosong"):
                continue
            yield from _WORKBOOK_RULES.get(aturan, _identity_finding)(aturan, meta, w)


def _base(w: pd.Series) -> dict[str, object]:
    return {"wb": int(w["wb"]), "sumber_file": w["sumber_file"], "sha256": w["sha256"]}


def _sheet_of(cell: object) -> str | None:
    return cell.rpartition("!")[0] if isinstance(cell, str) else None


def _row_of(cell: object) -> int | None:
    """The Excel row of a cell reference (``Identitas!C5`` → 5)."""
    if not isinstance(cell, str):
        return None
    digits = cell.rpartition("!")[2].lstrip("$").lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ$")
    return int(digits) if digits.isdigit() else None


def _identity_finding(aturan: str, meta: dict, w: pd.Series) -> Iterator[findings.Finding]:
    field = meta["kolom"]
    match = w.get("nama_ke_kode")
    if field == "kode_kelurahan" and match is not None and not pd.isna(match):
        yield _code_from_names(w, match)  # a form without a code whose names found none
        return
    if aturan == "kode_tidak_dikenal" and w.get("kode_dikenal") is None:
        return  # malformed code: reported by kode_format
    written = w.get("tahun_raw")
    if aturan == "identitas_hilang" and field == "tahun" and isinstance(written, str) and written:
        aturan = "tahun_di_luar_rentang"  # written but not a year
    cell = w.get(f"{field}_sel")
    value = w.get(f"{field}_raw") if aturan != "kode_tidak_dikenal" else w.get(field)
    yield findings.make(aturan, **_base(w), sheet=_sheet_of(cell), baris=_row_of(cell),
                        kolom=field, nilai=value, sel=cell or "", edisi="edisi 2025",
                        tahun_min=criteria.TAHUN_MIN, tahun_maks=dt.date.today().year)


def _code_from_names(w: pd.Series, match: NameMatch) -> findings.Finding:
    """``kode_dari_nama`` at the cell of the name the clerk most likely has to correct."""
    cell = w.get(f"{match.kolom}_sel")
    cell = cell if isinstance(cell, str) else None
    return findings.make("kode_dari_nama", **_base(w), sheet=_sheet_of(cell),
                         baris=sheet_and_row(cell)[1] if cell else None,
                         kolom="kode_kelurahan", nilai=w.get(f"{match.kolom}_raw"),
                         sel=cell or "", **match.fields())


def _unreadable(aturan: str, meta: dict, w: pd.Series) -> Iterator[findings.Finding]:
    specific = w.get("alasan")
    if isinstance(specific, str) and specific in findings.rules():
        aturan = specific
    yield findings.make(aturan, **_base(w), detail=w.get("detail") or "format tidak dikenal")


def _no_table(aturan: str, meta: dict, w: pd.Series) -> Iterator[findings.Finding]:
    if isinstance(w.get("label_hilang"), dict):
        yield from _missing_form_labels(w)
        return
    yield findings.make(aturan, **_base(w), sheet=w.get("rt_sheet"))


def _missing_form_labels(w: pd.Series) -> Iterator[findings.Finding]:
    """``label_form_hilang`` for each label missing on a Form Data RT (only ``VOLUME`` for the
    volumes when the criteria table itself was not found)."""
    labels: dict[str, tuple[str, str]] = w["label_hilang"]
    no_table = "volume" in labels
    for col, (sheet, label) in labels.items():
        if no_table and col.startswith("vol_"):
            continue
        isi = ("volume ke-16 kriteria" if col == "volume" else
               f"volume {col.removeprefix('vol_')}" if col.startswith("vol_") else
               findings.column_label(col))
        yield findings.make("label_form_hilang", **_base(w), sheet=sheet,
                            kolom=None if col == "volume" else col, label=label, isi=isi)


def _empty_table(aturan: str, meta: dict, w: pd.Series) -> Iterator[findings.Finding]:
    header = w.get("header_row")
    baris = None if pd.isna(header) else int(header)
    where = f" di sheet '{w['rt_sheet']}'" + (f" (judul kolom di baris {baris})" if baris else "")
    yield findings.make(aturan, **_base(w), sheet=w.get("rt_sheet"), baris=baris, lokasi=where)


def _missing_columns(aturan: str, meta: dict, w: pd.Series) -> Iterator[findings.Finding]:
    if isinstance(w.get("label_hilang"), dict):
        yield from _missing_form_labels(w)
        return
    header = w.get("header_row")
    where = f" (sheet {w['rt_sheet']}, baris {int(header)})" if pd.notna(header) else ""
    for col in str(w["kolom_hilang"]).split(","):
        yield findings.make(aturan, **_base(w), sheet=w.get("rt_sheet"),
                            baris=None if pd.isna(header) else int(header), kolom=col,
                            lokasi=where)


def _name_differs(aturan: str, meta: dict, w: pd.Series) -> Iterator[findings.Finding]:
    level = meta["kolom"]
    cell = w.get(f"{level}_sel")
    yield findings.make(aturan, **_base(w), sheet=_sheet_of(cell), baris=_row_of(cell),
                        kolom=f"nama_{level}", nilai=w.get(level), sel=cell or "", label=level,
                        kode=w["kode_kelurahan"], nama_resmi=w.get(f"nama_{level}_resmi"))


_WORKBOOK_RULES: dict[str, Callable[[str, dict, pd.Series], Iterator[findings.Finding]]] = {
    "tidak_terbaca": _unreadable,
    "tabel_rt_tidak_ditemukan": _no_table,
    "tabel_rt_kosong": _empty_table,
    "kolom_hilang": _missing_columns,
    "nama_berbeda": _name_differs,
}


# --- RT-row findings -----------------------------------------------------------------------

def rows_for_gx(rows: pd.DataFrame) -> pd.DataFrame:
    """The RT-row columns the suite checks (same index) plus the derived ones (fractional part
    of each count; the largest volume a ha/m criterion allows, spec §3 rounding); the
    stored-result and provenance text columns stay out of GX's copies."""
    derived = {col + input_suites.INTEGER_SUFFIX: _fractional_part(rows[col])
               for col in criteria.count_columns()}
    for c in criteria.criteria():
        if not c.is_count:
            vol, den = rows[c.vol].astype("float64"), rows[c.penyebut].astype("float64")
            derived[c.vol + input_suites.ROUNDED_SUFFIX] = den.mask(_rounded(rows, c), vol)
    checked = ["wb", "rt", "rw", *(c for c in criteria.numeric_columns() if c in rows)]
    return rows[checked].assign(**derived)


def _row_findings(failures: Failures, batch: Batch,
                  workbooks: pd.DataFrame) -> Iterator[findings.Finding]:
    rows = batch.rows
    # a form's problem sits at its own cell's row, not at the RT row's: found by column
    problems = {(p.wb, None if p.wb in batch.cells else p.baris, p.kolom): p
                for p in batch.problems.itertuples(index=False)}
    # two columns zipped: itertuples would build a tuple of all ~50 columns per workbook
    missing = {int(wb): set(str(cols).split(","))
               for wb, cols in zip(workbooks["wb"], workbooks["kolom_hilang"], strict=True)
               if isinstance(cols, str)}
    for meta, index in failures("rt_rows", rows_for_gx(rows)):
        aturan, col = meta["aturan"], meta["kolom"]
        if aturan == "rt_ganda":
            yield from _duplicates(rows.loc[index])
            continue
        for i in index:
            r = rows.loc[i]
            wb, row = int(r["wb"]), int(r["sumber_baris"])
            if col in missing.get(wb, ()):
                continue
            sheet, baris, sel = _cell(batch, wb, col, row, r["sumber_sheet"])
            typed = batch.typed.get(wb, {})
            kw = {"wb": wb, "sumber_file": r["sumber_file"], "sha256": r["sha256"],
                  "sheet": sheet, "baris": baris, "kolom": col, "sel": sel,
                  "typed": typed.get((baris, col))}
            if aturan in ("nilai_kosong", "rt_kosong", "rw_kosong"):
                p = problems.get((wb, None if wb in batch.cells else baris, col))
                if p is None:
                    continue
                rule = aturan if aturan != "nilai_kosong" else PROBLEM_RULE[p.masalah]
                yield findings.make(rule, **kw, nilai=p.isi_sel)
            elif aturan in ("volume_melebihi_penyebut", "penduduk_kurang_dari_kk",
                            "volume_dibulatkan"):
                den = meta["penyebut"]
                rounded = (aturan != "penduduk_kurang_dari_kk"
                           and scoring.is_rounding(r[col], r[den]))
                if (aturan == "volume_dibulatkan") != rounded:
                    continue  # within rounding: a warning only; beyond it: the error only
                rule = ("penyebut_nol" if aturan == "volume_melebihi_penyebut" and r[den] == 0
                        else aturan)
                _, den_row, den_sel = _cell(batch, wb, den, row, r["sumber_sheet"])
                yield findings.make(rule, **kw, nilai=r[col],
                                    nilai_penyebut=findings.as_typed(r[den],
                                                                     typed.get((den_row, den))),
                                    label_penyebut=findings.column_label(den),
                                    sel_penyebut=den_sel,
                                    selisih=findings.angka(round(r[col] - r[den], 9)),
                                    batas=_beyond_rounding(col, r[col] - r[den]))
            elif aturan == "penyebut_nol_nol":
                uses = ", ".join(c.kode for c in criteria.criteria() if c.penyebut == col)
                yield findings.make(aturan, **kw, nilai=r[col], kriteria=uses)
            else:
                maks = meta.get("maks")
                yield findings.make(aturan, **kw, nilai=r[col],
                                    maks=None if maks is None else float(maks),
                                    satuan=criteria.input_columns()[col].unit)


def _fractional_part(values: pd.Series) -> pd.Series:
    """``values % 1`` as floats (the same bits: x - floor(x) is exact, and rounds like the
    modulo's own correction for a negative x), ~3x faster than numpy's float remainder."""
    x = values.to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore"):  # inf: NaN, as from the modulo
        return pd.Series(x - np.floor(x), index=values.index)


def _rounded(rows: pd.DataFrame, c: criteria.Criterion) -> pd.Series:
    return scoring.within_rounding(rows[c.vol], rows[c.penyebut])


def _beyond_rounding(vol: str, excess: float) -> str:
    """For a ha/m volume: the excess and the rounding allowance it passes (spec §3)."""
    if criteria.input_columns()[vol].is_count:
        return ""
    return (f", selisih {findings.angka(round(excess, 9))} melebihi batas pembulatan "
            f"{findings.angka(criteria.ROUNDING_TOLERANCE)}")


def _cell(batch: Batch, wb: int, col: str, baris: int, sheet: str) -> tuple[str, int, str]:
    """(sheet, Excel row, ``Sheet!H14``) of a value of an RT row: a form's value at the cell
    it was read from, a kelurahan workbook's in its column on the RT row."""
    where = batch.cells.get(wb, {}).get(col)
    if where is not None:
        cell_sheet, row = sheet_and_row(where)
        return cell_sheet, row or baris, where
    letter = batch.letters.get(wb, {}).get(col) or batch.letters.get(wb, {}).get("rt_rw", "")
    return sheet, baris, f"{sheet}!{letter}{baris}"


def _duplicates(dups: pd.DataFrame) -> Iterator[findings.Finding]:
    for (wb, _rt, _rw), group in dups.groupby(["wb", "rt", "rw"], sort=False):
        lines = group["sumber_baris"].astype(int).tolist()
        for _, r in group.iterrows():
            others = ", ".join(str(b) for b in lines if b != int(r["sumber_baris"]))
            yield findings.make("rt_ganda", wb=int(wb), sumber_file=r["sumber_file"],
                                sha256=r["sha256"], sheet=r["sumber_sheet"],
                                baris=int(r["sumber_baris"]), kolom="rt",
                                nilai=f"{r['rt']}/{r['rw']}", baris_lain=others)
