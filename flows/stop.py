"""Ctrl-C and SIGTERM during a ``kumuh`` command: one line, and gone within seconds.

On the first SIGINT or SIGTERM the command prints one line, lets the run unwind for up to
``GRACE_SECONDS`` (the open DuckDB transaction rolls back, Prefect marks the flow run
crashed), then stops its child processes (temporary Prefect server, reading pool) and exits
with 130 (SIGINT) or 143 (SIGTERM) whatever the run was doing. That is safe at any moment:
the warehouse commits a run in one transaction and the Parquet tables switch atomically (the
SIGKILL test proves it), so what was published stays and the next run finishes the job.

A watcher thread learns of the signal through ``signal.set_wakeup_fd``, so the deadline holds
even while the main thread is inside a long C call (a DuckDB query, a process-pool wait).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

#: Seconds the run may take to unwind after a signal before the command exits regardless.
GRACE_SECONDS = 5.0
EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}
NAMES = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM"}


class Stopped(BaseException):
    """Raised in the main thread when the operator stopped the command (see module doc)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def children(pid: int | None = None) -> list[int]:
    """Every descendant process of ``pid`` (default: this one), deepest last (Linux /proc;
    empty elsewhere)."""
    pid = os.getpid() if pid is None else pid
    found: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            kids = [int(k) for k in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
        for kid in kids:
            found.append(kid)
            found.extend(children(kid))
    return found


def stop_children(wait: float = 1.0) -> None:
    """SIGTERM every descendant, then SIGKILL those still there after ``wait`` seconds."""
    kids = children()
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for kid in kids:
            with suppress(OSError):
                os.kill(kid, sig)
        deadline = time.monotonic() + wait
        while kids and time.monotonic() < deadline:
            kids = [k for k in kids if Path(f"/proc/{k}").exists() and not _zombie(k)]
            time.sleep(0.05)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


@contextmanager
def children_ignore_interrupts() -> Iterator[None]:
    """Processes started inside the block ignore Ctrl-C from their first instruction (an
    ignored signal stays ignored across exec), not only once their set-up has run: a Ctrl-C
    right after the command starts gives no traceback from a child still importing. This
    process ignores it for the few milliseconds of the block (only in the main thread, where
    signal handlers live; elsewhere the block changes nothing)."""
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or previous is None:
        yield  # (None: a handler Python did not install, which it could not put back)
        return
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def ignore_interrupts() -> None:
    """For worker processes (the reading pool): leave Ctrl-C to the ``kumuh`` process, which
    stops them itself, instead of each printing its own traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class _Guard:
    def __init__(self, message: str) -> None:
        self.message = message
        self.signum: int | None = None
        self.seen = threading.Event()  # a signal arrived (set by the watcher)
        self.unwound = threading.Event()  # the main thread is done unwinding
        self.read_fd, self.write_fd = os.pipe()
        os.set_blocking(self.write_fd, False)

    def handler(self, signum: int, frame: object) -> None:
        if self.signum is None:
            self.signum = signum
            raise Stopped(signum)

    def watch(self) -> None:
        data = os.read(self.read_fd, 1)
        if not data:  # the pipe was closed: the command ended normally
            return
        self.seen.set()
        signum = self.signum or data[0]
        print(f"kumuh: dihentikan ({NAMES.get(signum, signum)}); {self.message}",
              file=sys.stderr, flush=True)
        quiet = os.open(os.devnull, os.O_WRONLY)  # that line is the last the operator reads:
        os.dup2(quiet, 2)  # the unwinding's complaints (server gone …) go nowhere
        self.unwound.wait(GRACE_SECONDS)
        stop_children()
        sys.stdout.flush()
        # skip Python's shutdown: its hooks may wait on a Prefect server that is gone
        os._exit(EXIT_CODES.get(signum, 128 + signum))


@contextmanager
def exit_on_signal(message: str) -> Iterator[None]:
    """Within the block, SIGINT/SIGTERM print ``kumuh: dihentikan (…); <message>`` and end
    the process as the module docstring says (the block sees :class:`Stopped` raised, or
    Prefect's TerminationSignal, and has ``GRACE_SECONDS`` to unwind)."""
    guard = _Guard(message)
    previous = {s: signal.signal(s, guard.handler) for s in EXIT_CODES}
    old_fd = signal.set_wakeup_fd(guard.write_fd, warn_on_full_buffer=False)
    watcher = threading.Thread(target=guard.watch, name="kumuh-stop", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        if guard.signum is not None or guard.seen.is_set():
            guard.unwound.set()
            watcher.join()  # the watcher ends the process
        signal.set_wakeup_fd(old_fd)
        for s, h in previous.items():
            signal.signal(s, h)
        os.close(guard.write_fd)
        watcher.join(1)
        os.close(guard.read_fd)
