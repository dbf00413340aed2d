"""``kumuh serve``: the two Prefect deployments, served from one long-running process.

- ``nightly-consolidation/nightly-consolidation``: every night on a cron schedule (default
  ``0 2 * * *`` in ``Asia/Jakarta``), everything that changed;
- ``nightly-consolidation/rerun``: no schedule; staff start it from the Prefect UI or with
  ``prefect deployment run 'nightly-consolidation/rerun' -p kabupaten=33.75 [-p tahun=2024]``.
Both carry the resolved locations as default parameters.
"""

from __future__ import annotations

from flows import process
from flows.config import Settings

process.set_up()

from prefect import serve  # noqa: E402
from prefect.deployments.runner import RunnerDeployment  # noqa: E402
from prefect.schedules import Cron  # noqa: E402

from flows.nightly import nightly_consolidation  # noqa: E402

NIGHTLY = "nightly-consolidation"
RERUN = "rerun"


def deployments(settings: Settings) -> list[RunnerDeployment]:
    """The nightly (scheduled) and rerun (on demand) deployments for these settings."""
    paths = {"input_dir": str(settings.input.resolve()), "out": str(settings.out.resolve()),
             "warehouse_path": str(settings.warehouse.resolve()),
             "settle_seconds": settings.settle_seconds, "lock_timeout": settings.lock_timeout}
    nightly = nightly_consolidation.to_deployment(
        name=NIGHTLY, schedule=Cron(settings.schedule, timezone=settings.timezone),
        parameters=paths, tags=["kumuh", "nightly"],
        description="Konsolidasi malam: semua workbook baru atau berubah.")
    rerun = nightly_consolidation.to_deployment(
        name=RERUN, parameters={**paths, "force": True}, tags=["kumuh", "rerun"],
        description="Jalankan ulang satu wilayah/tahun: isi kabupaten, kecamatan, kelurahan "
                    "dan/atau tahun.")
    return [nightly, rerun]


def serve_forever(settings: Settings) -> None:
    """Register both deployments and execute their runs until interrupted."""
    serve(*deployments(settings))
