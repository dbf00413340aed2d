"""The indicator report and the clerk's report from a real flow run, rendered by headless
Chromium: headings, kabupaten names, formatted figures, inline SVG with labelled axes, findings
by cell, times in WIB, and the clerk's pages per kabupaten/kelurahan at phone width."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from tests.conftest import REFERENCE, copy_state
from transforms.indicators import progress
from transforms.reports import clerk
from transforms.reports import indicators as indicator_report
from transforms.reports import progress as progress_report
from transforms.spec import contract, reference

pytestmark = pytest.mark.slow

TABLES = ("indikator_kabupaten", "indikator_kecamatan", "indikator_kelurahan",
          "temuan_validasi", "pengiriman", *progress.TABLES)
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync")


MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
          "September", "Oktober", "November", "Desember")


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
        if table in contract.PARTITIONED else None
    return pd.read_parquet(out / table, partitioning=part)


@pytest.fixture(scope="module")
def site(sample_published) -> tuple[dict, dict[str, pd.DataFrame], Path]:
    """A flow run over generated workbooks (the session's, with every defect) and the pages it
    published: ``<out>/laporan/index.html`` linking to ``<out>/temuan/index.html``, and the
    clerk's pages per kabupaten/kota and kelurahan/desa under ``<out>/temuan/``."""
    summary, out = sample_published
    tables = {t: _read(out, t) for t in TABLES}
    return summary, tables, out


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
    kumuh_rts = int(top.jumlah_rt) - int(top.jumlah_rt_tidak_kumuh)
    assert f"1 {top.nama_kelurahan} {top.nama_kecamatan} " \
           f"{indicator_report.format_ha(top.luas_kumuh_ha)} {kumuh_rts} dari {top.jumlah_rt} " \
           f"{top.tingkat_kekumuhan}" in text
    # why a kelurahan that is Tidak Kumuh as one unit can still hold kumuh RTs
    assert indicator_report.TOP_NOTE in text
    n_kab = kab["kode_kabupaten"].nunique()
    assert len(re.findall(r'class="axis-y">luas kumuh \(ha\)<', dom)) == n_kab
    assert len(re.findall(r'class="axis-y">jumlah RT<', dom)) == n_kab
    assert len(re.findall(r'class="axis-x">tahun<', dom)) == 2 * n_kab
    assert len(re.findall(r'class="axis-x">kelengkapan \(% kelurahan/desa yang '
                          r'dilaporkan\)<', dom)) == n_kab
    # the run as a date and time in WIB, never UTC
    started = pd.Timestamp(summary["started"]).tz_convert("Asia/Jakarta")
    day = f"{started.day} {MONTHS[started.month - 1]} {started.year}"
    assert f"Data per {day} (dihitung {day} pukul {started:%H.%M} WIB" in text
    assert "UTC" not in text
    for r in tables["indikator_kecamatan"].query("tahun == tahun.max()").itertuples():
        assert f"{r.jumlah_kelurahan_dilaporkan} dari {r.jumlah_kelurahan_referensi})" in text
    assert not re.search(r'<script|<link|<img|(?:src|href)="(?:https?:)?//', dom)  # offline

    shot = tmp_path / "laporan.png"
    subprocess.run([_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'ud2'}",
                    "--window-size=1100,2600", f"--screenshot={shot}",
                    (root / "laporan" / "index.html").as_uri()], capture_output=True,
                   timeout=120, check=True)
    assert shot.stat().st_size > 20_000


def test_report_sections_are_reused_only_while_their_rows_stay(site, tmp_path: Path) -> None:
    """The section cache beside the warehouse: a second report from the same tables draws
    nothing and is byte-identical to one drawn from scratch; a change in one kabupaten's rows
    draws that kabupaten again (and only it); a damaged cache file is drawn again."""
    from transforms.reports.section_cache import SectionCache

    summary, tables, _ = site
    report = {k: v for k, v in tables.items() if k not in ("temuan_validasi", "pengiriman")}
    fresh = indicator_report.render_report(report, summary["run_id"])
    n_kab = report["indikator_kabupaten"]["kode_kabupaten"].nunique()
    first = SectionCache(tmp_path / "cache")
    assert indicator_report.render_report(report, summary["run_id"], cache=first) == fresh
    assert first.drawn == n_kab
    again = SectionCache(tmp_path / "cache")
    assert indicator_report.render_report(report, summary["run_id"], cache=again) == fresh
    assert again.drawn == 0

    kab = report["indikator_kabupaten"].copy()
    one = kab["kode_kabupaten"].iloc[0]
    kab.loc[kab["kode_kabupaten"] == one, "luas_kumuh_ha"] += 1.25
    changed = {**report, "indikator_kabupaten": kab}
    redrawn = SectionCache(tmp_path / "cache")
    page = indicator_report.render_report(changed, summary["run_id"], cache=redrawn)
    assert redrawn.drawn == 1
    assert page == indicator_report.render_report(changed, summary["run_id"]) != fresh

    (tmp_path / "cache" / f"{one}.html").write_bytes(b"\xff\xfe rusak")
    damaged = SectionCache(tmp_path / "cache")
    assert indicator_report.render_report(changed, summary["run_id"], cache=damaged) == page
    assert damaged.drawn == 1


def test_report_shows_progress_toward_0_ha(site, tmp_path: Path) -> None:
    """Per kabupaten: the like-for-like sentences of the latest year, the tingkat transitions
    of the latest two years and the SK's kawasan list with kewenangan (spec §7)."""
    _, tables, root = site
    text = _visible_text(_dom(root / "laporan" / "index.html", tmp_path))
    kemajuan, kawasan = tables["kemajuan_kabupaten"], tables["indikator_kawasan"]
    kel = tables["indikator_kelurahan"]
    names = dict(zip(kel["kode_kelurahan"], kel["nama_kelurahan"], strict=True))
    for kode, rows in kemajuan.groupby("kode_kabupaten"):
        latest = rows.sort_values("tahun").iloc[-1]
        sentences = progress_report.kalimat_kemajuan(latest)
        assert len(sentences) == 2 and "(tahun awal)" in sentences[1]  # three years
        assert f"Tahun {int(latest['tahun'])}: {'; '.join(sentences)}." in text
        nama = latest["nama_kabupaten"]
        assert (f"Perpindahan tingkat RT {int(latest['tahun_sebelumnya'])} → "
                f"{int(latest['tahun'])} — {nama}") in text
        assert (f"{int(latest['jumlah_rt_membaik'])} RT membaik, "
                f"{int(latest['jumlah_rt_memburuk'])} memburuk") in text
        mine = kawasan[kawasan["kode_kabupaten"] == kode]
        tahun = int(mine["tahun"].max())
        sk = progress_report.lokasi_sk(mine, names, tahun)
        assert f"Lokasi kawasan kumuh tahun {tahun} (tabel lokasi SK) — {nama}" in text
        assert len(sk) > 0
        for i, r in enumerate(sk.itertuples(), start=1):
            assert (f"{i} {r.kawasan} {r.kelurahan} {indicator_report.format_ha(r.luas_ha)} "
                    f"{indicator_report.format_ha(r.luas_kumuh_ha)} {r.tingkat_kekumuhan} "
                    f"{r.kewenangan}") in text
    assert (kawasan["jumlah_kelurahan"] >= 2).any()  # a kawasan spanning two kelurahan


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


# --------------------------------------------------------------------------- clerk pages

PHONE = 390
#: A page inside a 390 px wide frame (headless Chromium cannot make its window narrower than
#: 500 px); the frame's own layout is measured once it has loaded.
PHONE_HOST = """<!DOCTYPE html><html><body style="margin:0">
<iframe id="f" scrolling="no" style="width:@WIDTH@px;height:844px;border:0"
srcdoc="@PAGE@"></iframe>
<script>
const f = document.getElementById('f');
f.addEventListener('load', () => {
  const d = f.contentDocument, w = f.contentWindow;
  let right = 0, font = 99;
  for (const el of d.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (!r.width && !r.height) continue;
    right = Math.max(right, r.right);
    if ([...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
      font = Math.min(font, parseFloat(w.getComputedStyle(el).fontSize));
  }
  document.body.setAttribute('data-measure', JSON.stringify({
    viewport: d.documentElement.clientWidth, scroll: d.documentElement.scrollWidth,
    right: right, font: font}));
});
</script></body></html>"""


def _at_phone_width(page: Path, tmp_path: Path) -> dict:
    """Viewport and document width, rightmost element edge and smallest text size of
    ``page`` laid out 390 px wide."""
    host = tmp_path / f"phone-{page.stem}.html"
    host.write_text(PHONE_HOST.replace("@WIDTH@", str(PHONE)).replace(
        "@PAGE@", html.escape(page.read_text(encoding="utf-8"), quote=True)), encoding="utf-8")
    found = re.search(r'data-measure="([^"]*)"', _dom(host, tmp_path))
    assert found, "the page did not load in its frame"
    return json.loads(html.unescape(found[1]))


def _rejected_village(tables: dict[str, pd.DataFrame]) -> tuple[str, str]:
    """(kode_kabupaten, kode_kelurahan) of a known village with a rejected workbook."""
    villages = reference.Reference(REFERENCE).villages
    known = set(villages["kode_kelurahan"])
    p = tables["pengiriman"]
    kode = sorted(k for k in p.loc[p["status"] == "ditolak", "kode_kelurahan"].dropna()
                  if k in known)[0]
    return kode[:5], kode


def test_clerk_pages_per_kabupaten_and_kelurahan(site) -> None:
    """The page of one kelurahan holds exactly its workbooks (to send to its clerk); the
    whole report and the kabupaten page link to it."""
    _, tables, root = site
    kab, kel = _rejected_village(tables)
    p = tables["pengiriman"]
    page = (root / "temuan" / kab / f"{kel}.html").read_text(encoding="utf-8")
    text = _visible_text(page)
    mine = set(p.loc[p["kode_kelurahan"] == kel, "sumber_file"])
    assert mine and all(html.escape(f) in page for f in mine)
    others = set(p["sumber_file"]) - mine
    assert not [f for f in others if html.escape(f) in page]
    assert f"({kel})" in text and "Ditolak — " in text
    assert f'href="{kab}/{kel}.html"' in (root / "temuan" / "index.html").read_text("utf-8")
    kab_page = (root / "temuan" / kab / "index.html").read_text(encoding="utf-8")
    assert f'href="{kel}.html"' in kab_page
    in_kab = set(p.loc[p["kode_kelurahan"].fillna("").str.startswith(kab + "."),
                       "sumber_file"])
    assert all(html.escape(f) in kab_page for f in in_kab)
    for kode in {k[:5] for k in p["kode_kelurahan"].dropna() if k[:5] in ("33.75", "35.08")}:
        assert (root / "temuan" / kode / "index.html").exists()


def test_clerk_pages_fit_a_phone(site, tmp_path: Path) -> None:
    """At 390 px nothing sticks out sideways (no horizontal scrolling) and no text is
    smaller than 12 px: the whole report, a kabupaten page and a kelurahan page."""
    _, tables, root = site
    kab, kel = _rejected_village(tables)
    for page in (root / "temuan" / "index.html", root / "temuan" / kab / "index.html",
                 root / "temuan" / kab / f"{kel}.html"):
        m = _at_phone_width(page, tmp_path)
        assert m["viewport"] == PHONE, (page, m)
        assert m["scroll"] <= PHONE and m["right"] <= PHONE + 0.5, (page, m)
        assert m["font"] >= 12, (page, m)


def test_clerk_text_names_no_software_and_shows_wib(site, tmp_path: Path) -> None:
    """Clerk text never names the software or an operator command, and times are in WIB:
    ``Diperiksa 3 Desember 2026 pukul 08.30 WIB``."""
    _, tables, root = site
    temuan, p = tables["temuan_validasi"], tables["pengiriman"]
    names = sorted({*p["sumber_file"], *temuan["sumber_file"], *temuan["sheet"].dropna()},
                   key=len, reverse=True)
    levels = ("Tidak Kumuh", "Kumuh Ringan", "Kumuh Sedang", "Kumuh Berat")
    pages = [*(root / "temuan").rglob("*.html"), root / "temuan" / "index.md"]
    assert len(pages) > 10
    for page in pages:
        text = _visible_text(html.unescape(page.read_text(encoding="utf-8")))
        for name in [*names, *levels]:
            text = text.replace(name, " ")
        assert not re.search(r"(?i)\bkumuh\b|withdraw|prefect|--\w|\bUTC\b", text), \
            (page, re.findall(r"(?i).{40}(?:\bkumuh\b|withdraw|prefect|--\w|\bUTC\b).{40}",
                              text)[:3])
    latest = pd.to_datetime(p["diproses_pada"], utc=True).max().tz_convert("Asia/Jakarta")
    day = f"{latest.day} {MONTHS[latest.month - 1]} {latest.year}"
    index = _visible_text(_dom(root / "temuan" / "index.html", tmp_path))
    assert f"Diperiksa {day} pukul {latest:%H.%M} WIB" in index


def test_times_follow_the_configured_timezone(worked_example_run, prefect_api,
                                              tmp_path: Path) -> None:
    """``kumuh run`` with ``KUMUH_TIMEZONE=Asia/Makassar``: both reports say WITA."""
    import os
    import sys

    base, _ = worked_example_run
    copy_state(base, tmp_path)
    kumuh = Path(sys.executable).with_name("kumuh")
    done = subprocess.run([str(kumuh), "run", "--full", "--input", "in", "--out", "out",
                           "--warehouse", "wh/kumuh.duckdb"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300,
                          env={**os.environ, **prefect_api, "KUMUH_TIMEZONE": "Asia/Makassar"})
    assert done.returncode == 0, done.stderr[-2000:]
    for page in ("temuan/index.html", "laporan/index.html"):
        text = _visible_text((tmp_path / "out" / page).read_text(encoding="utf-8"))
        assert re.search(r"pukul \d\d\.\d\d WITA", text), (page, text[:300])
        assert "WIB" not in text and "UTC" not in text, page
