"""The command's reads started while the Prefect server starts are the flow's first reads:
taken by the read tasks of the same chunks, anything else read anew, nothing left running."""

from __future__ import annotations

import shutil
from pathlib import Path

from flows import nightly, tasks
from flows.config import Settings
from tests.conftest import read_table

SAMPLE = Path(__file__).parents[2] / "data" / "sample"


def _inbox(tmp_path: Path) -> Path:
    inbox = tmp_path / "masuk"
    shutil.copytree(SAMPLE / "33.75", inbox / "33.75")
    return inbox


def test_the_flow_takes_the_reads_started_ahead(run_flow, tmp_path: Path) -> None:
    inbox = _inbox(tmp_path)
    settings = Settings(input=inbox, out=tmp_path / "out", warehouse=tmp_path / "wh" / "k.duckdb")
    ahead = nightly.outlook(settings, {}, keep_listing=True)  # no warehouse yet: read all
    files = sorted(p.relative_to(inbox).as_posix() for p in inbox.rglob("*.xls*"))
    assert ahead.changes and [f.rel for f in ahead.first_read] == files
    tasks.read_ahead(settings, ahead.first_read)
    for read in list(tasks._READS_AHEAD.values()):
        read.result()
    gone = inbox / files[0]
    gone.unlink()  # read already: only a read taken from ahead can publish it
    summary, out, _ = run_flow(inbox, out=settings.out, warehouse=settings.warehouse)
    assert summary["files_read"] == len(files)
    sent = {r["sumber_file"]: r["status"] for r in read_table(out, "pengiriman")}
    assert files[0] in sent and sent[files[0]] != "tidak_terbaca"
    assert not tasks._READS_AHEAD and tasks._POOL is None  # nothing left running


def test_reads_ahead_of_other_files_are_not_taken(run_flow, tmp_path: Path) -> None:
    inbox = _inbox(tmp_path)
    settings = Settings(input=inbox, out=tmp_path / "out", warehouse=tmp_path / "wh" / "k.duckdb")
    first = nightly.outlook(settings, {}, keep_listing=True).first_read
    tasks.read_ahead(settings, first[1:])  # not the flow's chunk: its files are read anew
    summary, out, _ = run_flow(inbox, out=settings.out, warehouse=settings.warehouse)
    assert summary["files_read"] == len(first)
    assert len(read_table(out, "pengiriman")) == len(first)
    assert not tasks._READS_AHEAD and tasks._POOL is None
    # a run that foresees nothing to read starts no pool
    assert nightly.outlook(settings, {}, keep_listing=True) == nightly.Outlook(False, [])
    tasks.read_ahead(settings, [])
    assert tasks._POOL is None
    # nor a read of a handful of files: the flow reads those itself in less than the spawn
    tasks.read_ahead(settings, first[:tasks.READ_AHEAD_MIN_FILES - 1])
    assert tasks._POOL is None and not tasks._READS_AHEAD
