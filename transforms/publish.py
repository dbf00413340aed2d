"""Publish the contract tables as Parquet datasets that readers never see half-written.

Each run writes every table into ``<out>/.versions/<run_id>/<table>/`` and then points
``<out>/<table>`` at it by atomically replacing a symbolic link, so a BI reader globbing
``<out>/indikator_rt/**/*.parquet`` sees either the previous run's complete table or the new
one. The four ``indikator_*`` tables are hive-partitioned by ``tahun``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from transforms import contract

VERSIONS = ".versions"
KEEP_VERSIONS = 3


def to_arrow(table: str, data: pa.Table, metadata: dict[str, str]) -> pa.Table:
    """``data`` cast to the contract schema of ``table`` (types, order, descriptions)."""
    schema = contract.arrow_schema(table, metadata)
    return data.select(schema.names).cast(schema)


def write_version(out: Path, run_id: str, tables: dict[str, pa.Table]) -> Path:
    """Write all tables under ``<out>/.versions/<run_id>/`` (not yet visible to readers)."""
    root = out / VERSIONS / run_id
    if root.exists():
        shutil.rmtree(root)
    for name, table in tables.items():
        target = root / name
        if name in contract.PARTITIONED:
            part = ds.partitioning(pa.schema([table.schema.field("tahun")]), flavor="hive")
            ds.write_dataset(table, target, format="parquet", partitioning=part,
                             basename_template="part-{i}.parquet",
                             max_rows_per_group=128 * 1024, existing_data_behavior="error")
        else:
            target.mkdir(parents=True)
            pq.write_table(table, target / "part-0.parquet")
        if not table.num_rows and name in contract.PARTITIONED:
            target.mkdir(parents=True, exist_ok=True)
    _fsync_tree(root)
    return root


def _fsync_tree(root: Path) -> None:
    for dirpath, _dirs, files in os.walk(root):
        for f in files:
            fd = os.open(os.path.join(dirpath, f), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def switch(out: Path, run_id: str, names: list[str]) -> None:
    """Point every ``<out>/<table>`` at the run's version, one atomic rename per table."""
    for name in names:
        link = out / name
        if link.exists() and not link.is_symlink():
            shutil.move(str(link), str(out / VERSIONS / f"legacy-{name}"))
        tmp = out / f".{name}.{run_id}.tmp"
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        tmp.symlink_to(Path(VERSIONS) / run_id / name, target_is_directory=True)
        os.replace(tmp, link)


def prune(out: Path, keep: int = KEEP_VERSIONS) -> None:
    """Delete old versions no link points at, keeping the newest ``keep``."""
    base = out / VERSIONS
    if not base.exists():
        return
    live = {Path(os.readlink(p)).parts[1] for p in out.iterdir() if p.is_symlink()}
    versions = sorted((p for p in base.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
    for old in versions[:-keep]:
        if old.name not in live:
            shutil.rmtree(old, ignore_errors=True)


def publish(out: Path, run_id: str, tables: dict[str, pa.Table]) -> Path:
    """Write then switch: the run's tables become the published ones; returns the version."""
    out.mkdir(parents=True, exist_ok=True)
    root = write_version(out, run_id, tables)
    switch(out, run_id, list(tables))
    prune(out)
    return root
