"""Roll-ups in DuckDB (spec §4) on the worked example: ratio of sums, never averages."""

from __future__ import annotations

import duckdb
import pytest

from tests import worked_example as ex
from tests.conftest import REFERENCE
from transforms.indicators import rollup
from transforms.spec import criteria, reference


@pytest.fixture(scope="module")
def con():
    villages = reference.Reference(REFERENCE).villages
    con = duckdb.connect()
    rollup.register_reference(con, villages)
    con.register("rt", ex.rt_table(villages))
    yield con
    con.close()


def test_kelurahan_is_scored_as_one_unit_from_summed_rts(con) -> None:
    kel = rollup.kelurahan(con, "rt")
    assert len(kel) == 1
    row = kel.iloc[0]
    assert [int(row[c.nilai]) for c in criteria.criteria()] == ex.NILAI["kelurahan"]
    assert row["total_nilai"] == ex.TOTAL["kelurahan"]
    assert row["tingkat_kekumuhan"] == ex.TINGKAT["kelurahan"]
    assert row["persen_1a"] == pytest.approx(270 / 405 * 100)
    assert row["jumlah_rt"] == 3 and row["nama_kelurahan"] == "Podosugih"


def test_kabupaten_counts_rts_and_hectares_by_level_and_completeness(con) -> None:
    kab = rollup.region(con, "kabupaten", "rt")
    assert len(kab) == 1
    row = kab.iloc[0]
    assert (row["jumlah_rt_kumuh_ringan"], row["jumlah_rt_kumuh_berat"]) == (2, 1)
    assert row["luas_kumuh_ha"] == pytest.approx(ex.LUAS_KUMUH["total"])
    assert row["luas_kumuh_ringan_ha"] == pytest.approx(ex.LUAS_KUMUH["ringan"])
    assert row["luas_kumuh_berat_ha"] == pytest.approx(ex.LUAS_KUMUH["berat"])
    assert row["jumlah_kelurahan_dilaporkan"] == 1
    assert row["kelengkapan_persen"] == pytest.approx(100 / row["jumlah_kelurahan_referensi"])


def test_every_kecamatan_of_a_reporting_kabupaten_is_listed(con) -> None:
    kec = rollup.region(con, "kecamatan", "rt")
    reported = kec[kec["jumlah_kelurahan_dilaporkan"] > 0]
    assert list(reported["nama_kecamatan"]) == ["Pekalongan Barat"]
    silent = kec[kec["jumlah_kelurahan_dilaporkan"] == 0]
    assert len(silent) >= 1 and (silent["jumlah_rt"] == 0).all()
    assert silent["persen_1a"].isna().all()
