"""Scoring rules of spec §3 on the worked example and on the band edges."""

import numpy as np
import pandas as pd
import pytest

from tests import worked_example as ex
from transforms.indicators import scoring
from transforms.spec import criteria


def _example() -> pd.DataFrame:
    return ex.frame()


def test_worked_example_rts() -> None:
    scored = scoring.score(_example())
    for rt, expected in ex.NILAI.items():
        if rt == "kelurahan":
            continue
        got = [int(scored.loc[rt, c.nilai]) for c in criteria.criteria()]
        assert got == expected, rt
        assert scored.loc[rt, "total_nilai"] == ex.TOTAL[rt]
        assert scored.loc[rt, "tingkat_kekumuhan"] == ex.TINGKAT[rt]


def test_worked_example_kelurahan_is_ratio_of_sums() -> None:
    summed = _example().sum(numeric_only=True).to_frame().T
    scored = scoring.score(summed)
    assert [int(scored[c.nilai].iloc[0]) for c in criteria.criteria()] == ex.NILAI["kelurahan"]
    assert scored["total_nilai"].iloc[0] == 44
    assert scored["tingkat_kekumuhan"].iloc[0] == "Kumuh Sedang"
    assert scored["persen_1a"].iloc[0] == pytest.approx(270 / 405 * 100)


@pytest.mark.parametrize(
    ("vol", "den", "nilai"),
    [(5091, 10000, 1), (7591, 10000, 3), (75995, 100000, 5), (25, 100, 1), (24995, 100000, 1),
     (2499, 10000, 0), (24995, 100000, 1), (249.95, 1000, 1), (50995, 100000, 3), (0, 0, 0)],
)
def test_band_edges_close_downwards(vol: float, den: float, nilai: int) -> None:
    assert scoring.nilai_from_fraction(np.array([vol / den if den else 0.0]))[0] == nilai


@pytest.mark.parametrize(("total", "tingkat"), [(15, "Tidak Kumuh"), (16, "Kumuh Ringan"),
                                                (37, "Kumuh Ringan"), (38, "Kumuh Sedang"),
                                                (59, "Kumuh Sedang"), (60, "Kumuh Berat")])
def test_tingkat_bands(total: int, tingkat: str) -> None:
    assert scoring.tingkat_kekumuhan_from_total(np.array([total]))[0] == tingkat


def test_zero_denominator_gives_zero_percent() -> None:
    frame = _example().iloc[[1]].copy()
    frame["panjang_jalan_ideal_m"] = 0
    frame["vol_2a"] = 0
    frame["vol_2b"] = 0
    scored = scoring.score(frame)
    assert scored["persen_2a"].iloc[0] == 0.0
    assert scored["nilai_2b"].iloc[0] == 0


def test_tingkat_of_a_total_below_every_band_or_missing_is_the_lowest() -> None:
    import numpy as np

    from transforms.indicators.scoring import tingkat_kekumuhan_from_total

    got = tingkat_kekumuhan_from_total(np.array([np.nan, -1.0, 15.0, 16.0, 37.0, 38.0, 60.0]))
    assert got.tolist() == ["Tidak Kumuh", "Tidak Kumuh", "Tidak Kumuh", "Kumuh Ringan",
                            "Kumuh Ringan", "Kumuh Sedang", "Kumuh Berat"]
