"""The ``kumuh`` console script as an operator runs it: exit codes, summary, clean output."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import read_table

pytestmark = pytest.mark.slow

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
KUMUH = Path(sys.executable).with_name("kumuh")


def _kumuh(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(KUMUH), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def test_run_with_a_rejected_workbook_exits_0_and_reports(tmp_path: Path) -> None:
    inbox = tmp_path / "masuk"
    good = sorted((SAMPLE / "33.75").rglob("*.xlsx"))[:2]
    bad = sorted((SAMPLE / "_bermasalah").glob("*.xlsx"))[:1]
    inbox.mkdir()
    for f in [*good, *bad]:
        shutil.copy(f, inbox / f.name)
    done = _kumuh("run", "--input", str(inbox), "--out", "out", "--warehouse", "wh/k.duckdb",
                  cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "3 dibaca" in done.stdout and "2 diterima, 1 ditolak" in done.stdout
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
    assert (tmp_path / "wh" / "k.duckdb").exists()
    statuses = {r["sumber_file"]: r["status"] for r in read_table(tmp_path / "out", "pengiriman")}
    assert statuses[bad[0].name] == "ditolak"


def test_run_on_a_missing_folder_fails(tmp_path: Path) -> None:
    done = _kumuh("run", "--input", str(tmp_path / "tidak-ada"), "--out", "out",
                  "--warehouse", "wh/k.duckdb", cwd=tmp_path)
    assert done.returncode != 0
    assert "tidak ada" in (done.stderr + done.stdout)


def test_sample_command_writes_workbooks(tmp_path: Path) -> None:
    done = _kumuh("sample", "--out", "s", "--kabupaten", "33.75", "--years", "2024",
                  "--kelurahan", "3", "--no-errors", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert len(list((tmp_path / "s").rglob("*.xlsx"))) == 3
