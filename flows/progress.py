"""Progress on a terminal: the current stage and files read / total, on one line.

Quiet when stderr is not a terminal (CI, cron, log files): the Prefect task logs already say
what happened, and a progress line only adds noise there.
"""

from __future__ import annotations

import sys
from typing import TextIO


class Progress:
    """One self-overwriting status line on a TTY; does nothing otherwise."""

    def __init__(self, stream: TextIO | None = None, enabled: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self._stage = ""

    def stage(self, text: str) -> None:
        """Announce a stage (``membaca``, ``validasi`` …)."""
        self._stage = text
        self._show(text)

    def count(self, done: int, total: int) -> None:
        """Files done out of total, within the current stage."""
        self._show(f"{self._stage}: {done}/{total} berkas")

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r\033[K")
            self.stream.flush()

    def _show(self, text: str) -> None:
        if self.enabled:
            self.stream.write(f"\r\033[K» {text}")
            self.stream.flush()
