"""kumuh as data staff meet it: real ``kumuh`` processes, from a wrong setting to Ctrl-C.

Every message checked here is the one line an operator reads; no test accepts a traceback.
Runs use the session's Prefect server (``prefect_api``), so each process skips the start-up
of a temporary one.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REFERENCE, read_table
from transforms.sample import generate

pytestmark = pytest.mark.slow

KUMUH = Path(sys.executable).with_name("kumuh")


def _kumuh(*args: str, env: dict | None = None, cwd: Path | None = None,
           timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([str(KUMUH), *args], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=cwd)


def _one_line(stderr: str) -> str:
    """The single line a failing command printed (asserts there is exactly one)."""
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def _digests(out: Path) -> dict[str, str]:
    return {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.glob("*/**/*.parquet")) if ".versions" not in p.parts}


# --- settings, flags and codes: refused before any work, fast (Prefect never starts) --------

def _unwritable(tmp: Path) -> Path:
    """A folder kumuh cannot write in (root may write anywhere but /proc)."""
    if os.geteuid() == 0:
        return Path("/proc/kumuh-tidak-bisa")
    folder = tmp / "terkunci"
    folder.mkdir()
    folder.chmod(0o555)
    return folder / "sub"


def test_bad_settings_are_one_line_exit_2_before_any_work(tmp_path: Path) -> None:
    inbox = tmp_path / "masuk"
    generate.generate_sample(inbox, REFERENCE, kabupaten=("33.75",), years=(2024,),
                             kelurahan_per_kabupaten=1, seed=1, with_errors=False)
    (tmp_path / "gudang").mkdir()
    toml = {"rusak.toml": "input = \n", "salah-kunci.toml": 'ouput = "x"\n',
            "zona.toml": '[kumuh]\ntimezone = "Asia/Jakrta"\n'}
    for name, text in toml.items():
        (tmp_path / name).write_text(text)
    wh = str(tmp_path / "wh" / "k.duckdb")
    base = ["--input", str(inbox), "--out", str(tmp_path / "out"), "--warehouse", wh]
    locked = _unwritable(tmp_path)
    cases = [  # (flags replacing the base ones, extra environment, words the line must hold)
        (["--out", str(locked)], {}, ["folder terbit", str(locked), "--out"]),
        (["--warehouse", str(locked / "k.duckdb")], {}, ["folder warehouse", "--warehouse"]),
        (["--warehouse", str(tmp_path / "gudang")], {}, ["adalah folder", "gudang"]),
        (["--config", str(tmp_path / "tidak-ada.toml")], {}, ["tidak-ada.toml", "tidak ada"]),
        (["--config", str(tmp_path / "rusak.toml")], {}, ["rusak.toml", "baris 1"]),
        (["--config", str(tmp_path / "salah-kunci.toml")], {}, ["'ouput'", "'out'"]),
        (["--config", str(tmp_path / "zona.toml")], {}, ["zona.toml", "Asia/Jakrta"]),
        ([], {"KUMUH_WORKERS": "abc"}, ["$KUMUH_WORKERS", "workers", "'abc'"]),
        ([], {"KUMUH_SCHEDULE": "61 2 * * *"}, ["$KUMUH_SCHEDULE", "'61 2 * * *'", "cron"]),
        (["--input", str(tmp_path / "tidak-ada")], {}, ["folder masukan", "tidak-ada"]),
    ]
    procs = []
    for flags, extra, words in cases:
        args = [*base, *flags]
        env = {**os.environ, "KUMUH_CONFIG": "", **extra}
        for command in ("run", "config"):
            procs.append((command, words, subprocess.Popen(
                [str(KUMUH), command, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                text=True, env=env, cwd=tmp_path)))
    for command, words, proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 2, (command, words, err)
        line = err.strip().splitlines()[-1] if command == "config" else _one_line(err)
        assert line.startswith("kumuh: ") and "Traceback" not in err, (command, err)
        assert all(w in line for w in words), (command, words, line)
    assert not Path(wh).exists() and not (tmp_path / "out").exists()  # nothing was done


def test_wrong_scope_is_refused_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "masuk").mkdir()
    base = ["--input", "masuk", "--out", "out", "--warehouse", "wh/k.duckdb"]
    year = time.localtime().tm_year
    cases = [
        (["run", "--kabupaten", "33.75", "--kecamatan", "35.08.01"],
         "--kecamatan 35.08.01 tidak berada di --kabupaten 33.75"),
        (["run", "--kabupaten", "9999"], "--kabupaten 99.99: kode kabupaten/kota ini tidak ada"),
        (["run", "--kelurahan", "33.75.01"], "--kelurahan '33.75.01' bukan kode kelurahan"),
        (["run", "--tahun", str(year + 1)], f"di luar tahun survei 2015–{year}"),
        (["run", "--tahun", "2010"], "di luar tahun survei"),
        (["run", "--tahun", "dua"], "--tahun: 'dua' bukan bilangan bulat"),
        (["run", "--kabupatn", "33.75"], "argumen tidak dikenal: --kabupatn"),
        (["withdraw", "--kelurahan", "3375011003", "--tahun", "2024"],
         "kelurahan 33.75.01.1003 tahun 2024 tidak ada dalam data terbit"),
    ]
    procs = [(args, words, subprocess.Popen(
        [str(KUMUH), args[0], *base, *args[1:]], cwd=tmp_path, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)) for args, words in cases]
    for args, words, proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 2, (args, err)
        assert words in _one_line(err), (args, err)
    assert not (tmp_path / "out").exists()


def test_help_and_version_speak_indonesian() -> None:
    done = _kumuh("--version", timeout=60)
    assert done.returncode == 0 and re.fullmatch(r"kumuh \d+\.\d+\.\d+\S*", done.stdout.strip())
    help_text = _kumuh("run", "--help", timeout=60).stdout
    assert help_text.startswith("pemakaian: kumuh run") and "opsi:" in help_text
    assert "tampilkan bantuan ini" in help_text and "show this help" not in help_text
    top = _kumuh("--help", timeout=60).stdout
    assert "Kode keluar" in top and "130 Ctrl-C; 143 SIGTERM" in top


def test_serve_without_a_prefect_server_says_how_to_start_one(tmp_path: Path) -> None:
    (tmp_path / "masuk").mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")  # no profile naming a server
    done = _kumuh("serve", "--input", "masuk", "--out", "out", "--warehouse", "wh/k.duckdb",
                  env=env, cwd=tmp_path, timeout=120)
    assert done.returncode == 2
    line = _one_line(done.stderr)
    assert "prefect server start" in line and "PREFECT_API_URL=http://127.0.0.1:4200/api" in line


def test_an_unexpected_failure_is_one_line_naming_the_log_file(tmp_path: Path) -> None:
    (tmp_path / "masuk").mkdir()
    (tmp_path / "wh").mkdir()
    (tmp_path / "wh" / "k.duckdb").write_bytes(b"bukan database" * 1000)  # a damaged file
    done = _kumuh("run", "--input", "masuk", "--out", "out", "--warehouse", "wh/k.duckdb",
                  cwd=tmp_path, timeout=120)
    assert done.returncode == 1
    line = _one_line(done.stderr)
    assert line.startswith("kumuh: galat tak terduga (") and "rincian di " in line
    log = Path(line.rsplit("rincian di ", 1)[1])
    assert log.parent == tmp_path / "wh" / "log" and "Traceback" in log.read_text()


# --- a day of operating one warehouse ----------------------------------------------------------

@pytest.fixture(scope="module")
def day(tmp_path_factory, prefect_api):
    """Two kabupaten × two years of workbooks with every defect (a run of several seconds),
    and the environment of the session's Prefect server: (base folder, environment, made).
    The tests below operate one warehouse in turn, as data staff would."""
    base = tmp_path_factory.mktemp("hari")
    made = generate.generate_sample(base / "masuk", REFERENCE, kabupaten=("33.75", "35.08"),
                                    years=(2023, 2024), kelurahan_per_kabupaten=12, seed=11)
    return base, prefect_api, made


def _published(day) -> Path:
    """The day's base folder, consolidated once (for a test run on its own)."""
    base, env, _ = day
    if not (base / "wh" / "kumuh.duckdb").exists():
        assert _run(base, env)[0].returncode == 0
    return base


def _run(base: Path, env: dict, *flags: str, inbox: str = "masuk") -> tuple[
        subprocess.CompletedProcess, float]:
    t0 = time.monotonic()
    done = _kumuh("run", "--input", inbox, "--out", "out", "--warehouse", "wh/kumuh.duckdb",
                  *flags, env=env, cwd=base)
    return done, time.monotonic() - t0


def _line(stdout: str, label: str) -> str:
    (line,) = [ln for ln in stdout.splitlines() if ln.strip().startswith(label)]
    return line


def test_summary_tells_the_truth_run_after_run(day) -> None:
    base, env, made = day
    rejected = sum(1 for w in made if w.expected_status == "ditolak")
    first, wall = _run(base, env)
    assert first.returncode == 0 and not first.stderr.strip(), first.stderr
    printed = float(re.search(r"selesai dalam ([\d.]+) s", first.stdout)[1])
    # the command's wall time, Prefect start-up included (printed to 0.1 s: rounded up by
    # up to 0.05 s)
    assert 0.8 * wall <= printed <= wall + 0.05
    assert f"{rejected} ditolak" in _line(first.stdout, "workbook")
    assert "tahun 2023, 2024" in _line(first.stdout, "diterbitkan")

    again, _ = _run(base, env)
    assert "0 diterima, 0 ditolak" in _line(again.stdout, "workbook")
    assert f"ditahan       : {rejected} workbook ditolak" in again.stdout  # still held back
    assert re.search(r"temuan\s+: [1-9]\d* error", again.stdout)
    published = _line(again.stdout, "diterbitkan")
    assert "tidak ada kelompok" in published and not re.search(r"\(tahun \d", published)

    full, _ = _run(base, env, "--full", "--kabupaten", "3375", "--tahun", "2024")
    assert full.returncode == 0 and "(wilayah 33.75, tahun 2024)" in full.stdout
    files = _line(full.stdout, "berkas")
    assert f"0 baru, 0 berubah, {len(made)} tidak berubah" in files  # re-read, not changed
    assert "(semua dibaca ulang)" in files


def test_withdraw_then_status_lists_it(day) -> None:
    base, env, made = _published(day), day[1], day[2]
    w = next(w for w in made if w.expected_status == "diterima")
    kode, tahun = w.kode_kelurahan, str(w.tahun)
    w.path.unlink()  # the clerk deleted the workbook: its data stays until withdrawn
    args = ["--out", "out", "--warehouse", "wh/kumuh.duckdb", "--input", "masuk"]
    done = _kumuh("withdraw", "--kelurahan", kode, "--tahun", tahun, *args, env=env, cwd=base)
    assert done.returncode == 0, done.stderr
    assert f"Data kelurahan {kode} tahun {tahun} ditarik" in done.stdout
    assert not [r for r in read_table(base / "out", "indikator_rt")
                if r["kode_kelurahan"] == kode and r["tahun"] == int(tahun)]
    gone = w.path.relative_to(base / "masuk").as_posix()
    assert gone not in {r["sumber_file"] for r in read_table(base / "out", "temuan_validasi")}
    again = _kumuh("withdraw", "--kelurahan", kode, "--tahun", tahun, *args, env=env, cwd=base)
    assert again.returncode == 2 and "tidak ada dalam data terbit" in _one_line(again.stderr)
    status = _kumuh("status", *args, env=env, cwd=base)
    assert status.returncode == 0, status.stderr
    assert "Penarikan data:" in status.stdout and f"{kode} tahun {tahun}" in status.stdout


def test_empty_input_folder_changes_nothing_and_says_so(day) -> None:
    base, env = _published(day), day[1]
    (base / "kosong").mkdir(exist_ok=True)
    before = _digests(base / "out")
    done, _ = _run(base, env, inbox="kosong")
    assert done.returncode == 0 and not done.stdout.strip()
    line = _one_line(done.stderr)
    assert "PERHATIAN" in line and "tidak berisi workbook" in line and "terpasang" in line
    assert _digests(base / "out") == before  # no workbook called vanished or withdrawn


def test_warehouse_held_open_by_an_analyst_is_waited_for_up_to_the_timeout(day) -> None:
    base, env = _published(day), day[1]
    reader = duckdb.connect(str(base / "wh" / "kumuh.duckdb"), read_only=True)
    try:
        done, wall = _run(base, env, "--lock-timeout", "1")
    finally:
        reader.close()
    assert done.returncode == 3 and wall >= 1 and "Traceback" not in done.stderr
    waiting, gave_up = done.stderr.strip().splitlines()  # like waiting for another run
    assert "menunggu: warehouse" in waiting and "sedang dibuka program lain" in waiting
    assert "out/kumuh.duckdb" in waiting  # where analysts should read instead
    assert "masih dibuka program lain" in gave_up and "setelah 1 detik" in gave_up


# --- Ctrl-C and SIGTERM ------------------------------------------------------------------------

#: Copies of the day's workbooks in the inbox the stop test runs on: enough chunks of reading
#: (~15 of 100) that a signal sent when the first chunk is read lands seconds before publishing,
#: however loaded the machine (48 workbooks are read, checked and published in ~1 s).
STOP_COPIES = 30


def _long_inbox(base: Path) -> str:
    """An inbox of ``STOP_COPIES`` hard-linked copies of the day's workbooks (same contents,
    other names); returns its name under ``base``."""
    inbox = base / "banyak"
    if not inbox.exists():
        files = [p for p in sorted((base / "masuk").rglob("*")) if p.is_file()]
        for i in range(STOP_COPIES):
            for f in files:
                copy = inbox / f"salinan-{i:02d}" / f.relative_to(base / "masuk")
                copy.parent.mkdir(parents=True, exist_ok=True)
                os.link(f, copy)
    return inbox.name


def _stop_mid_run(base: Path, env: dict, sig: int, *, group: bool) -> tuple[int, float, str]:
    """Start a full run on the long inbox, send ``sig`` once its first chunk is read, return
    (exit code, seconds from the signal to the exit, stderr)."""
    logs = base / "wh" / "log"
    proc = subprocess.Popen([str(KUMUH), "run", "--full", "--input", _long_inbox(base),
                             "--out", "out", "--warehouse", "wh/kumuh.duckdb"], cwd=base,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    deadline = time.monotonic() + 180
    while not any("read_chunk" in f.read_text(errors="replace")
                  for f in logs.glob("kumuh-*.log")):
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    t0 = time.monotonic()
    if group:  # Ctrl-C in a terminal: the whole foreground process group
        os.killpg(proc.pid, sig)
    else:  # kill / systemd: the process itself
        proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    log = "".join(f.read_text(errors="replace") for f in logs.glob("kumuh-*.log"))
    assert "publish_tables" not in log, "the signal came after publishing: not mid-run"
    return proc.returncode, time.monotonic() - t0, err


def test_ctrl_c_and_sigterm_stop_quickly_and_the_next_run_completes(day) -> None:
    base, env = _published(day), day[1]
    published = _digests(base / "out")
    for sig, code, name, group in ((signal.SIGINT, 130, "Ctrl-C", True),
                                   (signal.SIGTERM, 143, "SIGTERM", False)):
        for f in (base / "wh" / "log").glob("kumuh-*.log"):
            f.unlink()
        returncode, seconds, err = _stop_mid_run(base, env, sig, group=group)
        assert returncode == code and seconds < 10, (name, returncode, seconds, err)
        line = _one_line(err)
        assert line.startswith(f"kumuh: dihentikan ({name})") and "tetap utuh" in line
        assert _digests(base / "out") == published  # what was published stays
        duckdb.connect(str(base / "wh" / "kumuh.duckdb")).close()  # warehouse opens
    status = _kumuh("status", "--out", "out", "--warehouse", "wh/kumuh.duckdb", env=env,
                    cwd=base)
    assert "Run yang gagal, dihentikan atau terputus" in status.stdout
    assert status.stdout.count("dihentikan") >= 3  # header + both runs
    after, _ = _run(base, env)
    assert after.returncode == 0 and "selesai dalam" in after.stdout, after.stderr
    shutil.rmtree(base / "wh" / "log")
