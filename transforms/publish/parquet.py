"""Publish the contract tables as Parquet that readers never see half-written.

Layout: ``<out>/<table>/tahun=<Y>/<kode_kabupaten>.parquet`` for the four ``indikator_*``
tables (hive-partitioned by ``tahun``; one file per kabupaten/kota so a rerun of one kabupaten
leaves every other file byte-identical) and ``<out>/<table>/part-0.parquet`` for the flat ones.

Each publish builds a complete new version under ``<out>/.versions/<run_id>/``: files of the
groups the run changed are written, the others are hard-linked from the current version (same
bytes, same inode). Then ``<out>/<table>`` — a symbolic link — is atomically replaced to point
at the new version, so a reader globbing ``<out>/indikator_rt/**/*.parquet`` sees the previous
complete table or the new one. A run that changed nothing publishes nothing.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from transforms.spec import contract

VERSIONS = ".versions"
KEEP_VERSIONS = 3
ROW_GROUP_SIZE = 128 * 1024
COMPRESSION = "snappy"


def to_arrow(table: str, data: pa.Table, metadata: dict[str, str]) -> pa.Table:
    """``data`` cast to the contract schema of ``table`` (types, order, descriptions)."""
    schema = contract.arrow_schema(table, metadata)
    return data.select(schema.names).cast(schema)


def group_file(tahun: int, kode_kabupaten: str) -> str:
    """Relative path of one group's file inside a partitioned table."""
    return f"tahun={int(tahun)}/{kode_kabupaten}.parquet"


def current_version(out: Path, table: str) -> Path | None:
    """The folder ``<out>/<table>`` points at now, or None before the first publish."""
    link = out / table
    return link.resolve() if link.is_symlink() and link.exists() else None


def _write(path: Path, table: pa.Table) -> None:
    """Write ``table`` at ``path`` (its folder exists)."""
    if "tahun" in table.schema.names and path.parent.name.startswith("tahun="):
        table = table.drop_columns(["tahun"])  # the hive path carries it
    # Snappy without dictionary pages: most columns are measures, and a file is small (one
    # kabupaten-year), where zstd's per-column set-up doubles the CPU of a write for files
    # ~30 % smaller (a national publish writes ~1,750 files)
    pq.write_table(table, path, row_group_size=ROW_GROUP_SIZE, compression=COMPRESSION,
                   use_dictionary=False)


def group_parts(groups: pd.DataFrame, sizes: pd.DataFrame,
                max_rows: int) -> list[pd.DataFrame]:
    """``groups`` (tahun, kode_kabupaten) cut, in their order, into parts of at most
    ``max_rows`` rows by ``sizes`` (tahun, kode_kabupaten, baris; a group not in it counts as
    empty, one bigger than ``max_rows`` is a part of its own): what a publish loads from the
    warehouse at a time — fewer, fuller queries (each one scans the table) with the memory
    still bounded."""
    rows = groups[["tahun", "kode_kabupaten"]].merge(
        sizes[["tahun", "kode_kabupaten", "baris"]], how="left")["baris"].fillna(0)
    parts, start, filled = [], 0, 0
    for i, n in enumerate(rows.astype(int)):
        if i > start and filled + n > max_rows:
            parts.append(groups.iloc[start:i])
            start, filled = i, 0
        filled += n
    if start < len(groups):
        parts.append(groups.iloc[start:])
    return parts


def _link_or_copy(src: Path, dst: Path) -> None:
    """``dst`` (its folder exists) as a hard link to ``src``, else a copy of it."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _split_groups(table: pa.Table) -> Iterable[tuple[int, str, pa.Table]]:
    """(tahun, kode_kabupaten, rows) for each group of a table sorted by those two columns."""
    if table.num_rows == 0:
        return
    keys = pc.binary_join_element_wise(pc.cast(table["tahun"], pa.string()),
                                       table["kode_kabupaten"], "|")
    starts = [0]
    values = keys.to_pylist()
    starts += [i for i in range(1, len(values)) if values[i] != values[i - 1]]
    starts.append(len(values))
    for a, b in zip(starts[:-1], starts[1:], strict=True):
        tahun, kab = values[a].split("|", 1)
        yield int(tahun), kab, table.slice(a, b - a)


#: A table's rows: a table, or a function giving the table or its parts (each part holding
#: whole groups) when the table's turn comes — so only one part is in memory at a time.
Rows = pa.Table | Callable[[], pa.Table | Iterable[pa.Table]]
Inspect = Callable[[str, pa.Table], None]


def _parts(rows: Rows) -> Iterator[pa.Table]:
    loaded = rows() if callable(rows) else rows
    if isinstance(loaded, pa.Table):
        yield loaded
    else:
        yield from loaded


def build_version(out: Path, run_id: str, *, changed: dict[str, Rows],
                  keep: dict[str, set[tuple[int, str]]], flat: dict[str, Rows],
                  inspect: Inspect | None = None) -> Path:
    """Write ``<out>/.versions/<run_id>/``: for each partitioned table, the changed groups'
    rows from ``changed`` and hard links for the groups in ``keep``; the ``flat`` tables whole,
    or linked from the current version when not given. Tables (and their parts) are loaded and
    written one at a time; ``inspect`` sees each loaded part first (the output contract). The
    files are not yet made durable (:func:`publish` syncs them)."""
    root = out / VERSIONS / run_id
    if root.exists():
        shutil.rmtree(root)
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:  # Parquet encoding frees the GIL
        writing: list[Future] = []

        def write(files: list[tuple[Path, pa.Table]]) -> None:
            """Queue a part's files, then wait for the previous part's: the next part is
            loaded and inspected while these are written, and at most two are in memory."""
            nonlocal writing
            queued = [pool.submit(_write, path, rows) for path, rows in files]
            for done in writing:
                done.result()
            writing = queued

        for name in contract.tables():
            _table_version(out, root, name, changed, keep, flat, inspect, write)
        for done in writing:
            done.result()
    return root


def _table_version(out: Path, root: Path, name: str, changed: dict[str, Rows],
                   keep: dict[str, set[tuple[int, str]]], flat: dict[str, Rows],
                   inspect: Inspect | None,
                   write: Callable[[list[tuple[Path, pa.Table]]], None]) -> None:
    """One table's folder in the version: written files and links to unchanged ones."""
    target = root / name
    target.mkdir(parents=True)
    previous = current_version(out, name)
    if name in contract.PARTITIONED:
        written = set()
        years: set[int] = set()

        def place(tahun: int, kab: str) -> Path:
            """The group's file in the version, its year's folder made once."""
            if tahun not in years:
                (target / group_file(tahun, kab)).parent.mkdir()
                years.add(tahun)
            return target / group_file(tahun, kab)

        for data in _parts(changed[name]) if name in changed else ():
            if inspect:
                inspect(name, data)
            files = []
            for tahun, kab, rows in _split_groups(data):
                files.append((place(tahun, kab), rows))
                written.add((tahun, kab))
            write(files)
        for tahun, kab in sorted(keep.get(name, set()) - written):
            try:
                if previous is None:
                    raise FileNotFoundError
                _link_or_copy(previous / group_file(tahun, kab), place(tahun, kab))
            except FileNotFoundError:
                raise FileNotFoundError(f"cannot carry {name} {tahun}/{kab}: no source"
                                        ) from None
    elif name in flat:
        data = pa.concat_tables(list(_parts(flat[name])))
        if inspect:
            inspect(name, data)
        write([(target / "part-0.parquet", data)])
    elif previous and (previous / "part-0.parquet").exists():
        _link_or_copy(previous / "part-0.parquet", target / "part-0.parquet")
    else:
        write([(target / "part-0.parquet", _empty(name))])


def _empty(name: str) -> pa.Table:
    return contract.arrow_schema(name).empty_table()


def _sync_tree(root: Path) -> None:
    """Make every file and folder under ``root`` durable before the switch: on Linux one
    ``syncfs`` of its filesystem (one journal commit instead of one per file), elsewhere an
    ``fsync`` of each file."""
    if _syncfs(root):
        return
    for dirpath, _dirs, files in os.walk(root):
        for f in files:
            fd = os.open(os.path.join(dirpath, f), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def _syncfs(path: Path) -> bool:
    """``syncfs(2)`` of the filesystem holding ``path``; False where it does not exist."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        syncfs = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        if syncfs(fd) != 0:
            raise OSError(ctypes.get_errno(), "syncfs gagal", str(path))
    finally:
        os.close(fd)
    return True


def switch(out: Path, run_id: str, names: Iterable[str]) -> None:
    """Point every ``<out>/<table>`` at the run's version, one atomic rename per table."""
    for name in names:
        link = out / name
        if link.exists() and not link.is_symlink():
            shutil.move(str(link), str(out / VERSIONS / f"legacy-{name}-{run_id}"))
        tmp = out / f".{name}.{run_id}.tmp"
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        tmp.symlink_to(Path(VERSIONS) / run_id / name, target_is_directory=True)
        os.replace(tmp, link)
    _fsync_dir(out)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def prune(out: Path, keep: int = KEEP_VERSIONS) -> None:
    """Delete versions no link points at, keeping the newest ``keep`` (readers that opened an
    older file keep it open safely: unlinking does not disturb an open file)."""
    base = out / VERSIONS
    if not base.exists():
        return
    live = {Path(os.readlink(p)).parts[1] for p in out.iterdir() if p.is_symlink()}
    versions = sorted((p for p in base.iterdir() if p.is_dir()), key=lambda p: p.name)
    for old in versions[:-keep]:
        if old.name not in live:
            shutil.rmtree(old, ignore_errors=True)


def publish(out: Path, run_id: str, *, changed: dict[str, Rows],
            keep: dict[str, set[tuple[int, str]]], flat: dict[str, Rows],
            inspect: Inspect | None = None,
            after_write: Callable[[], None] | None = None) -> Path:
    """Build the run's version, make it durable, then switch every table to it; returns the
    version folder. ``inspect`` sees every table written; ``after_write`` runs before the switch,
    while the disk flush of the version and the pruning of old ones (:func:`prune`) go on
    beside it (waiting on the disk, not the CPU) — if any of them raises, the new version is
    removed and the published tables stay as they were."""
    out.mkdir(parents=True, exist_ok=True)
    try:
        root = build_version(out, run_id, changed=changed, keep=keep, flat=flat,
                             inspect=inspect)
        with ThreadPoolExecutor(2, thread_name_prefix="sync") as pool:
            synced = pool.submit(_sync_tree, root)
            # the old versions go meanwhile (~0.2 s of unlinking): the new one is the newest,
            # so never among them, and none that a table points at goes
            pruned = pool.submit(prune, out)
            try:
                if after_write:
                    after_write()
            finally:
                synced.result()
                pruned.result()
    except Exception:
        shutil.rmtree(out / VERSIONS / run_id, ignore_errors=True)
        raise
    switch(out, run_id, contract.tables())
    return root


def write_text_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one rename (readers see the old or the new page)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
