"""Great Expectations checks on the published tables, generated from the output contract.

Every table of ``transforms/spec_tables/tables.csv`` gets a suite: its exact ordered column
list, and for each column with an ``allowed`` rule (``in:…``, ``range:lo..hi``, ``regex:…``)
the matching expectation. :func:`check_tables` runs them on a run's data before it is
published; a violation means kumuh itself is wrong, so the publish stops and the previous
tables stay, with the evidence (table, column, rule, offending values) in the error.
"""

from __future__ import annotations

import logging
import os
from functools import cache

import pandas as pd
import pyarrow as pa

from transforms import contract

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
logging.getLogger("great_expectations").setLevel(logging.WARNING)

import great_expectations as gx  # noqa: E402
from great_expectations.data_context.types.base import ProgressBarsConfig  # noqa: E402


class OutputContractError(RuntimeError):
    """Published data would break the output contract; carries the evidence."""


def _number(text: str) -> float | None:
    return float(text) if text.strip() else None


def column_expectation(col: contract.Column) -> gx.expectations.Expectation | None:
    """The expectation for a column's ``allowed`` rule, or None when it has none."""
    kind, _, rule = col.allowed.partition(":")
    E = gx.expectations
    meta = {"kolom": col.name, "aturan": col.allowed}
    if kind == "in":
        values = rule.split(",")
        if col.type.startswith("int"):
            values = [int(v) for v in values]
        return E.ExpectColumnValuesToBeInSet(column=col.name, value_set=values, meta=meta)
    if kind == "range":
        lo, _, hi = rule.partition("..")
        return E.ExpectColumnValuesToBeBetween(column=col.name, min_value=_number(lo),
                                               max_value=_number(hi), meta=meta)
    if kind == "regex":
        return E.ExpectColumnValuesToMatchRegex(column=col.name, regex=rule, meta=meta)
    return None


def table_expectations(table: str) -> list[gx.expectations.Expectation]:
    """Column list and allowed values of one published table."""
    cols = contract.tables()[table]
    out: list[gx.expectations.Expectation] = [gx.expectations.ExpectTableColumnsToMatchOrderedList(
        column_list=[c.name for c in cols], meta={"kolom": "*", "aturan": "kolom kontrak"})]
    out += [e for c in cols if (e := column_expectation(c)) is not None]
    return out


class _OutputSuites:
    def __init__(self) -> None:
        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False,
                                                             metric_calculations=False)
        self.definitions = {}
        for table in contract.tables():
            asset = context.data_sources.add_pandas(f"out_{table}").add_dataframe_asset(table)
            batch = asset.add_batch_definition_whole_dataframe(table)
            suite = context.suites.add(gx.ExpectationSuite(  # all at once: see validate.py
                name=f"kontrak_{table}", expectations=table_expectations(table)))
            self.definitions[table] = context.validation_definitions.add(
                gx.ValidationDefinition(name=f"kontrak_{table}", data=batch, suite=suite))


@cache
def _suites() -> _OutputSuites:
    return _OutputSuites()


def violations(table: str, data: pa.Table | pd.DataFrame) -> list[str]:
    """Evidence lines for every contract rule ``data`` breaks (empty when it complies)."""
    frame = data.to_pandas() if isinstance(data, pa.Table) else data
    if frame.empty:
        return []
    result = _suites().definitions[table].run(batch_parameters={"dataframe": frame},
                                              result_format="SUMMARY")
    out = []
    for r in result.results:
        if not r.success:
            meta = r.expectation_config.meta
            sample = r.result.get("partial_unexpected_list") or r.result.get("observed_value")
            out.append(f"{table}.{meta['kolom']}: {meta['aturan']} — "
                       f"{r.result.get('unexpected_count', '?')} nilai, contoh {sample}")
    return out


def check_tables(tables: dict[str, pa.Table]) -> None:
    """Raise :class:`OutputContractError` when any table breaks the contract."""
    problems = [line for name, data in tables.items() for line in violations(name, data)]
    if problems:
        raise OutputContractError("Data keluaran melanggar kontrak:\n" + "\n".join(problems))
