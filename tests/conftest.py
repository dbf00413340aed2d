"""Shared fixtures: a Prefect test harness for the whole session and flow-run helpers."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "reference" / "wilayah"


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect server and database for every flow run of the session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


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
