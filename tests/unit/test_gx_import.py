"""GX is imported without loading ``scipy.stats`` up front, and ``scipy.stats`` still works."""

import subprocess
import sys

PROBE = """
import sys
import expectations.output_contract  # both suites' modules, as a publishing run loads them
lazy = type(sys.modules["scipy.stats"]).__name__
from scipy import stats
entropy = round(float(stats.entropy([1, 1])), 6)
print(lazy, type(sys.modules["scipy.stats"]).__name__, entropy)
"""


def test_gx_suites_load_without_scipy_stats_which_loads_when_used() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                          check=True)
    lazy, after, entropy = done.stdout.split()
    assert lazy == "_LazyModule"
    assert after == "module"  # touched: loaded in full
    assert entropy == "0.693147"
