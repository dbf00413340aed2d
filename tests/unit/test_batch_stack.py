"""Batches of chunks stacked as they arrive: the same frames as reading every file at once."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from tests.corpus import build
from transforms.intake import inventory
from transforms.read import batch
from transforms.read.row_stack import RowStack, concat_rows

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


def _chunks(root: Path, size: int) -> list[batch.Batch]:
    """The workbooks under ``root`` read in chunks of ``size``, numbered as a run numbers them
    (from 1000: the stacking renumbers them from 0)."""
    files = inventory.discover(root)
    return [batch.read_files(root, files[i:i + size], 1000 + i)
            for i in range(0, len(files), size)]


def _renumbered(parts: list[batch.Batch], frame: str) -> pd.DataFrame:
    """``frame`` of every part one after the other, ``wb`` counted on over the parts."""
    frames, offset = [], 0
    for p in parts:
        f = getattr(p, frame)
        frames.append(f.assign(wb=f["wb"] - int(p.workbooks["wb"].min()) + offset))
        offset += len(p)
    return pd.concat(frames, ignore_index=True)


@pytest.mark.parametrize("root", [SAMPLE, build.FILES], ids=["sample", "corpus"])
@pytest.mark.parametrize("expected", [None, 1], ids=["counted", "underestimated"])
def test_chunks_stacked_as_they_come_read_as_one(root: Path, expected: int | None) -> None:
    """RT rows (categorical provenance included), cells and texts of the stacked chunks are
    those of one read of every file; the workbook and problem frames are the chunks' own, with
    ``wb`` counted on. Row arrays too small at first grow without changing a value."""
    parts = _chunks(root, 5)
    whole = batch.read_files(root, inventory.discover(root), 0)
    stack = batch.Stacker(sum(len(p) for p in parts) if expected is None else expected)
    for p in parts:
        stack.add(p)
    got = stack.batch()
    assert len(got.rows) > 250 and got.rows["sumber_file"].dtype == "category"
    assert_frame_equal(got.rows, whole.rows, check_exact=True)
    assert got.rows["sumber_file"].cat.categories.equals(whole.rows["sumber_file"].cat.categories)
    assert_frame_equal(got.workbooks, _renumbered(parts, "workbooks"), check_exact=True)
    assert got.workbooks["wb"].tolist() == list(range(len(whole)))
    assert_frame_equal(got.problems, _renumbered(parts, "problems"), check_exact=True)
    assert (got.letters, got.typed, got.cells) == (whole.letters, whole.typed, whole.cells)


def test_row_stack_is_concat_rows_of_the_shifted_frames() -> None:
    """Chunks of one layout (copied into arrays) and then one without the stored columns
    (the rest concatenated) give :func:`concat_rows` of the frames, ``wb`` shifted."""
    parts = [p.rows for p in _chunks(build.FILES, 5) if len(p.rows)]
    same = [p for p in parts if p.columns.equals(parts[0].columns)]
    other = next(p for p in parts if not p.columns.equals(parts[0].columns))
    for frames in (same, [*same[:2], other, *same[2:]]):
        stack = RowStack()
        for i, f in enumerate(frames):
            stack.add(f, 100 * i, 10)
        want = concat_rows([f.assign(wb=f["wb"] + 100 * i) for i, f in enumerate(frames)])
        assert_frame_equal(stack.frame(), want, check_exact=True)


def test_empty_batches_stack_as_concat_did() -> None:
    """No batch, or batches of no workbook, give the empty batch; a batch without RT rows
    gives its (empty) rows frame."""
    empty = batch.combine([])
    for batches in ([], [empty, empty]):
        got = batch.concat(batches)
        assert_frame_equal(got.rows, empty.rows)
        assert got.workbooks.empty and got.problems.empty
    no_rows = [p for p in _chunks(build.FILES, 5) if len(p) and not len(p.rows)][0]
    got = batch.concat([empty, no_rows])
    assert got.rows.empty and list(got.rows.columns) == list(no_rows.rows.columns)
    assert got.workbooks["wb"].tolist() == list(range(len(no_rows)))
