"""Bad input never stops a run: the whole corpus (tests/corpus) through one Prefect flow run.

Every file of ``tests/corpus/cases.csv`` must get its expected ``pengiriman.status`` and every
expected finding (rule, severity, sheet, Excel row, column) in ``temuan_validasi``; every
rejected file must carry an error of its own. The 100,000-row workbook is built into the
temporary copy of the corpus (it is too big to commit).
"""

from __future__ import annotations

import shutil
from collections import defaultdict

import duckdb
import pytest

from tests.conftest import read_table
from tests.corpus import build
from tests.corpus.cases import BY_FILE, finding_key


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory, prefect_harness):
    """(summary, statuses by file, findings by file, out) of one run over the whole corpus."""
    from flows.nightly import nightly_consolidation

    base = tmp_path_factory.mktemp("corpus")
    folder = base / "input"
    shutil.copytree(build.FILES, folder)
    build.build_large(folder / build.LARGE_FILE)
    summary = nightly_consolidation(input_dir=str(folder), out=str(base / "out"),
                                    warehouse_path=str(base / "kumuh.duckdb"))
    out = base / "out"
    status = {r["sumber_file"]: r for r in read_table(out, "pengiriman")}
    found: dict[str, list[dict]] = defaultdict(list)
    for f in read_table(out, "temuan_validasi"):
        found[f["sumber_file"]].append(f)
    return summary, status, found, out


@pytest.mark.slow
def test_run_completes_and_sees_every_file(corpus_run) -> None:
    summary, status, _, _ = corpus_run
    assert summary["run_id"] and summary["seconds"] > 0
    assert set(status) == set(BY_FILE)


@pytest.mark.slow
@pytest.mark.parametrize("file", sorted(BY_FILE))
def test_status_and_findings(corpus_run, file: str) -> None:
    _, status, found, _ = corpus_run
    expected = BY_FILE[file]
    assert status[file]["status"] == expected[0]["status"], (file, found[file])
    have = {finding_key(f) for f in found[file]}
    for row in expected:
        if not row["aturan"]:
            continue
        assert finding_key(row) in have, (file, finding_key(row), sorted(have))


@pytest.mark.slow
def test_every_rejected_file_has_its_own_error(corpus_run) -> None:
    _, status, found, _ = corpus_run
    for file, s in status.items():
        errors = [f for f in found[file] if f["tingkat"] == "error"]
        assert (s["status"] == "ditolak") == bool(errors), (file, s["status"], errors)
        assert s["jumlah_error"] == len(errors), file
        assert all(f["pesan"] and "{" not in f["pesan"] for f in found[file]), file


@pytest.mark.slow
def test_large_workbook_is_published_whole(corpus_run) -> None:
    _, _, _, out = corpus_run
    pattern = f"{out}/indikator_rt/**/*.parquet"
    with duckdb.connect() as con:
        n, = con.execute(f"SELECT count(*) FROM read_parquet('{pattern}', hive_partitioning = "
                         f"true) WHERE sumber_file = ?", [build.LARGE_FILE]).fetchone()
    assert n == build.LARGE_ROWS


@pytest.mark.slow
def test_unreadable_files_say_what_they_are(corpus_run) -> None:
    _, _, found, _ = corpus_run
    (html,) = found["tidak_terbaca/Laporan Kumuh (ekspor web).xls"]
    assert "HTML" in html["pesan"]
    (csv_text,) = found["tidak_terbaca/ekspor dari aplikasi.xlsx"]
    assert "CSV" in csv_text["pesan"]


@pytest.mark.slow
def test_identity_findings_carry_sheet_row_and_column(corpus_run) -> None:
    _, _, found, _ = corpus_run
    (kode,) = found["struktur/kode salah ketik.xlsx"]
    assert (kode["sheet"], kode["baris"], kode["kolom"]) == ("Identitas", 7, "kode_kelurahan")
    assert "Identitas!B7" in kode["pesan"]


@pytest.mark.slow
def test_numbers_are_shown_the_indonesian_way_and_as_typed(corpus_run) -> None:
    """640,5 and 1.214 as a clerk writes them; a text read one way where the clerk may have
    meant the other is shown as typed with its reading, at the cell where it was typed."""
    _, _, found, _ = corpus_run
    (kk,) = [f for f in found["nilai/KK pecahan.xlsx"] if f["aturan"] == "bukan_bilangan_bulat"]
    assert kk["nilai"] == "150,5" and "berisi 150,5, padahal" in kk["pesan"]
    (luas,) = [f for f in found["nilai/luas 1e12 ha.xlsx"] if f["kolom"] == "luas_ha"]
    assert "berisi 1.000.000.000.000, jauh di atas batas wajar untuk satu RT (1.000)" \
        in luas["pesan"]
    jalan = [f for f in found["angka/panjang jalan 1.214 dibaca desimal.xlsx"]
             if f["tingkat"] == "error"]
    assert [f["kolom"] for f in jalan] == ["vol_2a", "vol_2b"]
    assert all("Panjang Jalan Ideal di sel Data RT!G5 (1.214 — dibaca 1,214)" in f["pesan"]
               for f in jalan), jalan
    assert "volume 2a (Jaringan jalan tidak melayani seluruh lingkungan) (800)" \
        in jalan[0]["pesan"]


@pytest.mark.slow
def test_a_ha_volume_within_rounding_is_100_percent_with_a_warning(corpus_run) -> None:
    """Spec §3: 1b = 0,10 ha on a 0,098 ha RT is published as 100 % (nilai 5); the clerk is
    told both cells, both values and the excess, the Indonesian way."""
    _, status, found, out = corpus_run
    rel = "pembulatan/luas 0,098 ha dan 1b 0,10 ha.xlsx"
    assert status[rel]["status"] == "diterima"
    (warning,) = [f for f in found[rel] if f["aturan"] == "volume_dibulatkan"]
    assert warning["pesan"].startswith("Sel Data RT!J4: volume 1b (Kepadatan bangunan tidak "
                                       "sesuai rencana tata ruang) (0,1) lebih besar dari "
                                       "Luas di sel Data RT!C4 (0,098) sebanyak 0,002")
    assert warning["nilai"] == "0,1"
    (row,) = read_table(out, "indikator_rt", f"WHERE sumber_file = '{rel}' AND sumber_baris = 4")
    assert (row["persen_1b"], row["nilai_1b"], row["vol_1b"]) == (100.0, 5, 0.098)


@pytest.mark.slow
def test_a_larger_ha_excess_and_any_count_excess_stay_errors(corpus_run) -> None:
    _, _, found, _ = corpus_run
    (ha,) = found["pembulatan/4a melebihi luas 0,006 ha.xlsx"]
    assert "(0,104) lebih besar dari Luas di sel Data RT!C5 (0,098), selisih 0,006 melebihi " \
           "batas pembulatan 0,005" in ha["pesan"]
    (kk,) = found["pembulatan/KK satu lebih.xlsx"]
    assert kk["aturan"] == "volume_melebihi_penyebut" and "batas pembulatan" not in kk["pesan"]
    assert "Jumlah KK di sel Data RT!F6" in kk["pesan"]


@pytest.mark.slow
def test_stored_tingkat_abbreviated_or_in_capitals_agrees(corpus_run) -> None:
    """TK/KR/KS/KB and KUMUH SEDANG are the recomputed level written short: only the one row
    that names another level warns."""
    _, _, found, _ = corpus_run
    rel = "peringatan/tingkat tersimpan disingkat.xlsx"
    assert [(f["aturan"], f["baris"]) for f in found[rel]] == [("tersimpan_berbeda", 7)]
