"""A Dask cluster of separately started processes on loopback — ``dask scheduler`` and
``dask worker``, as an operator starts them — for ``kumuh run --dask-address``: the bench's
1-vs-2-worker measure and the external-cluster test use it."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

DASK = Path(sys.executable).with_name("dask")


@dataclass
class Cluster:
    """The scheduler's address (``tcp://127.0.0.1:PORT``) and the started processes."""

    address: str = ""
    processes: list[subprocess.Popen] = field(default_factory=list)


def _address(info: Path, scheduler: subprocess.Popen, log: Path, timeout: float) -> str:
    """The address the scheduler wrote to its ``--scheduler-file`` once it listens."""
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(OSError, ValueError, KeyError):
            return json.loads(info.read_text())["address"]
        if scheduler.poll() is not None:
            raise RuntimeError(f"dask scheduler exited:\n{log.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            raise RuntimeError("dask scheduler did not start")
        time.sleep(0.2)


def _stop(processes: list[subprocess.Popen]) -> None:
    for proc in reversed(processes):  # workers first, then the scheduler
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def dask_cluster(home: Path, workers: int = 1, env: Mapping[str, str] | None = None,
                 timeout: float = 120) -> Iterator[Cluster]:
    """A scheduler on a free loopback port (port 0: the system picks one) and ``workers``
    single-threaded worker processes (one ``dask worker --nworkers``), all started in
    ``home`` with ``env`` (give it the flow's ``PREFECT_API_URL``: the workers report their
    task runs there). Yields once every worker has registered; stops them all on exit."""
    from distributed import Client

    home.mkdir(parents=True, exist_ok=True)
    cluster = Cluster()
    with contextlib.ExitStack() as logs:
        def start(*args: str) -> subprocess.Popen:
            log = logs.enter_context((home / f"{args[0]}.log").open("w"))
            cluster.processes.append(subprocess.Popen(
                [str(DASK), *args], env=env, cwd=home, stdout=subprocess.DEVNULL, stderr=log,
                start_new_session=True))
            return cluster.processes[-1]

        try:
            scheduler = start("scheduler", "--host", "127.0.0.1", "--port", "0",
                              "--no-dashboard", "--scheduler-file", str(home / "info.json"))
            cluster.address = _address(home / "info.json", scheduler, home / "scheduler.log",
                                       timeout)
            start("worker", cluster.address, "--nworkers", str(workers), "--nthreads", "1",
                  "--no-dashboard", "--local-directory", str(home))
            with Client(cluster.address, timeout=timeout) as client:
                client.wait_for_workers(workers, timeout=timeout)
            yield cluster
        finally:
            _stop(cluster.processes)
