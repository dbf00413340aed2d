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
