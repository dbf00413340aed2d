"""``<out>/kumuh.duckdb`` as a BI tool uses it: opened read-only while the pipeline rewrites it."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import copy_state
from transforms.publish import bi
from transforms.sample import truth, workbooks
from transforms.spec import contract

pytestmark = pytest.mark.slow

READER = r"""
import json, sys, time
from pathlib import Path
import duckdb
path, ready, go = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
con = duckdb.connect(path, read_only=True)
def state():
    rt = con.sql("SELECT count(*), min(tahun) FROM indikator_rt").fetchall()[0]
    run = con.sql("SELECT nilai FROM kumuh_info WHERE kunci = 'run_id'").fetchall()[0][0]
    return {"rt": rt[0], "tahun": rt[1], "run_id": run}
before = state()
ready.write_text("ok")
deadline = time.monotonic() + 240
polls = 0
while not go.exists() and time.monotonic() < deadline:
    state()
    polls += 1
    time.sleep(0.05)
print(json.dumps({"before": before, "after": state(), "polls": polls}))
con.close()
"""


def _canonical(duckdb_type: str) -> str:
    return {"TIMESTAMPTZ": "TIMESTAMP WITH TIME ZONE"}.get(duckdb_type, duckdb_type)


def _workbook(folder: Path, name: str, kode: str, nama: str) -> None:
    identity, rts = truth.worked_example()
    identity = {**identity, "kode_kelurahan": kode, "kelurahan": nama}
    workbooks.write_workbook(folder / name, identity, rts, truth.Layout())


def _wait_for(path: Path, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "reader did not start"
        time.sleep(0.05)


def test_reader_keeps_working_while_the_file_is_replaced(tmp_path: Path, worked_example_run,
                                                         run_flow) -> None:
    inbox = tmp_path / "in"
    base, first = worked_example_run  # in/a.xlsx: Podosugih, consolidated once
    out, wh = copy_state(base, tmp_path)
    path = bi.write_bi_database(out)
    assert path == out.resolve() / "kumuh.duckdb"

    ready, go = tmp_path / "ready", tmp_path / "go"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(path), str(ready), str(go)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(ready, reader)
        _workbook(inbox, "b.xlsx", "33.75.01.1002", "Medono")
        second, _, _ = run_flow(inbox, out=out, warehouse=wh)
        inode = path.stat().st_ino
        writer = duckdb.connect(str(wh))  # the warehouse write lock is held meanwhile
        try:
            assert bi.write_bi_database(out) == path
        finally:
            writer.close()
        assert path.stat().st_ino != inode, "the file must be replaced, not written in place"
    finally:
        go.write_text("go")
        stdout, stderr = reader.communicate(timeout=60)
    assert reader.returncode == 0, stderr
    seen = json.loads(stdout)
    assert seen["polls"] > 0
    assert seen["before"] == {"rt": 3, "tahun": 2024, "run_id": first["run_id"]}
    # The old connection keeps its (old) file: same views, which read the switched links.
    assert seen["after"] == {"rt": 6, "tahun": 2024, "run_id": first["run_id"]}

    fresh = duckdb.connect(str(path), read_only=True)
    try:
        info = dict(fresh.sql("SELECT kunci, nilai FROM kumuh_info").fetchall())
        assert info["run_id"] == second["run_id"] != first["run_id"]
        assert info["contract_version"] == contract.CONTRACT_VERSION
        assert fresh.sql("SELECT count(*) FROM indikator_rt").fetchall() == [(6,)]
    finally:
        fresh.close()
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def test_views_have_contract_types_comments_and_absolute_paths(tmp_path: Path,
                                                               worked_example_run,
                                                               monkeypatch) -> None:
    out, _ = copy_state(worked_example_run[0], tmp_path)  # in/a.xlsx: Podosugih
    path = bi.write_bi_database(out)
    monkeypatch.chdir(tmp_path)  # a reader elsewhere: views must not depend on the cwd
    con = duckdb.connect(str(path), read_only=True)
    try:
        for table, columns in contract.tables().items():
            got = con.sql(f"SELECT column_name, data_type, comment FROM duckdb_columns() "
                          f"WHERE table_name = '{table}' ORDER BY column_index").fetchall()
            assert [(n, t) for n, t, _ in got] == [(c.name, _canonical(contract.duckdb_type(c)))
                                                   for c in columns], table
            assert all(c.description_id in comment for c, (_, _, comment)
                       in zip(columns, got, strict=True))
            sql = con.sql(f"SELECT sql FROM duckdb_views() WHERE view_name = '{table}'"
                          ).fetchall()[0][0]
            assert f"'{out.resolve() / table}/**/*.parquet'" in sql
        assert con.sql("SELECT count(*) FROM pengiriman").fetchall() == [(1,)]
    finally:
        con.close()


def test_a_table_without_files_is_an_empty_typed_view(tmp_path: Path) -> None:
    path = bi.write_bi_database(tmp_path)
    con = duckdb.connect(str(path), read_only=True)
    try:
        assert con.sql("SELECT count(*) FROM indikator_kabupaten").fetchall() == [(0,)]
        types = dict(con.sql("SELECT column_name, data_type FROM duckdb_columns() "
                             "WHERE table_name = 'indikator_rt'").fetchall())
        assert types["tahun"] == "SMALLINT" and types["nilai_1a"] == "TINYINT"
    finally:
        con.close()
