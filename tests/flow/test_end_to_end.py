"""Workbooks in, Parquet out: the Prefect flow on generated workbooks, read back with DuckDB."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest

from tests import expected as ex
from tests import progress_expected as independent
from tests import worked_example
from tests.conftest import copy_state, read_table
from transforms.indicators import progress
from transforms.sample import truth, workbooks
from transforms.spec import contract

pytestmark = pytest.mark.slow

DEFECT_RULE = {
    "nilai_negatif": "nilai_negatif",
    "bukan_angka": "bukan_angka",
    "kolom_hilang": "kolom_hilang",
    "kode_tidak_dikenal": "kode_tidak_dikenal",
    "rt_ganda": "rt_ganda",
    "volume_melebihi_penyebut": "volume_melebihi_penyebut",
    "tahun_di_luar_rentang": "tahun_di_luar_rentang",
    "bukan_bilangan_bulat": "bukan_bilangan_bulat",
}
ROW_RULES = {"nilai_negatif", "bukan_angka", "rt_ganda", "volume_melebihi_penyebut",
             "bukan_bilangan_bulat"}


def test_worked_example_through_the_pipeline(tmp_path: Path, run_flow) -> None:
    identity, rts = truth.worked_example()
    layout = truth.Layout(group_header_rows=2, numbers="text_id", total_rows="end",
                           stored_scores=True, rt_rw="001/002")
    workbooks.write_workbook(tmp_path / "in" / "Podosugih 2024.xlsx", identity, rts, layout)
    summary, out, _ = run_flow(tmp_path / "in")
    assert summary["diterima"] == 1 and summary["ditolak"] == 0

    rows = {f"{r['rt']}/{r['rw']}": r for r in read_table(out, "indikator_rt")}
    assert set(rows) == {"001/002", "002/002", "003/003"}
    for key, r in rows.items():
        assert [r[f"nilai_{k}"] for k in ex.KODES] == worked_example.NILAI[key]
        assert r["total_nilai"] == worked_example.TOTAL[key]
        assert r["tingkat_kekumuhan"] == worked_example.TINGKAT[key]
        assert r["sumber_file"] == "Podosugih 2024.xlsx" and r["sumber_baris"] > 0
        assert len(r["sha256"]) == 64 and r["tahun"] == 2024
    (kel,) = read_table(out, "indikator_kelurahan")
    assert [kel[f"nilai_{k}"] for k in ex.KODES] == worked_example.NILAI["kelurahan"]
    assert kel["total_nilai"] == 44 and kel["tingkat_kekumuhan"] == "Kumuh Sedang"
    assert kel["persen_1a"] == pytest.approx(270 / 405 * 100)
    assert kel["luas_kumuh_ha"] == pytest.approx(4.15)
    assert kel["luas_kumuh_ringan_ha"] == pytest.approx(2.05)
    assert kel["luas_kumuh_sedang_ha"] == pytest.approx(0.0)
    assert kel["luas_kumuh_berat_ha"] == pytest.approx(2.10)
    assert kel["jumlah_rt"] == 3 and kel["jumlah_rt_kumuh_ringan"] == 2
    assert kel["nama_kelurahan"] == "Podosugih" and kel["kode_kecamatan"] == "33.75.01"
    (kab,) = read_table(out, "indikator_kabupaten")
    assert kab["kode_kabupaten"] == "33.75" and kab["nama_kabupaten"] == "Kota Pekalongan"
    assert kab["jumlah_kelurahan_dilaporkan"] == 1
    assert kab["jumlah_kelurahan_referensi"] == 27
    assert kab["kelengkapan_persen"] == pytest.approx(100 / 27)


def _valid(made: list[truth.SampleWorkbook]) -> list[truth.SampleWorkbook]:
    return [w for w in made if w.expected_status == "diterima"]


def test_every_layout_variation_is_covered(sample_input) -> None:
    _, made = sample_input
    layouts = [w.layout for w in _valid(made)]
    for name, values in truth.LAYOUT_VARIATIONS.items():
        seen = {getattr(lay, name) for lay in layouts}
        assert set(values) <= seen, (name, set(values) - seen)


def test_rt_rows_match_the_workbooks(sample_input, sample_published) -> None:
    _, made = sample_input
    summary, out = sample_published
    rows = read_table(out, "indikator_rt")
    got = {(r["kode_kelurahan"], r["tahun"], r["rt"], r["rw"]): r for r in rows}
    n = 0
    for w in _valid(made):
        for rt in w.rts:
            r = got[(w.kode_kelurahan, w.tahun, rt.rt, rt.rw)]
            for col in ex.NUMERIC:
                assert r[col] == pytest.approx(rt.values[col]), (w.path.name, rt.rt, col)
            want = ex.assess(rt.values)
            for k, v in want.items():
                assert r[k] == (pytest.approx(v) if isinstance(v, float) else v), (k, w.path)
            assert r["sumber_file"] == w.path.relative_to(w.path.parents[2]).as_posix()
            n += 1
    assert len(rows) == n == summary["rows"]["indikator_rt"]


def test_kelurahan_and_kabupaten_are_ratios_of_sums(sample_input, sample_published) -> None:
    _, made = sample_input
    _, out = sample_published
    kel = {(r["kode_kelurahan"], r["tahun"]): r for r in read_table(out, "indikator_kelurahan")}
    by_kab: dict[tuple[str, int], list[dict]] = defaultdict(list)
    for w in _valid(made):
        values = [rt.values for rt in w.rts]
        s = ex.summed(values)
        r = kel[(w.kode_kelurahan, w.tahun)]
        assert r["jumlah_rt"] == len(w.rts)
        assert r["luas_kumuh_ha"] == pytest.approx(s.get("luas_kumuh_ha", 0.0))
        want = ex.assess(s)
        assert r["total_nilai"] == want["total_nilai"]
        assert r["tingkat_kekumuhan"] == want["tingkat_kekumuhan"]
        by_kab[(w.kode_kabupaten, w.tahun)].extend(values)
    kab = {(r["kode_kabupaten"], r["tahun"]): r for r in read_table(out, "indikator_kabupaten")}
    assert set(kab) == set(by_kab)
    for key, values in by_kab.items():
        s, r = ex.summed(values), kab[key]
        assert r["jumlah_rt"] == len(values)
        for k in ex.KODES:
            assert r[f"persen_{k}"] == pytest.approx(ex.percent(s, k))
        assert r["luas_kumuh_berat_ha"] == pytest.approx(s.get("luas_Kumuh Berat", 0.0))
        assert r["jumlah_rt_kumuh_berat"] == s.get("rt_Kumuh Berat", 0)
        assert 0 < r["kelengkapan_persen"] <= 100


def test_defective_workbooks_are_held_back_with_findings(sample_input, sample_published) -> None:
    folder, made = sample_input
    _, out = sample_published
    status = {r["sumber_file"]: r for r in read_table(out, "pengiriman")}
    findings = read_table(out, "temuan_validasi")
    published_files = {r["sumber_file"] for r in read_table(out, "indikator_rt")}
    bad = [w for w in made if w.defects]
    assert {d for w in bad for d in w.defects} == set(DEFECT_RULE)
    for w in bad:
        rel = w.path.relative_to(folder).as_posix()
        assert status[rel]["status"] == "ditolak", rel
        assert rel not in published_files
        rule = DEFECT_RULE[w.defects[0]]
        mine = [f for f in findings if f["sumber_file"] == rel and f["aturan"] == rule]
        assert mine, (rel, rule, [f["aturan"] for f in findings if f["sumber_file"] == rel])
        f = mine[0]
        assert f["tingkat"] == "error" and f["pesan"] and f["sheet"]
        if rule in ROW_RULES:
            assert f["baris"] and f["kolom"], f
            assert f"!{f['kolom']}" not in f["pesan"]  # the cell, not the column name
    for w in made:
        assert status[w.path.relative_to(folder).as_posix()]["status"] == w.expected_status


def test_contract_types_in_parquet(sample_published) -> None:
    import pyarrow.dataset as pads

    from transforms.spec import contract

    _, out = sample_published
    for table, columns in contract.tables().items():
        partitioning = "hive" if table in contract.PARTITIONED else None
        schema = pads.dataset(out / table, format="parquet", partitioning=partitioning).schema
        for col in columns:
            if col.name == "tahun" and table in contract.PARTITIONED:
                continue
            assert schema.field(col.name).type == col.arrow_type, (table, col.name)
        assert schema.field(columns[-1].name).metadata[b"description"]


def test_progress_tables_round_trip_against_an_independent_computation(sample_published) -> None:
    """The three progress tables (spec §7) read back from Parquet equal an independent
    computation from the published ``indikator_rt``, on three years of growing coverage."""
    _, out = sample_published
    rt = pd.DataFrame(read_table(out, "indikator_rt"))
    published = {t: pd.DataFrame(read_table(out, t)) for t in progress.TABLES}
    for table, compute, key in ((progress.KAWASAN, independent.kawasan, ["kawasan"]),
                                (progress.PERUBAHAN_RT, independent.perubahan,
                                 ["kode_kelurahan", "rw", "rt"]),
                                (progress.KEMAJUAN, independent.kemajuan, [])):
        rows = published[table][contract.columns(table)]  # hive tahun last when read back
        independent.same_rows(table, rows, compute(rt), ["tahun", "kode_kabupaten", *key])
    # the sample shows all of it: a kawasan over two kelurahan, kelurahan joining later
    assert (published[progress.KAWASAN]["jumlah_kelurahan"] >= 2).any()
    kemajuan = published[progress.KEMAJUAN]
    assert (kemajuan["tahun_awal"] < kemajuan["tahun_sebelumnya"]).any()
    reported = {(r["tahun"], r["kode_kabupaten"]): r["jumlah_kelurahan_dilaporkan"]
                for r in read_table(out, "indikator_kabupaten")}
    assert any(r.jumlah_kelurahan_sebanding < reported[(r.tahun, r.kode_kabupaten)]
               for r in kemajuan.itertuples())
    assert set(published[progress.PERUBAHAN_RT]["arah"]) == {"membaik", "memburuk", "tetap"}


def test_rejected_replacement_keeps_the_last_good_version(tmp_path: Path, run_flow,
                                                          worked_example_run) -> None:
    identity, rts = truth.worked_example()
    base, _ = worked_example_run  # in/a.xlsx: the worked example, consolidated
    out, wh = copy_state(base, tmp_path)
    (tmp_path / "in" / "a.xlsx").unlink()
    broken = dataclasses.replace(rts[0], values={**rts[0].values, "vol_1a": -1})
    workbooks.write_workbook(tmp_path / "in" / "b.xlsx", identity, [broken, *rts[1:]],
                          truth.Layout())
    summary, out, _ = run_flow(tmp_path / "in", out=out, warehouse=wh)
    assert summary["ditolak"] == 1
    rows = read_table(out, "indikator_rt")
    assert len(rows) == 3 and {r["sumber_file"] for r in rows} == {"a.xlsx"}
