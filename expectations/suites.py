"""The GX side of kumuh's checks: each suite bound to a whole-dataframe batch in one ephemeral
context, run for the rows that fail it.

Only this module (with :mod:`expectations.gx_import` and the expectation builders of
:mod:`expectations.input_suites` and :mod:`expectations.output_contract`) touches GX at run
time; the rest of kumuh asks for a suite's failures by name (:mod:`expectations.failures`),
in its own process or in the checks process of :mod:`flows.checks_process`.
"""

from __future__ import annotations

from functools import cache

import pandas as pd

from expectations import input_suites, output_contract
from expectations.gx_import import ProgressBarsConfig, configurations_built_once, gx


class Suite:
    """A GX suite bound to a whole-dataframe batch definition in an ephemeral context.

    A suite run costs ~2–3 ms per expectation to decide pass/fail and more to also list every
    failing row, whatever the frame; most runs fail few expectations. So the suite runs once
    for pass/fail, and only the expectations that failed run again listing their rows. The
    suite validates the batch directly: no validation definition, so no result is stored in
    the context (kumuh keeps its findings, not GX's results)."""

    def __init__(self, context: gx.data_context.AbstractDataContext, name: str,
                 expectations: list) -> None:
        asset = context.data_sources.add_pandas(f"ds_{name}").add_dataframe_asset(name)
        self.batch_definition = asset.add_batch_definition_whole_dataframe(name)
        # one call with every expectation: adding them one by one re-saves the suite each time
        self.suite = context.suites.add(gx.ExpectationSuite(name=name, expectations=expectations))
        self.by_id = {e.id: e for e in self.suite.expectations}

    def failures(self, frame: pd.DataFrame) -> list[tuple[dict, list]]:
        """(expectation meta, failing index labels) for every failed expectation."""
        if frame.empty:
            return []
        try:
            with configurations_built_once():
                return self._failures(frame)
        finally:
            self._release()

    def _failures(self, frame: pd.DataFrame) -> list[tuple[dict, list]]:
        batch = self.batch_definition.get_batch(batch_parameters={"dataframe": frame})
        result = batch.validate(self.suite, result_format="BOOLEAN_ONLY")
        failed = []
        for r in result.results:
            raise_if_broken(r)
            if not r.success:
                failed.append(self.by_id[r.expectation_config.id])
        listed = []
        for expectation in failed:
            r = batch.validate(expectation, result_format="COMPLETE")
            raise_if_broken(r)
            listed.append((expectation.meta, r.result.get("unexpected_index_list") or []))
        return listed

    def _release(self) -> None:
        """Drop the frames GX's execution engine keeps of the last batch (a national run's RT
        rows would otherwise stay in memory until the process ends)."""
        manager = self.batch_definition.data_asset.datasource.get_execution_engine().batch_manager
        manager.reset_batch_cache()
        manager.batch_data_cache.clear()


def ephemeral_context() -> gx.data_context.AbstractDataContext:
    """A GX context in memory, progress bars off (kumuh's suites live only in the process)."""
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False,
                                                         metric_calculations=False)
    return context


def raise_if_broken(result) -> None:
    """A GX expectation that could not run is kumuh's bug, never a finding."""
    if result.exception_info and result.exception_info.get("raised_exception"):
        raise RuntimeError(f"GX expectation failed to run: {result.exception_info}")


#: kumuh's suites by name: the input's RT rows and workbooks (spec §5), the output contract.
BUILDERS = {
    "rt_rows": input_suites.rt_row_expectations,
    "workbooks": input_suites.workbook_expectations,  # the year rule: today's year
    output_contract.SUITE: output_contract.contract_expectations,
}


@cache
def _context() -> gx.data_context.AbstractDataContext:
    return ephemeral_context()


@cache
def suite(name: str) -> Suite:
    """The process's suite ``name`` (one of :data:`BUILDERS`), built once."""
    return Suite(_context(), name, BUILDERS[name]())


def failures(name: str, frame: pd.DataFrame) -> list[tuple[dict, list]]:
    """(expectation meta, failing index labels) of every expectation of suite ``name`` that
    ``frame`` fails."""
    return suite(name).failures(frame)


def load() -> None:
    """Build every suite now (GX imported, contexts made), before the first batch waits."""
    for name in BUILDERS:
        suite(name)
