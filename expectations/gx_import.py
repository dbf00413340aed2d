"""Great Expectations, imported once for every suite: analytics off, its logger quiet.

GX's package imports ``scipy.stats`` at start-up for distribution expectations (KL divergence,
KS tests) that kumuh's suites never use; that import alone is ~0.5 s of every run that validates.
Here ``scipy.stats`` is put in place as a lazy module (the standard library's
:class:`importlib.util.LazyLoader`), loaded in full the first time anything touches it, so nothing
changes for code that does use it. GX's fingerprint of each pandas batch is switched off (below).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import sys

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
logging.getLogger("great_expectations").setLevel(logging.WARNING)


def _defer_scipy_stats() -> None:
    """``scipy.stats`` as a lazy module until first used (nothing when already imported)."""
    if "scipy.stats" in sys.modules:
        return
    try:
        spec = importlib.util.find_spec("scipy.stats")
    except ImportError:
        return
    if spec is None or spec.loader is None:
        return
    import scipy

    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules["scipy.stats"] = module
    spec.loader.exec_module(module)
    # ``from scipy import stats`` then finds the attribute and never asks the import system,
    # whose look-up of a module's ``__spec__`` would load it at once (Python 3.11)
    scipy.stats = module


_defer_scipy_stats()

import great_expectations as gx  # noqa: E402  (after the switches above)
from great_expectations.data_context.types.base import ProgressBarsConfig  # noqa: E402
from great_expectations.execution_engine import pandas_execution_engine  # noqa: E402

# GX fingerprints every pandas batch under 1 GB (an md5 of ``hash_pandas_object`` over the
# whole frame, ~0.17 s for a national run's RT rows) only to record it among the batch's
# metadata, which kumuh never reads: no frame is fingerprinted.
pandas_execution_engine.HASH_THRESHOLD = 0

__all__ = ["ProgressBarsConfig", "gx"]
