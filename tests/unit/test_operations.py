"""Operating kumuh: configuration layers, progress output, which read errors are retried."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

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

    from flows.tasks import _transient, read_chunk
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


def test_scope_codes_are_normalised_and_checked_against_the_region_list() -> None:
    from flows.scope import ScopeError, checked_scope

    ref = config.REFERENCE_DIR
    assert checked_scope(ref, kabupaten="3375", tahun="2024").kabupaten == "33.75"
    # `prefect deployment run -p kabupaten=33.10` sends the float 33.1
    assert checked_scope(ref, kabupaten=33.1, kecamatan=331001).kecamatan == "33.10.01"
    assert checked_scope(ref, kelurahan="3375011003").kelurahan == "33.75.01.1003"
    for flags, words in (({"kabupaten": "33.75", "kecamatan": "35.08.01"}, "tidak berada di"),
                         ({"kabupaten": "99.99"}, "tidak ada dalam daftar wilayah"),
                         ({"kabupaten": "33.75.01"}, "bukan kode kabupaten/kota"),
                         ({"tahun": 2014}, "di luar tahun survei 2015–")):
        with pytest.raises(ScopeError, match=words):
            checked_scope(ref, **flags)


def test_settings_that_cannot_work_name_their_source_key_and_value(tmp_path: Path) -> None:
    bad = [({"KUMUH_WORKERS": "abc"}, r"\$KUMUH_WORKERS: workers = 'abc' bukan bilangan bulat"),
           ({"KUMUH_WORKERS": "0"}, "workers = 0 harus 1 atau lebih"),
           ({"KUMUH_SCHEDULE": "0 25 * * *"}, "bukan jadwal cron"),
           ({"KUMUH_TIMEZONE": "WIB"}, "bukan zona waktu"),
           ({"KUMUH_CHECK_OUTPUTS": "mungkin"}, "bukan ya/tidak"),
           ({"KUMUH_CONFIG": str(tmp_path / "x.toml")},
            r"x.toml tidak ada \(dari \$KUMUH_CONFIG\)")]
    for env, words in bad:
        with pytest.raises(config.ConfigError, match=words):
            config.resolve(env=env)
    assert config.cron_is_valid("*/15 1-5 * jan-mar mon-fri")
    assert not config.cron_is_valid("0 2 * *") and not config.cron_is_valid("5-1 * * * *")


def test_read_chunks_are_large_while_much_is_left_and_shrink_towards_the_end() -> None:
    """A national run reads in few tasks (few for the flow and the Prefect server), at most
    CHUNK_SIZE_MAX files each, shrinking to 100 at the end so the readers finish together;
    every file is in exactly one chunk."""
    assert config.read_chunk_sizes(40, 2) == [40]
    assert config.read_chunk_sizes(0, 2) == []
    sizes = config.read_chunk_sizes(10_562, 2)
    assert sum(sizes) == 10_562 and max(sizes) == config.CHUNK_SIZE_MAX
    assert sizes == sorted(sizes, reverse=True)  # never a bigger chunk after a smaller one
    assert sizes[-2] == config.CHUNK_SIZE and sizes[-1] <= config.CHUNK_SIZE
    assert 20 <= len(sizes) <= 35  # was 43 chunks of 250
    assert config.read_chunk_sizes(1_000, 2)[:3] == [250, 188, 141]
    many = config.read_chunk_sizes(10_562, 16)
    assert max(many) == 331 and sum(many) == 10_562
    assert config.read_chunk_sizes(50, 1, smallest=20) == [25, 20, 5]


def test_the_commands_listing_serves_the_flows_inventory_once_and_only_while_fresh(
        tmp_path: Path) -> None:
    from flows import tasks

    folder = tmp_path / "masukan"
    (folder / "33.75").mkdir(parents=True)
    (folder / "33.75" / "a.xlsx").write_bytes(b"satu")
    ahead = tasks.scan_ahead(folder, 0.0)
    assert [f.rel for f in ahead.workbooks] == ["33.75/a.xlsx"]
    (folder / "33.75" / "b.xlsx").write_bytes(b"dua")
    # the flow's inventory right after: the command's walk, not a second one
    assert tasks.take_inventory.fn(folder, 0.0) is ahead
    # used once: the next inventory walks the folder again and sees the new file
    assert [f.rel for f in tasks.take_inventory.fn(folder, 0.0).workbooks] == [
        "33.75/a.xlsx", "33.75/b.xlsx"]
    # another settle time, or a listing older than the limit, is not reused
    tasks.scan_ahead(folder, 0.0)
    young = tasks.take_inventory.fn(folder, 60.0).workbooks
    assert len(young) == 2 and not any(f.settled for f in young)
    stale = tasks.scan_ahead(folder, 0.0)
    (folder / "33.75" / "c.xlsx").write_bytes(b"tiga")
    tasks._AHEAD = (tasks._AHEAD[0], 0.0, tasks._AHEAD[2] - tasks.LISTING_FRESH_SECONDS, stale)
    assert len(tasks.take_inventory.fn(folder, 0.0).workbooks) == 3


@pytest.mark.parametrize("temporary", [True, False])
def test_a_command_run_sends_no_heartbeat_and_no_logs_to_a_temporary_server(
        temporary: bool) -> None:
    from prefect.settings import get_current_settings

    from flows.cli import run_settings

    before = get_current_settings()
    with run_settings(temporary_server=temporary):
        inside = get_current_settings()
    assert inside.flows.heartbeat_frequency is None
    assert inside.logging.to_api.enabled is (not temporary and before.logging.to_api.enabled)
    assert get_current_settings().flows.heartbeat_frequency == before.flows.heartbeat_frequency
