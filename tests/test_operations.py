"""Operating kumuh: configuration layers, Prefect deployments, run history, progress."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from flows import config
from flows.progress import Progress
from tests.conftest import REFERENCE
from transforms.sample import generate

KUMUH = Path(sys.executable).with_name("kumuh")


def test_config_precedence_default_file_env_flag(tmp_path: Path) -> None:
    toml = tmp_path / "kumuh.toml"
    toml.write_text('[kumuh]\ninput = "/srv/kiriman"\nout = "/srv/terbit"\n'
                    'schedule = "30 1 * * *"\nlock_timeout = 600\n')
    env = {"KUMUH_OUT": "/data/bi", "KUMUH_TIMEZONE": "Asia/Makassar"}
    settings, sources = config.resolve({"out": "/tmp/flag", "input": None}, config=toml,
                                       env=env)
    assert settings.input == Path("/srv/kiriman") and sources["input"] == str(toml)
    assert settings.out == Path("/tmp/flag") and sources["out"] == "--out"
    assert settings.timezone == "Asia/Makassar" and sources["timezone"] == "$KUMUH_TIMEZONE"
    assert settings.schedule == "30 1 * * *" and settings.lock_timeout == 600.0
    assert settings.warehouse == config.DEFAULT_WAREHOUSE and sources["warehouse"] == "bawaan"


def test_kumuh_config_prints_values_and_sources(tmp_path: Path) -> None:
    (tmp_path / "kumuh.toml").write_text('input = "kiriman"\n')
    done = subprocess.run([str(KUMUH), "config", "--workers", "3"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120,
                          env={"KUMUH_SCHEDULE": "0 3 * * *", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    lines = {ln.split()[0]: ln for ln in done.stdout.splitlines()}
    assert "kiriman" in lines["input"] and "kumuh.toml" in lines["input"]
    assert "0 3 * * *" in lines["schedule"] and "$KUMUH_SCHEDULE" in lines["schedule"]
    assert "(--workers)" in lines["workers"] and "(bawaan)" in lines["out"]


def test_progress_is_quiet_without_a_terminal() -> None:
    quiet, loud = io.StringIO(), io.StringIO()
    for stream, enabled in ((quiet, None), (loud, True)):
        p = Progress(stream, enabled)
        p.stage("membaca workbook")
        p.count(100, 2000)
        p.close()
    assert quiet.getvalue() == ""
    assert "membaca workbook: 100/2000 berkas" in loud.getvalue()


@pytest.mark.slow
def test_deployments_register_with_schedule_and_parameters(prefect_harness,
                                                           tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client

    from flows.serve import deployments

    settings, _ = config.resolve({"input": str(tmp_path / "in"), "schedule": "15 2 * * *"},
                                 env={})
    for d in deployments(settings):
        d.apply()

    async def read():
        async with get_client() as client:
            return (await client.read_deployment_by_name(
                        "nightly-consolidation/nightly-consolidation"),
                    await client.read_deployment_by_name("nightly-consolidation/rerun"))

    nightly, rerun = asyncio.run(read())
    (schedule,) = nightly.schedules
    assert schedule.schedule.cron == "15 2 * * *"
    assert schedule.schedule.timezone == "Asia/Jakarta"
    assert nightly.parameters["input_dir"] == str((tmp_path / "in").resolve())
    assert not rerun.schedules and rerun.parameters["force"] is True
    for name in ("kabupaten", "kecamatan", "kelurahan", "tahun"):
        assert name in rerun.parameter_openapi_schema["properties"]


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


def test_reads_retry_only_transient_io_errors(tmp_path: Path) -> None:
    import errno

    from prefect.states import Completed, Failed

    from flows.nightly import _transient, read_chunk
    from transforms.read.workbook import is_transient, read_workbook

    assert is_transient(OSError(errno.EIO, "Input/output error"))
    assert is_transient(OSError(errno.ESTALE, "Stale file handle"))
    assert not is_transient(FileNotFoundError(errno.ENOENT, "gone"))
    assert not is_transient(ValueError("bad content"))
    assert read_chunk.retries == 3
    assert _transient(None, None, Failed(data=OSError(errno.ETIMEDOUT, "timed out")))
    assert not _transient(None, None, Failed(data=PermissionError(errno.EACCES, "denied")))
    assert not _transient(None, None, Completed(data=1))
    # a permanent error is a finding, not an exception: the run goes on
    missing = read_workbook(tmp_path / "tidak-ada.xlsx", "tidak-ada.xlsx")
    assert not missing.readable and "tidak dapat dibuka" in missing.read_error
