"""Stored percents, scores and tingkat in a workbook against the recomputed ones (warnings)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.corpus import build
from tests.corpus.cases import BY_FILE, finding_key
from transforms.assess import reconcile
from transforms.indicators import scoring
from transforms.read import batch
from transforms.read.workbook import read_workbook
from transforms.spec import criteria


def _stored_findings(rel: str) -> list:
    read = read_workbook(build.FILES / rel, rel)
    b = batch.combine([read])
    return reconcile.stored_disagreements(scoring.score(b.rows), b.letters)


def test_stored_disagreements_of_the_corpus_file() -> None:
    rel = "peringatan/persen tersimpan berbeda.xlsx"
    want = {finding_key(r) for r in BY_FILE[rel]}
    got = _stored_findings(rel)
    assert {finding_key({**vars(f), "tingkat": f.keparahan}) for f in got} == want
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
