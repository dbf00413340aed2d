"""``kumuh run --runner dask``: the read tasks on a 2-worker Dask ``LocalCluster`` give the same
published tables as the default runner.

Byte-identical Parquet files are impossible between two runs: every file carries its run id (in
the ``run_id`` column and the file metadata) and ``pengiriman.diproses_pada`` is the run's time.
So the test compares, for every published table, the Arrow schema (names, types, field
metadata) and every row with ``run_id``/``diproses_pada`` left out.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from transforms.spec import contract

ROOT = Path(__file__).resolve().parents[1]
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


def test_dask_runner_publishes_the_same_tables(tmp_path: Path, prefect_api: dict) -> None:
    input_dir = ROOT / "data" / "sample"
    default = _run(prefect_api, input_dir, tmp_path / "default")
    dask = _run(prefect_api, input_dir, tmp_path / "dask", "--runner", "dask")
    for table in contract.tables():
        a, b = _files(default, table), _files(dask, table)
        assert [f.relative_to((default / table).resolve()) for f in a] == [
            f.relative_to((dask / table).resolve()) for f in b], table
        for fa, fb in zip(a, b, strict=True):
            assert pq.read_schema(fa).equals(pq.read_schema(fb), check_metadata=False), fa
        rows = _rows(default, table)
        assert rows == _rows(dask, table), table
        assert rows or table == "temuan_validasi"


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
