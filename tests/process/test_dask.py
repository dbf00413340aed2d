"""``kumuh run --runner dask``: the read tasks on a 2-worker Dask ``LocalCluster``, or on a
cluster of separately started ``dask scheduler`` / ``dask worker`` processes reached with
``--dask-address``, give the same published tables as the default runner.

Byte-identical Parquet files are impossible between two runs: every file carries its run id (in
the ``run_id`` column and the file metadata) and ``pengiriman.diproses_pada`` is the run's time.
So the test compares, for every published table, the Arrow schema (names, types, field
metadata) and every row with ``run_id``/``diproses_pada`` left out.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from transforms.spec import contract

ROOT = Path(__file__).resolve().parents[2]
KUMUH = Path(sys.executable).with_name("kumuh")
PER_RUN = {"run_id", "diproses_pada"}

pytestmark = pytest.mark.slow


def _run(prefect_api: dict, input_dir: Path, work: Path, *extra: str) -> Path:
    """One ``kumuh run`` process; returns its publish root."""
    out = work / "out"
    done = subprocess.run(
        [str(KUMUH), "run", "--input", str(input_dir), "--out", str(out),
         "--warehouse", str(work / "kumuh.duckdb"), *extra],
        env={**prefect_api, "KUMUH_WORKERS": "2"}, capture_output=True, text=True,
        timeout=600, cwd=work.parent)
    assert done.returncode == 0, done.stderr[-3000:]
    return out


def _files(out: Path, table: str) -> list[Path]:
    return sorted((out / table).resolve().rglob("*.parquet"))


def _rows(out: Path, table: str) -> list[tuple]:
    """Every row of a published table (per-run columns left out), in a canonical order."""
    files = [str(f) for f in _files(out, table)]
    con = duckdb.connect()
    try:
        rel = con.read_parquet(files, hive_partitioning=True)
        keep = [c for c in rel.columns if c not in PER_RUN]
        rows = rel.select(", ".join(f'"{c}"' for c in keep)).fetchall()
    finally:
        con.close()
    return sorted(rows, key=repr)


def _assert_same_tables(default: Path, dask: Path) -> None:
    """Every published table: the same files, schemas and rows (per-run columns left out)."""
    for table in contract.tables():
        a, b = _files(default, table), _files(dask, table)
        assert [f.relative_to((default / table).resolve()) for f in a] == [
            f.relative_to((dask / table).resolve()) for f in b], table
        for fa, fb in zip(a, b, strict=True):
            assert pq.read_schema(fa).equals(pq.read_schema(fb), check_metadata=False), fa
        rows = _rows(default, table)
        assert rows == _rows(dask, table), table
        assert rows or table == "temuan_validasi"


SAMPLE = ROOT / "data" / "sample"


@pytest.fixture(scope="module")
def default_out(tmp_path_factory, prefect_api: dict) -> Path:
    """The sample published by the default runner: what both Dask runs must publish too."""
    return _run(prefect_api, SAMPLE, tmp_path_factory.mktemp("default"))


def test_dask_runner_publishes_the_same_tables(tmp_path: Path, prefect_api: dict,
                                               default_out: Path) -> None:
    dask = _run(prefect_api, SAMPLE, tmp_path / "dask", "--runner", "dask")
    _assert_same_tables(default_out, dask)


@pytest.fixture
def dask_cluster(tmp_path: Path, prefect_api: dict) -> Iterator[str]:
    """A ``dask scheduler`` on a free loopback port and one single-threaded ``dask worker``,
    separate processes as an operator starts them; yields the scheduler address. The worker
    reports its task runs to the flow's Prefect server, as the README asks of remote workers."""
    from bench.cluster import dask_cluster

    with dask_cluster(tmp_path / "cluster", workers=1, env=prefect_api) as cluster:
        assert cluster.address.startswith("tcp://127.0.0.1:")
        yield cluster.address


def _finished_tasks(address: str) -> dict[str, tuple[int, int]]:
    """(finished, erred) counts of every task kind the scheduler has seen: what ran on the
    cluster, whose only worker is the one started above."""
    from distributed import Client

    def counts(dask_scheduler) -> dict[str, tuple[int, int]]:
        return {name: (p.state_counts["memory"], p.state_counts["erred"])
                for name, p in dask_scheduler.task_prefixes.items()}

    with Client(address, timeout=30) as client:
        return client.run_on_scheduler(counts)


def test_external_dask_cluster_publishes_the_same_tables(
        tmp_path: Path, prefect_api: dict, dask_cluster: str, default_out: Path) -> None:
    dask = _run(prefect_api, SAMPLE, tmp_path / "dask", "--runner", "dask",
                "--dask-address", dask_cluster)
    finished, erred = _finished_tasks(dask_cluster)["read_chunk"]
    assert finished >= 1 and erred == 0
    _assert_same_tables(default_out, dask)


def test_runner_setting_layers(tmp_path: Path) -> None:
    from flows.config import resolve

    settings, sources = resolve({}, env={"KUMUH_RUNNER": "dask",
                                         "KUMUH_DASK_ADDRESS": "tcp://10.0.0.5:8786"})
    assert (settings.runner, settings.dask_address) == ("dask", "tcp://10.0.0.5:8786")
    assert sources["runner"] == "$KUMUH_RUNNER"
    toml = tmp_path / "kumuh.toml"
    toml.write_text('[kumuh]\nrunner = "dask"\n')
    settings, sources = resolve({"runner": "local"}, config=toml, env={})
    assert settings.runner == "local" and sources["runner"] == "--runner"
    with pytest.raises(ValueError, match="runner"):
        resolve({}, env={"KUMUH_RUNNER": "spark"})
