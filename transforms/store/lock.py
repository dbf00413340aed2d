"""One writer at a time: an advisory lock file beside the warehouse.

``fcntl.flock`` is released by the kernel when its holder dies, even by SIGKILL, so a crashed
run never leaves a stale lock. Readers of the Parquet never take it: a publish never waits
for a reader and a reader never waits for a publish.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


class LockTimeout(RuntimeError):
    """Another run held the lock for longer than the caller was willing to wait."""


def beside(warehouse_file: Path) -> Path:
    """The writer lock of a warehouse: a file beside it (``kumuh.lock``)."""
    return warehouse_file.with_suffix(".lock")


def is_held(path: Path) -> bool:
    """Whether a run holds the lock at ``path`` now (never waits)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing releases a lock this call took
    return False


def _holder(path: Path) -> str:
    try:
        return path.read_text().strip() or "?"
    except OSError:
        return "?"


@contextmanager
def writer_lock(path: Path, timeout: float | None,
                on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the exclusive lock at ``path`` for the block; wait up to ``timeout`` seconds
    (None: forever), calling ``on_wait`` once with the holder's description when waiting."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = None if timeout is None else time.monotonic() + timeout
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not told and on_wait:
                    on_wait(_holder(path))
                    told = True
                if deadline is not None and time.monotonic() >= deadline:
                    raise LockTimeout(
                        f"run lain masih berjalan ({_holder(path)}); batas tunggu "
                        f"{timeout:g} detik habis") from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()} sejak {time.strftime('%Y-%m-%d %H:%M:%S')}".encode())
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
