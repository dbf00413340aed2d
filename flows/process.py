"""Process set-up of every kumuh entry point, in one place: :func:`set_up` runs before Prefect
and GX are imported (environment switches: no telemetry, this network has no internet; a
first-run server start-up time) and tunes the allocator so freed frames go back to the system;
:func:`settle_imports` takes what the imports built out of the garbage collector's walks.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import os
from pathlib import Path


def set_up() -> None:
    """Quiet environment and memory tuning for this process (idempotent)."""
    quiet_environment()
    return_freed_memory()


def quiet_environment() -> None:
    """Turn off telemetry and progress bars of Prefect and GX before they are imported, give
    the temporary Prefect server time to start on a first run, and route their logs to the
    log file."""
    for key, value in {
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "GX_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_ALLOW_EPHEMERAL_MODE": "true",
        # the first run on a machine migrates Prefect's database (~15 s, longer on a busy
        # server): Prefect's 20 s default would fail that run
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
        # Prefect's and GX's log lines go to the daily log file (flows.runlog), not the
        # terminal, which shows only kumuh's own messages
        "PREFECT_LOGGING_SETTINGS_PATH": str(Path(__file__).with_name("logging.yml")),
    }.items():
        os.environ.setdefault(key, value)


#: glibc's mallopt parameter for the mmap threshold (malloc.h ``M_MMAP_THRESHOLD``).
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 256 * 1024


def return_freed_memory() -> None:
    """Serve every allocation above 256 KiB (column arrays of the run's frames) from its own
    mapping, so freeing a frame gives the memory back to the system at once. glibc otherwise
    raises that threshold after the first large free and keeps freed arrays in its heap, which
    made a national run's peak RSS ~0.6 GiB higher. Arrow (the frames' string columns)
    allocates through the system's malloc instead of its own mimalloc pool, which keeps freed
    blocks (~60 MiB more at a national run's peak). The malloc tuning has no effect outside
    glibc."""
    # read when pyarrow is first imported (here, and in every process started from here)
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        if libc is not None and hasattr(libc, "mallopt"):
            libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
    except OSError:
        return


#: What Prefect imports only when a flow run starts: its flow and task engines, FastAPI's encoder
#: of the run's parameters, graphviz for flow diagrams (~0.6 s on 2 slow cores).
RUN_ENGINE_MODULES = ("fastapi.encoders", "prefect.flow_engine", "prefect.task_engine",
                      "prefect.utilities.visualization")


def load_run_engine() -> None:
    """Import :data:`RUN_ENGINE_MODULES` now: called while a temporary Prefect server starts,
    in seconds the command otherwise waits, instead of when the flow run starts."""
    for name in RUN_ENGINE_MODULES:
        importlib.import_module(name)


def settle_imports() -> None:
    """Leave every object alive now out of the garbage collector's full collections: called
    after the heavy imports (Prefect, pandas, GX: millions of objects that live as long as the
    process), so that a full collection during the run walks only the run's own objects
    (~0.05 s instead of 0.2–0.4 s each, three or more a run)."""
    gc.freeze()


#: CPU niceness of the reading pool's processes (0 is normal; higher yields more).
READER_NICENESS = 10


def reader_set_up() -> None:
    """For each process of the reading pool: Ctrl-C is the ``kumuh`` process's to handle (it
    stops the pool itself), and a lower CPU priority, so that reads started while a temporary
    Prefect server starts take only what the server and the command leave idle (the run waits
    for the server, not for those reads); alone on the machine they run at full speed."""
    from flows.stop import ignore_interrupts

    ignore_interrupts()
    with contextlib.suppress(AttributeError, OSError):  # no niceness here: normal priority
        os.nice(READER_NICENESS)

