"""RT indicator rows for ``indikator_rt``: accepted RT rows, official names, scores, provenance.

Names and the code hierarchy come from the reference list (never from the workbook); the scores
come from :mod:`transforms.indicators.scoring`; each row keeps its file, sheet, Excel row and
sha256.
"""

from __future__ import annotations

import pandas as pd

from transforms.indicators import scoring
from transforms.spec import contract, criteria

HIERARCHY = ["kode_provinsi", "kode_kabupaten", "kode_kecamatan", "kode_kelurahan",
             "nama_provinsi", "nama_kabupaten", "nama_kecamatan", "nama_kelurahan"]


#: RT-row columns that reach ``indikator_rt`` or its scores (not the stored results).
_FROM_ROWS = frozenset({"wb", *contract.columns("indikator_rt"), *criteria.numeric_columns()})


def rt_indicators(rows: pd.DataFrame, workbooks: pd.DataFrame, accepted: set[int],
                  run_id: str) -> pd.DataFrame:
    """``indikator_rt`` rows (contract columns and order) for the RT rows of the ``accepted``
    workbooks; ``workbooks`` is the reference-joined workbook frame (``*_resmi`` columns)."""
    ident = workbooks.loc[workbooks["wb"].isin(accepted),
                          ["wb", "tahun", "kode_kelurahan",
                           *[f"{c}_resmi" for c in HIERARCHY if c != "kode_kelurahan"]]]
    ident = ident.rename(columns=lambda c: c.removesuffix("_resmi"))
    needed = [c for c in rows.columns if c in _FROM_ROWS]
    picked = rows.loc[rows["wb"].isin(accepted), needed].merge(ident, on="wb", how="inner")
    scored = scoring.score(picked)
    scored["run_id"] = run_id
    return conform(scored, "indikator_rt")


def conform(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """``frame`` reduced to ``table``'s contract columns in order, with contract dtypes
    (whole-number columns as int64 etc.), so the Parquet and DuckDB types never drift."""
    out = {}
    for col in contract.tables()[table]:
        values = frame[col.name] if col.name in frame else pd.Series(None, index=frame.index)
        if col.type in ("int8", "int16", "int32", "int64"):
            values = pd.to_numeric(values).round().astype(f"Int{col.type[3:]}")
        elif col.type == "float64":
            values = pd.to_numeric(values).astype("float64")
        elif col.type == "string":
            values = values.astype("string")
        out[col.name] = values
    return pd.DataFrame(out, index=frame.index).reset_index(drop=True)

