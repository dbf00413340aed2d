"""The Prefect API a ``kumuh`` command reports to, made ready as early as possible.

In order of preference:

1. the API Prefect is configured with (``PREFECT_API_URL`` in the environment, a profile or
   ``prefect.toml``) — used as is;
2. a local Prefect server that already answers at the address ``prefect server start`` uses
   (``PREFECT_SERVER_API_HOST``:``PREFECT_SERVER_API_PORT``, by default 127.0.0.1:4200), when
   it runs the same Prefect version — the run then shows in its UI and starts in about a second;
3. a temporary server, started the way Prefect starts its own (``uvicorn`` on
   ``prefect.server.api.server:create_app``, UI and background services off) but at once,
   before Prefect, pandas and the flow are imported: its ~5–7 s start-up then overlaps those
   imports instead of following them, and this process never imports the server code itself.
   It skips the block-type registration it would otherwise do on every start (a run uses no
   blocks) and the event store and automations (:data:`SERVER_DEFAULTS`), stops when this
   process exits, and dies with it if it is killed.

Use :func:`start` before the heavy imports and :meth:`Api.ready` once they are done.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import version

#: Where ``prefect server start`` listens unless told otherwise.
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 4200
#: Seconds a local server has to answer the probe (a closed port answers at once).
PROBE_TIMEOUT = 0.5
#: What Prefect itself sets for its temporary server, plus no block-type registration.
SERVER_ENV = {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
              "PREFECT__SERVER_FINAL": "1"}
#: Defaults the environment may override: no block-type registration, and neither the event
#: store nor automations' triggers and actions, which serve a UI or automations that a server
#: living for one command never has (~0.35 s of its start, ~0.6 s of its CPU in a national
#: run), nor the task-run recorder, which turns task-run events into a history dropped with the
#: server (its flush, cut off when the server stops, wrote an ERROR with a traceback into the
#: log file after one run in three). Flow runs and their states are recorded as before.
SERVER_DEFAULTS = {"PREFECT_API_BLOCKS_REGISTER_ON_START": "false",
                   "PREFECT_MEMOIZE_BLOCK_AUTO_REGISTRATION": "false",
                   "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_ENABLED": "false",
                   "PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED": "false",
                   "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_ENABLED": "false"}
#: uvicorn's exit status when the port is already taken (another process got it first).
_PORT_TAKEN = 3
#: Linux prctl option: signal a child when its parent dies (sys/prctl.h ``PR_SET_PDEATHSIG``).
_PR_SET_PDEATHSIG = 1


def _get(url: str, timeout: float) -> bytes | None:
    """The body of a 200 answer from ``url``, or None."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return answer.read() if answer.status == 200 else None
    except (OSError, ValueError):
        return None


def local_server() -> str | None:
    """The API URL of a local Prefect server of this Prefect version that answers now."""
    host = os.environ.get("PREFECT_SERVER_API_HOST", DEFAULT_HOST)
    port = os.environ.get("PREFECT_SERVER_API_PORT", str(DEFAULT_PORT))
    api = f"http://{host}:{port}/api"
    if _get(f"{api}/health", PROBE_TIMEOUT) is None:
        return None
    answer = _get(f"{api}/admin/version", PROBE_TIMEOUT)
    try:
        same = answer is not None and json.loads(answer) == version("prefect")
    except ValueError:
        same = False
    return api if same else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> Callable[[], None] | None:
    """For the child, before exec: ask the kernel to stop the server if this process dies
    (SIGKILL skips every exit handler). None where ``prctl`` does not exist."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up here, not in the child
    except (OSError, AttributeError):
        return None
    return lambda: prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class TemporaryServer:
    """A Prefect server process owned by this process (see the module docstring)."""

    port: int = 0
    process: subprocess.Popen | None = None
    started: float = field(default_factory=time.monotonic)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def spawn(self) -> None:
        """Start the server process (returns at once)."""
        self.port = _free_port()
        env = {**SERVER_DEFAULTS, **os.environ, **SERVER_ENV}
        env.pop("PREFECT_API_URL", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory",
             "prefect.server.api.server:create_app", "--host", "127.0.0.1",
             "--port", str(self.port), "--log-level", "error", "--lifespan", "on"],
            env=env, preexec_fn=_die_with_parent())

    def wait_ready(self, timeout: float) -> None:
        """Block until the server answers its health check (a taken port: start again)."""
        assert self.process is not None
        deadline = self.started + timeout
        while _get(f"{self.api_url}/health", 2.0) is None:
            code = self.process.poll()
            if code == _PORT_TAKEN:
                self.spawn()
            elif code is not None:
                raise RuntimeError(f"server Prefect sementara berhenti (kode {code})")
            elif time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"server Prefect sementara tidak siap dalam {timeout:.0f} s")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop the server: SIGTERM, then SIGKILL after 5 s (as Prefect does)."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


@dataclass
class Api:
    """The API chosen by :func:`start`: ``url`` when already known, or ``server`` starting."""

    url: str | None = None
    server: TemporaryServer | None = None

    @property
    def starting(self) -> bool:
        """Whether the API is a temporary server of this process: starting until
        :meth:`ready` (time to do other work meanwhile), in use after it."""
        return self.server is not None

    def ready(self) -> str | None:
        """Once Prefect is imported: the API URL this process now reports to (None: the one
        Prefect is configured with, or its own harness). Waits for a temporary server; one
        started although Prefect turns out to be configured with an API is stopped."""
        from prefect.context import refresh_global_settings_context
        from prefect.settings import get_current_settings

        if self.server is not None and get_current_settings().api.url:
            self.server.stop()
            self.server = None
        if self.server is not None:
            timeout = float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS",
                                           120))
            self.server.wait_ready(timeout)
            self.url = self.server.api_url
            os.environ["PREFECT_UI_URL"] = ""  # no UI there: no "View at" link to nowhere
        if self.url and os.environ.get("PREFECT_API_URL") != self.url:
            os.environ["PREFECT_API_URL"] = self.url  # also for Dask workers started later
            refresh_global_settings_context()
        return self.url


def _configured() -> bool:
    """Whether Prefect is already told which API to use (environment, or this process's
    Prefect settings when Prefect is imported already, e.g. under its test harness)."""
    if os.environ.get("PREFECT_API_URL"):
        return True
    if "prefect" in sys.modules:
        from prefect.settings import get_current_settings

        return bool(get_current_settings().api.url)
    return False


def reuses_running() -> bool:
    """Whether :func:`start` will use an API that runs already (configured, or a local
    server answering now) rather than start a temporary server."""
    return _configured() or local_server() is not None


def start() -> Api:
    """Choose the API for this process's runs and, if none answers, start a temporary server
    now (stopped when the process exits). Call before importing Prefect."""
    if _configured():
        return Api()
    local = local_server()
    if local:
        return Api(url=local)
    server = TemporaryServer()
    server.spawn()
    atexit.register(server.stop)  # after Prefect has sent its last logs and events
    return Api(server=server)
