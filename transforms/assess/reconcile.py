"""Stored results vs recomputed ones (spec §5: a disagreement is a warning, never an error).

Workbooks often carry the clerk's own ``% 1a``, ``Nilai 1a``, ``Total Nilai`` and ``Tingkat``
columns. kumuh publishes only what it recomputes; where a stored cell disagrees, the clerk gets a
``tersimpan_berbeda`` warning naming the cell. A stored percent agrees when it equals the
recomputed percent rounded to the stored value's own decimals, within
:data:`PERSEN_TOLERANCE` percentage points (``76.67`` for 76.666…, ``76.7``, ``77``); a percent
stored as a fraction (``0.7667`` in a cell formatted as %) is read as 76.67.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd

from transforms.assess import findings
from transforms.read.cells import sheet_and_row
from transforms.spec import criteria

#: Allowed difference, in percentage points, after rounding to the stored value's decimals.
PERSEN_TOLERANCE = 0.01
_MAX_DECIMALS = 9
_EPS = 1e-9

Agrees = Callable[[object, object], bool]
Show = Callable[[object], object]
#: Provenance of a stored cell, for its finding.
_WHERE = ["wb", "sumber_file", "sha256", "sumber_sheet", "sumber_baris"]


def _decimals(value: float) -> int:
    """Decimals a stored number was written with (``76.67`` → 2, ``77.0`` → 0)."""
    text = f"{value:.{_MAX_DECIMALS}f}".rstrip("0")
    return len(text.partition(".")[2])


def _persen_agrees(stored: object, computed: object) -> bool:
    """True when a stored percent (or fraction) matches the recomputed percent."""
    s, p = float(stored), float(computed)
    candidates = [(s, _decimals(s))]
    if abs(s) <= 1 + _EPS:
        candidates.append((s * 100, max(_decimals(s) - 2, 0)))
    return any(abs(round(p, d) - v) <= PERSEN_TOLERANCE + _EPS for v, d in candidates)


def _number_agrees(stored: object, computed: object) -> bool:
    """True when a stored score or total equals the recomputed one."""
    return abs(float(stored) - float(computed)) <= _EPS


#: Abbreviations clerks write for a tingkat (spec §5), normalised.
TINGKAT_ABBREVIATIONS = {"tk": "tidak", "kr": "ringan", "ks": "sedang", "kb": "berat"}


def _tingkat_kekumuhan_key(label: object) -> str:
    """``Kumuh Ringan``, ``KUMUH RINGAN``, ``RINGAN``, ``kumuh-ringan`` and ``KR`` →
    ``ringan``; ``Tidak Kumuh`` and ``TK`` → ``tidak``."""
    norm = criteria.norm_label(label)
    return TINGKAT_ABBREVIATIONS.get(norm) or norm.replace("kumuh", "")


def _tingkat_kekumuhan_agrees(stored: object, computed: object) -> bool:
    """True when a stored tingkat names the recomputed one (case, spaces, 'Kumuh' ignored;
    ``TK``/``KR``/``KS``/``KB`` stand for the four levels)."""
    return _tingkat_kekumuhan_key(stored) == _tingkat_kekumuhan_key(computed)


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or (
        isinstance(value, str) and not value.strip())


def _checks() -> Iterator[tuple[str, str, str, Agrees, Show]]:
    """(stored column, recomputed column, clerk label, agreement test, display of the
    recomputed value) for every stored-result column kumuh reconciles."""
    for c in criteria.criteria():
        yield (f"stored_persen_{c.kode}", c.persen, f"% {c.kode}", _persen_agrees,
               lambda v: round(float(v), 2))
    for c in criteria.criteria():
        yield f"stored_nilai_{c.kode}", c.nilai, f"Nilai {c.kode}", _number_agrees, int
    yield "stored_total_nilai", "total_nilai", "Total Nilai", _number_agrees, int
    yield ("stored_tingkat_kekumuhan", "tingkat_kekumuhan", "Tingkat Kekumuhan",
           _tingkat_kekumuhan_agrees, str)


def _complete(rows: pd.DataFrame, computed: str) -> pd.Series:
    """Rows whose recomputed value rests on complete inputs (no missing percent)."""
    if computed.startswith(("persen_", "nilai_")):
        return rows[f"persen_{computed.split('_', 1)[1]}"].notna()
    persen = [c.persen for c in criteria.criteria() if c.persen in rows]
    return rows[persen].notna().all(axis=1)


def stored_disagreements(scored_rows: pd.DataFrame, letters: dict[int, dict[str, str]],
                         cells: dict[int, dict[str, str]] | None = None
                         ) -> list[findings.Finding]:
    """One ``tersimpan_berbeda`` warning per stored cell that disagrees with kumuh's result.

    ``scored_rows``: RT rows of a batch (``wb, sumber_file, sha256, sumber_sheet,
    sumber_baris`` and the reader's ``stored_*`` columns) after
    :func:`transforms.indicators.scoring.score`;
    ``letters``: each workbook's column letters (``Batch.letters``); ``cells``: where a Form
    Data RT's stored results are (``Batch.cells``: the finding names that cell, its sheet and
    row, and a stored percent rounded to 2 decimals as the form shows it). Empty stored cells
    and rows with missing inputs are skipped. Findings come in file, row and column order.
    """
    cells = cells or {}
    out: list[tuple[tuple[int, int, int], findings.Finding]] = []
    complete: dict[str, np.ndarray] = {}
    for order, (stored, computed, label, agrees, show) in enumerate(_checks()):
        if stored not in scored_rows or computed not in scored_rows:
            continue
        key = computed if computed.startswith(("persen_", "nilai_")) else ""
        if key not in complete:  # the total and the tingkat share theirs
            complete[key] = _complete(scored_rows, computed).to_numpy()
        keep = _filled(scored_rows[stored]).to_numpy() & complete[key]
        keep &= ~_surely_agrees(scored_rows[stored], scored_rows[computed], agrees)
        at = np.flatnonzero(keep)
        if not len(at):  # most checks of most batches: no row to look at one by one
            continue
        pairs = zip(scored_rows[stored].iloc[at].tolist(),
                    scored_rows[computed].iloc[at].tolist(), at.tolist(), strict=True)
        differ = [(value, result, i) for value, result, i in pairs if not agrees(value, result)]
        if not differ:
            continue
        where = zip(*(scored_rows[c].iloc[[i for _, _, i in differ]].tolist() for c in _WHERE),
                    strict=True)
        for (value, result, _), (wb, sumber_file, sha256, sheet, baris) in zip(differ, where,
                                                                                strict=True):
            wb, baris = int(wb), int(baris)
            sel = cells.get(wb, {}).get(stored)
            if sel is None:
                sel = f"{sheet}!{letters.get(wb, {}).get(stored, '')}{baris}"
            else:  # a form: its own cell; its percent is the form's fraction × 100
                sheet, row = sheet_and_row(sel)
                baris = row or baris
                if stored.startswith("stored_persen_"):
                    value = round(float(value), 2)
            finding = findings.make(
                "tersimpan_berbeda", wb=wb, sumber_file=sumber_file, sha256=sha256,
                sheet=sheet, baris=baris, kolom=computed, nilai=value, sel=sel, label=label,
                nilai_hitung=show(result))
            out.append(((wb, baris, order), finding))
    return [f for _, f in sorted(out, key=lambda item: item[0])]


def _filled(stored: pd.Series) -> pd.Series:
    """Stored cells holding something (vectorised :func:`_is_blank`)."""
    if stored.dtype.kind == "f":
        return stored.notna()
    if stored.map(type).isin([str, type(None), float]).all():
        text = stored.astype("string")
        return (text.notna() & text.str.strip().ne("")).fillna(False).astype(bool)
    return stored.map(lambda v: not _is_blank(v)).astype(bool)


def _surely_agrees(stored: pd.Series, computed: pd.Series, agrees: Agrees) -> np.ndarray:
    """Rows whose stored value certainly agrees, decided column-wise; the rest are checked
    one by one with ``agrees`` (so this only skips work, it never decides a disagreement).
    A percent within 0.005 points (half of :data:`PERSEN_TOLERANCE`) agrees after any
    rounding: rounding to d decimals moves it at most 0.005 for d >= 2 (0.01 in all) and lands
    on the stored value itself for d <= 1; the same holds for a fraction's × 100 (its second
    candidate)."""
    if agrees is _tingkat_kekumuhan_agrees:
        return _same_tingkat(stored, computed)
    if stored.dtype.kind != "f" or computed.dtype.kind not in "fi":
        return np.zeros(len(stored), dtype=bool)
    value, result = stored.to_numpy(), computed.astype("float64").to_numpy()
    with np.errstate(invalid="ignore", over="ignore"):  # NaN (missing, inf): never "surely"
        diff = np.abs(value - result)
        if agrees is _persen_agrees:  # also a fraction (0.7667) whose × 100 is that close
            close = PERSEN_TOLERANCE / 2
            as_fraction = (np.abs(value) <= 1 + _EPS) & (np.abs(value * 100 - result) <= close)
            return (diff <= close) | as_fraction
        if agrees is _number_agrees:
            return diff <= _EPS
    return np.zeros(len(stored), dtype=bool)


def _same_tingkat(stored: pd.Series, computed: pd.Series) -> np.ndarray:
    """Rows whose stored and recomputed tingkat (neither missing) have the same
    :func:`_tingkat_kekumuhan_key`: each distinct label is normalised once and the rows are
    compared by the number of their key."""
    stored_codes, stored_labels = pd.factorize(stored)  # a missing label: code -1
    computed_codes, computed_labels = pd.factorize(computed)
    number: dict[str, int] = {}
    keys = {v: number.setdefault(_tingkat_kekumuhan_key(v), len(number))
            for v in pd.unique(np.concatenate([np.asarray(stored_labels, dtype=object),
                                               np.asarray(computed_labels, dtype=object)]))}
    stored_keys = np.array([keys[v] for v in stored_labels] + [-1], dtype=np.int64)
    computed_keys = np.array([keys[v] for v in computed_labels] + [-2], dtype=np.int64)
    return stored_keys[stored_codes] == computed_keys[computed_codes]
