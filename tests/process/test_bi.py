"""``<out>/kumuh.duckdb`` as a BI tool uses it: opened read-only while the pipeline rewrites it,
and from another machine where the publish folder is mounted elsewhere (the README's recipes for
DuckDB, Metabase, Superset, pandas and polars, run as written)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import copy_state
from transforms.indicators import progress
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


def test_views_have_contract_types_comments_and_the_published_folder(tmp_path: Path,
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
            if table in progress.TABLES:  # one year, no kawasan: nothing published yet
                assert not any((out / table).rglob("*.parquet")), table
                assert con.sql(f"SELECT count(*) FROM {table}").fetchall() == [(0,)]
                continue
            assert "current_setting('file_search_path')" in sql  # the reader's folder, or
            assert f"'{out.resolve()}'" in sql  # where kumuh published
            assert f"'/{table}/**/*.parquet'" in sql
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


README = Path(__file__).resolve().parents[2] / "README.md"
MOUNT = "/mnt/terbit"  # the README's stand-in for where the publish folder is mounted


def _recipes(mount: Path) -> str:
    """The README's "Reading the outputs" section with ``/mnt/terbit`` → ``mount``."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Reading the outputs", 1)[1].split("\n## ", 1)[0]
    assert MOUNT in section
    return section.replace(MOUNT, str(mount))


@pytest.fixture
def moved(tmp_path: Path, worked_example_run) -> Path:
    """The worked example's publish folder, moved after publishing (as if mounted on another
    machine): the folder kumuh wrote no longer exists."""
    out, _ = copy_state(worked_example_run[0], tmp_path / "server")
    bi.write_bi_database(out)
    mount = tmp_path / "analis" / "terbit"
    mount.parent.mkdir()
    shutil.move(out, mount)  # table links are relative: they move along
    return mount


def test_views_follow_the_folder_when_it_is_mounted_elsewhere(moved: Path) -> None:
    """Without a setting the view names the folder it looked in; with ``file_search_path``
    (DuckDB connect config, the Metabase Init SQL, a SET after ATTACH) every view reads."""
    path = moved / "kumuh.duckdb"
    with duckdb.connect(str(path), read_only=True) as con:
        with pytest.raises(duckdb.IOException, match="server/out/indikator_rt"):
            con.sql("SELECT count(*) FROM indikator_rt").fetchall()
        info = dict(con.sql("SELECT kunci, nilai FROM kumuh_info").fetchall())
        assert "file_search_path" in info["folder_lain"]
    section = _recipes(moved)
    init_sql = re.search(r"\*Init SQL\*\s+`([^`]+)`", section)[1]
    with duckdb.connect(str(path), read_only=True) as con:  # Metabase: Init SQL, then queries
        con.execute(init_sql)
        counts = {t: con.sql(f"SELECT count(*) FROM {t}").fetchall()[0][0]
                  for t in contract.tables()}
    assert counts["indikator_rt"] == 3 and counts["indikator_kabupaten"] == 1
    assert counts["pengiriman"] == 1
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{path}' AS kumuh (READ_ONLY)")
        con.execute(init_sql)
        assert con.sql("SELECT count(*) FROM kumuh.indikator_kelurahan").fetchall() == [(1,)]


def test_readme_recipes_run_as_written(moved: Path) -> None:
    """The README's Python blocks (DuckDB, pandas, polars) and its Superset settings
    (SQLAlchemy URI and engine parameters, through duckdb-engine) against a moved folder;
    ``tahun`` is an integer in pandas and polars."""
    import polars as pl
    import sqlalchemy as sa

    section = _recipes(moved)
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 2
    duck: dict = {}
    exec(blocks[0], duck)  # noqa: S102 - the documented recipe, run as an analyst would
    assert duck["kab"]["luas_kumuh_ha"].tolist() == [pytest.approx(4.15)]
    duck["con"].close()
    frames: dict = {}
    exec(blocks[1], frames)  # noqa: S102
    assert str(frames["kab"]["tahun"].dtype) == "int16"
    assert frames["kab"]["tahun"].tolist() == [2024]
    assert frames["kab_pl"].schema["tahun"] == pl.Int16
    assert len(frames["temuan"]) == 0 or "tahun" in frames["temuan"]
    uri = re.search(r"SQLAlchemy URI `([^`]+)`", section)[1]
    params = json.loads(re.search(r"Engine parameters\s+`([^`]+)`", section)[1])
    engine = sa.create_engine(uri, **params)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT kode_kelurahan, tahun, tingkat_kekumuhan "
                                        "FROM indikator_kelurahan")).fetchall()
    finally:
        engine.dispose()
    assert [tuple(r)[1:] for r in rows] == [(2024, "Kumuh Sedang")]  # spec §4 worked example


def test_the_views_are_built_once_and_again_when_the_tables_change(
        tmp_path: Path, worked_example_run) -> None:
    out, _ = copy_state(worked_example_run[0], tmp_path)

    def schema(path: Path) -> list[tuple]:
        with duckdb.connect(str(path), read_only=True) as con:
            return con.sql("SELECT table_name, column_name, data_type, comment "
                           "FROM duckdb_columns() ORDER BY ALL").fetchall()

    first = schema(bi.write_bi_database(out))
    templates = list(out.glob(bi.TEMPLATE.format(key="*")))
    assert len(templates) == 1
    built = templates[0].stat().st_mtime_ns
    assert schema(bi.write_bi_database(out)) == first  # the same views, from the kept build
    assert templates[0].stat().st_mtime_ns == built
    assert any(comment for *_, comment in first)
    # a table that had files and has none now is an empty typed view: built anew, old removed
    gone = out / "indikator_kabupaten"
    shutil.rmtree(gone.resolve())
    gone.unlink()
    again = schema(bi.write_bi_database(out))
    assert again == first  # same columns, types and comments
    assert [p.name for p in out.glob(bi.TEMPLATE.format(key="*"))] != [templates[0].name]
    assert len(list(out.glob(bi.TEMPLATE.format(key="*")))) == 1
    with duckdb.connect(str(out / bi.FILENAME), read_only=True) as con:
        assert con.sql("SELECT count(*) FROM indikator_kabupaten").fetchall() == [(0,)]
