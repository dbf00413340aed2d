"""The run's own tables: ``temuan_validasi`` (findings) and ``pengiriman`` (one row per file)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from transforms.indicators import conform


def temuan_table(found: pd.DataFrame, workbooks: pd.DataFrame, run_id: str) -> pd.DataFrame:
    """``temuan_validasi`` rows: every finding with the workbook's survey year and the run id,
    errors first, in file and row order."""
    years = workbooks.set_index("wb")["tahun"]
    out = found.assign(run_id=run_id, tahun=found["wb"].map(years))
    out = out.assign(_order=(out["tingkat"] != "error").astype(int))
    out = out.sort_values(["_order", "sumber_file", "baris", "kolom"], na_position="first",
                          kind="stable")
    return conform(out, "temuan_validasi")


def pengiriman_table(statuses: pd.DataFrame, workbooks: pd.DataFrame, run_id: str,
                     processed_at: dt.datetime) -> pd.DataFrame:
    """``pengiriman`` rows: each workbook seen, its identity, status and finding counts."""
    out = workbooks[["wb", "sumber_file", "sha256", "kode_kelurahan", "tahun"]].merge(
        statuses, on="wb")
    out = out.assign(run_id=run_id, diproses_pada=pd.Timestamp(processed_at))
    return conform(out.sort_values("sumber_file", kind="stable"), "pengiriman")
