"""Where the detailed log of a ``kumuh`` command goes: a daily file, not the terminal.

Prefect's and Great Expectations' own log lines (task states, temporary server, GX data
context notes) and the traceback of an unexpected failure are written to
``<warehouse folder>/log/kumuh-YYYY-MM-DD.log``; the terminal shows only kumuh's own lines in
Bahasa Indonesia. The folder travels to child processes (Prefect's temporary server, the
reading pool, served flow runs) in ``$KUMUH_LOG_DIR``. Without it (kumuh used as a library,
tests) warnings and errors go to stderr as Python would print them.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
import time
from pathlib import Path

LOG_DIR_VAR = "KUMUH_LOG_DIR"
#: Days of log files kept; older ones are removed when a command starts.
KEEP_DAYS = 30


def log_dir() -> Path | None:
    """The log folder of this process tree, if a ``kumuh`` command set one."""
    value = os.environ.get(LOG_DIR_VAR)
    return Path(value) if value else None


def today_file(folder: Path | None = None) -> Path | None:
    """Today's log file (in the log folder of this process tree by default)."""
    folder = folder or log_dir()
    return folder / f"kumuh-{dt.date.today():%Y-%m-%d}.log" if folder else None


def use_folder(folder: Path) -> Path:
    """Send this process tree's detailed log to ``folder`` (created; files older than
    ``KEEP_DAYS`` removed); returns today's file."""
    folder.mkdir(parents=True, exist_ok=True)
    os.environ[LOG_DIR_VAR] = str(folder.resolve())
    cutoff = time.time() - KEEP_DAYS * 86400
    for old in folder.glob("kumuh-*.log"):
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:
            pass
    logging.captureWarnings(True)  # library warnings to the log, not the terminal
    return today_file(folder)


class DailyFileHandler(logging.Handler):
    """Appends each record to the day's log file of ``$KUMUH_LOG_DIR`` (opened per record:
    several processes share the file and a long ``kumuh serve`` crosses midnight)."""

    def __init__(self, level: int = logging.NOTSET) -> None:
        super().__init__(level)
        self._fallback = logging.StreamHandler(sys.stderr)
        self._fallback.setLevel(logging.WARNING)

    def emit(self, record: logging.LogRecord) -> None:
        path = today_file()
        if path is None:
            if record.levelno >= logging.WARNING:
                self._fallback.setFormatter(self.formatter)
                self._fallback.emit(record)
            return
        try:
            line = self.format(record)
            with path.open("a", encoding="utf-8") as fh:
                fh.write(line + "\n")
        except Exception:  # a log line must never break a run
            self.handleError(record)
