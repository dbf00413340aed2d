"""``<out>/kumuh.duckdb``: a small DuckDB file of views over the published Parquet, for BI tools.

A BI tool (Metabase, Superset, DBeaver, Excel via ODBC) opens this file read-only and sees one
view per published table, with the contract's column comments, without ever touching the
warehouse and its write lock. The views read ``<out>/<table>`` — the links that publish switches
atomically — so they follow every run. The file is built under a temporary name and renamed over
the old one, so a reader opens either the old file or the new one, never a half-written one.

Where the views look: DuckDB resolves a relative path against the reader's working directory,
never against the database file's folder, so each view reads
``coalesce(nullif(current_setting('file_search_path'), ''), '<out>') || '/<table>/**/*.parquet'``
— the folder kumuh published to, unless the reader sets DuckDB's ``file_search_path`` to the
folder where the publish root is mounted now (another machine, a Docker volume, a drive letter):
``SET file_search_path = '/mnt/terbit'`` or ``config={"file_search_path": ...}`` (README,
"Reading the outputs"). ``kumuh_info`` says so too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
from pathlib import Path

import duckdb

from transforms.spec import contract, reference

FILENAME = "kumuh.duckdb"


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def root_sql(out: Path) -> str:
    """The folder a view reads, as SQL: the reader's ``file_search_path`` when set, else
    ``out`` (where kumuh published)."""
    return f"coalesce(nullif(current_setting('file_search_path'), ''), {_sql_str(str(out))})"


def source_sql(out: Path, table: str) -> str:
    """The ``read_parquet`` call a view over the published ``table`` uses (see the module
    docstring for the folder it reads)."""
    pattern = f"{root_sql(out)} || {_sql_str(f'/{table}/**/*.parquet')}"
    if table in contract.PARTITIONED:
        return (f"read_parquet({pattern}, hive_partitioning = true, "
                "hive_types = {'tahun': SMALLINT})")
    return f"read_parquet({pattern}, hive_partitioning = false)"


def _has_files(out: Path, table: str) -> bool:
    return any((out / table).rglob("*.parquet"))


def _empty_select(table: str) -> str:
    cols = ", ".join(f"CAST(NULL AS {contract.duckdb_type(c)}) AS {c.name}"
                     for c in contract.tables()[table])
    return f"SELECT {cols} WHERE false"


def view_sql(out: Path, table: str) -> str:
    """``CREATE VIEW`` for one table in contract column order (typed empty view if no files)."""
    if not _has_files(out, table):
        return f"CREATE VIEW {table} AS {_empty_select(table)}"
    cols = ", ".join(c.name for c in contract.tables()[table])
    return f"CREATE VIEW {table} AS SELECT {cols} FROM {source_sql(out, table)}"


def _comments(table: str) -> list[str]:
    """``COMMENT`` statements of one view and its columns (the contract's descriptions)."""
    out = [f"COMMENT ON VIEW {table} IS {_sql_str(table)}"]
    for c in contract.tables()[table]:
        text = f"{c.description_id} — {c.description_en}" + (f" [{c.unit}]" if c.unit else "")
        out.append(f"COMMENT ON COLUMN {table}.{c.name} IS {_sql_str(text)}")
    return out


def published_run_id(out: Path) -> str:
    """The run whose ``indikator_rt`` is published now ('' before the first publish)."""
    link = out / "indikator_rt"
    if not link.is_symlink():
        return ""
    parts = Path(os.readlink(link)).parts
    return parts[-2] if len(parts) >= 2 else ""


#: The rows of ``kumuh_info`` (kunci → Indonesian and English meaning), for the data
#: dictionary.
INFO: dict[str, tuple[str, str]] = {
    "contract_version": ("Versi kontrak tabel (skema kolom)", "Output contract version"),
    "parquet_root": ("Folder terbitan tempat view membaca Parquet bila `file_search_path` "
                     "kosong", "Publish folder the views read when `file_search_path` is unset"),
    "folder_lain": ("Cara membaca bila folder terbitan dipasang di tempat lain",
                    "How to read when the publish folder is mounted elsewhere"),
    "run_id": ("Run yang terbit saat berkas ini dibuat", "Run published when this file was made"),
    "dibuat_pada": ("Waktu berkas ini dibuat (ISO 8601, UTC)", "When this file was made (UTC)"),
    "reference_edition": ("Edisi daftar wilayah Kemendagri", "Region list edition"),
    "reference_attribution": ("Atribusi daftar wilayah (ODbL)", "Region list attribution (ODbL)"),
}


def _info(con: duckdb.DuckDBPyConnection, out: Path) -> None:
    values = {"contract_version": contract.CONTRACT_VERSION, "parquet_root": str(out),
              "folder_lain": "SET file_search_path = '<folder terbitan>' (atau config "
                             "file_search_path saat membuka kumuh.duckdb)",
              "run_id": published_run_id(out),
              "dibuat_pada": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
              "reference_edition": reference.EDITION,
              "reference_attribution": reference.ATTRIBUTION}
    con.executemany("INSERT INTO kumuh_info VALUES (?, ?)", [(k, values[k]) for k in INFO])


def _schema_sql(out: Path) -> list[str]:
    """The file's statements that do not change from run to run: views, comments and the
    empty ``kumuh_info`` table."""
    statements = []
    for table in contract.tables():
        statements += [view_sql(out, table), *_comments(table)]
    return [*statements, "CREATE TABLE kumuh_info (kunci VARCHAR, nilai VARCHAR)"]


#: The views and comments built once, kept beside the file for the next publish: a run
#: copies it and adds ``kumuh_info`` (~0.02 s instead of ~0.12 s of ~300 catalog changes).
TEMPLATE = ".kumuh-bi-{key}.duckdb"


def _template(out: Path) -> Path:
    """The file of :func:`_schema_sql` for ``out`` (made when missing; any other left by
    an earlier contract, folder state or DuckDB version is removed)."""
    schema = _schema_sql(out)
    key = hashlib.sha256("\n".join([duckdb.__version__, *schema]).encode()).hexdigest()[:16]
    path = out / TEMPLATE.format(key=key)
    if path.exists():
        return path
    for old in out.glob(TEMPLATE.format(key="*")):
        old.unlink(missing_ok=True)
    tmp = out / f".{path.name}.{os.getpid()}.tmp"
    wal = tmp.with_name(tmp.name + ".wal")
    for stale in (tmp, wal):
        stale.unlink(missing_ok=True)
    try:
        con = duckdb.connect(str(tmp))
        try:
            con.execute("BEGIN TRANSACTION")  # one commit, not one per view and comment
            con.execute(";\n".join(schema))
            con.execute("COMMIT")
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
        wal.unlink(missing_ok=True)
    return path


def _build(path: Path, out: Path) -> None:
    shutil.copyfile(_template(out), path)
    con = duckdb.connect(str(path))
    try:
        _info(con, out)
        con.execute("CHECKPOINT")
    finally:
        con.close()


def write_bi_database(out: Path) -> Path:
    """Create or atomically replace ``<out>/kumuh.duckdb`` (views over the published tables);
    returns its path. Call after every publish."""
    out = Path(out).resolve()
    target = out / FILENAME
    tmp = out / f".{FILENAME}.{os.getpid()}.tmp"
    for stale in (tmp, tmp.with_name(tmp.name + ".wal")):
        stale.unlink(missing_ok=True)
    try:
        _build(tmp, out)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
        tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
    return target
