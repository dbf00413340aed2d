"""Operating kumuh: configuration layers, progress output, which read errors are retried."""

from __future__ import annotations

import io
from pathlib import Path

from flows import config
from flows.progress import Progress


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


def test_progress_is_quiet_without_a_terminal() -> None:
    quiet, loud = io.StringIO(), io.StringIO()
    for stream, enabled in ((quiet, None), (loud, True)):
        p = Progress(stream, enabled)
        p.stage("membaca workbook")
        p.count(100, 2000)
        p.close()
    assert quiet.getvalue() == ""
    assert "membaca workbook: 100/2000 berkas" in loud.getvalue()


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
    assert not missing.terbaca and "tidak dapat dibuka" in missing.read_error
