"""Parquet versions: a publish switches every table at once, or not at all (real files)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests import worked_example as ex
from tests.conftest import REFERENCE
from transforms.publish import parquet
from transforms.spec import contract, reference

GROUP = (2024, "33.75")


@pytest.fixture(scope="module")
def rt() -> pa.Table:
    frame = ex.rt_table(reference.Reference(REFERENCE).villages)
    return parquet.to_arrow("indikator_rt", pa.Table.from_pandas(frame, preserve_index=False),
                            {"run_id": "v1"})


def _file(out: Path) -> Path:
    return out / "indikator_rt" / parquet.group_file(*GROUP)


def test_first_publish_points_every_table_at_its_version(tmp_path: Path, rt) -> None:
    parquet.publish(tmp_path, "v1", changed={"indikator_rt": rt}, keep={}, flat={})
    for name in contract.tables():
        assert parquet.current_version(tmp_path, name) == (
            tmp_path / parquet.VERSIONS / "v1" / name).resolve()
    assert pq.read_table(_file(tmp_path)).num_rows == 3
    assert pq.read_table(tmp_path / "pengiriman" / "part-0.parquet").num_rows == 0


def test_a_failed_check_keeps_the_published_version_and_drops_the_new_one(tmp_path: Path,
                                                                          rt) -> None:
    parquet.publish(tmp_path, "v1", changed={"indikator_rt": rt}, keep={}, flat={})
    before = _file(tmp_path).read_bytes()

    def refuse() -> None:
        raise ValueError("kontrak dilanggar")

    with pytest.raises(ValueError, match="kontrak"):
        parquet.publish(tmp_path, "v2", changed={"indikator_rt": rt.slice(0, 1)}, keep={},
                        flat={}, after_write=refuse)
    assert parquet.current_version(tmp_path, "indikator_rt").parent.name == "v1"
    assert not (tmp_path / parquet.VERSIONS / "v2").exists()
    assert _file(tmp_path).read_bytes() == before


def test_unchanged_groups_are_hard_links_to_the_previous_version(tmp_path: Path, rt) -> None:
    parquet.publish(tmp_path, "v1", changed={"indikator_rt": rt}, keep={}, flat={})
    first = _file(tmp_path).resolve()
    parquet.publish(tmp_path, "v2", changed={}, keep={"indikator_rt": {GROUP}}, flat={})
    second = _file(tmp_path).resolve()
    assert second.parts[-4] == "v2" and second != first
    assert second.stat().st_ino == first.stat().st_ino


def test_groups_are_loaded_in_parts_of_bounded_rows_in_their_order() -> None:
    import pandas as pd

    groups = pd.DataFrame({"tahun": [2023, 2023, 2024, 2024, 2024],
                           "kode_kabupaten": ["11.01", "11.02", "11.01", "11.02", "11.03"]})
    sizes = groups.assign(baris=[60, 50, 250, 30, 40]).iloc[[4, 0, 1, 2, 3]]  # any order
    parts = parquet.group_parts(groups, sizes, max_rows=100)
    # 60+50 > 100 cuts; a group over the limit stands alone; a group not in sizes counts 0
    assert [p["kode_kabupaten"].tolist() for p in parts] == [
        ["11.01"], ["11.02"], ["11.01"], ["11.02", "11.03"]]
    assert [p["tahun"].tolist() for p in parts] == [[2023], [2023], [2024], [2024, 2024]]
    unknown = pd.DataFrame({"tahun": [2025], "kode_kabupaten": ["99.99"]})
    assert [len(p) for p in parquet.group_parts(unknown, sizes, 100)] == [1]
    assert parquet.group_parts(groups.iloc[0:0], sizes, 100) == []


def test_old_versions_are_pruned_to_the_newest_three_never_the_live_one(tmp_path: Path,
                                                                        rt) -> None:
    parquet.publish(tmp_path, "v1", changed={"indikator_rt": rt}, keep={}, flat={})
    for run in ("v2", "v3", "v4"):
        parquet.publish(tmp_path, run, changed={}, keep={"indikator_rt": {GROUP}}, flat={})
    assert sorted(p.name for p in (tmp_path / parquet.VERSIONS).iterdir()) == ["v2", "v3", "v4"]
    assert parquet.current_version(tmp_path, "indikator_rt").parent.name == "v4"
    assert pq.read_table(_file(tmp_path)).num_rows == 3  # linked on from v1, still there

    def refuse() -> None:
        raise ValueError("kontrak dilanggar")

    with pytest.raises(ValueError):  # pruned beside a publish that fails: the live one stays
        parquet.publish(tmp_path, "v5", changed={}, keep={"indikator_rt": {GROUP}}, flat={},
                        after_write=refuse)
    assert sorted(p.name for p in (tmp_path / parquet.VERSIONS).iterdir()) == ["v3", "v4"]
    assert parquet.current_version(tmp_path, "indikator_rt").parent.name == "v4"
    assert pq.read_table(_file(tmp_path)).num_rows == 3
