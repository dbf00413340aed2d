"""Where a GX suite runs, as the rest of kumuh sees it: a function from a suite's name and a
frame to the expectations the frame fails (meta, failing index labels).

:func:`here` runs the suite in this process, importing GX (~1 s) on first use; the flows may
pass another such function that runs it in a process started ahead
(:mod:`flows.checks_process`). The findings code never imports GX itself.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

#: (suite name, frame) → [(expectation meta, failing index labels)] of each failed expectation.
Failures = Callable[[str, pd.DataFrame], list[tuple[dict, list]]]


def here(name: str, frame: pd.DataFrame) -> list[tuple[dict, list]]:
    """The failures of suite ``name`` over ``frame``, GX run in this process."""
    from expectations import suites

    return suites.failures(name, frame)
