"""The nightly consolidation flow: discover → read → validate → decide → score → publish.

Thin wiring only: every step body is a function of :mod:`transforms` (or the GX suites of
:mod:`expectations`); this module chooses chunking, parallelism, retries and what is reported.
"""

from __future__ import annotations

import datetime as dt
import uuid
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from importlib.metadata import version
from multiprocessing import get_context
from pathlib import Path

from flows.config import Settings, quiet_environment

quiet_environment()

import pandas as pd  # noqa: E402
import pyarrow as pa  # noqa: E402
from prefect import flow, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402

from transforms import batch as batches  # noqa: E402
from transforms import decide, indicators, outputs, publish, reference, spec, warehouse  # noqa: E402

_POOL: ProcessPoolExecutor | None = None


@dataclass
class RunSummary:
    """What a run did, for the CLI, the logs and tests."""

    run_id: str
    workbooks: int
    diterima: int
    ditolak: int
    duplikat: int
    digantikan: int
    rt_published: int
    kelurahan: int
    years: list[int]
    errors: int
    warnings: int
    out: str
    warehouse: str
    seconds: float


def new_run_id(now: dt.datetime) -> str:
    """Sortable, unique run id: UTC time plus a short random suffix."""
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


@task(cache_policy=NO_CACHE)
def discover_workbooks(root: Path) -> list[str]:
    """Every workbook under the input folder, relative and sorted."""
    return batches.discover(root, (".xlsx", ".xlsm", ".xls", ".ods"))


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[2, 10])
def read_chunk(root: Path, rels: list[str], first_wb: int) -> batches.Batch:
    """Read one chunk of workbooks, in the process pool when there is one."""
    if _POOL is None:
        return batches.read_files(root, rels, first_wb)
    return _POOL.submit(batches.read_files, root, rels, first_wb).result()


@task(cache_policy=NO_CACHE)
def validate_batch(batch: batches.Batch, ref: reference.Reference
                   ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(reference-joined workbook frame, findings) from the GX suites, one call per suite."""
    from expectations.validate import validator

    checked = batches.with_reference(batch.workbooks, ref)
    return checked, validator().validate(batch, checked)


@task(cache_policy=NO_CACHE)
def decide_submissions(checked: pd.DataFrame, found: pd.DataFrame
                       ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Status of every workbook (diterima/ditolak/duplikat/digantikan) and all findings."""
    return decide.decide(checked, found)


@task(cache_policy=NO_CACHE)
def publish_run(settings: Settings, ref: reference.Reference, rt: pd.DataFrame,
                temuan: pd.DataFrame, pengiriman: pd.DataFrame, run: dict) -> dict[str, int]:
    """Store the run in the warehouse (one transaction), then publish every table as Parquet
    (atomic switch). Returns the published row count per table."""
    con = warehouse.connect(settings.warehouse)
    try:
        warehouse.store_run(con, villages=ref.villages, rt=rt, temuan=temuan,
                            pengiriman=pengiriman, run=run)
        metadata = {"run_id": run["run_id"], "rules_version": spec.RULES_VERSION,
                    "reference_edition": ref.edition, "reference_attribution":
                    reference.ATTRIBUTION, "kumuh_version": run["versi_kumuh"]}
        tables: dict[str, pa.Table] = {
            name: publish.to_arrow(name, con.sql(warehouse.table_query(name)).arrow()
                                   .read_all(), metadata)
            for name in indicators.contract.tables()
        }
    finally:
        con.close()
    publish.publish(settings.out, run["run_id"], tables)
    return {name: t.num_rows for name, t in tables.items()}


def _read_all(settings: Settings, rels: list[str]) -> batches.Batch:
    global _POOL
    chunks = [rels[i:i + settings.chunk_size] for i in range(0, len(rels), settings.chunk_size)]
    if len(chunks) > 1 and settings.workers > 1:
        _POOL = ProcessPoolExecutor(settings.workers, mp_context=get_context("spawn"))
    try:
        futures = [read_chunk.submit(settings.input, chunk, i * settings.chunk_size)
                   for i, chunk in enumerate(chunks)]
        return batches.concat([f.result() for f in futures])
    finally:
        if _POOL is not None:
            _POOL.shutdown()
            _POOL = None


@flow(name="nightly-consolidation", log_prints=True)
def nightly_consolidation(input_dir: str = "data/sample", out: str = "data/out",
                          warehouse_path: str = "data/warehouse/kumuh.duckdb",
                          workers: int | None = None) -> dict:
    """Consolidate every workbook under ``input_dir`` into the warehouse and the Parquet
    tables under ``out``. Bad workbooks are held back with findings; the run goes on."""
    started = dt.datetime.now(dt.UTC)
    settings = Settings(input=Path(input_dir), out=Path(out), warehouse=Path(warehouse_path),
                        **({"workers": workers} if workers else {}))
    run_id = new_run_id(started)
    ref = reference.Reference(settings.reference)

    rels = discover_workbooks(settings.input)
    batch = _read_all(settings, rels)
    checked, found = validate_batch(batch, ref)
    statuses, found = decide_submissions(checked, found)
    accepted = set(statuses.loc[statuses["status"] == decide.DITERIMA, "wb"])
    rt = indicators.rt_indicators(batch.rows, checked, accepted, run_id)
    temuan = outputs.temuan_table(found, checked, run_id)
    pengiriman = outputs.pengiriman_table(statuses, checked, run_id, started)

    counts = statuses["status"].value_counts()
    run = {"run_id": run_id, "mulai": started, "selesai": dt.datetime.now(dt.UTC),
           "input": str(settings.input), "jumlah_workbook": len(statuses),
           **{s: int(counts.get(s, 0)) for s in (decide.DITERIMA, decide.DITOLAK,
                                                  decide.DUPLIKAT, decide.DIGANTIKAN)},
           "jumlah_rt_diterbitkan": len(rt), "versi_aturan": spec.RULES_VERSION,
           "edisi_referensi": ref.edition, "versi_kumuh": version("kumuh")}
    published = publish_run(settings, ref, rt, temuan, pengiriman, run)

    summary = RunSummary(
        run_id=run_id, workbooks=len(statuses),
        diterima=run[decide.DITERIMA], ditolak=run[decide.DITOLAK],
        duplikat=run[decide.DUPLIKAT], digantikan=run[decide.DIGANTIKAN],
        rt_published=published["indikator_rt"], kelurahan=published["indikator_kelurahan"],
        years=sorted(int(y) for y in rt["tahun"].dropna().unique()),
        errors=int((temuan["tingkat"] == "error").sum()),
        warnings=int((temuan["tingkat"] == "warning").sum()),
        out=str(settings.out), warehouse=str(settings.warehouse),
        seconds=(dt.datetime.now(dt.UTC) - started).total_seconds())
    return asdict(summary)
