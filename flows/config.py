"""Where kumuh reads and writes, chosen in one place.

Paths are derived once here; the flows and the CLI take a :class:`Settings` and hand plain
paths to the transforms. Environment switches that must precede the Prefect and GX imports
(no telemetry: this network has no internet) are set by :func:`quiet_environment`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

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

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")


@dataclass(frozen=True)
class Settings:
    """One run's locations and tuning."""

    input: Path = DEFAULT_INPUT
    out: Path = DEFAULT_OUT
    warehouse: Path = DEFAULT_WAREHOUSE
    reference: Path = REFERENCE_DIR
    chunk_size: int = CHUNK_SIZE
    #: A file modified less than this many seconds ago is left for the next run.
    settle_seconds: float = 0.0
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)


def quiet_environment() -> None:
    """Turn off telemetry and progress bars of Prefect and GX before they are imported."""
    for key, value in {
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "GX_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_ALLOW_EPHEMERAL_MODE": "true",
    }.items():
        os.environ.setdefault(key, value)
