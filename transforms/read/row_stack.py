"""RT-row frames of many read chunks stacked as they arrive, for the read step of a run.

:class:`RowStack` copies each chunk's rows into growing column arrays as soon as the chunk is
read (while the reader processes still work), so that the stacked frame is ready when the last
chunk arrives instead of being concatenated afterwards on one core. The frame it gives is the
one :func:`concat_rows` gives of the same frames: same columns, dtypes, categories and values.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from pandas.api.internals import create_dataframe_from_blocks

#: Provenance columns kept categorical when stacked (one text per workbook, not per row).
CATEGORICAL = ("sumber_file", "sha256", "sumber_sheet")
#: Spare room when the final row count is estimated; past it the arrays grow by a quarter.
_MARGIN, _GROWTH = 1.03, 1.25


def concat_rows(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """RT-row frames stacked; categorical provenance columns stay categorical (their
    categories unified first, else pandas would expand them to one string per row)."""
    for col in CATEGORICAL:
        if all(isinstance(p[col].dtype, pd.CategoricalDtype) for p in parts):
            union = pd.Index(pd.concat([p[col].cat.categories.to_series() for p in parts]
                                       ).unique())
            parts = [p.assign(**{col: p[col].cat.set_categories(union)}) for p in parts]
    return pd.concat(parts, ignore_index=True)


class RowStack:
    """RT rows of chunks added in order, with ``wb`` shifted per chunk; :meth:`frame` is
    :func:`concat_rows` of the shifted frames. Chunks share one layout (columns, dtypes): numpy
    columns go into one preallocated 2-D array per dtype (pandas' block layout), categorical
    ones into codes against categories unified as they come. A chunk of another layout (one
    whose workbooks have none of the stored-result columns the earlier chunks have) ends the
    copying: the rest is concatenated by :func:`concat_rows`, as before the stack."""

    def __init__(self) -> None:
        self.rows = 0  # rows added
        self._filled = 0  # rows in the arrays
        self._columns: pd.Index | None = None
        self._dtypes: list[object] = []
        #: numpy dtype → (2-D array [column, row], positions of its columns in the frame)
        self._blocks: dict[np.dtype, tuple[np.ndarray, np.ndarray]] = {}
        #: categorical column's position → (codes array, category → code, the categories in
        #: order of appearance: one piece per chunk that brought new ones)
        self._categories: dict[int, tuple[np.ndarray, dict[object, int], list[pd.Index]]] = {}
        self._wb: tuple[np.dtype, int] = (np.dtype(np.int64), 0)  # ``wb``'s array and row
        self._frames: list[pd.DataFrame] = []  # once a chunk did not fit the layout

    def add(self, part: pd.DataFrame, shift: int, expected_rows: int) -> None:
        """Add ``part`` (rows of one chunk) with ``shift`` added to its ``wb``;
        ``expected_rows``: the caller's estimate of the stack's final size (room to reserve)."""
        if not len(part):
            return
        self.rows += len(part)
        if self._columns is None and not self._frames and _fits_a_layout(part):
            self._start(part)
        elif self._columns is None or not self._same_layout(part):
            if self._columns is not None:
                self._frames.append(self._arrays_frame())
                self._columns = None
            self._frames.append(part.assign(wb=part["wb"] + shift))
            return
        start, end = self._filled, self._filled + len(part)
        self._reserve(end, expected_rows)
        for array, positions in self._blocks.values():
            for i, at in enumerate(positions):
                array[i, start:end] = part.iloc[:, at].to_numpy()
        dtype, row = self._wb
        self._blocks[dtype][0][row, start:end] += shift
        for at, (codes, known, pieces) in self._categories.items():
            values, before = part.iloc[:, at].array, len(known)
            new = np.array([known.setdefault(c, len(known)) for c in values.categories] + [-1],
                           dtype=codes.dtype)  # the last one: a missing value's code -1
            codes[start:end] = new[values.codes]
            if len(known) > before:
                pieces.append(values.categories[new[:-1] >= before])
        self._filled = end

    def frame(self) -> pd.DataFrame:
        """The stacked rows (the arrays' filled part, not copied again)."""
        if self._frames:
            return concat_rows(self._frames)
        return self._arrays_frame()

    def _arrays_frame(self) -> pd.DataFrame:
        assert self._columns is not None, "no rows added"
        n = self._filled
        blocks: list[tuple[object, np.ndarray]] = [
            (array[:, :n], positions) for array, positions in self._blocks.values()]
        for at, (codes, known, pieces) in self._categories.items():
            categories = pieces[0].append(pieces[1:]) if len(pieces) > 1 else pieces[0]
            blocks.append((pd.Categorical.from_codes(
                _smallest_codes(codes[:n], len(known)),
                dtype=pd.CategoricalDtype(categories, ordered=False)), np.array([at])))
        return create_dataframe_from_blocks(blocks, pd.RangeIndex(n), self._columns)

    def _start(self, part: pd.DataFrame) -> None:
        self._columns = part.columns
        self._dtypes = list(part.dtypes)
        by_dtype: dict[np.dtype, list[int]] = {}
        for at, dtype in enumerate(self._dtypes):
            if isinstance(dtype, pd.CategoricalDtype):
                self._categories[at] = (np.empty(0, np.int32), {}, [dtype.categories[:0]])
            else:
                by_dtype.setdefault(dtype, []).append(at)
        self._blocks = {d: (np.empty((len(at), 0), d), np.array(at)) for d, at in
                        by_dtype.items()}
        wb = part.columns.get_loc("wb")
        self._wb = (self._dtypes[wb], by_dtype[self._dtypes[wb]].index(wb))

    def _same_layout(self, part: pd.DataFrame) -> bool:
        return part.columns.equals(self._columns) and all(
            a == b if isinstance(a, np.dtype) else (
                isinstance(b, pd.CategoricalDtype) and a.categories.dtype == b.categories.dtype)
            for a, b in zip(part.dtypes, self._dtypes, strict=True))

    def _reserve(self, end: int, expected_rows: int) -> None:
        """Room for ``end`` rows: arrays of the expected size, grown by a quarter at least."""
        have = next(iter(self._blocks.values()))[0].shape[1]
        if end <= have:
            return
        size = max(end, math.ceil(expected_rows * _MARGIN), math.ceil(have * _GROWTH))
        n = self._filled
        for dtype, (array, positions) in list(self._blocks.items()):
            grown = np.empty((len(positions), size), dtype)
            grown[:, :n] = array[:, :n]
            self._blocks[dtype] = (grown, positions)
        for at, (codes, known, pieces) in list(self._categories.items()):
            grown = np.empty(size, codes.dtype)
            grown[:n] = codes[:n]
            self._categories[at] = (grown, known, pieces)


def _fits_a_layout(part: pd.DataFrame) -> bool:
    """Whether :class:`RowStack` can copy ``part``: unique columns, each a numpy array or (the
    :data:`CATEGORICAL` ones) a categorical, with an integer ``wb``."""
    if not (part.columns.is_unique and {"wb", *CATEGORICAL} <= set(part.columns)):
        return False
    return part["wb"].dtype.kind in "iu" and isinstance(part["wb"].dtype, np.dtype) and all(
        isinstance(d, np.dtype) or isinstance(d, pd.CategoricalDtype) and col in CATEGORICAL
        for col, d in part.dtypes.items())


def _smallest_codes(codes: np.ndarray, categories: int) -> np.ndarray:
    """``codes`` in the integer type pandas gives categoricals of so many categories."""
    for kind in (np.int8, np.int16, np.int32):
        if categories < np.iinfo(kind).max:
            return codes.astype(kind, copy=False)
    return codes.astype(np.int64)
