"""The warehouse's run history and what stands now, for operators: a run's row opened and
closed, what is held back and found now, whether a kelurahan-year is published, and the queries
behind ``kumuh status``. Every query here is plain SQL on the tables of
:mod:`transforms.store.warehouse`.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from transforms.store import warehouse


def begin_run(con: duckdb.DuckDBPyConnection, run_id: str, started: object, scope: str,
              input_dir: str) -> None:
    """Record a run as started (``berjalan``), committed at once, so a run that is killed or
    fails stays visible in the history (``kumuh status``)."""
    con.execute("INSERT OR REPLACE INTO runs (run_id, mulai, lingkup, input, status) "
                "VALUES (?, ?, ?, ?, 'berjalan')", [run_id, started, scope, input_dir])


def end_run(con: duckdb.DuckDBPyConnection, run_id: str, status: str,
            note: str | None = None) -> None:
    """Close a run that did not store anything: ``gagal``, ``dihentikan``, ``masukan_kosong``."""
    con.execute("UPDATE runs SET status = ?, selesai = now(), keterangan = ? "
                "WHERE run_id = ?", [status, note, run_id])


def current_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """What is outstanding now, over all runs: workbooks held back (``ditolak``) and the
    current findings by ``error``/``warning``."""
    held = con.execute("SELECT count(*) FROM pengiriman WHERE status = 'ditolak'").fetchone()
    found = dict(con.execute("SELECT tingkat, count(*) FROM temuan_validasi "
                             "GROUP BY tingkat").fetchall())
    return {"ditolak": int(held[0]), "error": int(found.get("error", 0)),
            "warning": int(found.get("warning", 0))}


def publishes(path: Path, kode_kelurahan: str, tahun: int) -> bool:
    """Whether the warehouse at ``path`` holds published RT rows of this kelurahan-year (for
    ``kumuh withdraw``); False for a missing warehouse or one no run has filled yet."""
    if not path.exists():
        return False
    con = warehouse.connect(path, read_only=True)
    try:
        return bool(con.execute("SELECT count(*) FROM indikator_rt WHERE kode_kelurahan = ? "
                                "AND tahun = ?", [kode_kelurahan, tahun]).fetchone()[0])
    except duckdb.CatalogException:
        return False
    finally:
        con.close()


def recent_runs(con: duckdb.DuckDBPyConnection, last: int, where: str = "TRUE"
                ) -> list[tuple]:
    """The ``last`` runs matching ``where``, newest first: run_id, start, seconds, scope,
    new, changed, unchanged, rejected, vanished, RT rows replaced, groups published, status,
    note (why it failed)."""
    cols = {c[0] for c in con.execute("DESCRIBE runs").fetchall()}
    note = "keterangan" if "keterangan" in cols else "NULL"  # a read-only older warehouse
    return con.execute(
        "SELECT run_id, mulai, round(epoch(selesai) - epoch(mulai), 1), lingkup, baru, "
        "berubah, tidak_berubah, ditolak, hilang, rt_diganti, grup_diterbitkan, status, "
        f"{note} FROM runs WHERE {where} ORDER BY run_id DESC LIMIT ?", [last]).fetchall()


#: Filters of :func:`recent_runs`: runs that did not finish, and withdrawals.
UNFINISHED = "status IN ('berjalan', 'gagal', 'dihentikan')"
WITHDRAWALS = "lingkup LIKE 'tarik %'"


def rejected_by_kabupaten(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int, str]]:
    """(kabupaten code or '?', number of rejected files, their names) per kabupaten."""
    return con.execute(
        "SELECT coalesce(substr(p.kode_kelurahan, 1, 5), '?') AS kab, "
        "count(*) AS n, string_agg(p.sumber_file, '; ' ORDER BY p.sumber_file) "
        "FROM pengiriman p WHERE p.status = 'ditolak' GROUP BY kab ORDER BY kab").fetchall()


def kabupaten_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Name of every kabupaten published in ``indikator_kabupaten``, by code."""
    return dict(con.execute("SELECT DISTINCT kode_kabupaten, nama_kabupaten "
                            "FROM indikator_kabupaten").fetchall())
