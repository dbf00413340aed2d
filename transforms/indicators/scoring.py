"""Permen PUPR 14/2018 scoring (spec §3), vectorised over any frame of summed counts.

The same functions score an RT and a kelurahan assessed as a whole (its summed RTs); the
kecamatan and kabupaten roll-ups get percents only (:func:`add_percents`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from transforms.spec import criteria


def fractions(frame: pd.DataFrame) -> pd.DataFrame:
    """vol_x / penyebut_x per criterion, 0 where the denominator is 0 (0/0 is 0 %, spec §3);
    NaN where a value is missing."""
    out = {}
    for c in criteria.criteria():
        vol = frame[c.vol].astype("float64").to_numpy()
        den = frame[c.penyebut].astype("float64").to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            out[c.kode] = np.where(den == 0, np.where(np.isnan(vol), np.nan, 0.0), vol / den)
    return pd.DataFrame(out, index=frame.index)


def nilai_from_fraction(fraction: np.ndarray) -> np.ndarray:
    """Score 0/1/3/5 from fractions, after rounding to 9 decimals (drops binary noise)."""
    f = np.round(fraction, criteria.FRACTION_DECIMALS)
    # the bands are nested (each lower bound above the next): the number of bounds a
    # fraction reaches picks its score (none, and NaN, score 0)
    bands = sorted(criteria.NILAI_BANDS)
    reached = np.zeros(len(f), dtype="int8")
    for lower, _ in bands:
        reached += f >= lower
    return np.array([0, *(score for _, score in bands)], dtype="int8")[reached]


def tingkat_kekumuhan_from_total(total: np.ndarray) -> np.ndarray:
    """Tingkat kekumuhan label from total_nilai (spec §3 bands)."""
    bands = sorted(criteria.TINGKAT_BANDS)  # lowest first; below them all: the lowest label
    labels = np.array([bands[0][1], *(label for _, label in bands)], dtype=object)
    reached = np.searchsorted([lower for lower, _ in bands], total, side="right")
    if np.issubdtype(np.asarray(total).dtype, np.floating):
        reached[np.isnan(total)] = 0  # NaN sorts above every bound: it reaches none
    return labels[reached]


def add_percents(frame: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``frame`` with ``persen_<kode>`` = 100 × fraction, unrounded (ratio of sums
    when the frame holds sums). A unit whose denominator sums to 0 gets 0 %."""
    fr = fractions(frame)
    out = frame.copy(deep=False)  # copy-on-write: the input's columns are shared, not copied
    for c in criteria.criteria():
        out[c.persen] = fr[c.kode] * 100.0
    return out


def within_rounding(vol: pd.Series, den: pd.Series) -> pd.Series:
    """Rows whose volume exceeds its (non-zero) denominator by no more than rounding causes
    (spec §3: at most :data:`criteria.ROUNDING_TOLERANCE`, compared after rounding to 9
    decimals). A volume over a denominator of 0 is never rounding (``penyebut_nol``)."""
    den = den.astype("float64")
    excess = (vol.astype("float64") - den).round(criteria.FRACTION_DECIMALS)
    close = (den > 0) & (excess > 0) & (excess <= criteria.ROUNDING_TOLERANCE)
    return close.fillna(False).astype(bool)


def is_rounding(vol: float, den: float) -> bool:
    """:func:`within_rounding` for one volume and its denominator."""
    return bool(within_rounding(pd.Series([vol]), pd.Series([den])).iloc[0])


def settle_rounding(frame: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``frame`` in which each ha/m volume above its denominator by no more than
    rounding causes is set equal to it (fraction 1, 100 %; the clerk gets the warning
    ``volume_dibulatkan``). Counts are never changed; a larger excess stays (an error)."""
    out = frame.copy(deep=False)
    for c in criteria.criteria():
        if c.is_count or c.vol not in frame or c.penyebut not in frame:
            continue
        close = within_rounding(frame[c.vol], frame[c.penyebut])
        if close.any():
            out[c.vol] = frame[c.vol].astype("float64").mask(close, frame[c.penyebut])
    return out


def score(frame: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``frame`` with persen_*, nilai_* (int8), total_nilai (int16) and
    tingkat_kekumuhan: the official assessment of each row as one unit. A ha/m volume within
    rounding of its denominator is first set equal to it (:func:`settle_rounding`)."""
    frame = settle_rounding(frame)
    fr = fractions(frame)
    out = frame.copy(deep=False)  # copy-on-write: the input's columns are shared, not copied
    total = np.zeros(len(frame), dtype="int16")
    for c in criteria.criteria():
        out[c.persen] = fr[c.kode] * 100.0
    for c in criteria.criteria():
        nilai = nilai_from_fraction(fr[c.kode].to_numpy())
        out[c.nilai] = nilai
        total = total + nilai.astype("int16")
    out["total_nilai"] = total.astype("int16")
    out["tingkat_kekumuhan"] = tingkat_kekumuhan_from_total(total)
    return out
