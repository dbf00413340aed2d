"""Crash safety and the writer lock, with real ``kumuh run`` processes.

The kill test takes a published state A, starts a run that publishes state B, SIGKILLs the
whole process group at a random moment, and checks that every table a reader sees is A or B —
complete, never a mix within a table — also while the run is going; then a normal run repairs
whatever the kill interrupted and the tables are B. ``KUMUH_KILLS`` sets how many kills
(default 4; set it higher for a longer soak).
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REFERENCE
from transforms.sample import generate, truth, workbooks
from transforms.spec import contract
from transforms.store import lock

pytestmark = pytest.mark.slow

KUMUH = Path(sys.executable).with_name("kumuh")
VOLATILE = {"run_id", "diproses_pada"}
#: Seconds between a reader's snapshots during a run that is killed.
WATCH_PAUSE = 0.05


def _table_digest(out: Path, table: str) -> str:
    """Digest of a published table's rows (minus run ids/times), as a reader sees it.

    The reader resolves the table link once, then reads that version: the documented way to
    get a strict snapshot (a glob through the link itself may list one version and open the
    next one's files if the switch falls between the two, a window of milliseconds)."""
    cols = [c for c in contract.columns(table) if c not in VOLATILE]
    folder = (out / table).resolve()
    con = duckdb.connect()
    try:
        rows = con.execute(
            f"SELECT {', '.join(cols)} FROM read_parquet('{folder}/**/*.parquet', "
            f"hive_partitioning = true) ORDER BY ALL").fetchall()
    finally:
        con.close()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def _state(out: Path) -> dict[str, str]:
    return {t: _table_digest(out, t) for t in contract.tables()}


ENV: dict[str, str] = {}


def _kumuh_run(inp: Path, base: Path, *extra: str, log: Path | None = None,
               ) -> subprocess.Popen:
    return subprocess.Popen(
        [str(KUMUH), "run", "--input", str(inp), "--out", str(base / "out"),
         "--warehouse", str(base / "wh" / "kumuh.duckdb"), *extra],
        stdout=subprocess.DEVNULL, stderr=open(log or os.devnull, "w"),  # noqa: SIM115
        start_new_session=True, env=ENV or None)


def _finish(proc: subprocess.Popen) -> None:
    assert proc.wait(timeout=300) == 0


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, prefect_api):
    """Input A, input B (A with 3 workbooks rewritten and 8 added), and states A and B."""
    ENV.update(prefect_api)
    root = tmp_path_factory.mktemp("crash")
    made = generate.generate_sample(root / "A", REFERENCE, kabupaten=("33.75", "35.08"),
                                  kelurahan_per_kabupaten=6, seed=3, with_errors=False)
    shutil.copytree(root / "A", root / "B")
    rng = random.Random(1)
    for w in rng.sample(made, 3):
        path = root / "B" / w.path.relative_to(root / "A")
        workbooks.write_workbook(path, w.identity, truth.generate_rts(rng, len(w.rts)), w.layout)
    extra = generate.generate_sample(root / "B" / "tambahan", REFERENCE, kabupaten=("33.75",),
                                   kelurahan_per_kabupaten=8, years=(2025,), seed=9,
                                   with_errors=False)
    assert len(extra) == 8
    base_a = root / "state-a"
    _finish(_kumuh_run(root / "A", base_a))
    state_a = _state(base_a / "out")
    base_b = root / "state-b"
    shutil.copytree(base_a, base_b, symlinks=True)
    log = root / "b.log"
    t0 = time.monotonic()
    _finish(_kumuh_run(root / "B", base_b, log=log))
    duration = time.monotonic() - t0
    state_b = _state(base_b / "out")
    assert all(state_a[t] != state_b[t] for t in ("indikator_rt", "indikator_kabupaten"))
    return root, base_a, state_a, state_b, duration


def _stage(log_dir: Path) -> str:
    """Where the run was when killed: after the last task it finished (from the log file
    kumuh keeps beside the warehouse)."""
    text = "".join(f.read_text(errors="replace") for f in log_dir.glob("kumuh-*.log"))
    tasks = re.findall(r"Task run '([a-z_]+)-[^']*' - Finished", text)
    if "Beginning flow run" not in text:
        return "start-up"
    return f"after {tasks[-1]}" if tasks else "flow start"


def test_sigkill_at_random_moments_never_shows_a_half_state(inputs, tmp_path: Path) -> None:
    root, base_a, state_a, state_b, duration = inputs
    rng = random.Random(int(os.environ.get("KUMUH_KILL_SEED", "7")))
    kills = int(os.environ.get("KUMUH_KILLS", "4"))
    stages: list[str] = []
    for i in range(kills):
        base = tmp_path / f"k{i}"
        shutil.copytree(base_a, base, symlinks=True)
        shutil.rmtree(base / "wh" / "log", ignore_errors=True)  # state A's run
        log = tmp_path / f"k{i}.log"
        seen: list[dict[str, str]] = []
        stop = threading.Event()

        def watch(out: Path = base / "out", seen: list = seen,
                  stop: threading.Event = stop) -> None:
            # a snapshot takes ~50 ms of CPU: one every ~0.1 s leaves the run under test (and
            # the suite's other worker) a core, and still sees every table many times a second
            while not stop.wait(WATCH_PAUSE):
                seen.append({t: _table_digest(out, t)
                             for t in ("indikator_rt", "indikator_kelurahan")})

        reader = threading.Thread(target=watch)
        proc = _kumuh_run(root / "B", base, log=log)
        reader.start()
        time.sleep(rng.uniform(0.3 * duration, 1.05 * duration))
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        stop.set()
        reader.join()
        stages.append(_stage(base / "wh" / "log"))
        after = _state(base / "out")
        for table, digest in after.items():
            assert digest in (state_a[table], state_b[table]), (i, stages[-1], table)
        assert seen, (i, "the reader saw no snapshot during the run")
        for snapshot in seen:
            for table, digest in snapshot.items():
                assert digest in (state_a[table], state_b[table]), (i, "during", table)
        _finish(_kumuh_run(root / "B", base))
        assert _state(base / "out") == state_b, (i, stages[-1])
    print(f"\n{kills} kills at stages: {stages}")


def test_second_run_waits_for_the_lock_or_times_out(inputs, tmp_path: Path) -> None:
    root, base_a, _, state_b, _ = inputs
    base = tmp_path / "lock"
    shutil.copytree(base_a, base, symlinks=True)
    lock_path = base / "wh" / "kumuh.lock"
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with lock.writer_lock(lock_path, timeout=0):
            held.set()
            release.wait(120)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)
    try:
        done = subprocess.run([str(KUMUH), "run", "--input", str(root / "B"),
                               "--out", str(base / "out"), "--warehouse",
                               str(base / "wh" / "kumuh.duckdb"), "--lock-timeout", "1"],
                              capture_output=True, text=True, timeout=300, env=ENV)
        assert done.returncode == 3
        assert "run lain masih berjalan" in done.stderr and "Traceback" not in done.stderr
        log = tmp_path / "wait.log"
        proc = _kumuh_run(root / "B", base, log=log)
        deadline = time.monotonic() + 120
        while "menunggu run lain selesai" not in log.read_text(errors="replace"):
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.2)
        # a BI reader keeps reading the published Parquet meanwhile, unblocked
        assert _table_digest(base / "out", "indikator_rt")
    finally:
        release.set()
        holder.join()
    _finish(proc)
    assert _state(base / "out") == state_b
