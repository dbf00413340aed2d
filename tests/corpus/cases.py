"""What the corpus expects (``cases.csv``): each file's expected findings, comparable as keys."""

from __future__ import annotations

import csv
from collections import defaultdict

from tests.corpus import build

CASES = list(csv.DictReader(build.CASES.open(newline="", encoding="utf-8")))
BY_FILE: dict[str, list[dict[str, str]]] = defaultdict(list)
for _row in CASES:
    BY_FILE[_row["file"]].append(_row)
KEYS = ("aturan", "tingkat", "sheet", "baris", "kolom")


def finding_key(row: dict) -> tuple[str, ...]:
    """A finding (or expected finding) as comparable text, '' for empty."""
    return tuple("" if row.get(k) is None else str(row[k]) for k in KEYS)
