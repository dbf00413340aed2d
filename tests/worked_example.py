"""Spec §4's worked example for tests: the inputs are the one copy in
:func:`transforms.sample.truth.worked_example`; the results spec §4 gives are written out here."""

from __future__ import annotations

import pandas as pd

from transforms.indicators import rt_rows, scoring
from transforms.sample import truth
from transforms.spec import criteria

NILAI = {
    "001/002": [5, 0, 1, 1, 1, 1, 0, 5, 1, 1, 5, 1, 5, 1, 5, 3],
    "002/002": [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 5, 5, 5, 5],
    "003/003": [5] * 16,
    "kelurahan": [3, 1, 3, 1, 3, 1, 1, 3, 3, 1, 3, 3, 5, 3, 5, 5],
}
TOTAL = {"001/002": 36, "002/002": 22, "003/003": 80, "kelurahan": 44}
TINGKAT = {"001/002": "Kumuh Ringan", "002/002": "Kumuh Ringan", "003/003": "Kumuh Berat",
           "kelurahan": "Kumuh Sedang"}
LUAS_KUMUH = {"total": 4.15, "ringan": 2.05, "sedang": 0.0, "berat": 2.10}


def frame() -> pd.DataFrame:
    """The three RTs' numeric columns, indexed by ``rt/rw``."""
    _, rts = truth.worked_example()
    return pd.DataFrame([r.values for r in rts], index=[f"{r.rt}/{r.rw}" for r in rts],
                        columns=list(criteria.numeric_columns()))


def rt_table(villages: pd.DataFrame, run_id: str = "run-1", sha256: str = "a" * 64,
             tahun: int = 2024) -> pd.DataFrame:
    """The example's ``indikator_rt`` rows, with official names from ``villages``."""
    identity, rts = truth.worked_example()
    village = villages.set_index("kode_kelurahan").loc[identity["kode_kelurahan"]]
    rows = pd.DataFrame([{"rt": r.rt, "rw": r.rw, **r.values} for r in rts])
    rows = rows.assign(tahun=tahun, kode_kelurahan=identity["kode_kelurahan"],
                       **{c: village[c] for c in rt_rows.HIERARCHY if c != "kode_kelurahan"},
                       sumber_file="a.xlsx", sumber_sheet="Data RT",
                       sumber_baris=range(8, 8 + len(rts)), sha256=sha256, run_id=run_id)
    return rt_rows.conform(scoring.score(rows), "indikator_rt")
