"""Start-up of ``kumuh run``: the Prefect API it reports to, the temporary server's life, the
hint that loads the GX suites ahead, and the console script's exit codes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import psutil
import pytest

from tests.conftest import copy_state

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
KUMUH = Path(sys.executable).with_name("kumuh")

pytestmark = pytest.mark.slow


def _closed_port() -> str:
    """A loopback port nothing listens on (so no local Prefect server answers there)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return str(s.getsockname()[1])


def _inbox(tmp_path: Path) -> Path:
    inbox = tmp_path / "masuk"
    inbox.mkdir()
    for f in sorted((SAMPLE / "33.75").rglob("*.xlsx"))[:2]:
        shutil.copy(f, inbox / f.name)
    return inbox


def _kumuh_run(inbox: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    base = inbox.parent
    return subprocess.run([str(KUMUH), "run", "--input", str(inbox), "--out", str(base / "out"),
                           "--warehouse", str(base / "wh" / "k.duckdb")], env=env,
                          capture_output=True, text=True, timeout=600)


def _runs_of(api_url: str, inbox: Path) -> list[dict]:
    """Flow runs recorded by the server at ``api_url`` for the input folder ``inbox``."""
    request = urllib.request.Request(
        f"{api_url}/flow_runs/filter", data=json.dumps({"limit": 200}).encode(),
        headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=30) as answer:
        runs = json.load(answer)
    return [r for r in runs if r["parameters"].get("input_dir") == str(inbox)]


def _without_api(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if k != "PREFECT_API_URL"}


def test_a_running_local_server_is_used(prefect_api: dict, tmp_path: Path) -> None:
    api = prefect_api["PREFECT_API_URL"]
    env = {**_without_api(prefect_api), "PREFECT_SERVER_API_PORT": str(urlparse(api).port)}
    inbox = _inbox(tmp_path)
    done = _kumuh_run(inbox, env)
    assert done.returncode == 0, done.stderr[-3000:]
    runs = _runs_of(api, inbox)
    assert [r["state_type"] for r in runs] == ["COMPLETED"]
    # no heartbeat thread held the end of the run back (flows.cli.run_settings)
    events = _events_of(api, runs[0]["id"], until="prefect.flow-run.Running")
    assert "prefect.flow-run.Running" in events
    assert "prefect.flow-run.heartbeat" not in events


def _events_of(api_url: str, flow_run_id: str, until: str) -> set[str]:
    """Names of the events the server recorded about one flow run, once ``until`` is among
    them (events reach the server a moment after the run; at most 30 s)."""
    body = json.dumps({"filter": {"resource": {"id": [f"prefect.flow-run.{flow_run_id}"]}},
                       "limit": 50}).encode()
    deadline, names = time.monotonic() + 30, set()
    while until not in names and time.monotonic() < deadline:
        request = urllib.request.Request(f"{api_url}/events/filter", data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            names = {e["event"] for e in json.load(answer)["events"]}
        time.sleep(0.2)
    return names


def test_the_api_of_the_prefect_profile_is_used(prefect_api: dict, tmp_path: Path) -> None:
    api = prefect_api["PREFECT_API_URL"]
    profiles = tmp_path / "profiles.toml"
    profiles.write_text(f'active = "kumuh"\n\n[profiles.kumuh]\nPREFECT_API_URL = "{api}"\n')
    env = {**_without_api(prefect_api), "PREFECT_PROFILES_PATH": str(profiles),
           "PREFECT_SERVER_API_PORT": _closed_port()}
    inbox = _inbox(tmp_path)
    done = _kumuh_run(inbox, env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert [r["state_type"] for r in _runs_of(api, inbox)] == ["COMPLETED"]


def _is_server(child: psutil.Process) -> bool:
    """Whether a child of the run is its Prefect server (other children, such as reading
    processes, may have ended a moment ago: a zombie has no command line to read)."""
    try:
        return "uvicorn" in " ".join(child.cmdline())
    except psutil.Error:
        return False


def test_the_temporary_server_dies_with_a_killed_run(tmp_path: Path) -> None:
    env = {**_without_api(dict(os.environ)), "PREFECT_SERVER_API_PORT": _closed_port()}
    inbox = _inbox(tmp_path)
    proc = subprocess.Popen([str(KUMUH), "run", "--input", str(inbox), "--out",
                             str(tmp_path / "out"), "--warehouse", str(tmp_path / "k.duckdb")],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        servers: list[psutil.Process] = []
        while not servers and time.monotonic() < deadline and proc.poll() is None:
            servers = [c for c in psutil.Process(proc.pid).children() if _is_server(c)]
            time.sleep(0.1)
        assert servers, "no temporary Prefect server was started"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    _, alive = psutil.wait_procs(servers, timeout=60)
    for p in alive:
        p.kill()
    assert not alive, "the temporary server outlived the killed run"


def test_expects_changes_reads_the_manifest(worked_example_run, tmp_path: Path) -> None:
    from flows.config import Settings
    from flows.nightly import outlook

    def expects_changes(settings: Settings, params: dict) -> bool:
        return outlook(settings, params).changes

    base, _ = worked_example_run
    out, warehouse = copy_state(base, tmp_path)
    settings = Settings(input=tmp_path / "in", out=out, warehouse=warehouse)
    workbook = tmp_path / "in" / "a.xlsx"
    assert not expects_changes(settings, {})
    assert expects_changes(settings, {"full": True})
    assert expects_changes(settings, {"kelurahan": "33.75.01.1003"})
    st = workbook.stat()
    os.utime(workbook, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert expects_changes(settings, {})
    os.utime(workbook, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert not expects_changes(settings, {})
    shutil.copy2(workbook, tmp_path / "in" / "b.xlsx")
    assert expects_changes(settings, {})
    (tmp_path / "in" / "b.xlsx").unlink()
    workbook.rename(tmp_path / "a.xlsx")
    assert expects_changes(settings, {})  # vanished: reported and republished
    assert expects_changes(Settings(input=tmp_path / "in", out=out,
                                    warehouse=tmp_path / "baru.duckdb"), {})


@pytest.mark.parametrize(("args", "code"), [(["--help"], 0), (["run", "--tidak-ada"], 2),
                                            (["run", "--input", "tidak-ada"], 2)])
def test_console_exit_codes(args: list[str], code: int, tmp_path: Path) -> None:
    done = subprocess.run([str(KUMUH), *args], capture_output=True, text=True, cwd=tmp_path,
                          timeout=120)
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr


def test_config_output_is_complete_when_the_process_exits(tmp_path: Path) -> None:
    (tmp_path / "data" / "sample").mkdir(parents=True)  # `kumuh config` checks the locations
    done = subprocess.run([str(KUMUH), "config"], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split()[0] for line in lines][-1] == "check_outputs" and len(lines) == 11


#: ``kumuh run`` in a process that writes the modules imported once the Prefect server is ready
#: (and whether the region list was read by then).
LATE_IMPORTS = """
import os, sys
from flows import cli, prefect_server
from transforms.spec import reference
ready, seen, out = prefect_server.Api.ready, {}, sys.argv[1]
loaded, made = reference._loaded, []
def recorded(*args):
    made.append(loaded(*args))
    return made[-1]
reference._loaded = recorded
def noted(self):
    answer = ready(self)
    seen["ready"] = set(sys.modules)
    seen["villages"] = any("villages" in vars(r) for r in made)
    return answer
prefect_server.Api.ready = noted
end = os._exit
def leave(code):
    with open(out, "w") as fh:
        fh.write("\\n".join(sorted(set(sys.modules) - seen.get("ready", set()))))
        fh.write(f"\\nvillages-read-ahead={seen.get('villages')}")
    end(code)
os._exit = leave
sys.argv = ["kumuh", *sys.argv[2:]]
try:
    cli.console()
finally:
    leave(0)
"""


def test_a_temporary_servers_start_up_loads_what_the_flow_run_will_import(
        tmp_path: Path) -> None:
    from flows.process import RUN_ENGINE_MODULES

    env = {**_without_api(dict(os.environ)), "PREFECT_SERVER_API_PORT": _closed_port()}
    inbox, late = _inbox(tmp_path), tmp_path / "late.txt"
    done = subprocess.run([sys.executable, "-c", LATE_IMPORTS, str(late), "run", "--input",
                           str(inbox), "--out", str(tmp_path / "out"), "--warehouse",
                           str(tmp_path / "wh" / "k.duckdb")], env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    *imported, villages = late.read_text().split()
    assert villages == "villages-read-ahead=True"  # the region list, read before the flow
    assert (tmp_path / "out" / "indikator_rt").is_dir()
    roots = {name.split(".")[0] for name in RUN_ENGINE_MODULES} - {"prefect"}
    after = [m for m in imported if m in RUN_ENGINE_MODULES or m.split(".")[0] in roots]
    assert not after, f"imported only once the server was ready: {after}"
    # a run with nothing to do, and what both runs left in the log file: no ERROR from the
    # temporary server stopped under them (its task-run recorder's flush, cut off, wrote one)
    again = _kumuh_run(inbox, env)  # the same folders
    assert again.returncode == 0 and not again.stderr, again.stderr
    log = "".join(f.read_text() for f in (tmp_path / "wh" / "log").glob("kumuh-*.log"))
    assert log.count("Finished in state Completed()") >= 2 and " ERROR " not in log, log[-3000:]
