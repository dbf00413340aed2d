"""``make bench``'s verdict helpers (no bench run here)."""

from __future__ import annotations

import pytest

from bench.run_bench import REFERENCE_FLOOR_SECONDS, machine_speed, median_of, repeated, restore


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


def test_a_short_measure_is_its_median_run_with_every_sample_and_the_highest_rss() -> None:
    runs = [{"seconds": s, "peak_rss_mib": m, "peak_rss_tree_mib": 2 * m, "files": i}
            for i, (s, m) in enumerate([(9.0, 100.0), (7.0, 300.0), (8.0, 200.0)])]
    made = iter(runs)
    row = repeated(3, lambda i: next(made))
    assert row["seconds"] == 8.0 and row["files"] == 2  # the median run, as it was
    assert row["samples"] == [9.0, 7.0, 8.0]
    assert row["peak_rss_mib"] == 300.0 and row["peak_rss_tree_mib"] == 600.0
    assert median_of(runs[:1])["seconds"] == 9.0


def test_restore_puts_back_the_original_of_a_file_changed_twice(tmp_path) -> None:
    wb, first, second = tmp_path / "a.xlsx", tmp_path / "b0.xlsx", tmp_path / "b1.xlsx"
    first.write_text("original")
    second.write_text("first change")  # the backup taken before the second change
    wb.write_text("second change")
    restore([(wb, first), (wb, second)])
    assert wb.read_text() == "original"
