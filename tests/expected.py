"""Independent expected figures for end-to-end tests: plain Python, no kumuh scoring code.

Written from the spec text alone (thresholds and bands as literals) so that a bug in
``transforms.indicators.scoring`` or the roll-up SQL cannot hide behind itself.
"""

from __future__ import annotations

from collections import defaultdict

PENYEBUT = {
    "1a": "jumlah_bangunan", "1b": "luas_ha", "1c": "jumlah_bangunan",
    "2a": "panjang_jalan_ideal_m", "2b": "panjang_jalan_ideal_m",
    "3a": "jumlah_kk", "3b": "jumlah_kk",
    "4a": "luas_ha", "4b": "panjang_drainase_ideal_m", "4c": "panjang_drainase_ideal_m",
    "5a": "jumlah_kk", "5b": "jumlah_kk", "6a": "jumlah_kk", "6b": "jumlah_kk",
    "7a": "jumlah_bangunan", "7b": "jumlah_bangunan",
}
KODES = list(PENYEBUT)
DENOMINATORS = ["luas_ha", "jumlah_bangunan", "jumlah_penduduk", "jumlah_kk",
                "panjang_jalan_ideal_m", "panjang_drainase_ideal_m"]
NUMERIC = DENOMINATORS + [f"vol_{k}" for k in KODES]


def percent(values: dict, kode: str) -> float:
    den = values[PENYEBUT[kode]]
    return 0.0 if den == 0 else 100.0 * values[f"vol_{kode}"] / den


def nilai(values: dict, kode: str) -> int:
    den = values[PENYEBUT[kode]]
    f = round(0.0 if den == 0 else values[f"vol_{kode}"] / den, 9)
    if f >= 0.75995:
        return 5
    if f >= 0.50995:
        return 3
    if f >= 0.24995:
        return 1
    return 0


def tingkat(total: int) -> str:
    if total >= 60:
        return "Kumuh Berat"
    if total >= 38:
        return "Kumuh Sedang"
    if total >= 16:
        return "Kumuh Ringan"
    return "Tidak Kumuh"


def assess(values: dict) -> dict:
    """persen_*, nilai_*, total_nilai, tingkat_kekumuhan of one unit."""
    out: dict = {f"persen_{k}": percent(values, k) for k in KODES}
    out.update({f"nilai_{k}": nilai(values, k) for k in KODES})
    out["total_nilai"] = sum(out[f"nilai_{k}"] for k in KODES)
    out["tingkat_kekumuhan"] = tingkat(out["total_nilai"])
    return out


def summed(rts: list[dict]) -> dict:
    """Sum of every numeric column over RT value dicts, plus RT counts and luas by tingkat."""
    out: dict = defaultdict(float)
    for values in rts:
        for col in NUMERIC:
            out[col] += values[col]
        level = tingkat(sum(nilai(values, k) for k in KODES))
        out[f"rt_{level}"] += 1
        if level != "Tidak Kumuh":
            out["luas_kumuh_ha"] += values["luas_ha"]
            out[f"luas_{level}"] += values["luas_ha"]
    out["jumlah_rt"] = len(rts)
    return dict(out)
