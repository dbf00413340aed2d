"""An independent computation of the progress tables (spec §7) from ``indikator_rt`` rows, in
plain Python (its own scorer, loops and ``Decimal`` rounding), for the unit tests of the SQL
models and the flow tests of the published Parquet."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from transforms.spec import contract, criteria, reference

RANK = {"Tidak Kumuh": 0, "Kumuh Ringan": 1, "Kumuh Sedang": 2, "Kumuh Berat": 3}


def _nilai(vol: float, den: float) -> int:
    f = 0.0 if den == 0 else round(vol / den, 9)
    return 5 if f >= 0.75995 else 3 if f >= 0.50995 else 1 if f >= 0.24995 else 0


def _tingkat(total: int) -> str:
    return ("Kumuh Berat" if total >= 60 else "Kumuh Sedang" if total >= 38
            else "Kumuh Ringan" if total >= 16 else "Tidak Kumuh")


def _kewenangan(luas: float, tingkat: str) -> str | None:
    if tingkat == "Tidak Kumuh":
        return None
    ha = Decimal(repr(round(luas, 9))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return ("Pemerintah Pusat" if ha >= 15 else "Pemerintah Provinsi" if ha >= 10
            else "Pemerintah Kabupaten/Kota")


def _luas_kumuh(rts: list[dict]) -> dict[str, float]:
    out = {"luas_kumuh_ha": sum(r["luas_ha"] for r in rts
                                if r["tingkat_kekumuhan"] != "Tidak Kumuh")}
    for label in ("Kumuh Ringan", "Kumuh Sedang", "Kumuh Berat"):
        sfx = label.split()[1].lower()
        out[f"luas_kumuh_{sfx}_ha"] = sum(r["luas_ha"] for r in rts
                                          if r["tingkat_kekumuhan"] == label)
    return out


def kawasan(rt: pd.DataFrame) -> pd.DataFrame:
    groups: dict[tuple, list[dict]] = {}
    for r in rt.to_dict("records"):
        key = reference.norm_name(r["kawasan"]) if isinstance(r["kawasan"], str) else ""
        if key:
            groups.setdefault((r["tahun"], r["kode_kabupaten"], key), []).append(r)
    out = []
    for (tahun, kab, _), rts in groups.items():
        first = min(rts, key=lambda r: (r["sumber_file"], r["sumber_baris"]))
        kels = sorted({r["kode_kelurahan"] for r in rts})
        row = {"tahun": tahun, "kode_provinsi": first["kode_provinsi"], "kode_kabupaten": kab,
               "nama_provinsi": first["nama_provinsi"], "nama_kabupaten": first["nama_kabupaten"],
               "kawasan": first["kawasan"], "kode_kelurahan_daftar": ",".join(kels),
               "jumlah_kelurahan": len(kels), "jumlah_rt": len(rts)}
        for label, sfx in criteria.TINGKAT_SUFFIX.items():
            row[f"jumlah_rt_{sfx}"] = sum(r["tingkat_kekumuhan"] == label for r in rts)
        for col in criteria.numeric_columns():
            row[col] = sum(r[col] for r in rts)
        total = 0
        for c in criteria.criteria():
            den = row[c.penyebut]
            row[c.persen] = 0.0 if den == 0 else 100.0 * row[c.vol] / den
            row[c.nilai] = _nilai(row[c.vol], den)
            total += row[c.nilai]
        row["total_nilai"], row["tingkat_kekumuhan"] = total, _tingkat(total)
        row.update(_luas_kumuh(rts))
        row["kewenangan"] = _kewenangan(row["luas_ha"], row["tingkat_kekumuhan"])
        out.append(row)
    return pd.DataFrame(out)


def history(rt: pd.DataFrame) -> dict[tuple, dict[int, dict]]:
    """RT key → year → row."""
    out: dict[tuple, dict[int, dict]] = {}
    for r in rt.to_dict("records"):
        out.setdefault((r["kode_kelurahan"], r["rt"], r["rw"]), {})[int(r["tahun"])] = r
    return out


def perubahan(rt: pd.DataFrame) -> pd.DataFrame:
    out = []
    for years in history(rt).values():
        order = sorted(years)
        for before, year in zip(order, order[1:], strict=False):
            now, then = years[year], years[before]
            move = RANK[now["tingkat_kekumuhan"]] - RANK[then["tingkat_kekumuhan"]]
            out.append({**{k: now[k] for k in contract.columns("perubahan_rt") if k in now},
                        "tahun_sebelumnya": before,
                        "total_nilai_sebelumnya": then["total_nilai"],
                        "tingkat_sebelumnya": then["tingkat_kekumuhan"],
                        "selisih_nilai": now["total_nilai"] - then["total_nilai"],
                        "luas_ha_sebelumnya": then["luas_ha"],
                        "arah": "membaik" if move < 0 else "memburuk" if move > 0 else "tetap"})
    return pd.DataFrame(out)


def kemajuan(rt: pd.DataFrame) -> pd.DataFrame:
    kumuh: dict[tuple[str, int], dict[str, float]] = {}  # (kab, year) → kelurahan → luas kumuh
    names = {}
    for r in rt.to_dict("records"):
        per_kel = kumuh.setdefault((r["kode_kabupaten"], int(r["tahun"])), {})
        per_kel[r["kode_kelurahan"]] = per_kel.get(r["kode_kelurahan"], 0.0) + (
            r["luas_ha"] if r["tingkat_kekumuhan"] != "Tidak Kumuh" else 0.0)
        names[r["kode_kabupaten"]] = r
    changes = perubahan(rt)

    def like_for_like(kab: str, then: int, now: int) -> tuple[int, float, float]:
        both = set(kumuh[kab, then]) & set(kumuh[kab, now])
        return (len(both), sum(kumuh[kab, then][k] for k in both),
                sum(kumuh[kab, now][k] for k in both))

    out = []
    for kab in sorted({k for k, _ in kumuh}):
        years = sorted(y for k, y in kumuh if k == kab)
        for before, year in zip(years, years[1:], strict=False):
            n, then, now = like_for_like(kab, before, year)
            n0, base, now0 = like_for_like(kab, years[0], year)
            moved = changes[(changes["kode_kabupaten"] == kab) & (changes["tahun"] == year)
                            & (changes["tahun_sebelumnya"] == before)]["arah"]
            r = names[kab]
            out.append({"tahun": year, "kode_provinsi": r["kode_provinsi"],
                        "kode_kabupaten": kab, "nama_provinsi": r["nama_provinsi"],
                        "nama_kabupaten": r["nama_kabupaten"], "tahun_sebelumnya": before,
                        "jumlah_kelurahan_sebanding": n, "luas_kumuh_sebelumnya_ha": then,
                        "luas_kumuh_ha": now, "perubahan_luas_kumuh_ha": now - then,
                        **{f"jumlah_rt_{a}": int((moved == a).sum())
                           for a in ("membaik", "memburuk", "tetap")},
                        "tahun_awal": years[0], "jumlah_kelurahan_sebanding_awal": n0,
                        "luas_kumuh_awal_ha": base, "luas_kumuh_sebanding_awal_ha": now0})
    return pd.DataFrame(out)


def same_rows(table: str, actual: pd.DataFrame, expected: pd.DataFrame,
               key: list[str]) -> None:
    """Assert ``actual`` (contract columns and order) equals ``expected`` row by row (sorted by
    ``key``), column by column: floats to 1e-9, everything else exactly."""
    assert list(actual.columns) == contract.columns(table)
    a = actual.sort_values(key, ignore_index=True)
    e = expected[contract.columns(table)].sort_values(key, ignore_index=True)
    assert a[key].astype(str).values.tolist() == e[key].astype(str).values.tolist()
    problems = []
    for col in contract.tables()[table]:
        for i, (x, y) in enumerate(zip(a[col.name], e[col.name], strict=True)):
            if col.type == "float64":
                same = math.isclose(float(x), float(y), rel_tol=1e-12, abs_tol=1e-9)
            else:
                same = (None if pd.isna(x) else x) == (None if pd.isna(y) else y)
            if not same:
                problems.append(f"{a.loc[i, key].tolist()} {col.name}: {x!r} != {y!r}")
    assert not problems, "\n".join(problems[:20])
