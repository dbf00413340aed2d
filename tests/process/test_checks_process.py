"""The GX suites in their own process give the findings and contract evidence the flow's own
process gives; large frames, a dead process or a suite's error are handled in the command."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from expectations import output_contract
from expectations.failures import here
from expectations.validate_input import Validator
from flows import checks_process
from flows.config import Settings
from transforms.intake import inventory
from transforms.read import batch as batches
from transforms.spec import reference

SAMPLE = Path(__file__).parents[2] / "data" / "sample"


@pytest.fixture
def checks() -> Iterator[None]:
    checks_process.start()
    try:
        yield
    finally:
        checks_process.stop()


def _sample_batch() -> tuple[batches.Batch, pd.DataFrame]:
    ref = reference.Reference(Settings(input=SAMPLE).reference)
    batch = batches.read_files(SAMPLE, inventory.discover(SAMPLE))
    batch.workbooks = batches.codes_from_names(batch.workbooks, ref)
    return batch, batches.with_reference(batch.workbooks, ref)


def test_sample_findings_are_the_same_from_the_checks_process(checks: None) -> None:
    batch, checked = _sample_batch()
    there = Validator(checks_process.failures).validate(batch, checked)
    assert checks_process.checked_there() == 2  # both input suites ran there
    here_found = Validator(here).validate(batch, checked)
    assert not here_found.empty  # the sample holds bad workbooks
    pd.testing.assert_frame_equal(there, here_found)


def test_contract_evidence_is_the_same_from_the_checks_process(checks: None) -> None:
    bad = pa.table({"tahun": pa.array([2024, 1800], pa.int16()),
                    "kode_kabupaten": ["3201", "3201"]})
    profile = output_contract.profile({"indikator_kabupaten": bad})
    there = output_contract.profile_violations(profile, checks_process.failures)
    assert checks_process.checked_there() == 1
    assert there and there == output_contract.profile_violations(profile, here)


def test_large_frames_dead_process_and_errors_are_handled_in_the_command(
        checks: None, monkeypatch: pytest.MonkeyPatch) -> None:
    batch, checked = _sample_batch()
    expected = Validator(here).validate(batch, checked)
    monkeypatch.setattr(checks_process, "MAX_ROWS", 1)  # every frame counts as large
    pd.testing.assert_frame_equal(Validator(checks_process.failures).validate(batch, checked),
                                  expected)
    assert checks_process.checked_there() == 0
    monkeypatch.undo()
    with pytest.raises(KeyError, match="tidak_ada"):  # a suite's error reaches the command
        checks_process.failures("tidak_ada", checked)
    checks_process._CHECKS.process.kill()  # killed (out of memory, an operator): checked here
    checks_process._CHECKS.process.join()
    pd.testing.assert_frame_equal(Validator(checks_process.failures).validate(batch, checked),
                                  expected)
    assert checks_process._CHECKS is None


class _NeedsArguments(Exception):
    def __init__(self, what: str, why: str) -> None:  # pickling re-calls it with one argument
        super().__init__(f"{what}: {why}")


def test_an_error_travels_back_whole_or_as_its_text() -> None:
    try:
        raise ValueError("nilai aneh")
    except ValueError as exc:
        plain = checks_process._portable(exc)
    assert type(plain) is ValueError and "di proses pemeriksa GX" in plain.__notes__[0]
    try:
        raise _NeedsArguments("metrik", "gagal")
    except _NeedsArguments as exc:
        odd = checks_process._portable(exc)
    assert type(odd) is RuntimeError and "_NeedsArguments: metrik: gagal" in str(odd)
