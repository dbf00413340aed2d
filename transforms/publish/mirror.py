"""Publishing to object storage (``--out s3://bucket/prefix``) by mirroring a local publish.

Object stores have no symbolic links, hard links or multi-object renames, so kumuh publishes
into a local cache folder exactly as it would into a folder, then mirrors the published view
of it to the remote root with fsspec: same table folders, same file names, same bytes. Files
are uploaded only when their content changed (a manifest of sha256 per object is kept beside
the cache), new and changed files first, removed ones deleted last. Each object appears
whole (a PUT is atomic), so a reader never sees half a file; during the few seconds of a sync
it may see some kabupaten files of the new run next to others of the previous one.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import fsspec

MANIFEST = ".mirror-manifest.json"
#: What is mirrored: the table folders (through their links) and the reports; the BI DuckDB
#: file holds local paths and is not mirrored.
SKIP = {".versions", "kumuh.duckdb", MANIFEST}


def is_remote(location: str | Path) -> bool:
    """True for an fsspec URL (``s3://…``, ``gs://…``, ``memory://…``), False for a path."""
    return "://" in str(location) and not str(location).startswith("file://")


def cache_folder(remote: str, warehouse: Path) -> Path:
    """The local folder where a remote publish root is built before mirroring."""
    digest = hashlib.sha256(remote.encode()).hexdigest()[:12]
    return warehouse.parent / f"terbit-{digest}"


def published_files(local: Path) -> dict[str, Path]:
    """Relative path → file of everything a reader of the local publish root sees."""
    out = {}
    for entry in sorted(local.iterdir()):
        if entry.name in SKIP or entry.name.startswith("."):
            continue
        if entry.is_file():
            out[entry.name] = entry
            continue
        for f in sorted(entry.resolve().rglob("*")):
            if f.is_file() and not f.name.startswith("."):
                out[f"{entry.name}/{f.relative_to(entry.resolve()).as_posix()}"] = f
    return out


def _sha(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def mirror(local: Path, remote: str, storage_options: dict | None = None) -> dict[str, int]:
    """Make ``remote`` show what ``local`` publishes; returns counts uploaded/deleted/kept."""
    fs, root = fsspec.core.url_to_fs(remote, **(storage_options or {}))
    root = root.rstrip("/")
    manifest_path = local / MANIFEST
    before = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    now = {rel: _sha(path) for rel, path in published_files(local).items()}
    files = published_files(local)
    uploaded = 0
    for rel, digest in sorted(now.items(), key=lambda kv: kv[0].startswith("runs/")):
        if before.get(rel) != digest or not fs.exists(f"{root}/{rel}"):
            fs.put_file(str(files[rel]), f"{root}/{rel}")
            uploaded += 1
    deleted = 0
    for rel in sorted(set(before) - set(now)):
        if fs.exists(f"{root}/{rel}"):
            fs.rm_file(f"{root}/{rel}")
        deleted += 1
    tmp = manifest_path.with_suffix(".tmp")
    tmp.write_text(json.dumps(now, indent=1, sort_keys=True))
    tmp.replace(manifest_path)
    return {"uploaded": uploaded, "deleted": deleted, "kept": len(now) - uploaded}
