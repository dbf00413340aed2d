"""The two Prefect deployments kumuh serves: schedule, parameters, defaults."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from flows import config


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
    # staff see only the scope and force, each described; the locations are the served ones
    assert not rerun.schedules and rerun.parameters == {}
    shown = rerun.parameter_openapi_schema["properties"]
    assert set(shown) == {"kabupaten", "kecamatan", "kelurahan", "tahun", "force"}
    assert all(p.get("description") for p in shown.values())
    assert shown["force"]["default"] is True and "walau" in shown["force"]["description"]
