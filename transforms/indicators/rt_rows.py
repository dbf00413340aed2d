"""RT indicator rows for ``indikator_rt``: accepted RT rows, official names, scores, provenance.

Names and the code hierarchy come from the reference list (never from the workbook); the scores
come from :mod:`transforms.indicators.scoring`; each row keeps its file, sheet, Excel row and
sha256.
"""

from __future__ import annotations

import pandas as pd

from transforms.spec import contract, criteria

HIERARCHY = ["kode_provinsi", "kode_kabupaten", "kode_kecamatan", "kode_kelurahan",
             "nama_provinsi", "nama_kabupaten", "nama_kecamatan", "nama_kelurahan"]


#: RT-row columns that reach ``indikator_rt`` or its scores (not the stored results).
_FROM_ROWS = frozenset({"wb", *contract.columns("indikator_rt"), *criteria.numeric_columns()})


def accepted_rows(rows: pd.DataFrame, workbooks: pd.DataFrame,
                  accepted: set[int]) -> pd.DataFrame:
    """The RT rows of the ``accepted`` workbooks with their kelurahan's official identity, for
    :func:`rt_indicators`; ``workbooks`` is the reference-joined workbook frame (``*_resmi``
    columns); ``rows`` are scored (:func:`transforms.indicators.scoring.score`). A frame of
    its own: the caller can free the batch's rows before the run's tables are made. The
    identity's texts come as categoricals (one value per workbook, taken by code: no string
    per row until the contract's conversion)."""
    ident = workbooks.loc[workbooks["wb"].isin(accepted),
                          ["wb", "tahun", "kode_kelurahan",
                           *[f"{c}_resmi" for c in HIERARCHY if c != "kode_kelurahan"]]]
    ident = ident.rename(columns=lambda c: c.removesuffix("_resmi")).reset_index(drop=True)
    keep = rows["wb"].isin(accepted).to_numpy()
    needed = [c for c in rows.columns if c in _FROM_ROWS]
    picked = (rows[needed] if keep.all() else rows.loc[keep, needed]).reset_index(drop=True)
    at = pd.Index(ident["wb"]).get_indexer(picked["wb"])  # every accepted row's workbook
    columns = {}
    for name in ident.columns.drop("wb"):
        values = ident[name]
        if pd.api.types.is_string_dtype(values.dtype):
            codes, uniques = pd.factorize(values)
            columns[name] = pd.Categorical.from_codes(codes[at], categories=uniques)
        else:
            columns[name] = values.take(at).reset_index(drop=True)
    return picked.assign(**columns)


def rt_indicators(picked: pd.DataFrame, run_id: str) -> pd.DataFrame:
    """``indikator_rt`` rows (contract columns and order) of the accepted, scored RT rows
    ``picked`` (:func:`accepted_rows`), stamped with the run."""
    return conform(picked.assign(run_id=run_id), "indikator_rt")


def conform(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """``frame`` reduced to ``table``'s contract columns in order, with contract dtypes
    (whole-number columns as int64 etc.), so the Parquet and DuckDB types never drift."""
    out = {}
    for col in contract.tables()[table]:
        values = frame[col.name] if col.name in frame else pd.Series(None, index=frame.index)
        if col.type in ("int8", "int16", "int32", "int64"):
            values = pd.to_numeric(values)
            if values.dtype.kind not in "iu":  # whole numbers already: rounding copies only
                values = values.round()
            values = values.astype(f"Int{col.type[3:]}")
        elif col.type == "float64":
            values = pd.to_numeric(values).astype("float64")
        elif col.type == "string":
            values = _as_string(values)
        out[col.name] = values
    # copy=False: the converted columns are new arrays already, the others are shared with
    # ``frame`` (copy-on-write); stacking them into 2-D blocks would copy a national run's
    # RT rows once more at the run's peak
    return pd.DataFrame(out, index=frame.index, copy=False).reset_index(drop=True)



def _as_string(values: pd.Series) -> pd.Series:
    """``values.astype("string")``; a categorical of text converts its categories once and
    takes them by code (the file, sha256 and sheet of every RT row: ~8x faster)."""
    if isinstance(values.dtype, pd.CategoricalDtype) and (
            values.cat.categories.inferred_type == "string"):
        categories = values.cat.categories.astype("string").array
        return pd.Series(categories.take(values.cat.codes.to_numpy(), allow_fill=True),
                         index=values.index, name=values.name)
    return values.astype("string")
