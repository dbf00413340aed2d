"""Validation findings a data clerk can act on: rule catalogue and Indonesian messages.

The catalogue is data (``spec/tables/rules.csv``: rule code, error/warning, message template). Every
finding names the file, sheet, Excel row, canonical column, the value as written and the rule,
and its message says what to change, in Bahasa Indonesia.
"""

from __future__ import annotations

import csv
import math
from dataclasses import asdict, dataclass
from functools import cache

import pandas as pd

from transforms.spec import criteria

#: Decimals a number is shown with at most (a cell holds what the clerk typed; 9 drops
#: binary noise such as 0.30000000000000004).
NUMBER_DECIMALS = 9
#: Message fields holding cell values or recomputed numbers (shown the Indonesian way).
NUMBER_FIELDS = frozenset({"nilai_penyebut", "nilai_hitung", "maks"})
#: Columns whose values are identifiers, never grouped (``2024``, not ``2.024``).
IDENTIFIER_COLUMNS = frozenset({"tahun", "rt", "rw", "kode_kelurahan", "tanggal_pendataan"})

#: ``keparahan`` (error | warning) is published as ``temuan_validasi.tingkat``.
FINDING_COLUMNS = ["wb", "sumber_file", "sha256", "sheet", "baris", "kolom", "nilai", "aturan",
                   "keparahan", "pesan"]


@dataclass(frozen=True)
class Rule:
    """A validation rule: code, severity (``error`` quarantines the workbook) and template."""

    aturan: str
    keparahan: str
    pesan: str


@cache
def rules() -> dict[str, Rule]:
    """The rule catalogue by code (the CSV's ``tingkat`` column is the rule's keparahan; its
    bytes are part of the rules fingerprint, so the header stays as the spec table has it)."""
    with (criteria.SPEC_DIR / "rules.csv").open(newline="", encoding="utf-8") as fh:
        return {r["aturan"]: Rule(r["aturan"], r["tingkat"], r["pesan"])
                for r in csv.DictReader(fh)}


@cache
def column_label(name: str) -> str:
    """How a clerk knows a column: its workbook label (``Jumlah KK``, ``1a (Ketidakteraturan
    bangunan)``) for a canonical name, or an identity label."""
    for c in criteria.criteria():
        if c.vol == name:
            return f"{c.kode} ({c.kriteria})"
    cols = criteria.input_columns()
    if name in cols:
        return cols[name].labels[0] if cols[name].labels else name
    for f in criteria.identity_fields():
        if f.field == name:
            return f.labels[0]
    return name


def format_value(value: object) -> str:
    """An identifier as written (a year ``2024``, a code, a file name): never grouped."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def angka(value: object) -> str:
    """A number the Indonesian way, for clerks: ``640.5`` → ``640,5``, ``1214`` → ``1.214``,
    ``0.098`` → ``0,098`` (up to 9 decimals, none added); text comes back as written."""
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return format_value(value)
    if isinstance(value, float) and not math.isfinite(value):
        return format_value(value)
    text = f"{abs(round(float(value), NUMBER_DECIMALS)):.{NUMBER_DECIMALS}f}"
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0")
    grouped = f"{int(whole):,}".replace(",", ".")
    sign = "-" if value < 0 and (int(whole) or frac) else ""
    return f"{sign}{grouped}{',' + frac if frac else ''}"


def as_typed(value: object, typed: str | None = None) -> str:
    """A cell's value for a finding: the clerk's own text when the cell held text (with the
    reading added when the text has a separator and reads otherwise: ``1.214 — dibaca
    1,214``), else the number the Indonesian way."""
    shown = angka(value)
    if typed is None or not str(typed).strip():
        return shown
    text = " ".join(str(typed).split())
    if text == shown or not any(sep in text for sep in ".,") or shown == "":
        return text
    return f"{text} — dibaca {shown}"


class _Fields(dict):
    """Message fields; a field a template names but the caller did not give reads ``?``
    (a clerk still gets the rest of the message, and the run never fails on wording)."""

    def __missing__(self, key: str) -> str:
        return "?"


@dataclass(frozen=True)
class Finding:
    """One finding, ready for ``temuan_validasi`` (with ``wb`` = workbook id in the batch)."""

    wb: int
    sumber_file: str
    sha256: str | None
    sheet: str | None
    baris: int | None
    kolom: str | None
    nilai: str
    aturan: str
    keparahan: str
    pesan: str


def make(aturan: str, *, wb: int, sumber_file: str, sha256: str | None, sheet: str | None = None,
         baris: int | None = None, kolom: str | None = None, nilai: object = None,
         typed: str | None = None, **context: object) -> Finding:
    """A finding of rule ``aturan`` with its message filled from ``context`` (``sel``,
    ``label``, ``detail`` …; ``label`` defaults to the column's workbook label). ``nilai`` is
    shown as the clerk typed it (``typed``, the cell's text) or the Indonesian way; the
    values of :data:`NUMBER_FIELDS` the Indonesian way, unless given as text already."""
    rule = rules()[aturan]
    shown = format_value(nilai) if kolom in IDENTIFIER_COLUMNS else as_typed(nilai, typed)
    fields = {"label": column_label(kolom) if kolom else "", "nilai": shown, "sel": "",
              "sheet": sheet or "", **{k: angka(v) if k in NUMBER_FIELDS else format_value(v)
                                       for k, v in context.items()}}
    return Finding(wb=wb, sumber_file=sumber_file, sha256=sha256, sheet=sheet,
                   baris=None if baris is None else int(baris), kolom=kolom,
                   nilai=shown, aturan=aturan, keparahan=rule.keparahan,
                   pesan=rule.pesan.format_map(_Fields(fields)))


def to_frame(findings: list[Finding]) -> pd.DataFrame:
    """Findings as a frame with :data:`FINDING_COLUMNS` (empty frame when none)."""
    if not findings:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in FINDING_COLUMNS})
    return pd.DataFrame([asdict(f) for f in findings], columns=FINDING_COLUMNS)


def name_form_rts(found: pd.DataFrame, workbooks: pd.DataFrame) -> pd.DataFrame:
    """``found`` with every message about an official Form Data RT led by the RT it is the
    form of (``RT 001/RW 002: Sel Kekumuhan Awal_RT!C25 …``), so a clerk holding a kelurahan's
    folder of forms knows which RT's form to open; ``workbooks`` has ``wb`` and ``rt_rw``."""
    if found.empty or "rt_rw" not in workbooks:
        return found
    rt_rw = workbooks.set_index("wb")["rt_rw"].dropna()
    lead = rt_rw.map(lambda v: "RT {}/RW {}: ".format(*v.split("/")) if not v.endswith("/?")
                     else f"RT {v[:-2]}: ")
    prefix = found["wb"].map(lead)
    has = prefix.notna()
    if not has.any():
        return found
    out = found.copy()
    out.loc[has, "pesan"] = prefix[has] + out.loc[has, "pesan"]
    return out
