"""Operating kumuh from a terminal: ``kumuh config`` and ``kumuh status``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REFERENCE
from transforms.sample import generate

KUMUH = Path(sys.executable).with_name("kumuh")


def test_kumuh_config_prints_values_and_sources(tmp_path: Path) -> None:
    (tmp_path / "kumuh.toml").write_text('input = "kiriman"\n')
    (tmp_path / "kiriman").mkdir()
    done = subprocess.run([str(KUMUH), "config", "--workers", "3"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120,
                          env={"KUMUH_SCHEDULE": "0 3 * * *", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    lines = {ln.split()[0]: ln for ln in done.stdout.splitlines()}
    assert "kiriman" in lines["input"] and "kumuh.toml" in lines["input"]
    assert "0 3 * * *" in lines["schedule"] and "$KUMUH_SCHEDULE" in lines["schedule"]
    assert "(--workers)" in lines["workers"] and "(bawaan)" in lines["out"]


@pytest.mark.slow
def test_status_lists_runs_and_rejected_workbooks(tmp_path: Path, run_flow) -> None:
    generate.generate_sample(tmp_path / "in", REFERENCE, kabupaten=("33.75",),
                           kelurahan_per_kabupaten=2, years=(2024,), seed=4)
    summary, out, wh = run_flow(tmp_path / "in")
    run_flow(tmp_path / "in", out=out, warehouse=wh)
    done = subprocess.run([str(KUMUH), "status", "--out", str(out), "--warehouse", str(wh)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert summary["run_id"] in text and text.count("semua") == 2
    assert "Workbook ditolak" in text and "_bermasalah/" in text
    manifest = json.loads((out / "runs" / f"{summary['run_id']}.json").read_text())
    assert manifest["rows"]["indikator_rt"] == summary["rows"]["indikator_rt"]
    assert manifest["reference_edition"].startswith("Kepmendagri")
