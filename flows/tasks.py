"""The consolidation flow's steps as Prefect tasks, for :mod:`flows.nightly` to wire.

Each task is one call into :mod:`transforms` (or the GX suites of :mod:`expectations`) with the
orchestration choices that belong to it: caching off, retries for reads from a network share
and for the object-storage mirror, parameters passed by reference (``quote``). The read tasks
run in a process pool (or on Dask) started by :func:`read_all` when there is enough to read.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from multiprocessing import get_context
from pathlib import Path

from flows import checks_process, process
from flows.config import Settings, read_chunk_sizes
from flows.progress import Progress
from flows.stop import children_ignore_interrupts

process.set_up()

import duckdb  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from prefect import get_run_logger, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.tasks import exponential_backoff  # noqa: E402
from prefect.utilities.annotations import quote  # noqa: E402

from expectations.output_contract import ContractCheck  # noqa: E402
from expectations.validate_input import Validator  # noqa: E402
from transforms.assess import findings, reconcile, submissions, year_change  # noqa: E402
from transforms.indicators import progress, scoring  # noqa: E402
from transforms.intake import inventory  # noqa: E402
from transforms.publish import bi, mirror, parquet  # noqa: E402
from transforms.read import batch as batches  # noqa: E402
from transforms.read.workbook import is_transient  # noqa: E402
from transforms.reports import clerk  # noqa: E402
from transforms.reports import indicators as indicator_report  # noqa: E402
from transforms.reports.section_cache import SectionCache  # noqa: E402
from transforms.spec import contract, criteria, reference  # noqa: E402
from transforms.store import run_tables, warehouse  # noqa: E402

_POOL: ProcessPoolExecutor | None = None
#: Reads the command started ahead (:func:`read_ahead`), by (input folder, first workbook
#: number, the chunk's files): each taken by the read task of the same chunk.
_READS_AHEAD: dict[tuple[Path, int, tuple[inventory.InputFile, ...]], Future] = {}
#: Fewest files read in a process pool: starting one (spawn and imports, ~2–3 s on 2 cores)
#: costs about as much as reading ~300 workbooks (~9 ms each) in the flow's own process.
POOL_MIN_FILES = 300
#: Fewest files read ahead: below it the spawned reader (~1 s of CPU on 2 cores) would compete
#: with the temporary server's start and the command's imports for the cores, to spare the
#: flow a read of well under 0.1 s.
READ_AHEAD_MIN_FILES = 20
#: Most rows loaded and written at a time when publishing (whole kabupaten-years; bounds the
#: memory used: a national indikator_rt in four parts instead of one scan per 40 groups).
PUBLISH_ROWS = 150_000
PROGRESS = Progress()


def _waiting(settings: Settings) -> dict:
    """How the flow waits for a warehouse another program holds: up to the lock timeout,
    saying so in the run's log."""
    logger = get_run_logger()
    return {"wait": settings.lock_timeout,
            "on_wait": lambda who: logger.warning("Menunggu: %s", who)}


def open_warehouse(settings: Settings) -> duckdb.DuckDBPyConnection:
    """A writer connection to the warehouse, waiting while another program holds it."""
    return warehouse.connect(settings.warehouse, **_waiting(settings))


def hold_warehouse(settings: Settings) -> AbstractContextManager[None]:
    """The warehouse held open for a flow run (:func:`transforms.store.warehouse.held_open`),
    waiting as :func:`open_warehouse` does."""
    return warehouse.held_open(settings.warehouse, **_waiting(settings))


#: How long a listing taken by the command before the flow started stands for the folder.
LISTING_FRESH_SECONDS = 15.0
#: (folder, settle seconds, monotonic time, listing) of the command's look at the input
#: folder (:func:`scan_ahead`), taken by the flow's inventory once.
_AHEAD: tuple[Path, float, float, inventory.Listing] | None = None


def scan_ahead(root: Path, settle_seconds: float) -> inventory.Listing:
    """:func:`inventory.scan` of the input folder for the command's start-up, kept for the
    inventory of the flow run it starts (the same walk, seconds apart, is not done twice).
    A file that changes in between is seen as changing while read, and read next run."""
    global _AHEAD
    listing = inventory.scan(root, settle_seconds=settle_seconds)
    _AHEAD = (root.resolve(), settle_seconds, time.monotonic(), listing)
    return listing


@task(cache_policy=NO_CACHE)
def take_inventory(root: Path, settle_seconds: float) -> inventory.Listing:
    """Every workbook under the input folder with its size and mtime, and the other files:
    the command's listing of the same folder and settle time when it is seconds old, else a
    new walk of the folder."""
    global _AHEAD
    ahead, _AHEAD = _AHEAD, None
    if ahead is not None and ahead[:2] == (root.resolve(), settle_seconds) and (
            time.monotonic() - ahead[2] < LISTING_FRESH_SECONDS):
        return ahead[3]
    return inventory.scan(root, settle_seconds=settle_seconds)


def _transient(task, task_run, state) -> bool:
    """Retry a read only for I/O errors that may pass (see transforms.read.workbook)."""
    try:
        state.result()
    except Exception as exc:  # the task's own failure, classified
        return is_transient(exc)
    return False


@task(cache_policy=NO_CACHE, retries=3, retry_delay_seconds=exponential_backoff(2),
      retry_condition_fn=_transient)
def read_chunk(root: Path, files: list[inventory.InputFile], first_wb: int) -> batches.Batch:
    """Read one chunk of workbooks (in the process pool when there is one; the command's read
    of the same files when it started one ahead). Retried: a network share can fail
    transiently; bad content never raises, so it is never retried."""
    ahead = _READS_AHEAD.pop((root.resolve(), first_wb, tuple(files)), None)
    if ahead is not None:
        return ahead.result()
    pool = _POOL  # (once: read_all's end may drop it meanwhile)
    if pool is None:
        return batches.read_files(root, files, first_wb)
    return pool.submit(batches.read_files, root, files, first_wb).result()


@task(cache_policy=NO_CACHE)
def score_rows(batch: batches.Batch) -> pd.DataFrame:
    """Every RT row of the batch with its percentages, scores, total and tingkat (spec §3):
    compared with the workbooks' stored results, and published for the accepted ones."""
    return scoring.score(batch.rows)


@task(cache_policy=NO_CACHE)
def validate_batch(batch: batches.Batch, scored: pd.DataFrame, ref: reference.Reference
                   ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(reference-joined workbook frame, findings): the GX suites, one call per suite, and the
    stored percents/scores that disagree with the recomputed ones (``scored``: warnings)."""
    checked = batches.with_reference(batch.workbooks, ref)
    if checked.empty:
        return checked, findings.to_frame([])
    found = Validator(checks_process.failures).validate(batch, checked)
    stored = reconcile.stored_disagreements(scored, batch.letters, batch.cells)
    return checked, pd.concat([found, findings.to_frame(stored)], ignore_index=True)


@task(cache_policy=NO_CACHE)
def decide_submissions(checked: pd.DataFrame, found: pd.DataFrame, published: pd.DataFrame
                       ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Status of every workbook (diterima/ditolak/duplikat/digantikan) and all findings."""
    statuses, found = submissions.decide(checked, found)
    kept = findings.to_frame(submissions.kept_versions(statuses, checked, published))
    found = findings.name_form_rts(pd.concat([found, kept], ignore_index=True), checked)
    return submissions.with_counts(statuses, found), found


@task(cache_policy=NO_CACHE)
def roll_up(con: duckdb.DuckDBPyConnection, groups: pd.DataFrame,
            ref: reference.Reference) -> None:
    """Recompute the kelurahan, kecamatan and kabupaten indicators of the changed groups."""
    if not groups.empty:  # the region list is loaded only when there is something to roll up
        warehouse.refresh_rollups(con, groups, ref.villages)


@task(cache_policy=NO_CACHE)
def track_progress(con: duckdb.DuckDBPyConnection, groups: pd.DataFrame,
                   force_groups: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Recompute the progress tables of the changed kabupaten (spec §7); per table, the groups
    to republish."""
    return warehouse.refresh_progress(con, groups, force_groups)


@task(cache_policy=NO_CACHE)
def compare_years(settings: Settings, rt: pd.DataFrame, wb: np.ndarray,
                  letters: dict[int, dict[str, str]]) -> pd.DataFrame:
    """``berubah_drastis`` warnings (spec §5) of the accepted RT rows (``wb``: each row's
    workbook number) against each RT's previous published year: what the warehouse holds
    committed, so a run's own store, under way beside this, is never compared with."""
    rows = rt[year_change.ROW_COLUMNS].assign(wb=wb)
    con = warehouse.connect(settings.warehouse)
    try:
        return year_change.berubah_drastis(con, rows, letters=letters)
    finally:
        con.close()


@task(cache_policy=NO_CACHE)
def store(settings: Settings, ref: reference.Reference, tables: run_tables.RunTables,
          withdrawn: pd.DataFrame, force_groups: pd.DataFrame, present: list[str],
          state: dict[str, str]) -> pd.DataFrame:
    """Apply the run to the warehouse in one transaction: RT rows, roll-up, files and
    findings, the run's row; returns the (tahun, kode_kabupaten) groups it changed."""
    con = open_warehouse(settings)
    try:
        with warehouse.transaction(con):
            # the RT rows are freed once inserted: not kept through the roll-up and progress
            groups = warehouse.store_rt(con, rt=tables.take_rt(), withdrawn=withdrawn,
                                        force_groups=force_groups, present=present)
            roll_up(quote(con), quote(groups), quote(ref))
            republish = track_progress(quote(con), quote(groups), quote(force_groups))
            warehouse.store_files(con, groups, processed=tables.processed,
                                  temuan=tables.temuan, present=present,
                                  withdrawn=withdrawn, run=tables.run, state=state,
                                  progress_groups=republish)
        return groups
    finally:
        con.close()


@task(cache_policy=NO_CACHE)
def publish_tables(settings: Settings, ref: reference.Reference, run_id: str) -> dict[str, int]:
    """Publish the queued groups (this run's and any left by a crash) as Parquet, one table at
    a time, each checked against the output contract (a violation drops the new version and
    the published tables stay); switch the tables atomically, then clear the queue.
    Returns rows per published table."""
    con = open_warehouse(settings)
    try:
        queued = warehouse.pending_groups(con)
        if queued.empty:
            return {}
        meta = {"run_id": run_id, "rules_version": criteria.RULES_VERSION,
                "reference_edition": ref.edition, "reference_attribution":
                reference.ATTRIBUTION, "kumuh_version": version("kumuh")}

        present = {name: warehouse.all_groups(con, name) for name in contract.PARTITIONED}

        def rows_of(name: str, where: pd.DataFrame | None):  # loaded part by part, as written
            def parts():
                for part in ([None] if where is None else
                             parquet.group_parts(where, present[name], PUBLISH_ROWS)):
                    data = warehouse.query_groups(con, name, part).arrow().read_all()
                    yield parquet.to_arrow(name, data, meta)
            return parts

        changed = {name: rows_of(name, groups)
                   for name, groups in warehouse.pending_by_table(con).items()
                   if not groups.empty}
        keep = {name: {(int(t), k) for t, k in zip(groups["tahun"], groups["kode_kabupaten"],
                                                    strict=True)}
                for name, groups in present.items()}
        flat = {}
        if (queued["kode_kabupaten"] == warehouse.FLAT).any() or not parquet.current_version(
                settings.out, "pengiriman"):
            flat = {name: rows_of(name, None) for name in contract.tables()
                    if name not in contract.PARTITIONED}
        rows = {name: warehouse.row_count(con, name) for name in [*changed, *flat]}
        check = None
        if settings.check_outputs:
            check = ContractCheck(checks_process.failures)
        parquet.publish(settings.out, run_id, changed=changed, keep=keep, flat=flat,
                        inspect=check.inspect if check else None,
                        after_write=check.check if check else None)
        warehouse.clear_queue(con, run_id)
        return rows
    finally:
        con.close()


@dataclass
class Reports:
    """The run's reports, drawn and not yet written: the clerk's pages by path under
    ``temuan/`` and the indicator report's page."""

    clerk_pages: dict[str, str]
    indicator_page: str


def draw_reports(settings: Settings, ref: reference.Reference, run_id: str,
                 frames: dict[str, pd.DataFrame], hilang: pd.DataFrame) -> Reports:
    """The clerk's findings report and the indicator report with charts, from the tables
    read by :func:`reports_drawn_aside` (pure Python; nothing is written)."""
    pages = clerk.clerk_pages(frames["temuan_validasi"], frames["pengiriman"], ref.villages,
                              run_id, hilang=hilang, timezone=settings.timezone)
    page = indicator_report.render_report(
        {k: v for k, v in frames.items() if k not in ("temuan_validasi", "pengiriman")},
        run_id, timezone=settings.timezone, cache=SectionCache(settings.report_cache))
    return Reports(pages, page)


@contextmanager
def reports_drawn_aside(settings: Settings, ref: reference.Reference,
                        run_id: str) -> Iterator[Callable[[], Reports]]:
    """The reports of the state about to be published, read and drawn in a thread while the
    block publishes (the Parquet writes and DuckDB free the GIL; the publish changes none of
    the tables the reports read); the block gets a function that waits for them. Nothing is
    drawn when nothing waits to be published. Leaving the block waits for the thread."""
    con = open_warehouse(settings)
    try:
        waiting = not warehouse.pending_groups(con).empty
    except BaseException:
        con.close()
        raise
    if not waiting:
        con.close()

        def nothing() -> Reports:
            raise RuntimeError("tidak ada yang diterbitkan, jadi tidak ada laporan")
        yield nothing
        return

    def read_and_draw() -> Reports:
        try:  # the connection is this thread's from here on
            frames = warehouse.table_frames(
                con, ["temuan_validasi", "pengiriman", "indikator_kabupaten",
                      "indikator_kecamatan", "indikator_kelurahan", *progress.TABLES],
                columns=indicator_report.columns_used())
            hilang = warehouse.vanished_files(con)
        finally:
            con.close()
        return draw_reports(settings, ref, run_id, frames, hilang)

    with ThreadPoolExecutor(1, thread_name_prefix="laporan") as pool:
        yield pool.submit(read_and_draw).result


@task(cache_policy=NO_CACHE)
def write_reports(settings: Settings, reports: Reports) -> str:
    """Write the clerk's pages, the indicator report and the BI file; returns the clerk
    report's Markdown."""
    clerk.write_pages(settings.out / "temuan", reports.clerk_pages)
    parquet.write_text_atomic(settings.out / "laporan" / "index.html", reports.indicator_page)
    bi.write_bi_database(settings.out)
    return reports.clerk_pages["index.md"]


@task(cache_policy=NO_CACHE, retries=3, retry_delay_seconds=exponential_backoff(2))
def mirror_to_storage(local: Path, remote: str) -> dict[str, int]:
    """Mirror the local publish root to object storage (only changed files travel)."""
    return mirror.mirror(local, remote)


def _chunks(settings: Settings, files: list[inventory.InputFile],
            first: int) -> list[tuple[int, list[inventory.InputFile]]]:
    """The read tasks' chunks of ``files``: (number of the chunk's first workbook, files)."""
    chunks, start = [], 0
    for size in read_chunk_sizes(len(files), settings.workers, settings.chunk_size):
        chunks.append((first + start, files[start:start + size]))
        start += size
    return chunks


def _start_pool(workers: int) -> None:
    global _POOL
    _POOL = ProcessPoolExecutor(workers, mp_context=get_context("spawn"),
                                initializer=process.reader_set_up)


def read_ahead(settings: Settings, files: list[inventory.InputFile]) -> None:
    """Start reading ``files`` — the flow's first read, as the command foresees it — in a
    process pool now, while the temporary Prefect server starts (seconds in which a core is
    mostly idle). A read task whose chunk holds the same files (names, sizes, times, from the
    first workbook number on) takes the read started here; any other reads anew, and
    :func:`end_reads_ahead` cancels what no task took."""
    if settings.runner != "local" or len(files) < READ_AHEAD_MIN_FILES or _POOL is not None:
        return
    _start_pool(settings.workers if len(files) >= POOL_MIN_FILES else 1)
    root = settings.input.resolve()
    with children_ignore_interrupts():  # the pool's processes start with the first reads
        for first_wb, chunk in _chunks(settings, files, 0):
            _READS_AHEAD[(root, first_wb, tuple(chunk))] = _POOL.submit(
                batches.read_files, settings.input, chunk, first_wb)


def _drop_other_reads_ahead(settings: Settings,
                            chunks: list[tuple[int, list[inventory.InputFile]]]) -> None:
    """Cancel the reads ahead that are not of these chunks (they would wait in the pool's
    queue before the chunks' own reads), and stop their pool when none is (it was sized for
    a read that is not the flow's)."""
    if not _READS_AHEAD:
        return
    root = settings.input.resolve()
    wanted = {(root, first_wb, tuple(chunk)) for first_wb, chunk in chunks}
    others = [key for key in _READS_AHEAD if key not in wanted]
    if len(others) == len(_READS_AHEAD):
        end_reads_ahead()
        return
    for key in others:
        _READS_AHEAD.pop(key).cancel()


def end_reads_ahead(wait: bool = True) -> None:
    """Cancel the reads started ahead that no read task took, and stop the reading pool
    (without ``wait``, its processes end in the background)."""
    global _POOL
    for future in _READS_AHEAD.values():
        future.cancel()
    _READS_AHEAD.clear()
    if _POOL is not None:
        _POOL.shutdown(wait=wait, cancel_futures=True)
        _POOL = None


def read_all(settings: Settings, files: list[inventory.InputFile], first: int) -> batches.Batch:
    """The batch of ``files``, read in chunks of tasks: on the Dask cluster with
    ``runner="dask"``, else in a process pool when there is enough to read to repay starting
    it (``POOL_MIN_FILES``)."""
    chunks = _chunks(settings, files, first)
    _drop_other_reads_ahead(settings, chunks)
    if _POOL is None and settings.runner == "local" and len(files) >= POOL_MIN_FILES and (
            settings.workers > 1):
        _start_pool(settings.workers)
    try:
        # quoted on the local runner: Prefect would otherwise walk every file record of each
        # chunk looking for futures (~10 ms a chunk of 250); the Dask runner hands a quoted
        # list on with its records turned into plain tuples, so there it goes as it is
        wrap = quote if settings.runner == "local" else list
        futures = [read_chunk.submit(settings.input, wrap(chunk), first_wb)
                   for first_wb, chunk in chunks]
        # each part is stacked as it arrives, while the readers still work: when the last one
        # comes, the run's batch is ready instead of stacked on the one core left
        stack, done = batches.Stacker(len(files)), 0
        for f in futures:
            part = f.result()
            stack.add(part)
            done += len(part)
            PROGRESS.count(done, len(files))
    except BaseException:
        end_reads_ahead()
        raise
    # every read is in: the readers end in the background (~0.26 s for two) while the run goes on
    end_reads_ahead(wait=False)
    batch = stack.batch()
    # Each Prefect future and its concurrent future refer to each other (a done callback), and
    # their final state holds the chunk's Batch: without a collection now, a national run's
    # parts (~200 MiB) would stay alive through validation and scoring.
    del futures, stack
    gc.collect()
    return batch
