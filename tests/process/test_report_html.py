"""The indicator report and the clerk's report from a real flow run, rendered by headless
Chromium: headings, kabupaten names, formatted figures, inline SVG, findings by cell."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from tests.conftest import REFERENCE
from transforms.reports import clerk
from transforms.reports import indicators as indicator_report
from transforms.spec import reference

pytestmark = pytest.mark.slow

TABLES = ("indikator_kabupaten", "indikator_kecamatan", "indikator_kelurahan",
          "temuan_validasi", "pengiriman")
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync")


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], capture_output=True,
                       timeout=900, check=False)
    found = shutil.which("chromium")
    if not found:
        pytest.skip("chromium is not installed and could not be installed")
    return found


def _read(out: Path, table: str) -> pd.DataFrame:
    part = ds.partitioning(pa.schema([("tahun", pa.int16())]), flavor="hive") \
        if table.startswith("indikator_") else None
    return pd.read_parquet(out / table, partitioning=part)


@pytest.fixture(scope="module")
def site(tmp_path_factory, sample_published) -> tuple[dict, dict[str, pd.DataFrame], Path]:
    """A flow run over generated workbooks (the session's, with every defect), and both pages
    written as the lead will publish them: ``<site>/laporan/index.html`` linking to
    ``<site>/temuan/index.html``."""
    summary, out = sample_published
    tables = {t: _read(out, t) for t in TABLES}
    site = tmp_path_factory.mktemp("site")
    (site / "laporan").mkdir(parents=True)
    (site / "temuan").mkdir()
    page = indicator_report.render_report(tables, summary["run_id"])
    (site / "laporan" / "index.html").write_text(page, encoding="utf-8")
    villages = reference.Reference(REFERENCE).villages
    md, html = clerk.render_clerk_report(tables["temuan_validasi"], tables["pengiriman"],
                                         villages, summary["run_id"])
    (site / "temuan" / "index.html").write_text(html, encoding="utf-8")
    (site / "temuan" / "index.md").write_text(md, encoding="utf-8")
    return summary, tables, site


def _dom(page: Path, tmp_path: Path) -> str:
    done = subprocess.run([_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'ud'}",
                           "--dump-dom", page.as_uri()], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _visible_text(dom: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", dom)).replace("&amp;", "&")


def test_report_renders_headings_figures_and_charts(site, tmp_path: Path) -> None:
    summary, tables, root = site
    dom = _dom(root / "laporan" / "index.html", tmp_path)
    text = _visible_text(dom)
    kab = tables["indikator_kabupaten"]
    assert "Laporan kekumuhan permukiman KOTAKU" in text and summary["run_id"] in text
    for r in kab.itertuples():
        assert f"{r.nama_kabupaten} ({r.kode_kabupaten})" in text
        assert f"Luas kumuh menurut tingkat per tahun — {r.nama_kabupaten}" in text
        assert indicator_report.format_ha(r.luas_kumuh_ha) in text, r
        assert indicator_report.format_persen(r.kelengkapan_persen) in text
    assert dom.count("<svg") == 3 * kab["kode_kabupaten"].nunique()
    assert 'href="../temuan/index.html"' in dom
    latest = tables["indikator_kelurahan"].query("tahun == tahun.max()")
    top = latest.sort_values("luas_kumuh_ha", ascending=False).iloc[0]
    assert f"1 {top.nama_kelurahan} {top.nama_kecamatan} " \
           f"{indicator_report.format_ha(top.luas_kumuh_ha)}" in text
    for r in tables["indikator_kecamatan"].query("tahun == tahun.max()").itertuples():
        assert f"{r.jumlah_kelurahan_dilaporkan} dari {r.jumlah_kelurahan_referensi})" in text
    assert not re.search(r'<script|<link|<img|(?:src|href)="(?:https?:)?//', dom)  # offline

    shot = tmp_path / "laporan.png"
    subprocess.run([_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'ud2'}",
                    "--window-size=1100,2600", f"--screenshot={shot}",
                    (root / "laporan" / "index.html").as_uri()], capture_output=True,
                   timeout=120, check=True)
    assert shot.stat().st_size > 20_000


def test_clerk_report_lists_every_finding_by_cell(site, tmp_path: Path) -> None:
    _, tables, root = site
    dom = _dom(root / "temuan" / "index.html", tmp_path)
    text = _visible_text(dom)
    temuan, pengiriman = tables["temuan_validasi"], tables["pengiriman"]
    assert "Laporan temuan workbook KOTAKU" in text
    assert clerk.UNKNOWN_GROUP in text  # the unknown-code defect is in the sample
    assert "Kota Pekalongan (33.75)" in text and "Kabupaten Lumajang (35.08)" in text
    for r in temuan.itertuples():
        assert clerk.plain(r.pesan) in text, r.pesan
    for r in pengiriman.itertuples():
        assert r.sumber_file in text
    cells = [m for p in temuan["pesan"] for m in re.findall(r"[\w ]+![A-Z]+\d+", p)]
    assert cells and all(c.strip() in text for c in cells)
    assert "Traceback" not in dom and "<script" not in dom
    ditolak = pengiriman[pengiriman["status"] == "ditolak"]
    assert text.count("Ditolak — ") == len(ditolak)


def test_clerk_markdown_orders_errors_first_and_groups_by_region(site) -> None:
    _, tables, root = site
    md = (root / "temuan" / "index.md").read_text(encoding="utf-8")
    sections = re.split(r"^## ", md, flags=re.M)
    titles = [s.splitlines()[0] for s in sections[1:]]
    assert titles[:2] == ["Ringkasan", "Kota Pekalongan (33.75)"]
    assert titles[-1] == clerk.UNKNOWN_GROUP
    for block in re.split(r"^#### ", md, flags=re.M)[1:]:
        kinds = re.findall(r"^\| (Kesalahan|Peringatan) \|", block, flags=re.M)
        assert kinds == sorted(kinds), block  # Kesalahan (errors) before Peringatan
    assert "Data RT!" in md or "Rekap RT!" in md or "Data Kumuh RT!" in md
