"""``make bench``'s verdict helpers (no bench run here)."""

from __future__ import annotations

import pytest

from bench.run_bench import REFERENCE_FLOOR_SECONDS, machine_speed


def test_machine_speed_scales_start_up_by_the_parse_floor() -> None:
    rows = {"floor": {"seconds": 2 * REFERENCE_FLOOR_SECONDS}, "startup": {"seconds": 12.0},
            "startup_server": {"seconds": 5.0}}
    speed = machine_speed(11_000, rows)
    assert speed["slower_than_reference"] == pytest.approx(2.0)
    assert speed["startup_at_reference"] == pytest.approx({"startup": 6.0,
                                                           "startup_server": 2.5})
    assert "2.00x slower" in speed["detail"] and "6.0 s" in speed["detail"]
    assert machine_speed(1_000, rows) is None  # the reference floor is for 11,000 workbooks
    assert machine_speed(11_000, {"floor": rows["floor"]}) is None  # no start-up measured
