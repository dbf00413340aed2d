"""GX is imported without loading ``scipy.stats`` and ``altair`` up front (they still work when
used) and without its SQL/S3 back-ends (importable afterwards); a suite run builds each
expectation's configuration once, with the same findings."""

import subprocess
import sys

import pandas as pd

from expectations.gx_import import configurations_built_once, gx
from expectations.suites import Suite, ephemeral_context

PROBE = """
import sys
from expectations import suites
suites.load()  # GX imported and every suite built, as a run that validates and publishes
lazy = ",".join(type(sys.modules[m]).__name__ for m in ("scipy.stats", "altair"))
backends = ",".join(m for m in ("sqlalchemy", "boto3", "botocore") if m in sys.modules) or "-"
from scipy import stats
entropy = round(float(stats.entropy([1, 1])), 6)
from great_expectations.expectations.core import expect_column_kl_divergence_to_be_less_than
chart = expect_column_kl_divergence_to_be_less_than.alt.Chart.__name__  # GX's own handle
after = ",".join(type(sys.modules[m]).__name__ for m in ("scipy.stats", "altair"))
import sqlalchemy  # kept out of GX's import only: importable as usual afterwards
print(lazy, after, entropy, chart, backends, sqlalchemy.__name__)
"""


def test_gx_suites_load_without_scipy_stats_and_backends_which_load_when_used() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                          check=True)
    lazy, after, entropy, chart, backends, sqlalchemy = done.stdout.split()
    assert lazy == "DeferredModule,DeferredModule"
    assert after == "module,module"  # touched: loaded in full
    assert entropy == "0.693147"
    assert chart == "Chart"
    assert backends == "-"
    assert sqlalchemy == "sqlalchemy"


def test_configuration_built_once_inside_the_block_only() -> None:
    expectation = gx.expectations.ExpectColumnValuesToBeBetween(column="x", min_value=0)
    assert expectation.configuration is not expectation.configuration  # GX: built anew
    with configurations_built_once():
        inside = expectation.configuration
        assert expectation.configuration is inside
        assert inside.kwargs["column"] == "x" and inside.kwargs["min_value"] == 0
    assert expectation.configuration is not inside  # GX's own property is back


def test_suite_finds_the_same_failing_rows_as_plain_gx() -> None:
    expectations = [
        gx.expectations.ExpectColumnValuesToBeBetween(column="x", min_value=0,
                                                      meta={"aturan": "negatif"}),
        gx.expectations.ExpectColumnValuesToNotBeNull(column="y", meta={"aturan": "kosong"}),
        gx.expectations.ExpectColumnValuesToBeInSet(column="y", value_set=[1.0, 2.0],
                                                    meta={"aturan": "himpunan"}),
    ]
    frame = pd.DataFrame({"x": [1.0, -2.0, 3.0, -0.5], "y": [1.0, None, 2.0, 1.0]},
                         index=[10, 11, 12, 13])
    found = {meta["aturan"]: sorted(index)
             for meta, index in Suite(ephemeral_context(), "uji", expectations).failures(frame)}
    assert found == {"negatif": [11, 13], "kosong": [11]}
    plain = gx.get_context(mode="ephemeral").data_sources.add_pandas("p").add_dataframe_asset(
        "a").add_batch_definition_whole_dataframe("b").get_batch(
        batch_parameters={"dataframe": frame})
    for expectation in expectations[:2]:
        result = plain.validate(expectation, result_format="COMPLETE")
        assert sorted(result.result["unexpected_index_list"]) == found[expectation.meta["aturan"]]
