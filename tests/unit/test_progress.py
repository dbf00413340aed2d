"""Progress toward 0 ha (spec §7) and the berubah_drastis warning (spec §5).

The three tables come from the SQL models over generated multi-year ``indikator_rt`` rows in an
in-memory DuckDB warehouse, and are compared row by row with an independent computation in
plain Python (its own scorer, loops and ``Decimal`` rounding). The data has RTs appearing,
disappearing and skipping a year, a kelurahan reported in one year only, a kawasan spanning two
kelurahan written two ways, kawasan at 9.995, 10.004, 14.995 and 15.00 ha, and a Tidak Kumuh
kawasan of 20 ha.
"""

from __future__ import annotations

import math
import random
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from tests import progress_expected as independent
from transforms.assess import year_change
from transforms.indicators import progress, rt_rows, scoring
from transforms.intake.inventory import MANIFEST_COLUMNS
from transforms.reports import dictionary
from transforms.reports import progress as report
from transforms.spec import contract, criteria, reference
from transforms.store import warehouse

ROOT = Path(__file__).resolve().parents[2]
VILLAGES = reference.Reference(ROOT / "data" / "reference" / "wilayah").villages
KOTA, KAB, CILACAP = "33.75", "33.26", "33.01"
MEDONO, PODOSUGIH, SAPURO, BENDAN = ("33.75.01.1002", "33.75.01.1003", "33.75.01.1004",
                                     "33.75.01.1006")
KLESEM, BODAS = "33.26.01.2001", "33.26.01.2002"
TAMBAKREJA = "33.01.01.2001"
#: Share of each denominator taken by the volumes of an RT of a tier (±0.05 per criterion).
TIER = {"bersih": 0.0, "ringan": 0.33, "sedang": 0.6, "berat": 0.85}


# --- generated indikator_rt -----------------------------------------------------------------

def _rt(rng: random.Random, tahun: int, kel: str, rt: str, rw: str, tier: str, *,
        kawasan: str | None = None, luas: float | None = None, file: str = "",
        baris: int = 10, **values: float) -> dict[str, object]:
    """One RT row with volumes at ``tier``'s share of their denominators."""
    row: dict[str, object] = {
        "tahun": tahun, "kode_kelurahan": kel, "rt": rt, "rw": rw, "kawasan": kawasan,
        "sumber_file": file or f"{tahun}/{kel}.xlsx", "sumber_sheet": "Data RT",
        "sumber_baris": baris, "sha256": f"{tahun}{kel}".replace(".", "").ljust(64, "0"),
        "run_id": "uji", "luas_ha": luas if luas is not None else round(rng.uniform(0.4, 3), 2),
        "jumlah_bangunan": rng.randint(40, 220), "jumlah_kk": rng.randint(40, 260),
        "panjang_jalan_ideal_m": float(rng.randint(200, 1500)),
        "panjang_drainase_ideal_m": float(rng.randint(200, 1500))}
    row["jumlah_penduduk"] = int(row["jumlah_kk"]) * 4
    row.update(values)
    for c in criteria.criteria():
        share = min(1.0, max(0.0, TIER[tier] + (rng.uniform(-0.05, 0.05) if TIER[tier] else 0)))
        den = float(row[c.penyebut])
        row[c.vol] = math.floor(share * den) if c.is_count else round(share * den * 0.999, 3)
    return row


def _kelurahan(rng: random.Random, tahun: int, kel: str, tiers: dict[str, str], *,
               kawasan: dict[str, str | None] | None = None, file: str = "",
               **per_rt: dict[str, float]) -> list[dict[str, object]]:
    """The RT rows of one kelurahan-year; ``tiers``: ``"rt/rw"`` → tier."""
    out = []
    for i, (key, tier) in enumerate(tiers.items()):
        rt, rw = key.split("/")
        out.append(_rt(rng, tahun, kel, rt, rw, tier, kawasan=(kawasan or {}).get(key),
                       file=file, baris=10 + i, **per_rt.get(f"rt{rt}_{rw}", {})))
    return out


def generated_rt() -> pd.DataFrame:
    """Multi-year ``indikator_rt`` of three kabupaten (see the module docstring)."""
    rng = random.Random(20240611)
    rows: list[dict[str, object]] = []
    pesisir = {"001/001": "Kawasan Pesisir", "002/001": "Kawasan Pesisir"}
    # Kota Pekalongan: 2020 (baseline), 2021, 2023
    rows += _kelurahan(rng, 2020, MEDONO, {"001/001": "berat", "002/001": "sedang",
                                           "003/001": "ringan", "005/002": "berat",
                                           "006A/002": "sedang"}, kawasan=pesisir)
    rows += _kelurahan(rng, 2020, PODOSUGIH, {"001/003": "berat", "002/003": "bersih"},
                       kawasan={"001/003": "KAWASAN  PESISIR", "002/003": "-"})
    rows += _kelurahan(rng, 2020, BENDAN, {"001/001": "sedang", "002/001": "berat"})
    rows += _kelurahan(rng, 2021, MEDONO, {"001/001": "sedang", "002/001": "sedang",
                                           "003/001": "berat", "004/001": "ringan"},
                       kawasan=pesisir, file="2021/b-medono.xlsx")
    rows += _kelurahan(rng, 2021, PODOSUGIH, {"001/003": "sedang", "002/003": "bersih"},
                       kawasan={"001/003": "kawasan pesisir"}, file="2021/c-podosugih.xlsx")
    rows += _kelurahan(rng, 2021, SAPURO, {"001/001": "berat", "002/001": "berat",
                                           "003/001": "berat"},
                       kawasan={"001/001": "Bantaran Sungai", "002/001": "Bantaran Sungai",
                                "003/001": "Kali Loji"},
                       rt001_001={"luas_ha": 4.995}, rt002_001={"luas_ha": 5.0},
                       rt003_001={"luas_ha": 9.995})
    rows += _kelurahan(rng, 2023, MEDONO, {"001/001": "ringan", "002/001": "sedang",
                                           "003/001": "berat", "004/001": "sedang",
                                           "006A/002": "ringan"},
                       kawasan=pesisir, file="2023/b-medono.xlsx")
    rows += _kelurahan(rng, 2023, PODOSUGIH, {"001/003": "ringan", "002/003": "sedang"},
                       kawasan={"001/003": "Kawasan  Pesisir"}, file="2023/a-podosugih.xlsx")
    rows += _kelurahan(rng, 2023, BENDAN, {"001/001": "bersih", "002/001": "ringan",
                                           "003/001": "berat"})
    # Kabupaten Pekalongan: 2021, 2022; kawasan at the kewenangan thresholds in 2022
    rows += _kelurahan(rng, 2021, KLESEM, {"001/001": "sedang", "002/001": "ringan"})
    rows += _kelurahan(
        rng, 2022, KLESEM,
        {"001/001": "berat", "002/001": "berat", "003/001": "sedang", "004/001": "berat",
         "005/002": "berat", "006/002": "berat", "007/002": "bersih", "008/002": "bersih"},
        kawasan={"001/001": "Pasar", "002/001": "Pasar", "003/001": "Stasiun",
                 "004/001": "Stasiun", "005/002": "Terminal", "006/002": "Terminal",
                 "007/002": "Taman Kota", "008/002": "Taman Kota"},
        rt001_001={"luas_ha": 5.004}, rt002_001={"luas_ha": 5.0},
        rt003_001={"luas_ha": 7.5}, rt004_001={"luas_ha": 7.495},
        rt005_002={"luas_ha": 9.994}, rt006_002={"luas_ha": 5.006},
        rt007_002={"luas_ha": 12.0}, rt008_002={"luas_ha": 8.0})
    rows += _kelurahan(rng, 2022, BODAS, {"001/004": "berat", "002/004": "berat",
                                          "003/004": "ringan", "004/004": "sedang"},
                       kawasan={"001/004": "Muara", "002/004": "Muara", "003/004": "Tepian",
                                "004/004": "Pelabuhan"},
                       rt001_004={"luas_ha": 4.994}, rt002_004={"luas_ha": 5.0},
                       rt003_004={"luas_ha": 9.994}, rt004_004={"luas_ha": 14.995})
    # Kabupaten Cilacap: one year only
    rows += _kelurahan(rng, 2022, TAMBAKREJA, {"001/001": "berat"}, kawasan={"001/001": "Teluk"})
    frame = pd.DataFrame(rows).merge(VILLAGES, on="kode_kelurahan")
    return rt_rows.conform(scoring.score(frame), "indikator_rt")


def warehouse_with(rt: pd.DataFrame) -> duckdb.DuckDBPyConnection:
    """An in-memory warehouse holding ``rt`` as ``indikator_rt`` and the progress tables."""
    con = warehouse.connect(Path(":memory:"))
    con.register("_rt", rt)
    con.execute("insert into indikator_rt select * from _rt")
    con.unregister("_rt")
    return con


@pytest.fixture(scope="module")
def rt() -> pd.DataFrame:
    return generated_rt()


@pytest.fixture(scope="module")
def computed(rt: pd.DataFrame) -> dict[str, pd.DataFrame]:
    con = warehouse_with(rt)
    return progress.compute(con, [KOTA, KAB, CILACAP])


# --- the three tables -----------------------------------------------------------------------

def test_kawasan_matches_independent_computation(rt, computed) -> None:
    expected = independent.kawasan(rt)
    independent.same_rows("indikator_kawasan", computed["indikator_kawasan"], expected,
               ["tahun", "kode_kabupaten", "kawasan"])


def test_kawasan_keys_names_and_span(computed) -> None:
    k = computed["indikator_kawasan"].set_index(["tahun", "kode_kabupaten", "kawasan"]).sort_index()
    # written three ways, one kawasan spanning two kelurahan; first file in sort order names it
    assert k.loc[(2021, KOTA, "Kawasan Pesisir"), "kode_kelurahan_daftar"] == \
        f"{MEDONO},{PODOSUGIH}"
    assert k.loc[(2023, KOTA, "Kawasan  Pesisir"), "jumlah_kelurahan"] == 2
    assert k.loc[(2020, KOTA, "Kawasan Pesisir"), "jumlah_rt"] == 3
    # "-" normalises to nothing: no kawasan; RTs without kawasan belong to none
    assert set(k.loc[(2020, KOTA)].index) == {"Kawasan Pesisir"}


@pytest.mark.parametrize(("tahun", "kab", "nama", "luas", "kewenangan"), [
    (2021, KOTA, "Bantaran Sungai", 9.995, "Pemerintah Provinsi"),      # 9.995 → 10.00
    (2021, KOTA, "Kali Loji", 9.995, "Pemerintah Provinsi"),            # stored 9.99499…
    (2022, KAB, "Pelabuhan", 14.995, "Pemerintah Pusat"),               # stored 14.99499…
    (2022, KAB, "Pasar", 10.004, "Pemerintah Provinsi"),                # 10.004 → 10.00
    (2022, KAB, "Stasiun", 14.995, "Pemerintah Pusat"),                 # 14.995 → 15.00
    (2022, KAB, "Terminal", 15.0, "Pemerintah Pusat"),                  # 9.994 + 5.006
    (2022, KAB, "Muara", 9.994, "Pemerintah Kabupaten/Kota"),           # 9.994 → 9.99
    (2022, KAB, "Tepian", 9.994, "Pemerintah Kabupaten/Kota"),
    (2022, KAB, "Taman Kota", 20.0, None),                              # Tidak Kumuh: empty
])
def test_kewenangan_on_rounded_luas(computed, tahun, kab, nama, luas, kewenangan) -> None:
    k = computed["indikator_kawasan"].set_index(["tahun", "kode_kabupaten", "kawasan"]).sort_index()
    row = k.loc[(tahun, kab, nama)]
    assert row["luas_ha"] == pytest.approx(luas, abs=1e-9)
    assert (None if pd.isna(row["kewenangan"]) else row["kewenangan"]) == kewenangan
    if kewenangan is None:
        assert row["tingkat_kekumuhan"] == "Tidak Kumuh"


def test_perubahan_rt_matches_independent_computation(rt, computed) -> None:
    actual = computed["perubahan_rt"]
    independent.same_rows("perubahan_rt", actual, independent.perubahan(rt),
               ["tahun", "kode_kelurahan", "rw", "rt"])
    by_rt = actual.set_index(["kode_kelurahan", "rt", "rw", "tahun"])
    assert by_rt.loc[(MEDONO, "006A", "002", 2023), "tahun_sebelumnya"] == 2020  # skipped 2021
    assert (MEDONO, "004", "001", 2021) not in by_rt.index  # appeared in 2021: no earlier year
    assert not (actual["kode_kelurahan"] == SAPURO).any()  # reported in one year only
    assert set(actual["arah"]) == {"membaik", "memburuk", "tetap"}


def test_kemajuan_matches_independent_computation(rt, computed) -> None:
    actual = computed["kemajuan_kabupaten"]
    independent.same_rows("kemajuan_kabupaten", actual, independent.kemajuan(rt),
                          ["tahun", "kode_kabupaten"])
    k = actual.set_index(["kode_kabupaten", "tahun"])
    assert set(k.index) == {(KOTA, 2021), (KOTA, 2023), (KAB, 2022)}  # Cilacap: one year
    # 2023 vs 2021: Medono and Podosugih (Sapuro 2021 only, Bendan 2020/2023 only)
    assert k.loc[(KOTA, 2023), "jumlah_kelurahan_sebanding"] == 2
    # 2023 vs baseline 2020: Medono, Podosugih and Bendan
    assert k.loc[(KOTA, 2023), "jumlah_kelurahan_sebanding_awal"] == 3
    assert k.loc[(KOTA, 2023), "tahun_awal"] == 2020


# --- incremental refresh --------------------------------------------------------------------

def _groups(frame: pd.DataFrame) -> set[tuple[int, str]]:
    return {(int(t), str(k)) for t, k in zip(frame["tahun"], frame["kode_kabupaten"],
                                             strict=True)}


def _stored(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    return {t: con.sql(f"select * from {t}").df() for t in progress.TABLES}


def _assert_stored_is_fresh(con: duckdb.DuckDBPyConnection) -> None:
    """The warehouse tables equal a computation from scratch of every kabupaten."""
    kabs = con.sql("select distinct kode_kabupaten from indikator_rt").df()["kode_kabupaten"]
    fresh = progress.compute(con, kabs)
    for table, rows in _stored(con).items():
        key = ["tahun", "kode_kabupaten", *(["kawasan"] if table == "indikator_kawasan" else
                                            ["kode_kelurahan", "rw", "rt"]
                                            if table == "perubahan_rt" else [])]
        independent.same_rows(table, rows, fresh[table], key)


def test_refresh_replaces_only_changed_groups(rt) -> None:
    con = warehouse_with(rt)
    everything = rt[["tahun", "kode_kabupaten"]].drop_duplicates()
    first = progress.refresh(con, everything)
    assert _groups(first["indikator_kawasan"]) == _groups(everything) - {(2021, KAB)}  # none
    assert _groups(first["kemajuan_kabupaten"]) == {(2021, KOTA), (2023, KOTA), (2022, KAB)}
    _assert_stored_is_fresh(con)
    assert all(f.empty for f in progress.refresh(con, everything).values())  # nothing new

    # a middle year: its comparisons and the next year's, nothing of other kabupaten
    before = _stored(con)
    touched = pd.DataFrame({"tahun": [2021], "kode_kabupaten": [KOTA]})
    con.execute(f"update indikator_rt set luas_ha = luas_ha + 1 where tahun = 2021 "
                f"and kode_kelurahan = '{MEDONO}' and rt = '001'")
    changed = progress.refresh(con, touched)
    assert _groups(changed["indikator_kawasan"]) == {(2021, KOTA)}
    assert _groups(changed["perubahan_rt"]) == {(2021, KOTA), (2023, KOTA)}
    assert _groups(changed["kemajuan_kabupaten"]) == {(2021, KOTA), (2023, KOTA)}
    after = _stored(con)
    for table in progress.TABLES:
        other = before[table]["kode_kabupaten"] != KOTA
        pd.testing.assert_frame_equal(
            after[table][after[table]["kode_kabupaten"] != KOTA].reset_index(drop=True),
            before[table][other].reset_index(drop=True))
    _assert_stored_is_fresh(con)

    # the baseline year: every later year's baseline comparison; an RT that skipped 2021
    touched = pd.DataFrame({"tahun": [2020], "kode_kabupaten": [KOTA]})
    con.execute(f"update indikator_rt set luas_ha = luas_ha * 3 where tahun = 2020 "
                f"and kode_kelurahan in ('{MEDONO}', '{BENDAN}') and rt in ('006A', '002')")
    changed = progress.refresh(con, touched)
    assert _groups(changed["indikator_kawasan"]) == {(2020, KOTA)}
    assert _groups(changed["perubahan_rt"]) == {(2021, KOTA), (2023, KOTA)}
    assert _groups(changed["kemajuan_kabupaten"]) == {(2021, KOTA), (2023, KOTA)}
    _assert_stored_is_fresh(con)

    # a withdrawn year: its rows go, the next year compares with the one before
    con.execute(f"delete from indikator_rt where tahun = 2021 and kode_kabupaten = '{KOTA}'")
    touched = pd.DataFrame({"tahun": [2021], "kode_kabupaten": [KOTA]})
    changed = progress.refresh(con, touched)
    assert _groups(changed["indikator_kawasan"]) == {(2021, KOTA)}
    assert _groups(changed["kemajuan_kabupaten"]) == {(2021, KOTA), (2023, KOTA)}
    stored = _stored(con)
    assert not (stored["kemajuan_kabupaten"]["tahun"] == 2021).any()
    kota = stored["kemajuan_kabupaten"].query("kode_kabupaten == @KOTA")
    assert kota["tahun_sebelumnya"].tolist() == [2020]
    _assert_stored_is_fresh(con)


def _store(con: duckdb.DuckDBPyConnection, rt: pd.DataFrame, run_id: str,
           force: pd.DataFrame | None = None) -> pd.DataFrame:
    """One run's warehouse changes as the flow applies them (RT rows, roll-ups, progress
    tables, queue); the roll-up groups."""
    force = warehouse.no_groups() if force is None else force
    none = pd.DataFrame({"kode_kelurahan": pd.Series(dtype=object),
                         "tahun": pd.Series(dtype="int16")})
    with warehouse.transaction(con):
        groups = warehouse.store_rt(con, rt=rt, withdrawn=none, force_groups=force,
                                    present=["a.xlsx"])
        warehouse.refresh_rollups(con, groups, VILLAGES)
        republish = warehouse.refresh_progress(con, groups, force)
        warehouse.store_files(con, groups, processed=pd.DataFrame(columns=MANIFEST_COLUMNS),
                              temuan=pd.DataFrame(columns=contract.columns("temuan_validasi")),
                              present=["a.xlsx"], withdrawn=none, run={"run_id": run_id},
                              state={}, progress_groups=republish)
    return groups


def test_publish_queue_holds_roll_up_groups_and_each_progress_tables_own(rt, tmp_path) -> None:
    con = warehouse.connect(tmp_path / "wh.duckdb")
    groups = _store(con, rt, "r1")
    pending = warehouse.pending_by_table(con)
    assert set(pending) == set(contract.PARTITIONED)
    for table in warehouse.ROLLUP_TABLES:
        assert _groups(pending[table]) == _groups(groups)
    assert _groups(pending[progress.KEMAJUAN]) == {(2021, KOTA), (2023, KOTA), (2022, KAB)}
    assert _groups(pending[progress.KAWASAN]) == _groups(groups) - {(2021, KAB)}
    warehouse.clear_queue(con, "r1")

    # a new 2021 workbook for Medono (one RT's luas changed), and a forced group elsewhere
    medono = rt[(rt["kode_kelurahan"] == MEDONO) & (rt["tahun"] == 2021)].copy()
    medono["sha256"], medono["run_id"] = "f" * 64, "r2"
    medono.loc[medono["rt"] == "004", "luas_ha"] += 1  # an RT in no kawasan
    forced = pd.DataFrame({"tahun": pd.Series([2022], dtype="int16"),
                           "kode_kabupaten": [CILACAP]})
    _store(con, medono, "r2", forced)
    pending = {t: _groups(g) for t, g in warehouse.pending_by_table(con).items()}
    for table in warehouse.ROLLUP_TABLES:
        assert pending[table] == {(2021, KOTA), (2022, CILACAP)}
    assert pending[progress.KAWASAN] == {(2022, CILACAP)}  # Medono's kawasan rows unchanged
    # 004 is new in 2021: only 2023's comparison (with 2021) changes
    assert pending[progress.PERUBAHAN_RT] == {(2023, KOTA), (2022, CILACAP)}
    assert pending[progress.KEMAJUAN] == {(2021, KOTA), (2023, KOTA), (2022, CILACAP)}
    con.close()


def test_table_spec_has_rules_and_descriptions() -> None:
    for table in progress.TABLES:
        cols = contract.tables()[table]
        assert cols[0] == contract.TAHUN and table in contract.PARTITIONED
        assert table in dictionary.GRAIN
        assert all(c.description_id and c.description_en for c in cols), table
    rules = {c.name: c.allowed for t in progress.TABLES for c in contract.tables()[t]}
    assert rules["arah"] == "in:membaik,memburuk,tetap"
    assert rules["kewenangan"].removeprefix("in:").split(",") == [
        label for _, label in progress.KEWENANGAN]
    assert rules["kode_kelurahan_daftar"].startswith("regex:")
    assert rules["selisih_nilai"] == "range:-80..80"


# --- berubah_drastis ------------------------------------------------------------------------

def _row(tahun: int, kel: str, rt: str, luas: float, bangunan: int = 100, kk: int = 80,
         baris: int = 10) -> dict[str, object]:
    v = VILLAGES.set_index("kode_kelurahan").loc[kel]
    return {"wb": 7, "tahun": tahun, "kode_kelurahan": kel, "kode_kabupaten": v["kode_kabupaten"],
            "rt": rt, "rw": "001", "luas_ha": luas, "jumlah_bangunan": bangunan,
            "jumlah_kk": kk, "sumber_file": f"{tahun}/{kel}.xlsx", "sumber_sheet": "Data RT",
            "sumber_baris": baris, "sha256": "a" * 64}


def _published(rows: list[dict]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    frame = pd.DataFrame(rows).drop(columns=["wb"])
    con.register("_p", frame)
    con.execute("create table indikator_rt as select * from _p")
    return con


def test_berubah_drastis_edges_and_message() -> None:
    con = _published([_row(2021, MEDONO, "001", 1.25), _row(2021, MEDONO, "002", 1.0),
                      _row(2021, MEDONO, "003", 0.3), _row(2021, MEDONO, "004", 1.0),
                      _row(2019, MEDONO, "005", 9.0), _row(2021, MEDONO, "005", 1.0)])
    accepted = pd.DataFrame([
        _row(2023, MEDONO, "001", 2.5, baris=11),             # exactly 2×: no warning
        _row(2023, MEDONO, "002", 2.01, baris=12),            # 2.01×: warning
        _row(2023, MEDONO, "003", 0.6, bangunan=50, baris=13),  # exactly 2× and ½: none
        _row(2023, MEDONO, "004", 1.0, bangunan=49, kk=1610, baris=14),  # < ½ and > 2×
        _row(2023, MEDONO, "005", 1.5, baris=15),             # vs 2021 (1.0), not 2019 (9.0)
        _row(2023, MEDONO, "009", 50.0, baris=16),            # new RT: nothing to compare
    ])
    found = year_change.berubah_drastis(con, accepted, letters={7: {"luas_ha": "E"}})
    hits = [(int(b), k) for b, k in zip(found["baris"], found["kolom"], strict=True)]
    assert hits == [(12, "luas_ha"), (14, "jumlah_bangunan"), (14, "jumlah_kk")]
    assert set(found["keparahan"]) == {"warning"} and set(found["aturan"]) == {"berubah_drastis"}
    assert found["wb"].tolist() == [7, 7, 7] and found["tahun"].tolist() == [2023] * 3
    luas = found.iloc[0]
    assert luas["nilai"] == "2,01" and luas["sheet"] == "Data RT"  # numbers the Indonesian way
    assert "Data RT!E12" in luas["pesan"] and "2,01 pada tahun 2023" in luas["pesan"]
    assert "1 pada tahun 2021" in luas["pesan"] and "lebih dari dua kali lipat" in luas["pesan"]
    assert "kurang dari separuh" in found.iloc[1]["pesan"]
    assert "49 pada tahun 2023" in found.iloc[1]["pesan"]
    assert "Data RT baris 14" in found.iloc[1]["pesan"]  # no column letter known
    assert "1.610 pada tahun 2023, padahal 80 pada tahun 2021" in found.iloc[2]["pesan"]


def test_berubah_drastis_uses_the_warehouse_as_after_the_run() -> None:
    con = _published([_row(2021, MEDONO, "001", 1.0), _row(2023, MEDONO, "001", 100.0)])
    accepted = pd.DataFrame([
        _row(2021, MEDONO, "001", 3.0),    # replaces the published 2021 (1.0)
        _row(2022, MEDONO, "001", 3.5),    # vs the new 2021: no warning
        _row(2021, PODOSUGIH, "001", 1.0),  # a kelurahan new to the warehouse …
        _row(2022, PODOSUGIH, "001", 5.0),  # … compared with its year in the same run
    ])
    found = year_change.berubah_drastis(con, accepted)
    # not Medono 2022 against the replaced 2021 (1.0), nor 2021 against the later 2023
    assert [(r.sumber_file, r.kolom) for r in found.itertuples()] == [
        (f"2022/{PODOSUGIH}.xlsx", "luas_ha")]
    assert "1 pada tahun 2021" in found.iloc[0]["pesan"]
    assert year_change.berubah_drastis(con, accepted.iloc[0:0]).empty


# --- report pieces --------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "sentence"), [
    ((2021, 18, 140.3, 96.8), "dibanding 2021, pada 18 kelurahan yang sama: 140,3 ha → 96,8 ha, "
                              "turun 43,5 ha"),
    ((2021, 18, 140.25, 96.75), "dibanding 2021, pada 18 kelurahan yang sama: 140,3 ha → "
                                "96,8 ha, turun 43,5 ha"),  # half up, and it adds up
    ((2019, 3, 10.0, 1234.56), "dibanding 2019, pada 3 kelurahan yang sama: 10,0 ha → "
                               "1.234,6 ha, naik 1.224,6 ha"),
    ((2020, 2, 5.04, 4.96), "dibanding 2020, pada 2 kelurahan yang sama: 5,0 ha → 5,0 ha, "
                            "tidak berubah"),
])
def test_like_for_like_sentence(args, sentence) -> None:
    assert report.kalimat_sebanding(*args) == sentence


def test_like_for_like_sentence_without_common_kelurahan() -> None:
    text = report.kalimat_sebanding(2021, 0, 0.0, 0.0)
    assert text.startswith("dibanding 2021, tidak ada kelurahan")


def test_transition_table_counts_rts_of_the_latest_two_years(rt, computed) -> None:
    kemajuan = computed["kemajuan_kabupaten"].query("kode_kabupaten == @KOTA")
    table = report.transisi_tingkat(computed["perubahan_rt"], 2023, 2021)
    assert list(table.index) == list(table.columns) == list(criteria.TINGKAT_LABELS)
    history = independent.history(rt)
    expected = np.zeros((4, 4), dtype=int)
    for years in history.values():
        if 2021 in years and 2023 in years and years[2023]["kode_kabupaten"] == KOTA:
            expected[independent.RANK[years[2021]["tingkat_kekumuhan"]],
                     independent.RANK[years[2023]["tingkat_kekumuhan"]]] += 1
    assert (table.to_numpy() == expected).all() and expected.sum() == 6
    row = kemajuan.set_index("tahun").loc[2023]
    assert np.triu(expected, 1).sum() == row["jumlah_rt_memburuk"]
    assert np.tril(expected, -1).sum() == row["jumlah_rt_membaik"]
    assert np.trace(expected) == row["jumlah_rt_tetap"]


def test_sk_location_table_and_section(computed) -> None:
    kawasan = computed["indikator_kawasan"].query("kode_kabupaten == @KAB")
    names = dict(zip(VILLAGES["kode_kelurahan"], VILLAGES["nama_kelurahan"], strict=True))
    table = report.lokasi_sk(kawasan, names, 2022)
    assert list(table.columns) == ["kawasan", "kelurahan", "luas_ha", "luas_kumuh_ha",
                                   "tingkat_kekumuhan", "kewenangan"]
    assert "Taman Kota" not in set(table["kawasan"])  # Tidak Kumuh: not in the SK
    assert table["luas_kumuh_ha"].is_monotonic_decreasing
    assert table.set_index("kawasan").loc["Stasiun", "kewenangan"] == "Pemerintah Pusat"
    assert table.set_index("kawasan").loc["Muara", "kelurahan"] == "Bodas"

    kota = {"indikator_kawasan": computed["indikator_kawasan"].query("kode_kabupaten == @KOTA"),
            "perubahan_rt": computed["perubahan_rt"].query("kode_kabupaten == @KOTA"),
            "kemajuan_kabupaten": computed["kemajuan_kabupaten"].query(
                "kode_kabupaten == @KOTA"),
            "indikator_kabupaten": pd.DataFrame({"tahun": [2020, 2021, 2023],
                                                 "jumlah_kelurahan_dilaporkan": [3, 3, 3],
                                                 "luas_kumuh_ha": [9.0, 12.5, 6.25]}),
            "indikator_kelurahan": VILLAGES[VILLAGES["kode_kabupaten"] == KOTA]}
    page = report.progress_section(kota, "Kota Pekalongan")
    latest = kota["kemajuan_kabupaten"].set_index("tahun").loc[2023]
    sentence = report.kalimat_sebanding(2021, 2, latest["luas_kumuh_sebelumnya_ha"],
                                        latest["luas_kumuh_ha"])
    assert sentence in page and "(tahun awal)" in page
    assert "Perpindahan tingkat RT 2021 → 2023" in page
    assert "Medono, Podosugih" in page and "12,50 ha" in page


def test_rows_split_once_by_kabupaten_equal_each_kabupatens_own(computed) -> None:
    """The report converts each table once and splits it by kabupaten: the same rows, in the
    same order, as converting each kabupaten's rows on its own; rows without a code left out."""
    from transforms.reports.formatting import records, records_by

    kel = computed["indikator_kawasan"]
    split = records_by(kel, "kode_kabupaten")
    assert set(split) == set(kel["kode_kabupaten"]) and len(split) > 1
    for kode, part in kel.groupby("kode_kabupaten"):
        assert split[kode] == records(part)
    orphan = kel.head(1).assign(kode_kabupaten=None)
    assert records_by(pd.concat([orphan, kel]), "kode_kabupaten") == split
    perubahan = computed["perubahan_rt"]
    by_kab = report.transitions_by(perubahan, "kode_kabupaten")
    for kode, part in perubahan.groupby("kode_kabupaten"):
        own = report.transitions(part)
        assert all(np.array_equal(a, b, equal_nan=True) for a, b in zip(by_kab[kode], own,
                                                                        strict=True))
        assert (report._transisi_counts(by_kab[kode], 2023, 2021)
                == report.transisi_tingkat(part, 2023, 2021).to_numpy()).all()
