"""The consolidation flow: inventory → read → score → validate → decide → store (with
roll-up) → publish → report.

Thin wiring only: the steps are the tasks of :mod:`flows.tasks` (each one call into
:mod:`transforms` or the GX suites of :mod:`expectations`), every SQL query is in
:mod:`transforms.store` (``warehouse``, ``history``); this module orders the steps and chooses
what is read, locking and what is reported. The same flow serves the nightly run (everything
that changed), scoped reruns (``kabupaten``/``kecamatan``/``kelurahan``/``tahun``) and
withdrawals.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from collections.abc import Callable
from contextlib import nullcontext, suppress
from dataclasses import asdict, dataclass, field
from importlib.metadata import version
from pathlib import Path

from flows import process
from flows.config import Settings
from flows.scope import Code, checked_scope

process.set_up()

import duckdb  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from prefect import Flow, flow, get_run_logger  # noqa: E402
from prefect.artifacts import create_markdown_artifact, create_table_artifact  # noqa: E402
from prefect.utilities.annotations import quote  # noqa: E402

from flows.tasks import (  # noqa: E402
    PROGRESS,
    compare_years,
    decide_submissions,
    hold_warehouse,
    mirror_to_storage,
    open_warehouse,
    publish_tables,
    read_all,
    reports_drawn_aside,
    scan_ahead,
    score_rows,
    store,
    take_inventory,
    validate_batch,
    write_reports,
)
from transforms.assess import submissions, year_change  # noqa: E402
from transforms.intake import inventory  # noqa: E402
from transforms.publish import mirror  # noqa: E402
from transforms.read import batch as batches  # noqa: E402
from transforms.reports import clerk  # noqa: E402
from transforms.spec import criteria, reference  # noqa: E402
from transforms.store import history, lock, run_tables, warehouse  # noqa: E402


@dataclass
class RunSummary:
    """What a run did, for the CLI, the run manifest JSON, the logs and tests."""

    run_id: str
    scope: str
    started: str
    seconds: float
    files_present: int
    files_read: int
    new: int
    changed: int
    unchanged: int
    vanished: int
    diterima: int
    ditolak: int
    duplikat: int
    digantikan: int
    errors: int  # current findings (all files, not only this run's)
    warnings: int
    groups_published: int
    published: bool
    rows: dict[str, int] = field(default_factory=dict)
    years: list[int] = field(default_factory=list)  # years of the groups published
    held_back: int = 0  # workbooks rejected now (this run's or earlier, still unfixed)
    full: bool = False  # every workbook re-read (--full, or rules/region list/kumuh changed)
    copying: list[str] = field(default_factory=list)  # being copied: read next run
    lock_files: list[str] = field(default_factory=list)  # Excel's ~$ files: never read
    other_files: list[str] = field(default_factory=list)  # not workbooks, new since last run
    empty_input: bool = False  # no workbook at all in the input folder: nothing changed
    out: str = ""
    warehouse: str = ""
    rules_version: str = criteria.RULES_VERSION
    reference_edition: str = reference.EDITION
    kumuh_version: str = ""


def new_run_id(now: dt.datetime) -> str:
    """Sortable, unique run id: UTC time plus a short random suffix."""
    return now.strftime("%Y%m%dT%H%M%S%fZ")[:-4] + "-" + uuid.uuid4().hex[:6]


def fingerprint(ref: reference.Reference) -> str:
    """Everything outputs depend on besides the inputs: rules, region list, kumuh version."""
    return f"{criteria.rules_fingerprint()}/{ref.fingerprint}/{version('kumuh')}"


def outputs_outdated(before: str | None, ref: reference.Reference) -> bool:
    """Whether every workbook must be read again: the outputs were made under another
    :func:`fingerprint` (``before``; None before the first run) than this one's."""
    return before != fingerprint(ref)


def _artifacts(summary: RunSummary, clerk_md: str | None) -> None:
    """Prefect artifacts: the run summary as a table, the clerk's report as Markdown."""
    rows = [{"ukuran": k, "nilai": str(v)} for k, v in asdict(summary).items() if k != "rows"]
    rows += [{"ukuran": f"baris {k}", "nilai": str(v)} for k, v in summary.rows.items()]
    create_table_artifact(rows, key="ringkasan-run",
                          description=f"Ringkasan run {summary.run_id}")
    if clerk_md:
        clerk_md = clerk.artifact_markdown(clerk_md, str(Path(summary.out) / "temuan" /
                                                         "index.html"))
        create_markdown_artifact(clerk_md, key="temuan-validasi",
                                 description="Laporan temuan untuk petugas data")


# --- wiring ---------------------------------------------------------------------------------

def _read_with_competitors(settings: Settings, plan: inventory.Plan, manifest: pd.DataFrame,
                           scope: inventory.Scope, ref: reference.Reference) -> batches.Batch:
    """Read what changed (and, for a scoped rerun, the scope's files), then the unchanged
    files of the same kelurahan-years, which compete with them in supersession (a new or
    corrected RT form brings its kelurahan-year's other forms: spec §2b)."""
    first = plan.to_read
    if not scope.is_all:
        in_scope = {r.sumber_file for r in manifest.itertuples()
                    if scope.matches(r.kode_kelurahan, r.tahun)}
        wanted = {f.rel for f in plan.to_read} | in_scope
        first = [f for f in plan.ready if f.rel in wanted]
    batch = read_all(settings, first, 0)
    batch.workbooks = batches.codes_from_names(batch.workbooks, ref)
    by_rel = {f.rel: f for f in plan.ready}
    more = inventory.siblings(manifest, batches.kelurahan_years(batch.workbooks),
                              {f.rel for f in first}, set(by_rel))
    if more:
        batch = batches.concat([batch, read_all(settings, [by_rel[r] for r in more], len(first))])
        batch.workbooks = batches.codes_from_names(batch.workbooks, ref)
    if not scope.is_all:
        batch = batches.select(batch, [scope.matches(k, t) for k, t in
                                       zip(batch.workbooks["kode_kelurahan"],
                                           batch.workbooks["tahun"], strict=True)])
    return batch


@flow(name="nightly-consolidation", log_prints=True)
def nightly_consolidation(input_dir: str = "data/sample", out: str = "data/out",
                          warehouse_path: str = "data/warehouse/kumuh.duckdb",
                          workers: int | None = None, full: bool = False,
                          kabupaten: Code = None, kecamatan: Code = None,
                          kelurahan: Code = None, tahun: int | None = None,
                          force: bool = False, lock_timeout: float | None = None,
                          withdraw: list[tuple[str, int]] | None = None,
                          take_lock: bool = True, settle_seconds: float = 0.0,
                          runner: str = "local", check_outputs: bool = True,
                          timezone: str | None = None) -> dict:
    """Consolidate the workbooks under ``input_dir`` into the warehouse and the Parquet tables
    under ``out``: only new or changed files (all with ``full``), or one scope re-read
    (``kabupaten``/``kecamatan``/``kelurahan``/``tahun``; ``force`` republishes it even if
    unchanged). Bad workbooks are held back with findings; the run goes on. The writer lock
    is taken here unless the caller (the CLI) already holds it (``take_lock=False``); the
    lock and a warehouse held open by another program are waited for up to
    ``lock_timeout`` seconds (None: as long as it takes). The reports show times in
    ``timezone`` (default ``$KUMUH_TIMEZONE``, else Asia/Jakarta)."""
    started = dt.datetime.now(dt.UTC)
    remote = out if mirror.is_remote(out) else None
    if remote:  # object storage: publish into a local cache folder, then mirror it
        out = str(mirror.cache_folder(remote, Path(warehouse_path)))
    settings = Settings(input=Path(input_dir), out=Path(out), warehouse=Path(warehouse_path),
                        settle_seconds=settle_seconds, runner=runner,
                        check_outputs=check_outputs, lock_timeout=lock_timeout,
                        timezone=timezone or os.environ.get("KUMUH_TIMEZONE")
                        or Settings.timezone,
                        **({"workers": workers} if workers else {}))
    scope = checked_scope(settings.reference, kabupaten=kabupaten, kecamatan=kecamatan,
                          kelurahan=kelurahan, tahun=tahun, flag_prefix="")
    run_id = new_run_id(started)
    logger = get_run_logger()
    guard = (lock.writer_lock(lock.beside(settings.warehouse), lock_timeout,
                              lambda who: logger.warning("Menunggu run lain selesai: %s", who))
             if take_lock else nullcontext())
    with guard:
        try:
            # held open through the run: each step's connection is a cursor of it
            with hold_warehouse(settings):
                summary = asdict(_consolidate(settings, scope, run_id, started, full=full,
                                              force=force, withdraw=withdraw or []))
        except BaseException as exc:
            _record_failure(settings, run_id, exc)
            raise
        if remote:
            mirror_to_storage(settings.out, remote)
            summary["out"] = remote
        return summary


def _record_failure(settings: Settings, run_id: str, exc: BaseException) -> None:
    """Mark the run ``dihentikan`` (operator's signal) or ``gagal`` (with the error) in the
    history, if the warehouse can be written at once; a run killed outright stays
    ``berjalan``, which ``kumuh status`` shows as interrupted."""
    stopped = isinstance(exc, KeyboardInterrupt) or type(exc).__name__ in (
        "Stopped", "TerminationSignal")
    try:
        con = warehouse.connect(settings.warehouse)
        try:
            history.end_run(con, run_id, "dihentikan" if stopped else "gagal",
                              None if stopped else f"{type(exc).__name__}: {exc}"[:500])
        finally:
            con.close()
    except Exception:  # the history is best effort; the failure itself propagates
        return


def with_runner(runner: str = "local", dask_address: str | None = None,
                workers: int | None = None) -> Flow:
    """The consolidation flow on a task runner: as defined for ``local``; for ``dask``, the
    read tasks go to prefect-dask's ``DaskTaskRunner`` — the cluster at ``dask_address``
    (``tcp://host:8786``), else a ``distributed.LocalCluster`` of ``workers`` single-threaded
    processes. Everything else (validation, DuckDB, Parquet) stays in the flow's process."""
    if runner == "local":
        return nightly_consolidation
    from prefect_dask import DaskTaskRunner

    if dask_address:
        task_runner = DaskTaskRunner(address=dask_address)
    else:
        task_runner = DaskTaskRunner(cluster_kwargs={
            "n_workers": workers or os.cpu_count() or 1, "threads_per_worker": 1,
            "dashboard_address": None})
    return nightly_consolidation.with_options(task_runner=task_runner)


def _consolidate(settings: Settings, scope: inventory.Scope, run_id: str,
                 started: dt.datetime, *, full: bool, force: bool,
                 withdraw: list[tuple[str, int]]) -> RunSummary:
    ref = reference.load(settings.reference)
    lingkup = ("tarik " + ", ".join(f"{k} tahun {t}" for k, t in withdraw) if withdraw
               else scope.describe())
    con = open_warehouse(settings)
    try:
        history.begin_run(con, run_id, started, lingkup, str(settings.input))
        known = warehouse.manifest(con)
        published = warehouse.published_sha(con)
        before = warehouse.get_state(con, "fingerprint")
        reread = full or before not in (None, fingerprint(ref))  # not on a first run
        full = full or outputs_outdated(before, ref)
        seen_others = set(json.loads(warehouse.get_state(con, "berkas_lain") or "[]"))
    finally:
        con.close()

    PROGRESS.stage("inventaris berkas")
    listing = take_inventory(settings.input, settings.settle_seconds)
    if not listing.workbooks:  # first day, or a share that did not mount: change nothing
        return _nothing_to_do(settings, run_id, started, lingkup, listing)
    plan = _plan(listing.workbooks, known, full)
    PROGRESS.stage("membaca workbook")
    batch = _read_with_competitors(settings, plan, known, scope, ref)
    moving = batches.moved(batch)  # changed while read: still being copied, next run
    if moving:
        batch = batches.select(batch, list(~batch.workbooks["sumber_file"].isin(moving)))
    PROGRESS.stage("validasi (Great Expectations)")
    scored = score_rows(quote(batch))
    checked, found = validate_batch(quote(batch), quote(scored), quote(ref))
    statuses, found = decide_submissions(quote(checked), quote(found), quote(published))

    letters = batch.letters
    accepted = run_tables.accepted_rt_rows(scored, checked, statuses)
    del batch, scored  # the read frames: freed before the run's tables (a national run's peak)
    tables = run_tables.assemble(
        accepted, checked, statuses, found, plan, withdraw,
        all_scope=scope.is_all, scope=lingkup, input_dir=str(settings.input),
        run_id=run_id, started=started,
        versions={"versi_aturan": criteria.RULES_VERSION, "edisi_referensi": ref.edition,
                  "versi_kumuh": version("kumuh")},
        rt_findings=_year_warnings(settings, letters))
    del accepted  # the RT rows live on in ``tables.rt``
    PROGRESS.stage("menyimpan ke warehouse")
    groups = store(settings, quote(ref), quote(tables),
                   withdrawn=pd.DataFrame(withdraw, columns=["kode_kelurahan", "tahun"]),
                   force_groups=quote(_force_groups(settings, scope, full, force)),
                   present=quote([f.rel for f in plan.present]),
                   state={"fingerprint": fingerprint(ref),
                          "berkas_lain": json.dumps(listing.others)})
    run, vanished = tables.run, tables.vanished
    del tables  # stored: free them before publishing
    PROGRESS.stage("menerbitkan Parquet")
    with reports_drawn_aside(settings, ref, run_id) as reports:
        rows = publish_tables(settings, quote(ref), run_id)
        clerk_md = write_reports(settings, quote(reports())) if rows else None
    con = open_warehouse(settings)
    try:
        now = history.current_counts(con)
    finally:
        con.close()

    summary = RunSummary(
        run_id=run_id, scope=lingkup, started=started.isoformat(),
        seconds=(dt.datetime.now(dt.UTC) - started).total_seconds(),
        files_present=len(plan.present), files_read=len(statuses), new=run["baru"],
        changed=run["berubah"], unchanged=len(plan.unchanged),
        vanished=len(vanished), diterima=run[submissions.DITERIMA],
        ditolak=run[submissions.DITOLAK],
        duplikat=run[submissions.DUPLIKAT], digantikan=run[submissions.DIGANTIKAN],
        errors=now["error"], warnings=now["warning"], held_back=now["ditolak"],
        groups_published=len(groups), published=bool(rows), rows=rows,
        years=sorted({int(y) for y in groups["tahun"]}), full=reread,
        copying=sorted([*plan.copying, *moving]), lock_files=listing.lock_files,
        other_files=[f for f in listing.others if f not in seen_others],
        out=str(settings.out), warehouse=str(settings.warehouse),
        kumuh_version=version("kumuh"))
    _write_run_manifest(settings.out, summary)
    _artifacts(summary, clerk_md)
    PROGRESS.close()
    return summary


def _year_warnings(settings: Settings, letters: dict[int, dict[str, str]]
                   ) -> Callable[[pd.DataFrame, np.ndarray], Callable[[], pd.DataFrame]]:
    """``rt_findings`` of :func:`run_tables.assemble`: the year-on-year warnings of the
    accepted RT rows, started at once on the flow's thread pool, so that their query runs while
    the store task inserts and rolls up (the store asks for them with the findings, before it
    commits); on the Dask runner, where a submitted task would run away from the warehouse,
    worked out when asked for. Only the compared columns are handed over: the RT rows
    themselves are freed once stored."""
    def start(rt: pd.DataFrame, wb: np.ndarray) -> Callable[[], pd.DataFrame]:
        rows = rt[year_change.ROW_COLUMNS]
        if settings.runner == "local":
            return compare_years.submit(settings, quote(rows), quote(wb), quote(letters)).result
        return lambda: compare_years(settings, quote(rows), quote(wb), quote(letters))
    return start


def _nothing_to_do(settings: Settings, run_id: str, started: dt.datetime, lingkup: str,
                   listing: inventory.Listing) -> RunSummary:
    """The run of an input folder without a single workbook: nothing is stored, published or
    marked vanished (a network share that did not mount must not look like every workbook
    withdrawn); the history says ``masukan_kosong``."""
    get_run_logger().warning("Folder masukan %s tidak berisi workbook; tidak ada yang diubah",
                             settings.input)
    con = open_warehouse(settings)
    try:
        history.end_run(con, run_id, "masukan_kosong")
        now = history.current_counts(con)
    finally:
        con.close()
    PROGRESS.close()
    return RunSummary(
        run_id=run_id, scope=lingkup, started=started.isoformat(),
        seconds=(dt.datetime.now(dt.UTC) - started).total_seconds(), files_present=0,
        files_read=0, new=0, changed=0, unchanged=0, vanished=0, diterima=0, ditolak=0,
        duplikat=0, digantikan=0, errors=now["error"], warnings=now["warning"],
        held_back=now["ditolak"], groups_published=0, published=False,
        lock_files=listing.lock_files, other_files=listing.others, empty_input=True,
        out=str(settings.out), warehouse=str(settings.warehouse),
        kumuh_version=version("kumuh"))


def _plan(present: list[inventory.InputFile], known: pd.DataFrame,
          full: bool) -> inventory.Plan:
    """The inventory against the manifest; files not settled last time are read again."""
    returned = set(known.loc[~known["ada"].astype(bool), "sumber_file"])
    return inventory.plan(present, known, force=full, retry=returned)


#: Flow parameters that make a run read or publish whatever the input folder holds.
_FORCING = ("full", "force", "withdraw", "kabupaten", "kecamatan", "kelurahan", "tahun")


@dataclass(frozen=True)
class Outlook:
    """What a run will probably do, foreseen by the command while the Prefect server starts."""

    changes: bool  # it will validate or publish something
    first_read: list[inventory.InputFile]  # the files it reads first ([] when not foreseen)


def outlook(settings: Settings, params: dict, *, keep_listing: bool = False) -> Outlook:
    """What a run with these flow parameters will probably do, judged from the manifest and a
    look at the input folder, so that the command can load the GX suites and start reading
    while the Prefect server starts: whether anything changed, and which files a run of what
    changed will read first (the flow's own plan, made the same way; not foreseen for scoped,
    forced and withdrawal runs). A hint: the flow decides for itself. With ``keep_listing`` the
    look at the folder serves as the inventory of the flow run started next in this process,
    if that starts within seconds."""
    if any(params.get(name) for name in _FORCING):
        return Outlook(True, [])
    known, before, pending = pd.DataFrame(columns=[*inventory.MANIFEST_COLUMNS, "ada"]), None, False
    if settings.warehouse.exists():
        try:
            con = warehouse.connect(settings.warehouse, read_only=True)
            try:
                known = warehouse.manifest(con)
                pending = not warehouse.pending_groups(con).empty
                before = warehouse.get_state(con, "fingerprint")
            finally:
                con.close()
        except duckdb.Error:
            return Outlook(True, [])
    present = (scan_ahead(settings.input, settings.settle_seconds).workbooks if keep_listing
               else inventory.discover(settings.input, settle_seconds=settings.settle_seconds))
    full = outputs_outdated(before, reference.load(settings.reference))  # as the flow
    plan = _plan(present, known, full)
    return Outlook(pending or full or plan.changed, plan.to_read)


def load_reference(settings: Settings) -> None:
    """Read the region list now (~0.2 s) instead of when the first batch is validated (the
    flow gets the same lists: :func:`transforms.spec.reference.load`); a list that cannot be
    read is left for the flow to report."""
    with suppress(Exception):
        reference.load(settings.reference).villages  # noqa: B018  (read for its side effect)


def load_checks() -> None:
    """Import GX and build the suites now (~1 s) instead of when the first batch is
    validated."""
    from expectations import suites

    suites.load()


def _force_groups(settings: Settings, scope: inventory.Scope, full: bool,
                  force: bool) -> pd.DataFrame:
    """Groups to recompute and republish whatever the inputs say: all on a full run (rules,
    reference or kumuh changed), the scope's on a forced rerun."""
    if not (full or force):
        return warehouse.no_groups()
    con = open_warehouse(settings)
    try:
        groups = warehouse.rt_groups(con)
    finally:
        con.close()
    if force and not full:
        groups = groups[[scope.matches(k, t) for k, t in
                         zip(groups["kode_kelurahan"], groups["tahun"], strict=True)]]
    return groups[["tahun", "kode_kabupaten"]].drop_duplicates().astype(
        {"tahun": "int16"}).reset_index(drop=True)


def _write_run_manifest(out: Path, summary: RunSummary) -> None:
    """``<out>/runs/<run_id>.json``: the run's summary for operators and auditors."""
    folder = out / "runs"
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{summary.run_id}.json.tmp"
    tmp.write_text(json.dumps(asdict(summary), indent=2, default=str))
    tmp.replace(folder / f"{summary.run_id}.json")
