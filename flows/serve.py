"""``kumuh serve``: the two Prefect deployments, served from one long-running process.

- ``nightly-consolidation/nightly-consolidation``: every night on a cron schedule (default
  ``0 2 * * *`` in ``Asia/Jakarta``), everything that changed;
- ``nightly-consolidation/rerun``: no schedule; staff start it from the Prefect UI or with
  ``prefect deployment run 'nightly-consolidation/rerun' -p kabupaten=33.75 -p tahun=2024``.
  It shows only what staff choose (the scope and ``force``), each described; the locations
  are the served ones, passed to its runs in the ``KUMUH_*`` environment.

Serving needs a Prefect server that stays up (the schedule and the UI live there):
:func:`prefect_server` refuses, with the fix, when there is none.
"""

from __future__ import annotations

import os
import urllib.request
from pathlib import Path

from flows import process
from flows.config import CONFIGURABLE, Settings

process.set_up()

from prefect import flow, serve  # noqa: E402
from prefect.deployments.runner import EntrypointType, RunnerDeployment  # noqa: E402
from prefect.schedules import Cron  # noqa: E402

from flows.nightly import nightly_consolidation  # noqa: E402
from flows.scope import Code  # noqa: E402

NIGHTLY = "nightly-consolidation"
RERUN = "rerun"


class NoServer(ValueError):
    """There is no Prefect server to serve to (the message says how to start one)."""


def prefect_server() -> str:
    """The API URL of the Prefect server to serve to; NoServer when none is configured or it
    does not answer."""
    from prefect.settings import get_current_settings

    url = get_current_settings().api.url
    if not url:
        raise NoServer(
            "perintah serve perlu server Prefect yang tetap hidup (jadwal dan UI ada di sana): "
            "jalankan `prefect server start` di terminal lain, lalu `export "
            "PREFECT_API_URL=http://127.0.0.1:4200/api` dan ulangi kumuh serve")
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/health", timeout=10):
            pass
    except OSError as exc:
        reason = getattr(exc, "reason", exc)
        raise NoServer(f"server Prefect di {url} (PREFECT_API_URL) tidak menjawab ({reason}); "
                       "jalankan `prefect server start` atau perbaiki PREFECT_API_URL") from None
    return url


@flow(name=NIGHTLY, log_prints=True)
def rerun(kabupaten: Code = None, kecamatan: Code = None, kelurahan: Code = None,
          tahun: int | None = None, force: bool = True) -> dict:
    """Jalankan ulang satu wilayah dan/atau satu tahun survei dengan lokasi yang dilayani
    ``kumuh serve``.

    Args:
        kabupaten: Kode kabupaten/kota, mis. 33.75 (atau 3375). Kosongkan untuk semua.
        kecamatan: Kode kecamatan, mis. 33.75.01. Kosongkan untuk semua.
        kelurahan: Kode kelurahan/desa, mis. 33.75.01.1003. Kosongkan untuk semua.
        tahun: Tahun survei, mis. 2024. Kosongkan untuk semua tahun.
        force: Ya (bawaan): hitung dan terbitkan ulang wilayah itu walau tidak ada workbook
            yang berubah, mis. setelah memperbaiki data. Tidak: hanya workbook yang berubah.
    """
    from flows.config import resolve

    s, _ = resolve()
    return nightly_consolidation.fn(
        input_dir=str(s.input), out=str(s.out), warehouse_path=str(s.warehouse),
        workers=s.workers, kabupaten=kabupaten, kecamatan=kecamatan, kelurahan=kelurahan,
        tahun=tahun, force=force, lock_timeout=s.lock_timeout,
        settle_seconds=s.settle_seconds, runner="local", check_outputs=s.check_outputs,
        timezone=s.timezone)


def _location(value: Path | str) -> str:
    return value if isinstance(value, str) else str(value.resolve())


def deployments(settings: Settings) -> list[RunnerDeployment]:
    """The nightly (scheduled) and rerun (on demand) deployments for these settings."""
    paths = {"input_dir": _location(settings.input), "out": _location(settings.out),
             "warehouse_path": _location(settings.warehouse),
             "settle_seconds": settings.settle_seconds, "lock_timeout": settings.lock_timeout,
             "timezone": settings.timezone}
    nightly = nightly_consolidation.to_deployment(
        name=NIGHTLY, schedule=Cron(settings.schedule, timezone=settings.timezone),
        parameters=paths, tags=["kumuh", "nightly"],
        entrypoint_type=EntrypointType.MODULE_PATH,
        description="Konsolidasi malam: semua workbook baru atau berubah.")
    rerun_deployment = rerun.to_deployment(
        name=RERUN, tags=["kumuh", "rerun"], entrypoint_type=EntrypointType.MODULE_PATH,
        # `prefect deployment run -p kabupaten=33.75` sends the number 33.75: the flow turns
        # it into the code "33.75" (flows.scope.Code), which the server's schema check would
        # refuse before the flow sees it
        enforce_parameter_schema=False,
        description="Jalankan ulang satu wilayah/tahun: isi kabupaten, kecamatan, kelurahan "
                    "dan/atau tahun; force (bawaan ya) menerbitkan ulang walau tidak ada yang "
                    "berubah.")
    return [nightly, rerun_deployment]


def served_environment(settings: Settings) -> dict[str, str]:
    """``KUMUH_*`` variables that give the served runs exactly these settings."""
    env = {}
    for name in CONFIGURABLE:
        value = getattr(settings, name)
        if value is not None:
            env[f"KUMUH_{name.upper()}"] = _location(value) if name in (
                "input", "out", "warehouse") else str(value)
    return env


def serve_forever(settings: Settings) -> None:
    """Register both deployments and execute their runs until interrupted."""
    os.environ.update(served_environment(settings))  # inherited by the runs' processes
    serve(*deployments(settings), print_starting_message=False)
