"""Great Expectations checks on the published tables, generated from the output contract.

Every column of ``transforms/spec/tables/tables.csv`` with an ``allowed`` rule (``in:…``,
``range:lo..hi``, ``regex:…``) is checked, and every table's exact ordered column list.
:class:`ContractCheck` profiles each table as the flow writes it and checks them all before the
new version is switched in; a violation means kumuh itself is wrong, so the publish stops and
the previous tables stay, with the evidence (table, column, rule, offending values) in the error.

GX costs ~10–35 ms per expectation whatever the data, and a national run publishes ~250 ruled
columns over ~500,000 rows. So the suite has one expectation per *distinct rule* (15 rules, not
250 columns) and runs once, over the tables' **column profile**: per ruled column its distinct
values (``in``/``regex``) or its minimum and maximum (``range``) — exactly the values that
decide the rule — one row per value with the table and column it came from. A failing row
names its table, column and value, so the evidence is as specific as a check of every row.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from expectations.failures import Failures, here
from transforms.spec import contract

if TYPE_CHECKING:
    from expectations.gx_import import gx

#: The contract's GX suite (:mod:`expectations.suites`).
SUITE = "kontrak_keluaran"
#: Profile-frame columns of the column-list check: the table's column at each position and
#: the contract's.
ACTUAL, EXPECTED = "kolom_tabel", "kolom_kontrak"
COLUMN_LIST = "kolom kontrak"


class OutputContractError(RuntimeError):
    """Published data would break the output contract; carries the evidence."""


def _number(text: str) -> float | None:
    return float(text) if text.strip() else None


@cache
def rules() -> tuple[str, ...]:
    """Every distinct ``allowed`` rule of the contract, in first-seen order."""
    seen = dict.fromkeys(c.allowed for cols in contract.tables().values() for c in cols
                         if c.allowed)
    return tuple(seen)


def rule_column(rule: str) -> str:
    """Profile-frame column holding the values checked by ``rule``."""
    return f"aturan_{rules().index(rule)}"


def _numeric(rule: str) -> bool:
    """True when a rule speaks of numbers (a range, or a set of integers)."""
    kind, _, spec = rule.partition(":")
    return kind == "range" or (kind == "in" and all(
        v.lstrip("-").isdigit() for v in spec.split(",")))


def rule_expectation(rule: str) -> gx.expectations.Expectation:
    """The expectation of one ``allowed`` rule, over its profile column."""
    from expectations.gx_import import gx

    kind, _, spec = rule.partition(":")
    E = gx.expectations
    column, meta = rule_column(rule), {"aturan": rule}
    if kind == "in":
        values: list[object] = spec.split(",")
        if _numeric(rule):
            values = [float(v) for v in values]
        return E.ExpectColumnValuesToBeInSet(column=column, value_set=values, meta=meta)
    if kind == "range":
        lo, _, hi = spec.partition("..")
        return E.ExpectColumnValuesToBeBetween(column=column, min_value=_number(lo),
                                               max_value=_number(hi), meta=meta)
    if kind == "regex":
        return E.ExpectColumnValuesToMatchRegex(column=column, regex=spec, meta=meta)
    raise ValueError(f"aturan kontrak tidak dikenal: {rule}")


def contract_expectations() -> list[gx.expectations.Expectation]:
    """One expectation per distinct rule plus the column-list check (all tables at once)."""
    from expectations.gx_import import gx

    E = gx.expectations
    return [E.ExpectColumnPairValuesToBeEqual(column_A=ACTUAL, column_B=EXPECTED,
                                              ignore_row_if="both_values_are_missing",
                                              meta={"aturan": COLUMN_LIST}),
            *(rule_expectation(rule) for rule in rules())]


def _checked_values(column: pa.ChunkedArray, rule: str) -> list[object]:
    """The values of a column that decide ``rule``: min and max for a range, else distinct."""
    if rule.startswith("range:"):
        bounds = pc.min_max(column).as_py()
        return [v for v in (bounds["min"], bounds["max"]) if v is not None]
    return pc.unique(column.drop_null()).to_pylist()


#: Profile rows of one table: its name, their ``kolom`` (one, or one per row) and, by frame
#: column, their values; a frame column a block does not name is NaN in its rows.
Block = tuple[str, str | list[str], dict[str, list[object]]]


def _blocks(name: str, table: pa.Table) -> list[Block]:
    """One table's profile rows (see :func:`profile`): its column list position by position,
    then the checked values of each ruled column."""
    actual, expected = table.column_names, contract.columns(name)
    width = max(len(actual), len(expected))
    blocks: list[Block] = [(name, [f"#{i + 1}" for i in range(width)], {
        ACTUAL: [*actual, *[None] * (width - len(actual))],
        EXPECTED: [*expected, *[None] * (width - len(expected))]})]
    for col in contract.tables()[name]:
        if col.allowed and col.name in actual:
            blocks.append((name, col.name, {rule_column(col.allowed): _checked_values(
                table.column(col.name), col.allowed)}))
    return blocks


def _frame(blocks: list[Block]) -> pd.DataFrame:
    """Profile blocks as the frame the suite checks: a cell no block fills is NaN; a rule's
    column holds numbers (float) when the rule speaks of numbers, else objects."""
    sizes = [len(next(iter(values.values()))) for _name, _kolom, values in blocks]
    ends = np.cumsum([0, *sizes])
    numeric = {rule_column(r) for r in rules() if _numeric(r)}  # contract types: never text
    cells = {c: np.full(ends[-1], np.nan, dtype=float if c in numeric else object)
             for c in [ACTUAL, EXPECTED, *(rule_column(r) for r in rules())]}
    tabel, kolom = np.empty(ends[-1], dtype=object), np.empty(ends[-1], dtype=object)
    for (name, names, values), start, end in zip(blocks, ends[:-1], ends[1:], strict=True):
        tabel[start:end] = name
        kolom[start:end] = names
        for column, found in values.items():
            cells[column][start:end] = found
    columns = {"tabel": tabel, "kolom": kolom, **cells}
    return pd.DataFrame({c: pd.Series(v, dtype=v.dtype, copy=False)  # no str inference
                         for c, v in columns.items()}, copy=False)


def profile(tables: dict[str, pa.Table | pd.DataFrame]) -> pd.DataFrame:
    """The column profile of ``tables``: one row per checked value (``tabel``, ``kolom``, the
    value in its rule's column) plus one row per column position (actual vs contract name)."""
    return _frame([block for name, data in tables.items() for block in _blocks(
        name, pa.Table.from_pandas(data, preserve_index=False)
        if isinstance(data, pd.DataFrame) else data)])


def profile_violations(frame: pd.DataFrame, failures: Failures = here) -> list[str]:
    """Evidence lines for every contract rule broken in a column profile (:func:`profile`,
    or several concatenated); the suite runs where ``failures`` runs it."""
    frame = frame.reset_index(drop=True)
    if frame.empty:
        return []
    out: list[str] = []
    for meta, index in failures(SUITE, frame):  # pass/fail first, failing rows if any
        rule = meta["aturan"]
        bad = frame.loc[index]
        if rule == COLUMN_LIST:
            for tabel, rows in bad.groupby("tabel", sort=False):
                pairs = [f"{k}: ada {a!r}, kontrak {e!r}" for k, a, e in
                         rows[["kolom", ACTUAL, EXPECTED]].itertuples(index=False)]
                out.append(f"{tabel}.*: {rule} — " + "; ".join(pairs))
            continue
        values: dict[tuple[str, str], list[object]] = defaultdict(list)
        for tabel, kolom, value in bad[["tabel", "kolom", rule_column(rule)]].itertuples(
                index=False):
            values[(tabel, kolom)].append(value)
        for (tabel, kolom), found in values.items():
            out.append(f"{tabel}.{kolom}: {rule} — {len(found)} nilai berbeda, "
                       f"contoh {found[:5]}")
    return out


def violations(table: str, data: pa.Table | pd.DataFrame) -> list[str]:
    """Evidence lines for every contract rule one table breaks (empty when it complies)."""
    return profile_violations(profile({table: data}))


def check_tables(tables: dict[str, pa.Table]) -> None:
    """Raise :class:`OutputContractError` when any table breaks the contract."""
    check_profile(profile(tables) if tables else pd.DataFrame())


def check_profile(frame: pd.DataFrame, failures: Failures = here) -> None:
    """Raise :class:`OutputContractError` when a column profile breaks the contract."""
    problems = profile_violations(frame, failures)
    if problems:
        raise OutputContractError("Data keluaran melanggar kontrak:\n" + "\n".join(problems))


class ContractCheck:
    """Collects each published table's profile as it is written (``inspect``) and checks
    them all in one GX call before the tables are switched (``check``)."""

    def __init__(self, failures: Failures = here) -> None:
        self.blocks: list[Block] = []
        self.failures = failures

    def inspect(self, table: str, data: pa.Table) -> None:
        self.blocks += _blocks(table, data)  # framed once, in ``check``

    def check(self) -> None:
        # parts of one table repeat its column list and may share values: count each once
        check_profile(_frame(self.blocks).drop_duplicates()
                      if self.blocks else pd.DataFrame(), self.failures)
