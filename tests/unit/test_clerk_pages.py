"""The clerk's pages on disk: each page names the run that last checked its files (so a page
whose files were not checked again stays as it was), and a rewrite touches only the pages whose
text changed, removing the pages no longer reported."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import REFERENCE
from transforms.reports import clerk
from transforms.spec import reference

#: Runs by id and the time (UTC) each checked its files.
EARLIER = "20261101T013000000-aaaaaa"
LATER = "20261203T013000000-bbbbbb"
NOW = "20261204T020000000-cccccc"
CHECKED = {EARLIER: "2026-11-01T01:30:00Z", LATER: "2026-12-03T01:30:00Z",
           NOW: "2026-12-04T02:00:00Z"}
SHOWN = {EARLIER: "Diperiksa 1 November 2026 pukul 08.30 WIB (kode run " + EARLIER + ")",
         LATER: "Diperiksa 3 Desember 2026 pukul 08.30 WIB (kode run " + LATER + ")",
         NOW: "Diperiksa 4 Desember 2026 pukul 09.00 WIB (kode run " + NOW + ")"}
TLOGOLELE, KLAKAH, PAJANG = "33.09.01.2001", "33.09.01.2002", "33.72.01.1001"


@pytest.fixture(scope="module")
def villages() -> pd.DataFrame:
    return reference.Reference(REFERENCE).villages


def _pengiriman(*rows: tuple[str, str, str, str]) -> pd.DataFrame:
    """pengiriman rows of (sumber_file, kode_kelurahan, status, run that checked it)."""
    return pd.DataFrame({
        "sumber_file": [r[0] for r in rows], "kode_kelurahan": [r[1] for r in rows],
        "tahun": 2024, "status": [r[2] for r in rows], "run_id": [r[3] for r in rows],
        "diproses_pada": pd.to_datetime([CHECKED[r[3]] for r in rows], utc=True)})


def _temuan(*files: str) -> pd.DataFrame:
    """One error finding for each of ``files``."""
    return pd.DataFrame({"sumber_file": list(files), "tingkat": "error", "sheet": "Data RT",
                         "baris": 14, "pesan": "Nilai di Data RT!H14 bukan angka",
                         "nilai": "abc"})


def _page(folder: Path, rel: str) -> str:
    return (folder / rel).read_text(encoding="utf-8")


def test_a_page_names_the_run_that_last_checked_its_files(villages, tmp_path: Path) -> None:
    """A kelurahan whose file an earlier run checked shows that run and its time; the
    kabupaten page and the whole report show the latest check among their files; a page
    whose files were never checked (a deleted file) shows this run and its start."""
    pengiriman = _pengiriman(("tlogolele.xlsx", TLOGOLELE, "diterima", EARLIER),
                             ("klakah.xlsx", KLAKAH, "ditolak", LATER))
    hilang = pd.DataFrame({"sumber_file": ["pajang.xlsx"], "kode_kelurahan": [PAJANG],
                           "tahun": [2024]})
    temuan = _temuan("klakah.xlsx", "pajang.xlsx")
    folder = tmp_path / "temuan"
    clerk.write_pages(folder, clerk.clerk_pages(temuan, pengiriman, villages, NOW,
                                                hilang=hilang))
    tlogolele = _page(folder, f"33.09/{TLOGOLELE}.html")
    assert SHOWN[EARLIER] in tlogolele and NOW not in tlogolele and LATER not in tlogolele
    assert SHOWN[LATER] in _page(folder, f"33.09/{KLAKAH}.html")
    assert SHOWN[LATER] in _page(folder, "33.09/index.html")
    assert SHOWN[NOW] in _page(folder, f"33.72/{PAJANG}.html")
    assert SHOWN[NOW] in _page(folder, "33.72/index.html")
    for whole in ("index.html", "index.md"):
        assert SHOWN[LATER] in _page(folder, whole) and NOW not in _page(folder, whole)


def _stats(folder: Path) -> dict[str, tuple[int, int]]:
    """(inode, mtime in ns) of every file under ``folder`` by its path there."""
    return {p.relative_to(folder).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in folder.rglob("*") if p.is_file() and p.name != clerk.PAGE_DIGESTS}


def test_a_rewrite_touches_only_the_pages_that_changed(villages, tmp_path: Path) -> None:
    """A run that checks nothing again leaves every page file as it was (same inode, same
    mtime); a run that re-checks one kelurahan replaces its page, its kabupaten's and the
    whole report, and removes the page (and folder) of a kelurahan no longer reported."""
    first = _pengiriman(("tlogolele.xlsx", TLOGOLELE, "diterima", EARLIER),
                        ("klakah.xlsx", KLAKAH, "diterima", LATER),
                        ("pajang.xlsx", PAJANG, "diterima", LATER))
    folder = tmp_path / "temuan"
    pages = clerk.clerk_pages(_temuan(), first, villages, LATER)
    clerk.write_pages(folder, pages)
    written = _stats(folder)
    assert set(written) == set(pages) and len(pages) == 7

    again = clerk.clerk_pages(_temuan(), first, villages, NOW)
    assert again == pages
    clerk.write_pages(folder, again)
    assert _stats(folder) == written

    second = _pengiriman(("tlogolele.xlsx", TLOGOLELE, "diterima", EARLIER),
                         ("klakah.xlsx", KLAKAH, "ditolak", NOW))
    clerk.write_pages(folder, clerk.clerk_pages(_temuan("klakah.xlsx"), second, villages, NOW))
    now = _stats(folder)
    kept = f"33.09/{TLOGOLELE}.html"
    assert now[kept] == written[kept] and SHOWN[EARLIER] in _page(folder, kept)
    for changed in (f"33.09/{KLAKAH}.html", "33.09/index.html", "index.html", "index.md"):
        assert now[changed][0] != written[changed][0], changed
        assert SHOWN[NOW] in _page(folder, changed), changed
    assert "Ditolak — 1 kesalahan" in _page(folder, f"33.09/{KLAKAH}.html")
    assert set(now) == set(written) - {f"33.72/{PAJANG}.html", "33.72/index.html"}
    assert not (folder / "33.72").exists()


def test_recorded_digests_spare_reading_pages_back_but_never_keep_a_wrong_page(
        villages, tmp_path: Path) -> None:
    pengiriman = _pengiriman(("tlogolele.xlsx", TLOGOLELE, "diterima", EARLIER),
                             ("klakah.xlsx", KLAKAH, "diterima", LATER))
    folder = tmp_path / "temuan"
    pages = clerk.clerk_pages(_temuan(), pengiriman, villages, LATER)
    clerk.write_pages(folder, pages)
    digests = json.loads((folder / clerk.PAGE_DIGESTS).read_text(encoding="utf-8"))
    assert set(digests) == set(pages)
    page = folder / f"33.09/{KLAKAH}.html"
    page.write_text("diubah tangan", encoding="utf-8")  # another size: written again
    (folder / "index.md").unlink()  # gone: written again
    clerk.write_pages(folder, pages)
    assert _page(folder, f"33.09/{KLAKAH}.html") == pages[f"33.09/{KLAKAH}.html"]
    assert (folder / "index.md").read_text(encoding="utf-8") == pages["index.md"]
    # without recorded digests (a write cut short) every page is read back and compared
    same_size = "x" * len(pages["index.html"].encode("utf-8"))
    (folder / "index.html").write_text(same_size, encoding="utf-8")
    (folder / clerk.PAGE_DIGESTS).unlink()
    clerk.write_pages(folder, pages)
    assert (folder / "index.html").read_text(encoding="utf-8") == pages["index.html"]
