"""The GX suites in a process of their own, for a command reporting to a running Prefect server.

With a temporary server, ``kumuh run`` imports GX (~1 s) while the server starts. With a server
already running there is nothing to wait for, so the import would follow Prefect's in the
command's process (~1 s of a ~4 s run); instead :func:`start` spawns this process at the
command's start, where GX loads beside Prefect on the other core, and :func:`failures` sends it
the frames to check. Frames over :data:`MAX_ROWS` rows (a national run's RT rows: hundreds of
MB to copy) are checked in the flow's own process, and so is everything if the process is not
there or has died. Nothing here imports GX or pandas in the command's process.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import pickle
import traceback
from typing import TYPE_CHECKING

from flows import process
from flows.stop import children_ignore_interrupts, ignore_interrupts

if TYPE_CHECKING:
    import pandas as pd

#: Largest frame sent to the checks process (a 2,000-workbook batch's RT rows are ~90,000).
MAX_ROWS = 100_000
#: Seconds a stopping checks process gets to end by itself (it may be mid-import).
STOP_SECONDS = 3.0


class _Checks:
    """The checks process and the command's end of its pipe."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, theirs = context.Pipe()
        self.process = context.Process(target=serve, args=(theirs,), name="kumuh-gx",
                                       daemon=True)  # ends with the command
        with children_ignore_interrupts():
            self.process.start()
        theirs.close()
        self.checked = 0  # frames checked there (:func:`checked_there`)

    def failures(self, name: str, frame: pd.DataFrame) -> list[tuple[dict, list]]:
        self.conn.send((name, frame))
        self.checked += 1
        ok, answer = self.conn.recv()
        if not ok:
            raise answer
        return answer

    def stop(self) -> None:
        """Close the pipe, which ends the process's loop (it may still be loading GX: given
        a few seconds), then terminate it if need be. A normal end releases what GX's
        imports registered with multiprocessing, which a terminated process would leave to
        a warning on the terminal."""
        self.conn.close()
        self.process.join(timeout=STOP_SECONDS)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout=5)


_CHECKS: _Checks | None = None


def start() -> None:
    """Spawn the checks process (once), which imports GX and builds the suites at once."""
    global _CHECKS
    if _CHECKS is None:
        _CHECKS = _Checks()


def stop() -> None:
    """End the checks process, if started (also mid-import: a run that checks nothing)."""
    global _CHECKS
    if _CHECKS is not None:
        _CHECKS, checks = None, _CHECKS
        checks.stop()


def checked_there() -> int:
    """Frames checked in the checks process so far (0 when it is not running)."""
    return 0 if _CHECKS is None else _CHECKS.checked


def failures(name: str, frame: pd.DataFrame) -> list[tuple[dict, list]]:
    """The failures of suite ``name`` over ``frame`` (an :data:`expectations.failures.Failures`):
    in the checks process when it runs and the frame is small, else in this process."""
    from expectations.failures import here

    if _CHECKS is None or len(frame) > MAX_ROWS:
        return here(name, frame)
    try:
        return _CHECKS.failures(name, frame)
    except (EOFError, OSError):  # the process died (killed, out of memory): check here
        stop()
        return here(name, frame)


def serve(conn: multiprocessing.connection.Connection) -> None:
    """The checks process: GX and every suite loaded, then (suite name, frame) → (True,
    failures) or (False, the exception) until the command's end of the pipe closes."""
    ignore_interrupts()  # Ctrl-C is the command's to handle; it stops this process
    process.set_up()
    try:
        from expectations import suites

        suites.load()
    except Exception:  # GX cannot load here: the command checks in its own process (and
        return  # says why there, if it cannot either); no traceback from this one
    process.settle_imports()
    while True:
        try:
            name, frame = conn.recv()
        except (EOFError, OSError):
            return
        try:
            answer = (True, suites.failures(name, frame))
        except Exception as exc:  # kumuh's bug in a suite: raised in the command's process
            answer = (False, _portable(exc))
        try:
            conn.send(answer)
        except OSError:  # the command is gone (stopped mid-check): nothing to answer
            return


def _portable(exc: Exception) -> Exception:
    """``exc`` as it can travel back to the command: itself when it survives pickling (with
    this process's traceback as a note), else a RuntimeError naming it."""
    exc.add_note("di proses pemeriksa GX:\n" + traceback.format_exc())
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
    return exc
