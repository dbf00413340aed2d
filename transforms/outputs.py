"""The run's own tables: ``temuan_validasi`` (findings) and ``pengiriman`` (one row per file)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from transforms import findings
from transforms.indicators import conform
from transforms.inventory import MANIFEST_COLUMNS, InputFile

#: Findings that come from the decision between workbooks, not from validating one.
DECISION_RULES = ("workbook_ganda", "digantikan", "duplikat", "versi_lama_tetap")


def temuan_table(found: pd.DataFrame, workbooks: pd.DataFrame, run_id: str) -> pd.DataFrame:
    """``temuan_validasi`` rows: every finding with the workbook's survey year and the run id,
    errors first, in file and row order (``tahun`` given in ``found`` wins)."""
    years = workbooks.set_index("wb")["tahun"]
    mapped = found["wb"].map(years)
    tahun = found["tahun"].fillna(mapped) if "tahun" in found else mapped
    out = found.assign(run_id=run_id, tahun=tahun)
    out = out.assign(_order=(out["tingkat"] != "error").astype(int))
    out = out.sort_values(["_order", "sumber_file", "baris", "kolom"], na_position="first",
                          kind="stable")
    return conform(out, "temuan_validasi")


def manifest_rows(statuses: pd.DataFrame, workbooks: pd.DataFrame, found: pd.DataFrame,
                  files: dict[str, InputFile], run_id: str,
                  processed_at: dt.datetime) -> pd.DataFrame:
    """Manifest rows (``inventory.MANIFEST_COLUMNS``) of the workbooks read this run. A file
    caught mid-copy is recorded with size -1, so the next run reads it again."""
    validation_errors = set(found.loc[(found["tingkat"] == "error")
                                      & ~found["aturan"].isin(DECISION_RULES), "wb"])
    out = workbooks[["wb", "sumber_file", "sha256", "kode_kelurahan", "tahun",
                     "tanggal_pendataan", "alasan"]].merge(statuses, on="wb")
    out["size"] = [files[f].size if a != "sedang_disalin" else -1
                   for f, a in zip(out["sumber_file"], out["alasan"], strict=True)]
    out["mtime_ns"] = [files[f].mtime_ns for f in out["sumber_file"]]
    out["error_validasi"] = out["wb"].isin(validation_errors)
    out["tanggal_pendataan"] = pd.to_datetime(out["tanggal_pendataan"], errors="coerce")
    out["tahun"] = pd.to_numeric(out["tahun"], errors="coerce").astype("Int16")
    out = out.assign(run_id=run_id, diproses_pada=pd.Timestamp(processed_at))
    return out[MANIFEST_COLUMNS].reset_index(drop=True)


def vanished_findings(vanished: pd.DataFrame) -> list[findings.Finding]:
    """A warning for each file that disappeared from the input since the last run."""
    return [findings.make("berkas_hilang", wb=-1, sumber_file=r.sumber_file, sha256=r.sha256,
                          kode=r.kode_kelurahan or "?",
                          tahun="?" if pd.isna(r.tahun) else int(r.tahun))
            for r in vanished.itertuples()]
