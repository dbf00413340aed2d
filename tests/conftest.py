"""Shared fixtures: one Prefect server per test process (for in-process flow runs and
``kumuh`` processes alike) and flow-run helpers."""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

import duckdb
import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "reference" / "wilayah"


@pytest.fixture(scope="session")
def prefect_harness(prefect_api):
    """The flow runs of this test process report to the session's Prefect server
    (:func:`prefect_api`, which the ``kumuh`` processes use too): one server per test process
    instead of two (each costs ~12 s of CPU to start and keeps using some while it idles).
    Left as Prefect's test harness leaves it: logs and events sent before the server stops."""
    import inspect

    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker
    from prefect.settings import PREFECT_API_URL, temporary_settings
    from prefect.utilities.asyncutils import run_coro_as_sync

    with temporary_settings(updates={PREFECT_API_URL: prefect_api["PREFECT_API_URL"]}):
        yield

        async def drain() -> None:
            with contextlib.suppress(RuntimeError):  # no log worker was started
                sent = APILogWorker.instance().drain()
                if inspect.isawaitable(sent):
                    await sent
            sent = EventsWorker.drain_all()
            if inspect.isawaitable(sent):
                await sent

        run_coro_as_sync(drain())


@pytest.fixture
def run_flow(prefect_harness, tmp_path: Path):
    """Run the nightly flow on a folder; returns (summary, out, warehouse)."""
    from flows.nightly import nightly_consolidation

    def _run(input_dir: Path, out: Path | None = None, warehouse: Path | None = None,
             **kwargs):
        out = out or tmp_path / "out"
        warehouse = warehouse or tmp_path / "wh" / "kumuh.duckdb"
        summary = nightly_consolidation(input_dir=str(input_dir), out=str(out),
                                        warehouse_path=str(warehouse), **kwargs)
        return summary, out, warehouse

    return _run


def _consolidate(input_dir: Path, base: Path) -> dict:
    """One flow run of ``input_dir`` into ``base/out`` and ``base/wh/kumuh.duckdb``."""
    from flows.nightly import nightly_consolidation

    return nightly_consolidation(input_dir=str(input_dir), out=str(base / "out"),
                                 warehouse_path=str(base / "wh" / "kumuh.duckdb"))


@pytest.fixture(scope="session")
def sample_input(tmp_path_factory):
    """Generated workbooks of two kabupaten over three years (coverage growing, so some
    kelurahan report in a later year only; kawasan, one spanning two kelurahan), with every
    defect: (folder, made)."""
    from transforms.sample import generate

    folder = tmp_path_factory.mktemp("input")
    made = generate.generate_sample(folder, REFERENCE, kelurahan_per_kabupaten=8, seed=7,
                                    years=(2022, 2023, 2024), coverage=0.6)
    return folder, made


@pytest.fixture(scope="session")
def sample_published(sample_input, tmp_path_factory, prefect_harness):
    """(summary, out) of one flow run over ``sample_input``. Shared read-only by the end-to-end
    and report tests: nothing may write into it."""
    folder, _ = sample_input
    base = tmp_path_factory.mktemp("run")
    return _consolidate(folder, base), base / "out"


@pytest.fixture(scope="session")
def worked_example_run(tmp_path_factory, prefect_harness):
    """Spec §4's worked example as ``in/a.xlsx`` (default layout), consolidated once:
    (base, summary). Tests that go on from this state take a private copy (copy_state)."""
    from transforms.sample import truth, workbooks

    base = tmp_path_factory.mktemp("worked")
    identity, rts = truth.worked_example()
    workbooks.write_workbook(base / "in" / "a.xlsx", identity, rts, truth.Layout())
    return base, _consolidate(base / "in", base)


def copy_state(base: Path, dest: Path) -> tuple[Path, Path]:
    """A private copy of a consolidated state (``in``, ``out``, ``wh``) under ``dest``:
    (out, warehouse). ``copytree`` keeps mtimes to the nanosecond and the table links are
    relative, so a next run finds exactly what a next run in ``base`` would."""
    for name in ("in", "out", "wh"):
        shutil.copytree(base / name, dest / name, symlinks=True)
    return dest / "out", dest / "wh" / "kumuh.duckdb"


def read_table(out: Path, table: str, where: str = "") -> list[dict]:
    """Rows of a published Parquet table, read back with DuckDB as a BI tool would."""
    path = out / table
    pattern = f"{path}/**/*.parquet"
    sql = f"SELECT * FROM read_parquet('{pattern}', hive_partitioning = true) {where}"
    con = duckdb.connect()
    try:
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    finally:
        con.close()


@pytest.fixture(scope="session")
def prefect_api(tmp_path_factory):
    """A real Prefect server on loopback for the test process's flow runs
    (:func:`prefect_harness`) and the ``kumuh`` processes its tests start: each process then
    skips the temporary server's start-up. Yields the environment to use."""
    import socket
    import subprocess
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    home = tmp_path_factory.mktemp("prefect-home")
    env = {**os.environ, "PREFECT_HOME": str(home),
           "PREFECT_API_URL": f"http://127.0.0.1:{port}/api"}
    server = subprocess.Popen(
        [str(Path(os.sys.executable).with_name("prefect")), "server", "start", "--host",
         "127.0.0.1", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2):
                break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError("Prefect server did not start") from None
            time.sleep(0.5)
    try:
        yield env
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
