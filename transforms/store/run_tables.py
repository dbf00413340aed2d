"""The run's own tables: ``temuan_validasi`` (findings), ``pengiriman`` (one row per file) and
the run's row of the ``runs`` history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from transforms.assess import findings, submissions
from transforms.indicators.rt_rows import accepted_rows, conform, rt_indicators
from transforms.intake.inventory import MANIFEST_COLUMNS, InputFile, Plan

#: Findings that come from the decision between workbooks, not from validating one.
DECISION_RULES = ("workbook_ganda", "digantikan", "duplikat", "versi_lama_tetap",
                  "form_lain_ditolak")


def temuan_table(found: pd.DataFrame, workbooks: pd.DataFrame, run_id: str) -> pd.DataFrame:
    """``temuan_validasi`` rows: every finding with the workbook's survey year and the run id,
    errors first, in file and row order (``tahun`` given in ``found`` wins); ``keparahan`` is
    published as ``tingkat``."""
    years = workbooks.set_index("wb")["tahun"]
    mapped = found["wb"].map(years)
    tahun = found["tahun"].fillna(mapped) if "tahun" in found else mapped
    out = found.assign(run_id=run_id, tahun=tahun).rename(columns={"keparahan": "tingkat"})
    out = out.assign(_order=(out["tingkat"] != "error").astype(int))
    out = out.sort_values(["_order", "sumber_file", "baris", "kolom"], na_position="first",
                          kind="stable")
    return conform(out, "temuan_validasi")


def manifest_rows(statuses: pd.DataFrame, workbooks: pd.DataFrame, found: pd.DataFrame,
                  files: dict[str, InputFile], run_id: str,
                  processed_at: dt.datetime) -> pd.DataFrame:
    """Manifest rows (``inventory.MANIFEST_COLUMNS``) of the workbooks read this run. A file
    still being copied is never among them (the run leaves it for the next one)."""
    validation_errors = set(found.loc[(found["keparahan"] == "error")
                                      & ~found["aturan"].isin(DECISION_RULES), "wb"])
    out = workbooks[["wb", "sumber_file", "sha256", "kode_kelurahan", "tahun",
                     "tanggal_pendataan"]].merge(statuses, on="wb")
    out["size"] = [files[f].size for f in out["sumber_file"]]
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


def run_row(run_id: str, started: dt.datetime, scope: str, input_dir: str, plan: Plan,
            vanished: pd.DataFrame, statuses: pd.DataFrame,
            rt_rows: int, versions: dict[str, str]) -> dict[str, object]:
    """The run's row of the ``runs`` history (what was found, read, decided and replaced),
    for operators; ``versions``: ``versi_aturan``, ``edisi_referensi``, ``versi_kumuh``."""
    counts = statuses["status"].value_counts()
    return {"run_id": run_id, "mulai": started, "selesai": dt.datetime.now(dt.UTC),
            "lingkup": scope, "input": input_dir, "workbook_ada": len(plan.present),
            "dibaca": len(statuses), "baru": len(plan.new), "berubah": len(plan.modified),
            "tidak_berubah": len(plan.unchanged), "hilang": len(vanished),
            **{s: int(counts.get(s, 0)) for s in (submissions.DITERIMA, submissions.DITOLAK,
                                                   submissions.DUPLIKAT, submissions.DIGANTIKAN)},
            "rt_diganti": rt_rows, **versions, "status": "disimpan"}


#: The run's tables other than the RT rows: findings, manifest rows, the run's row, vanished.
Settled = tuple[pd.DataFrame, pd.DataFrame, dict[str, object], pd.DataFrame]


@dataclass
class RunTables:
    """What one run stores: accepted RT rows (``indikator_rt``), findings
    (``temuan_validasi``), manifest rows of the files read and the run's ``runs`` row, plus
    the vanished files the run summary reports. All but the RT rows are made when first asked
    for (``settle``), so that work they wait on (the year-on-year warnings) can go on while the
    RT rows are stored."""

    rt: pd.DataFrame
    settle: Callable[[], Settled] = field(repr=False)

    @cached_property
    def _settled(self) -> Settled:
        return self.settle()

    @property
    def temuan(self) -> pd.DataFrame:
        return self._settled[0]

    @property
    def processed(self) -> pd.DataFrame:
        return self._settled[1]

    @property
    def run(self) -> dict[str, object]:
        return self._settled[2]

    @property
    def vanished(self) -> pd.DataFrame:
        return self._settled[3]

    def take_rt(self) -> pd.DataFrame:
        """The RT rows, handed over once (an empty frame stays behind), so that the store step
        frees them as soon as they are in the warehouse instead of at the end of the run."""
        rt = self.rt
        # new empty columns: a 0-row slice would still hold the rows' arrays
        self.rt = pd.DataFrame({c: pd.Series(dtype=t) for c, t in rt.dtypes.items()})
        return rt


def accepted_rt_rows(rows: pd.DataFrame, workbooks: pd.DataFrame,
                     statuses: pd.DataFrame) -> pd.DataFrame:
    """The RT rows (``rows``: the batch's) of the workbooks accepted (``statuses``), with their
    official identity (``workbooks``: the reference-joined workbook frame), for
    :func:`assemble`."""
    accepted = set(statuses.loc[statuses["status"] == submissions.DITERIMA, "wb"])
    return accepted_rows(rows, workbooks, accepted)


def assemble(rows: pd.DataFrame, workbooks: pd.DataFrame, statuses: pd.DataFrame,
             found: pd.DataFrame, plan: Plan, withdrawn: list[tuple[str, int]], *,
             all_scope: bool, scope: str, input_dir: str, run_id: str, started: dt.datetime,
             versions: dict[str, str],
             rt_findings: Callable[[pd.DataFrame, np.ndarray], Callable[[], pd.DataFrame]]
             | None = None) -> RunTables:
    """The run's tables from what was read (``rows``: the accepted RT rows of
    :func:`accepted_rt_rows`; ``workbooks``: the reference-joined workbook frame), decided
    (``statuses``) and found. Vanished files get a
    notice only on an unscoped run, and not when their kelurahan-year is ``withdrawn`` by
    this run (deleted and withdrawn: settled, not missing). ``rt_findings``: given the accepted
    ``indikator_rt`` rows and each row's workbook number, starts the warnings about those rows
    themselves (spec §5 ``berubah_drastis``) and returns a function giving them, asked for
    when the findings are first needed; they count with the workbooks' other findings."""
    rt = rt_indicators(rows, run_id)
    year_warnings = rt_findings(rt, rows["wb"].to_numpy()) if rt_findings is not None else None
    rt_rows = len(rt)

    def settle() -> Settled:
        found_all, counted = found, statuses
        if year_warnings is not None:
            found_all = pd.concat([found, year_warnings()], ignore_index=True)
            counted = submissions.with_counts(statuses, found_all)
        vanished = (plan.vanished[plan.vanished["ada"].astype(bool)] if all_scope
                    else plan.vanished.iloc[0:0])
        if withdrawn:
            keys = {(k, int(t)) for k, t in withdrawn}
            settled = [(k, t) not in keys for k, t in
                       zip(vanished["kode_kelurahan"], vanished["tahun"], strict=True)]
            vanished = vanished.loc[pd.Series(settled, index=vanished.index, dtype=bool)]
        gone = findings.to_frame(vanished_findings(vanished))
        gone["tahun"] = vanished["tahun"].to_numpy()
        temuan = pd.concat([temuan_table(found_all, workbooks, run_id),
                            temuan_table(gone, workbooks, run_id)], ignore_index=True)
        files = {f.rel: f for f in plan.present}
        processed = manifest_rows(counted, workbooks, found_all, files, run_id, started)
        run = run_row(run_id, started, scope, input_dir, plan, vanished, counted, rt_rows,
                      versions)
        return temuan, processed, run, vanished

    return RunTables(rt, settle)
