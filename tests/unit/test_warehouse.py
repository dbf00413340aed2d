"""The warehouse applies a run in one transaction: all of it, or nothing (real DuckDB)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests import worked_example as ex
from tests.conftest import REFERENCE
from transforms.intake.inventory import MANIFEST_COLUMNS
from transforms.spec import contract, reference
from transforms.store import warehouse

NO_KELURAHAN = pd.DataFrame({"kode_kelurahan": pd.Series(dtype=object),
                             "tahun": pd.Series(dtype="int16")})


@pytest.fixture(scope="module")
def villages() -> pd.DataFrame:
    return reference.Reference(REFERENCE).villages


def _apply(con, villages: pd.DataFrame, rt: pd.DataFrame, run_id: str) -> pd.DataFrame:
    """One run's warehouse changes (RT rows, roll-up, files, run row), uncommitted."""
    groups = warehouse.store_rt(con, rt=rt, withdrawn=NO_KELURAHAN,
                                force_groups=warehouse.no_groups(), present=["a.xlsx"])
    warehouse.refresh_rollups(con, groups, villages)
    warehouse.store_files(
        con, groups, processed=pd.DataFrame(columns=MANIFEST_COLUMNS),
        temuan=pd.DataFrame(columns=contract.columns("temuan_validasi")), present=["a.xlsx"],
        withdrawn=NO_KELURAHAN, run={"run_id": run_id, "status": "disimpan"},
        state={"fingerprint": run_id})
    return groups


def _counts(con) -> dict[str, int]:
    return {t: warehouse.row_count(con, t)
            for t in ("indikator_rt", "indikator_kelurahan", "indikator_kabupaten",
                      "publish_queue", "runs", "state")}


def test_a_committed_run_stores_rows_rollups_queue_and_history(tmp_path: Path,
                                                              villages) -> None:
    con = warehouse.connect(tmp_path / "wh.duckdb")
    with warehouse.transaction(con):
        groups = _apply(con, villages, ex.rt_table(villages), "r1")
    assert groups.to_dict("records") == [{"tahun": 2024, "kode_kabupaten": "33.75"}]
    assert _counts(con) == {"indikator_rt": 3, "indikator_kelurahan": 1,
                            "indikator_kabupaten": 1, "publish_queue": 1, "runs": 1, "state": 1}
    assert warehouse.pending_groups(con).to_dict("records") == groups.to_dict("records")
    assert warehouse.get_state(con, "fingerprint") == "r1"
    con.close()


def test_the_writer_keeps_its_memory_limit_after_storing_rt_rows(tmp_path: Path,
                                                                 villages) -> None:
    con = warehouse.connect(tmp_path / "wh.duckdb")

    def limit() -> str:
        return con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]

    before = limit()
    with warehouse.transaction(con):
        _apply(con, villages, ex.rt_table(villages), "r1")
    assert limit() == before  # raised for the RT insert only
    assert warehouse.row_count(con, "indikator_rt") == 3
    con.close()


def _opened_elsewhere(path: Path) -> bool:
    """Whether another process can open the warehouse file (DuckDB's lock is free)."""
    probe = f"import duckdb; duckdb.connect({str(path)!r}).close()"
    return subprocess.run([sys.executable, "-c", probe], capture_output=True).returncode == 0


def test_a_held_warehouse_is_opened_once_and_each_step_gets_a_cursor_of_it(
        tmp_path: Path, villages) -> None:
    path = tmp_path / "wh.duckdb"
    warehouse.connect(path).close()
    with warehouse.held_open(path):
        assert not _opened_elsewhere(path)  # held open by this process from the start
        con = warehouse.connect(path)
        with warehouse.transaction(con):
            _apply(con, villages, ex.rt_table(villages), "r1")
        con.close()  # a step's cursor: the database stays open
        with warehouse.held_open(path):  # a nested hold is the outer one
            pass
        assert not _opened_elsewhere(path)
        # a read-only connection in the same process (refused by DuckDB beside an open
        # writer of another configuration) is a cursor too, seeing what was committed
        reader = warehouse.connect(path, read_only=True)
        assert warehouse.row_count(reader, "indikator_rt") == 3
        reader.close()
    assert _opened_elsewhere(path)  # closed with the block
    con = warehouse.connect(path)
    assert warehouse.row_count(con, "indikator_rt") == 3  # durable after the close
    con.close()


def test_a_failure_inside_the_transaction_leaves_nothing_behind(tmp_path: Path,
                                                                villages) -> None:
    con = warehouse.connect(tmp_path / "wh.duckdb")
    with pytest.raises(RuntimeError, match="mati"), warehouse.transaction(con):
        _apply(con, villages, ex.rt_table(villages), "r1")
        raise RuntimeError("mati di tengah run")
    assert set(_counts(con).values()) == {0}
    assert warehouse.get_state(con, "fingerprint") is None
    con.close()


def test_the_same_workbook_again_changes_no_group_a_new_one_replaces_it(tmp_path: Path,
                                                                       villages) -> None:
    con = warehouse.connect(tmp_path / "wh.duckdb")
    with warehouse.transaction(con):
        _apply(con, villages, ex.rt_table(villages), "r1")
    with warehouse.transaction(con):
        assert _apply(con, villages, ex.rt_table(villages, run_id="r2"), "r2").empty
    with warehouse.transaction(con):
        groups = _apply(con, villages, ex.rt_table(villages, run_id="r3", sha256="b" * 64), "r3")
    assert len(groups) == 1
    assert warehouse.published_sha(con)["sha256"].tolist() == ["b" * 64]
    assert warehouse.row_count(con, "indikator_rt") == 3
    con.close()


def test_the_same_rt_rows_roll_up_to_the_same_bits_whatever_order_they_are_stored_in(
        tmp_path: Path, villages) -> None:
    # 0.1 + 0.2 + 0.3 is 0.6000000000000001 in doubles, 0.3 + 0.2 + 0.1 is 0.6: a sum in
    # storage order would publish either, depending on the warehouse's history
    rt = ex.rt_table(villages).assign(luas_ha=[0.1, 0.2, 0.3])
    rolled = []
    for name, rows in (("forward", rt), ("reversed", rt.iloc[::-1].reset_index(drop=True))):
        con = warehouse.connect(tmp_path / f"{name}.duckdb")
        with warehouse.transaction(con):
            _apply(con, villages, rows, "r1")
        stored = con.sql("SELECT luas_ha FROM indikator_rt").fetchall()
        rolled.append((stored, {t: con.sql(f"SELECT * FROM {t}").df()
                                for t in ("indikator_kelurahan", "indikator_kecamatan",
                                          "indikator_kabupaten")}))
        con.close()
    (forward_rows, forward), (reversed_rows, backward) = rolled
    assert forward_rows != reversed_rows  # the two warehouses do hold them in other orders
    for table, frame in forward.items():
        pd.testing.assert_frame_equal(frame, backward[table], check_exact=True, obj=table)
    assert forward["indikator_kelurahan"]["luas_ha"].tolist() == [0.6000000000000001]
