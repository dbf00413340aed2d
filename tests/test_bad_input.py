"""Bad input never stops a run: the whole corpus (tests/corpus) through one Prefect flow run.

Every file of ``tests/corpus/cases.csv`` must get its expected ``pengiriman.status`` and every
expected finding (rule, severity, sheet, Excel row, column) in ``temuan_validasi``; every
rejected file must carry an error of its own. The 100,000-row workbook is built into the
temporary copy of the corpus (it is too big to commit).
"""

from __future__ import annotations

import csv
import hashlib
import shutil
from collections import defaultdict
from pathlib import Path

import duckdb
import pytest

from tests.conftest import read_table
from tests.corpus import build
from transforms.assess import reconcile
from transforms.indicators import scoring
from transforms.read import batch
from transforms.read.workbook import read_workbook
from transforms.spec import criteria

CASES = list(csv.DictReader(build.CASES.open(newline="", encoding="utf-8")))
BY_FILE: dict[str, list[dict[str, str]]] = defaultdict(list)
for _row in CASES:
    BY_FILE[_row["file"]].append(_row)
KEYS = ("aturan", "tingkat", "sheet", "baris", "kolom")


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


def _key(row: dict) -> tuple[str, ...]:
    """A finding (or expected finding) as comparable text, '' for empty."""
    return tuple("" if row.get(k) is None else str(row[k]) for k in KEYS)


def _hashes(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_corpus_is_built_from_build_py(tmp_path: Path) -> None:
    """The committed files and manifest are exactly what build.py writes."""
    root, manifest = tmp_path / "files", tmp_path / "cases.csv"
    encrypted = "tidak_terbaca/terkunci kata sandi.xlsx"
    (root / encrypted).parent.mkdir(parents=True)
    shutil.copyfile(build.FILES / encrypted, root / encrypted)  # kept without msoffcrypto
    build.build(root, manifest)
    assert _hashes(root) == _hashes(build.FILES)
    assert manifest.read_text(encoding="utf-8") == build.CASES.read_text(encoding="utf-8")


def test_corpus_covers_enough() -> None:
    assert len(BY_FILE) >= 40
    rules = {r["aturan"] for r in CASES}
    spec_errors = {"berkas_kosong", "berkas_rusak", "bukan_workbook", "berkas_terenkripsi",
                   "berkas_terlalu_besar", "identitas_hilang", "kode_format",
                   "kode_tidak_dikenal", "tahun_di_luar_rentang", "tabel_rt_tidak_ditemukan",
                   "kolom_hilang", "rt_kosong", "rt_ganda", "nilai_kosong", "bukan_angka",
                   "nilai_negatif", "bukan_bilangan_bulat", "volume_melebihi_penyebut",
                   "penyebut_nol", "sel_error", "angka_ambigu", "nilai_tidak_wajar",
                   "workbook_ganda"}
    warnings = {"nama_berbeda", "penduduk_kurang_dari_kk", "tersimpan_berbeda",
                "penyebut_nol_nol", "digantikan", "duplikat"}
    assert spec_errors | warnings <= rules
    assert {r["status"] for r in CASES} == {"diterima", "ditolak", "duplikat", "digantikan"}


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
    have = {_key(f) for f in found[file]}
    for row in expected:
        if not row["aturan"]:
            continue
        assert _key(row) in have, (file, _key(row), sorted(have))


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


# --------------------------------------------------------------------------- stored results


def _stored_findings(rel: str) -> list:
    read = read_workbook(build.FILES / rel, rel)
    b = batch.combine([read])
    return reconcile.stored_disagreements(scoring.score(b.rows), b.letters)


def test_stored_disagreements_of_the_corpus_file() -> None:
    rel = "peringatan/persen tersimpan berbeda.xlsx"
    want = {_key(r) for r in BY_FILE[rel]}
    got = _stored_findings(rel)
    assert {_key(vars(f)) for f in got} == want
    assert [f.pesan.split(" berisi")[0] for f in got] == ["Sel Data RT!Y4 (% 1a)",
                                                         "Sel Data RT!AA6 (Total Nilai)"]


def test_generated_stored_scores_agree(tmp_path: Path) -> None:
    """The sample generator's own stored %, Nilai, Total and Tingkat (numbers and text in both
    conventions) never warn."""
    from transforms.sample import truth, workbooks

    identity, rts = truth.worked_example()
    for i, numbers in enumerate(("numeric", "text_id", "text_en")):
        path = tmp_path / f"{numbers}.xlsx"
        workbooks.write_workbook(path, identity, rts, truth.Layout(
            stored_scores=True, numbers=numbers, label_style=("short", "long", "vol")[i]))
        read = read_workbook(path, path.name)
        b = batch.combine([read])
        assert "stored_persen_1a" in b.rows and "stored_tingkat_kekumuhan" in b.rows
        assert reconcile.stored_disagreements(scoring.score(b.rows), b.letters) == []


@pytest.mark.parametrize(
    ("stored", "agrees"),
    [(76.67, True), (76.666667, True), (76.7, True), (77, True), (76.66, True),
     (0.7667, True), (0.77, True), (76.65, False), (76, False), (66.67, False), (7.667, False)],
)
def test_percent_tolerance(stored: float, agrees: bool) -> None:
    computed = 100 * 230 / 300  # 76.666…
    assert reconcile._persen_agrees(stored, computed) is agrees


def test_stored_tingkat_and_blank_cells() -> None:
    import pandas as pd

    row = {"wb": 0, "sumber_file": "a.xlsx", "sha256": "x", "sumber_sheet": "Data RT",
           "sumber_baris": 7, **{c: 1.0 for c in criteria.numeric_columns()}}
    frame = pd.DataFrame([{**row, "stored_tingkat_kekumuhan": t, "stored_total_nilai": n}
                          for t, n in (("KUMUH BERAT", 80), ("berat", None), ("Ringan", 80))])
    frame["sumber_baris"] = [7, 8, 9]
    got = reconcile.stored_disagreements(scoring.score(frame), {0: {
        "stored_tingkat_kekumuhan": "AC", "stored_total_nilai": "AB"}})
    assert [(f.baris, f.kolom, f.nilai) for f in got] == [(9, "tingkat_kekumuhan", "Ringan")]
    assert "Data RT!AC9" in got[0].pesan and "Kumuh Berat" in got[0].pesan
