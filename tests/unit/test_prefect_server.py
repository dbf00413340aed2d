"""The temporary Prefect server's defaults are settings this Prefect version knows."""

from __future__ import annotations

import pytest

from flows import prefect_server


def test_the_temporary_server_starts_without_event_store_automations_and_task_recorder(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.settings import Settings

    for key in prefect_server.SERVER_DEFAULTS:
        monkeypatch.delenv(key, raising=False)
    assert Settings().server.services.triggers.enabled  # Prefect's own default
    for key, value in prefect_server.SERVER_DEFAULTS.items():
        monkeypatch.setenv(key, value)
    services = Settings().server.services
    assert not services.event_persister.enabled and not services.triggers.enabled
    # its history is dropped with it, and the recorder's flush cut off by the stop logged an
    # ERROR (tests/process/test_startup.py); the other services keep Prefect's defaults
    assert not services.task_run_recorder.enabled
    assert services.scheduler.enabled and services.late_runs.enabled
