"""The DuckDB warehouse: the published tables plus run history, changed in one transaction.

``indikator_rt`` is the store of record: a kelurahan-year's rows are replaced only when a new
workbook for it is accepted, so a rejected or vanished workbook never removes what was
published before. The roll-ups are recomputed from it; ``temuan_validasi`` and ``pengiriman``
hold the latest run, and ``riwayat_temuan``/``riwayat_pengiriman``/``runs`` keep every run.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from transforms import contract, rollup

HISTORY = {"riwayat_temuan": "temuan_validasi", "riwayat_pengiriman": "pengiriman"}

RUNS_DDL = """
CREATE TABLE IF NOT EXISTS runs (
  run_id VARCHAR PRIMARY KEY, mulai TIMESTAMPTZ, selesai TIMESTAMPTZ, input VARCHAR,
  jumlah_workbook INTEGER, diterima INTEGER, ditolak INTEGER, duplikat INTEGER,
  digantikan INTEGER, jumlah_rt_diterbitkan BIGINT, versi_aturan VARCHAR,
  edisi_referensi VARCHAR, versi_kumuh VARCHAR)
"""


def _ddl(name: str, table: str) -> str:
    cols = ", ".join(f"{c.name} {contract.duckdb_type(c)}" for c in contract.tables()[table])
    return f"CREATE TABLE IF NOT EXISTS {name} ({cols})"


def connect(path: Path) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the warehouse file with every table of the contract."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    for table in contract.tables():
        con.execute(_ddl(table, table))
    for name, table in HISTORY.items():
        con.execute(_ddl(name, table))
    con.execute(RUNS_DDL)
    return con


def _insert(con: duckdb.DuckDBPyConnection, name: str, table: str, frame: pd.DataFrame) -> None:
    cols = contract.columns(table)
    con.register("_incoming", frame[cols])
    con.execute(f"INSERT INTO {name} ({', '.join(cols)}) SELECT {', '.join(cols)} "
                "FROM _incoming")
    con.unregister("_incoming")


def _replace(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    con.execute(f"DELETE FROM {table}")
    _insert(con, table, table, frame)


def store_run(con: duckdb.DuckDBPyConnection, *, villages: pd.DataFrame, rt: pd.DataFrame,
              temuan: pd.DataFrame, pengiriman: pd.DataFrame, run: dict[str, object]) -> None:
    """Apply one run atomically: replace the kelurahan-years of ``rt`` in ``indikator_rt``,
    recompute the roll-ups, set the latest findings/submissions and append the history."""
    con.execute("BEGIN TRANSACTION")
    try:
        if len(rt):
            keys = rt[["kode_kelurahan", "tahun"]].drop_duplicates()
            con.register("_keys", keys)
            con.execute("DELETE FROM indikator_rt WHERE (kode_kelurahan, tahun) IN "
                        "(SELECT (kode_kelurahan, tahun) FROM _keys)")
            con.unregister("_keys")
            _insert(con, "indikator_rt", "indikator_rt", rt)
        rollup.register_reference(con, villages)
        _replace(con, "indikator_kelurahan", rollup.kelurahan(con))
        for level in ("kecamatan", "kabupaten"):
            _replace(con, f"indikator_{level}", rollup.region(con, level))
        _replace(con, "temuan_validasi", temuan)
        _replace(con, "pengiriman", pengiriman)
        _insert(con, "riwayat_temuan", "temuan_validasi", temuan)
        _insert(con, "riwayat_pengiriman", "pengiriman", pengiriman)
        con.execute(f"INSERT INTO runs ({', '.join(run)}) VALUES "
                    f"({', '.join('?' for _ in run)})", list(run.values()))
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def table_query(table: str) -> str:
    """SQL that reads a published table in contract order, sorted by codes then year."""
    cols = contract.columns(table)
    order = [c for c in ("kode_kabupaten", "kode_kecamatan", "kode_kelurahan", "rw", "rt",
                         "tahun", "sumber_file", "baris", "kolom", "aturan") if c in cols]
    return f"SELECT {', '.join(cols)} FROM {table} ORDER BY {', '.join(order)}"
