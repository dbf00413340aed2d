"""The header row of the RT table and the choice of the RT sheet (spec §2)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from transforms.read.cells import Grid, MergeMap, blank, norm_label
from transforms.read.labels import match_column_label
from transforms.read.sheets import Book

#: Rows scanned for the header row and for identity labels (spec §2).
HEADER_SCAN_ROWS = 40
#: Group-header rows above the header row a merged-down label may come from.
GROUP_ROWS = 2
MIN_HEADER_MATCHES = 3
#: Normalised sheet-name fragments of an identity sheet and of the RT sheet.
IDENTITY_SHEET_WORDS = ("identitas", "cover")
RT_SHEET_NAME = re.compile(r"(?<![a-z])rt(?![a-z])")  # the word "RT" in a sheet name


@dataclass
class Header:
    row: int  # 0-based header row (the lowest one)
    top: int  # 0-based topmost row a label came from
    columns: dict[str, int]  # canonical column -> 0-based column index


def _label_above(grid: Grid, r: int, c: int, merges: MergeMap) -> tuple[object, int] | None:
    """The label an empty header cell inherits from the nearest non-empty cell above it
    (within GROUP_ROWS rows), unless that cell is a group title merged across columns."""
    for ra in range(r - 1, max(r - 1 - GROUP_ROWS, -1), -1):
        row = grid[ra]
        value = row[c] if c < len(row) else ""
        if blank(value):
            continue
        merge = merges.get((ra, c)) if merges else None
        if merge is not None and merge[3] > merge[1] and merge[2] < r:
            return None
        return value, ra
    return None


def _row_columns(grid: Grid, r: int, merges: MergeMap) -> tuple[dict[str, int], int]:
    """Known columns a candidate header row names (first label wins) and the topmost row used."""
    found: dict[str, int] = {}
    top = r
    for c, value in enumerate(grid[r]):
        source = r
        if blank(value):
            inherited = _label_above(grid, r, c, merges)
            if inherited is None:
                continue
            value, source = inherited
        if not isinstance(value, str):
            continue
        name = match_column_label(value)
        if name is not None and name not in found:
            found[name] = c
            top = min(top, source)
    return found, top


_LETTER = re.compile(r"[^\W\d_]")  # every column label has a letter; number texts have none


def _names_own_column(row: list[Any]) -> bool:
    """True when a row holds at least one known column label of its own (cheap pre-check)."""
    for value in row:
        if type(value) is str and (
                # an ASCII text has a letter when its case can change (cheaper than the regex)
                value.lower() != value.upper() if value.isascii() else _LETTER.search(value)
        ) and match_column_label(value) is not None:
            return True
    return False


def find_header(grid: Grid, merges: MergeMap) -> Header | None:
    """The row among the first HEADER_SCAN_ROWS naming the most known columns (>= 3);
    on a tie the upper row wins."""
    best: Header | None = None
    need = MIN_HEADER_MATCHES  # known columns a row must name to be chosen
    for r in range(min(HEADER_SCAN_ROWS, len(grid))):
        kinds = list(map(type, grid[r]))
        if kinds.count(str) + kinds.count(type(None)) < need:
            continue  # a label is a text, or an empty cell's inherited one: too few cells
        if not _names_own_column(grid[r]):
            continue  # a header row has at least one known label of its own
        columns, top = _row_columns(grid, r, merges)
        if len(columns) >= need:
            best = Header(r, top, columns)
            need = len(columns) + 1
    return best


# --------------------------------------------------------------------------- sheet choice


def is_identity_sheet(name: str) -> bool:
    """True for a sheet named like Identitas / Cover / Identitas Kelurahan."""
    norm = norm_label(name)
    return any(word in norm for word in IDENTITY_SHEET_WORDS)


def choose_rt_sheet(book: Book) -> tuple[str | None, Header | None]:
    """The RT sheet and its header: a sheet named with "RT", else the only non-identity
    sheet, else the sheet whose header names the most known columns."""
    named = [n for n in book.names if RT_SHEET_NAME.search(n.lower()) and not is_identity_sheet(n)]
    others = [n for n in book.names if not is_identity_sheet(n)]
    if named:
        rounds = [named, [n for n in book.names if n not in named]]
    elif len(others) == 1:
        rounds = [others, [n for n in book.names if n not in others]]
    else:
        rounds = [book.names]
    for candidates in rounds:
        best: tuple[str, Header] | None = None
        for name in candidates:
            header = find_header(book.grid(name), book.merges(name))
            if header and (best is None or len(header.columns) > len(best[1].columns)):
                best = (name, header)
        if best:
            return best
    fallback = named or (others if len(others) == 1 else [])
    return (fallback[0] if fallback else None), None

