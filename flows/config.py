"""Where kumuh reads and writes and when it runs, chosen in one place.

Each setting is resolved in this order, later winning: built-in default < ``kumuh.toml``
(``--config FILE``, ``$KUMUH_CONFIG`` or ``./kumuh.toml``) < environment (``KUMUH_INPUT``,
``KUMUH_OUT`` …) < command-line flag. :func:`resolve` also says where each value came from
(``kumuh config`` prints it). Process set-up (environment, memory) is :mod:`flows.process`.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import transforms

#: Repository root (kumuh is installed editable; data/ sits beside the packages).
ROOT = Path(transforms.__file__).resolve().parents[1]
REFERENCE_DIR = ROOT / "data" / "reference" / "wilayah"

DEFAULT_INPUT = Path("data/sample")
DEFAULT_OUT = Path("data/out")
DEFAULT_WAREHOUSE = Path("data/warehouse/kumuh.duckdb")

#: Files per read task: large enough that task overhead vanishes, small enough that the
#: Prefect server is never flooded (a task per workbook overflows its event queue).
CHUNK_SIZE = 100


@dataclass(frozen=True)
class Settings:
    """One run's locations, schedule and tuning (see the module docstring for precedence)."""

    input: Path = DEFAULT_INPUT
    out: Path | str = DEFAULT_OUT  # a folder, or an fsspec URL such as s3://bucket/prefix
    warehouse: Path = DEFAULT_WAREHOUSE
    schedule: str = "0 2 * * *"
    timezone: str = "Asia/Jakarta"
    lock_timeout: float | None = None
    settle_seconds: float = 0.0
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    #: Where the read tasks run: ``local`` (a process pool on this machine) or ``dask``
    #: (prefect-dask's DaskTaskRunner: ``dask_address``'s cluster, else a LocalCluster).
    runner: str = "local"
    dask_address: str | None = None
    #: Run the GX output-contract suites before every publish (about 0.5 s a run).
    check_outputs: bool = True
    reference: Path = REFERENCE_DIR
    chunk_size: int = CHUNK_SIZE


#: Task runners of ``kumuh run --runner``.
RUNNERS = ("local", "dask")

#: Settings an operator may set (file, environment, flag); the rest are internal.
CONFIGURABLE = ("input", "out", "warehouse", "schedule", "timezone", "lock_timeout",
                "settle_seconds", "workers", "runner", "dask_address", "check_outputs")


def _convert(name: str, value: Any) -> Any:
    if value is None or value == "":
        return None
    kind = {f.name: f.type for f in fields(Settings)}[name]
    if "bool" in str(kind):
        return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "ya")
    if "Path" in str(kind):
        return str(value) if "://" in str(value) else Path(value)  # keep s3://… URLs
    if "float" in str(kind):
        return float(value)
    if "int" in str(kind):
        return int(value)
    return str(value)


def config_file(explicit: Path | None, env: Mapping[str, str]) -> Path | None:
    """The kumuh.toml in force: the flag, ``$KUMUH_CONFIG``, or ./kumuh.toml if present."""
    if explicit:
        return explicit
    if env.get("KUMUH_CONFIG"):
        return Path(env["KUMUH_CONFIG"])
    local = Path("kumuh.toml")
    return local if local.exists() else None


def resolve(flags: Mapping[str, Any] | None = None, *, config: Path | None = None,
            env: Mapping[str, str] | None = None) -> tuple[Settings, dict[str, str]]:
    """(settings, source of each configurable value: default, file path, env var or flag)."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    sources = dict.fromkeys(CONFIGURABLE, "bawaan")
    path = config_file(config, env)
    if path is not None:
        with path.open("rb") as fh:
            table = tomllib.load(fh)
        table = table.get("kumuh", table)
        for name in CONFIGURABLE:
            if name in table:
                values[name], sources[name] = _convert(name, table[name]), str(path)
    for name in CONFIGURABLE:
        var = f"KUMUH_{name.upper()}"
        if env.get(var):
            values[name], sources[name] = _convert(name, env[var]), f"${var}"
    for name, value in (flags or {}).items():
        if name in CONFIGURABLE and value is not None:
            values[name] = _convert(name, value)
            sources[name] = "--" + name.replace("_", "-")
    settings = Settings(**values)
    if settings.runner not in RUNNERS:
        raise ValueError(f"runner {settings.runner!r} tidak dikenal (pilih: {', '.join(RUNNERS)})"
                         f" — dari {sources['runner']}")
    return settings, sources
