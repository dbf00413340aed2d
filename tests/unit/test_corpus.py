"""The bad-input corpus (tests/corpus): rebuilt byte for byte by build.py, covering every rule."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from tests.corpus import build
from tests.corpus.cases import BY_FILE, CASES


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
                   "workbook_ganda", "tabel_rt_kosong"}
    warnings = {"nama_berbeda", "penduduk_kurang_dari_kk", "tersimpan_berbeda",
                "penyebut_nol_nol", "digantikan", "duplikat", "volume_dibulatkan"}
    assert spec_errors | warnings <= rules
    assert {r["status"] for r in CASES} == {"diterima", "ditolak", "duplikat", "digantikan"}
