"""The DuckDB warehouse: published tables, the input manifest and run history, each run applied
in one transaction.

``indikator_rt`` is the store of record: a kelurahan-year's rows are replaced only when a
different workbook for it is accepted, so a rejected or vanished workbook never removes what
was published before (only ``kumuh withdraw`` does). Roll-ups are recomputed for the
(tahun, kode_kabupaten) groups a run touched, the progress tables (spec §7) for every year of
the kabupaten touched, and the groups to republish are queued per table in the same transaction
(a roll-up group for the four ``indikator_*`` tables, a progress group only for the table whose
rows changed), so a crash between the commit and the Parquet switch is repaired by the next
run. ``temuan_validasi`` holds the current findings of every known file, ``pengiriman`` the
current status of every present file; ``riwayat_*`` and ``runs`` keep the history.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from transforms.indicators import progress, rollup
from transforms.intake import inventory
from transforms.spec import contract
from transforms.store.lock import LockTimeout

HISTORY = {"riwayat_temuan": "temuan_validasi", "riwayat_pengiriman": "pengiriman"}
#: Marker in publish_queue for the two flat tables (temuan_validasi, pengiriman).
FLAT = "*"
#: The tables a queued roll-up group (``tabel`` empty) republishes.
ROLLUP_TABLES = tuple(t for t in contract.PARTITIONED if t not in progress.TABLES)

DDL = [
    """CREATE TABLE IF NOT EXISTS runs (
      run_id VARCHAR PRIMARY KEY, mulai TIMESTAMPTZ, selesai TIMESTAMPTZ, lingkup VARCHAR,
      input VARCHAR, workbook_ada INTEGER, dibaca INTEGER, baru INTEGER, berubah INTEGER,
      tidak_berubah INTEGER, hilang INTEGER, diterima INTEGER, ditolak INTEGER,
      duplikat INTEGER, digantikan INTEGER, rt_diganti BIGINT, grup_diterbitkan INTEGER,
      baris_per_tabel VARCHAR, versi_aturan VARCHAR, edisi_referensi VARCHAR,
      versi_kumuh VARCHAR, status VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS manifest (
      sumber_file VARCHAR PRIMARY KEY, size BIGINT, mtime_ns BIGINT, sha256 VARCHAR,
      kode_kelurahan VARCHAR, tahun SMALLINT, tanggal_pendataan DATE, status VARCHAR,
      error_validasi BOOLEAN, jumlah_error INTEGER, jumlah_warning INTEGER, run_id VARCHAR,
      diproses_pada TIMESTAMPTZ, ada BOOLEAN)""",
    """CREATE TABLE IF NOT EXISTS publish_queue (tahun SMALLINT, kode_kabupaten VARCHAR,
      run_id VARCHAR, tabel VARCHAR)""",
    # a queue written before the progress tables: its groups are roll-up groups
    "ALTER TABLE publish_queue ADD COLUMN IF NOT EXISTS tabel VARCHAR",
    "CREATE TABLE IF NOT EXISTS state (key VARCHAR PRIMARY KEY, value VARCHAR)",
    # why a run failed (warehouses made before this column get it on their next run)
    "ALTER TABLE runs ADD COLUMN IF NOT EXISTS keterangan VARCHAR",
]


#: The history tables for the data dictionary: table → (what one row is (id, en), column →
#: (id, en)); ``riwayat_*`` have their published table's columns.
HISTORY_DOC: dict[str, tuple[tuple[str, str], dict[str, tuple[str, str]]]] = {
    "runs": (("satu baris per run (nightly, rerun, penarikan)", "one row per run"), {
        "run_id": ("ID run (waktu mulai UTC + akhiran acak)", "Run id (UTC start + suffix)"),
        "mulai": ("Waktu mulai", "Start time"),
        "selesai": ("Waktu selesai menyimpan ke warehouse", "When the run was stored"),
        "lingkup": ("Lingkup run: semua, atau kabupaten/kecamatan/kelurahan/tahun",
                    "Scope of the run"),
        "input": ("Folder masukan", "Input folder"),
        "workbook_ada": ("Workbook yang ada di folder masukan", "Workbooks present"),
        "dibaca": ("Workbook yang dibaca run ini", "Workbooks read"),
        "baru": ("Workbook baru", "New workbooks"),
        "berubah": ("Workbook yang berubah sejak run sebelumnya", "Changed workbooks"),
        "tidak_berubah": ("Workbook yang tidak berubah (tidak dibaca)", "Unchanged workbooks"),
        "hilang": ("Workbook yang hilang dari folder masukan", "Workbooks gone from the input"),
        "diterima": ("Workbook diterima", "Workbooks accepted"),
        "ditolak": ("Workbook ditolak", "Workbooks rejected"),
        "duplikat": ("Salinan persis workbook lain", "Byte-identical copies"),
        "digantikan": ("Workbook yang digantikan versi lebih baru", "Workbooks superseded"),
        "rt_diganti": ("Baris RT yang diterbitkan ulang", "RT rows replaced"),
        "grup_diterbitkan": ("Kelompok kabupaten-tahun yang diterbitkan ulang",
                             "Kabupaten-year groups republished"),
        "baris_per_tabel": ("Cadangan: jumlah baris per tabel terbitan (belum diisi)",
                            "Reserved: rows per published table (not filled yet)"),
        "versi_aturan": ("Versi aturan penilaian", "Scoring rules version"),
        "edisi_referensi": ("Edisi daftar wilayah", "Region list edition"),
        "versi_kumuh": ("Versi perangkat lunak", "Software version"),
        "status": ("berjalan, lalu disimpan (di warehouse) dan diterbitkan (Parquet terbit); "
                   "atau gagal, dihentikan, masukan_kosong",
                   "running, then stored and published; or failed, stopped, empty input"),
        "keterangan": ("Mengapa run gagal atau dihentikan (kosong bila selesai)",
                       "Why the run failed or was stopped (empty when it completed)"),
    }),
    "riwayat_temuan": (("setiap temuan setiap run, seperti ditulis run itu (lihat run_id)",
                        "every finding of every run, as that run wrote it"), {}),
    "riwayat_pengiriman": (("setiap workbook yang dibaca setiap run dan statusnya saat itu",
                            "every workbook each run read, with its status then"), {}),
}


def _ddl(name: str, table: str) -> str:
    cols = ", ".join(f"{c.name} {contract.duckdb_type(c)}" for c in contract.tables()[table])
    return f"CREATE TABLE IF NOT EXISTS {name} ({cols})"


#: DuckDB buffer pool of the writer (the flow's own frames need the rest of the budget).
MEMORY_LIMIT = "512MB"
#: DuckDB's memory limit while a run's RT rows are inserted: under ~2 GB DuckDB inserts a
#: national run's 495,000 rows on one thread (1.15 s), with it on every core (0.8 s) for ~80 MB
#: more, which stays below the run's peak (the end of reading, reader processes alive).
RT_INSERT_MEMORY_LIMIT = "2GB"


#: Warehouses this process holds open (resolved path → the connection kept open by
#: :func:`held_open`): there, :func:`connect` gives a cursor of the open database.
_HELD: dict[Path, duckdb.DuckDBPyConnection] = {}


@contextmanager
def held_open(path: Path, *, wait: float | None = 0.0,
              on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Keep the warehouse open in this process while the block runs (a command's or a flow
    run's steps): each :func:`connect` of it inside is then a cursor of the open database,
    ~0.1 ms instead of opening the file (~50 ms for a national warehouse, and a checkpoint at
    every close). Opened as :func:`connect` does (waiting up to ``wait`` for another program
    to let go of it); closed, with its checkpoint, when the block ends. Nested holds of the
    same file are the outer one."""
    key = Path(path).resolve()
    if key in _HELD:
        yield
        return
    con = connect(path, wait=wait, on_wait=on_wait)
    _HELD[key] = con
    try:
        yield
    finally:
        del _HELD[key]
        con.close()


def connect(path: Path, read_only: bool = False, *, wait: float | None = 0.0,
            on_wait: Callable[[str], None] | None = None) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the warehouse with every contract table and the bookkeeping.

    DuckDB lets one process write a database file, and none while another process has it
    open, even read-only (an analyst's session). Then the writer waits up to ``wait`` seconds
    (None: as long as it takes), calling ``on_wait`` once with who holds the file, and raises
    LockTimeout naming the holder when the time is up. Inside :func:`held_open` of the file,
    a cursor of the open database (its own connection, for one thread; ``read_only`` then
    reads what the process may also write)."""
    if _HELD:
        held = _HELD.get(Path(path).resolve())
        if held is not None:
            return held.cursor()
    if read_only:
        return duckdb.connect(str(path), read_only=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = None if wait is None else time.monotonic() + wait
    told = False
    while True:
        try:
            # A bounded buffer pool: DuckDB writes a national load's blocks out instead of
            # keeping them all in memory beside the run's frames (peak RSS of the flow).
            con = duckdb.connect(str(path), config={"memory_limit": MEMORY_LIMIT})
            break
        except duckdb.IOException as exc:
            holder = held_by(exc)
            if holder is None:
                raise
            if deadline is not None and time.monotonic() >= deadline:
                raise LockTimeout(
                    f"warehouse {path} masih dibuka program lain ({holder}) setelah "
                    f"{wait:g} detik; tutup program itu lalu jalankan lagi (untuk membaca "
                    "data, pakai <folder terbit>/kumuh.duckdb atau Parquet-nya)") from None
            if not told and on_wait:
                on_wait(f"warehouse {path} sedang dibuka program lain ({holder})")
                told = True
            time.sleep(0.5)
    for table in contract.tables():
        con.execute(_ddl(table, table))
    for name, table in HISTORY.items():
        con.execute(_ddl(name, table))
    for ddl in DDL:
        con.execute(ddl)
    return con


def held_by(exc: duckdb.IOException) -> str | None:
    """Who holds the database file, from DuckDB's lock-conflict error (``python3.11, PID
    1234``); None when ``exc`` is another I/O error."""
    text = str(exc)
    if "lock" not in text.lower():
        return None
    found = re.search(r"held in (\S+) \(PID (\d+)\)", text)
    return f"{Path(found[1]).name}, PID {found[2]}" if found else "proses lain"


def manifest(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every known input file as last processed (``ada`` = present at the last run)."""
    return con.sql(f"SELECT {', '.join(inventory.MANIFEST_COLUMNS)}, ada FROM manifest "
                   "ORDER BY sumber_file").df()


def vanished_files(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """``sumber_file, kode_kelurahan, tahun`` of the known files gone from the input folder
    (for the clerk's report: a deleted workbook is shown under its kelurahan)."""
    return con.sql("SELECT sumber_file, kode_kelurahan, tahun FROM manifest WHERE NOT ada "
                   "ORDER BY sumber_file").df()


def get_state(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    rows = con.execute("SELECT value FROM state WHERE key = ?", [key]).fetchall()
    return rows[0][0] if rows else None


def pending_groups(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """(tahun, kode_kabupaten) groups committed but not yet published (after a crash)."""
    return con.sql("SELECT DISTINCT tahun, kode_kabupaten FROM publish_queue").df()


def pending_by_table(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    """Per partitioned table, its queued (tahun, kode_kabupaten) groups, sorted: the roll-up
    groups for the ``indikator_*`` tables, each progress table's own groups for it."""
    queued = con.sql("SELECT DISTINCT tahun, kode_kabupaten, tabel FROM publish_queue "
                     f"WHERE kode_kabupaten <> '{FLAT}' ORDER BY tahun, kode_kabupaten").df()
    return {name: queued.loc[queued["tabel"].isna() if name in ROLLUP_TABLES
                             else queued["tabel"] == name, ["tahun", "kode_kabupaten"]]
            .drop_duplicates().reset_index(drop=True) for name in contract.PARTITIONED}


def published_sha(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """kode_kelurahan, tahun, sha256, sumber_file of what indikator_rt publishes now."""
    return con.sql("SELECT DISTINCT kode_kelurahan, tahun, sha256, sumber_file "
                   "FROM indikator_rt").df()


def _insert(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame | pa.Table,
            cols: list[str]) -> None:
    if len(frame) == 0:
        return
    # as Arrow: DuckDB scans an Arrow table in parallel, a pandas frame ~1.5x slower (a
    # national run's RT rows: 1.4 -> 0.95 s); missing values are NULL either way. ``data`` is
    # read by DuckDB's replacement scan of this local, not registered: a registered table stays
    # referenced by the connection until the transaction ends (a national run's RT rows alive
    # through the roll-up and the progress tables)
    data = (pa.Table.from_pandas(frame, preserve_index=False)  # noqa: F841 (scanned)
            if isinstance(frame, pd.DataFrame) else frame)
    con.execute(f"INSERT INTO {name} ({', '.join(cols)}) SELECT {', '.join(cols)} "
                "FROM data")


@contextmanager
def _memory_limit(con: duckdb.DuckDBPyConnection, limit: str) -> Iterator[None]:
    """DuckDB's memory limit at ``limit`` inside the block, then back at :data:`MEMORY_LIMIT`
    (the writer's own)."""
    con.execute(f"SET memory_limit = '{limit}'")
    try:
        yield
    finally:
        con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")


def _delete_keys(con: duckdb.DuckDBPyConnection, table: str, keys: pd.DataFrame) -> None:
    if keys.empty:
        return
    cols = list(keys.columns)
    con.register("_keys", keys.drop_duplicates())
    con.execute(f"DELETE FROM {table} WHERE ({', '.join(cols)}) IN "
                f"(SELECT ({', '.join(cols)}) FROM _keys)")
    con.unregister("_keys")


def refresh_rollups(con: duckdb.DuckDBPyConnection, groups: pd.DataFrame,
                    villages: pd.DataFrame) -> None:
    """Recompute ``indikator_kelurahan``/``_kecamatan``/``_kabupaten`` of the (tahun,
    kode_kabupaten) ``groups`` from ``indikator_rt`` (inside the run's transaction)."""
    if groups.empty:
        return
    # the villages of the groups' kabupaten only: every level's names and reference counts
    # of a kabupaten-year come from its own villages (a scan of 83,000 for two is not free)
    rollup.register_reference(con, villages[villages["kode_kabupaten"].isin(
        groups["kode_kabupaten"])])
    con.register("_groups", groups)
    rollup.ordered_rt(con, "indikator_rt r JOIN _groups g USING (tahun, kode_kabupaten)",
                      "rt_scope")
    with rollup.one_thread(con):  # the same rows give the same bits (rollup.ordered_rt)
        frames = {"kelurahan": rollup.kelurahan(con, "rt_scope"),
                  "kecamatan": rollup.region(con, "kecamatan", "rt_scope"),
                  "kabupaten": rollup.region(con, "kabupaten", "rt_scope")}
    for level, frame in frames.items():
        table = f"indikator_{level}"
        _delete_keys(con, table, groups)
        _insert(con, table, frame, contract.columns(table))
    con.execute("DROP TABLE rt_scope")
    con.unregister("_groups")


def refresh_progress(con: duckdb.DuckDBPyConnection, groups: pd.DataFrame,
                     force_groups: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Recompute the progress tables (spec §7) for every year of the kabupaten of the
    (tahun, kode_kabupaten) ``groups`` (inside the run's transaction, after the roll-ups);
    per progress table, the groups to republish: those whose rows changed, and the forced
    ones."""
    changed = progress.refresh(con, groups)
    return {table: pd.concat([rows, force_groups], ignore_index=True).drop_duplicates()
            for table, rows in changed.items()}


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """One run's changes applied together: committed at the end, rolled back on any failure
    (an interrupt too), so readers never see half a run."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def store_rt(con: duckdb.DuckDBPyConnection, *, rt: pd.DataFrame, withdrawn: pd.DataFrame,
             force_groups: pd.DataFrame, present: list[str]) -> pd.DataFrame:
    """Apply a run's RT rows; the (tahun, kode_kabupaten) groups whose roll-ups must be
    recomputed and republished.

    ``rt``: accepted RT rows (replacing their kelurahan-years unless the same sha is already
    published); ``withdrawn``: kelurahan-years to remove (their rows, and the manifest rows and
    findings of their files no longer among ``present``); ``force_groups``: groups to
    recompute and republish whatever happened.
    """
    groups = _apply_rt(con, rt, withdrawn, present)
    return pd.concat([groups, force_groups], ignore_index=True).drop_duplicates()


def store_files(con: duckdb.DuckDBPyConnection, groups: pd.DataFrame, *,
                processed: pd.DataFrame, temuan: pd.DataFrame, present: list[str],
                withdrawn: pd.DataFrame, run: dict[str, object], state: dict[str, str],
                progress_groups: dict[str, pd.DataFrame] | None = None) -> None:
    """Apply a run's files and findings, queue ``groups`` (for the roll-up tables) and
    ``progress_groups`` (per progress table) for publishing and record the run.

    ``processed``: manifest rows of the files read this run; ``temuan``: their findings plus
    this run's notices about vanished files (replacing those files' findings); ``present``:
    every file now in the input; ``state``: keys to remember (the outputs' fingerprint).
    """
    _apply_files(con, processed, temuan, present)
    flat_changed = not processed.empty or not temuan.empty or not withdrawn.empty
    queue = [groups.assign(tabel=None)]
    queue += [rows.assign(tabel=table) for table, rows in (progress_groups or {}).items()]
    if flat_changed:
        queue.append(pd.DataFrame({"tahun": [None], "kode_kabupaten": [FLAT], "tabel": [None]}))
    queue = pd.concat(queue, ignore_index=True).assign(run_id=run["run_id"])
    _insert(con, "publish_queue", queue, ["tahun", "kode_kabupaten", "run_id", "tabel"])
    for key, value in state.items():
        con.execute("INSERT OR REPLACE INTO state VALUES (?, ?)", [key, value])
    run = {**run, "grup_diterbitkan": len(groups)}
    con.execute(f"INSERT OR REPLACE INTO runs ({', '.join(run)}) VALUES "
                f"({', '.join('?' for _ in run)})", list(run.values()))


def no_groups() -> pd.DataFrame:
    """An empty (tahun, kode_kabupaten) group frame."""
    return pd.DataFrame({"tahun": pd.Series(dtype="int16"),
                         "kode_kabupaten": pd.Series(dtype="object")})


def _apply_rt(con: duckdb.DuckDBPyConnection, rt: pd.DataFrame,
              withdrawn: pd.DataFrame, present: list[str]) -> pd.DataFrame:
    """Replace changed kelurahan-years, remove withdrawn ones; return touched groups."""
    touched = []
    if not rt.empty:
        current = published_sha(con)
        incoming = rt[["kode_kelurahan", "tahun", "sha256"]].drop_duplicates()
        merged = incoming.merge(current[["kode_kelurahan", "tahun", "sha256"]],
                                how="left", indicator=True)
        new_keys = merged.loc[merged["_merge"] == "left_only", ["kode_kelurahan", "tahun"]]
        keys = ["kode_kelurahan", "tahun"]
        wanted = rt[keys].merge(new_keys.assign(_baru=True), on=keys, how="left")["_baru"]
        wanted = wanted.notna().to_numpy()
        rows = rt if wanted.all() else rt[wanted]  # a first load keeps every row: no copy
        _delete_keys(con, "indikator_rt", new_keys)
        # as Arrow (the contract dtypes convert as they are, NaN to NULL like DuckDB's pandas
        # scan): DuckDB's scan of the pandas frame needed ~180 MiB more at a national run's
        # insert, the run's peak of memory, and more CPU
        with _memory_limit(con, RT_INSERT_MEMORY_LIMIT):
            _insert(con, "indikator_rt", pa.Table.from_pandas(rows, preserve_index=False),
                    contract.columns("indikator_rt"))
        touched.append(rows[["tahun", "kode_kabupaten"]])
    if not withdrawn.empty:
        con.register("_w", withdrawn[["kode_kelurahan", "tahun"]])
        touched.append(con.sql("SELECT DISTINCT r.tahun, r.kode_kabupaten FROM indikator_rt r "
                               "JOIN _w USING (kode_kelurahan, tahun)").df())
        _delete_keys(con, "indikator_rt", withdrawn[["kode_kelurahan", "tahun"]])
        # the files of those kelurahan-years no longer in the input (also when deleted
        # since the last run)
        con.register("_still", pd.DataFrame({"sumber_file": present}, dtype=object))
        gone = con.sql("SELECT sumber_file FROM manifest WHERE sumber_file NOT IN (SELECT "
                       "sumber_file FROM _still) AND (kode_kelurahan, tahun) IN "
                       "(SELECT (kode_kelurahan, tahun) FROM _w)").df()
        con.unregister("_still")
        _delete_keys(con, "temuan_validasi", gone)
        _delete_keys(con, "manifest", gone)
        con.unregister("_w")
    if not touched:
        return no_groups()
    out = pd.concat(touched, ignore_index=True).drop_duplicates()
    return out.astype({"tahun": "int16", "kode_kabupaten": "object"})


def _apply_files(con: duckdb.DuckDBPyConnection, processed: pd.DataFrame,
                 temuan: pd.DataFrame, present: list[str]) -> None:
    """Manifest rows and current findings of the files processed; presence of every file."""
    cols = inventory.MANIFEST_COLUMNS
    _delete_keys(con, "manifest", processed[["sumber_file"]])
    _insert(con, "manifest", processed.assign(ada=True), [*cols, "ada"])
    files = pd.concat([processed["sumber_file"], temuan["sumber_file"]]).drop_duplicates()
    _delete_keys(con, "temuan_validasi", files.to_frame())
    _insert(con, "temuan_validasi", temuan, contract.columns("temuan_validasi"))
    _insert(con, "riwayat_temuan", temuan, contract.columns("temuan_validasi"))
    con.register("_present", pd.DataFrame({"sumber_file": present}))
    con.execute("UPDATE manifest SET ada = sumber_file IN (SELECT sumber_file FROM _present)")
    con.unregister("_present")
    con.execute("DELETE FROM pengiriman")
    con.execute(f"INSERT INTO pengiriman SELECT {', '.join(contract.columns('pengiriman'))} "
                "FROM manifest WHERE ada")
    processed_files = processed[["sumber_file"]]
    if not processed_files.empty:
        con.register("_p", processed_files)
        con.execute("INSERT INTO riwayat_pengiriman SELECT "
                    f"{', '.join(contract.columns('pengiriman'))} FROM manifest "
                    "WHERE sumber_file IN (SELECT sumber_file FROM _p)")
        con.unregister("_p")


def clear_queue(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """Forget queued groups once they are published (everything queued up to now)."""
    con.execute("DELETE FROM publish_queue")
    con.execute("UPDATE runs SET status = 'diterbitkan' WHERE run_id = ?", [run_id])


def query_groups(con: duckdb.DuckDBPyConnection, table: str,
                 groups: pd.DataFrame | None) -> duckdb.DuckDBPyRelation:
    """Rows of a published table in contract order, sorted by year, codes and source row;
    limited to ``groups`` (tahun, kode_kabupaten) for the partitioned tables."""
    cols = contract.columns(table)
    order = [c for c in ("tahun", "kode_kabupaten", "kode_kecamatan", "kode_kelurahan", "rw",
                         "rt", "kawasan", "sumber_file", "baris", "kolom", "aturan")
             if c in cols]
    sql = f"SELECT {', '.join(cols)} FROM {table}"
    if groups is not None:
        con.register("_pub", groups[["tahun", "kode_kabupaten"]])
        sql += " WHERE (tahun, kode_kabupaten) IN (SELECT (tahun, kode_kabupaten) FROM _pub)"
    return con.sql(f"{sql} ORDER BY {', '.join(order)}")


def all_groups(con: duckdb.DuckDBPyConnection, table: str) -> pd.DataFrame:
    """Every (tahun, kode_kabupaten) present in a partitioned table, with its rows
    (``baris``)."""
    return con.sql(f"SELECT tahun, kode_kabupaten, count(*) AS baris FROM {table} "
                   "GROUP BY tahun, kode_kabupaten ORDER BY tahun, kode_kabupaten").df()


def row_count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """Rows of a warehouse table."""
    return int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])


def table_frames(con: duckdb.DuckDBPyConnection, tables: list[str],
                 columns: dict[str, list[str]] | None = None) -> dict[str, pd.DataFrame]:
    """Warehouse tables as frames, by name (for the reports): the ``columns`` given for a
    table, else all of them."""
    def select(name: str) -> str:
        return ", ".join(f'"{c}"' for c in (columns or {}).get(name, [])) or "*"
    return {name: con.sql(f"SELECT {select(name)} FROM {name}").df() for name in tables}


def rt_groups(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every (tahun, kode_kabupaten, kode_kelurahan) of ``indikator_rt``."""
    return con.sql("SELECT DISTINCT tahun, kode_kabupaten, kode_kelurahan "
                   "FROM indikator_rt").df()
