"""The indicator report (``laporan/index.html``) for programme staff and kabupaten/kota officers.

One self-contained, offline HTML page: per kabupaten/kota the luas kumuh by tingkat per year
(stacked bars), RT counts by tingkat per year, completeness per kecamatan, the ten kelurahan with
the largest luas kumuh (with how many of their RTs are kumuh, and why a kelurahan that is Tidak
Kumuh as one unit can still hold kumuh RTs), progress toward 0 ha (spec §7,
:mod:`transforms.reports.progress`) and a link to the clerk's findings. Charts are inline SVG
drawn here (no JavaScript, no CDN) with labelled axes and units; every charted figure is also
printed as text in a table. The data date is shown in the configured timezone (WIB by default).
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from transforms.reports import progress
from transforms.reports.formatting import (
    Rows,
    format_angka,
    format_ha,
    format_persen,
    largest_first,
    records_by,
)
from transforms.reports.formatting import table as _table
from transforms.reports.section_cache import SectionCache
from transforms.reports.timestamps import DEFAULT_TIMEZONE, run_started, tanggal, waktu
from transforms.spec import contract, criteria, reference

#: Tingkat colours (green → red), colour-blind-safe ordering by lightness.
COLOURS = {"Tidak Kumuh": "#91cf60", "Kumuh Ringan": "#fee08b", "Kumuh Sedang": "#fc8d59",
           "Kumuh Berat": "#d73027"}
KUMUH = criteria.TINGKAT_LABELS[1:]

Series = tuple[str, str, list[float]]  # (label, colour, one value per category)


def _e(text: object) -> str:
    return html.escape(str(text))


def _axis(value: float) -> tuple[float, int]:
    """(step, number of steps) of a y axis from 0 past ``value`` with round tick labels."""
    if value <= 0:
        return 1.0, 1
    raw = value / 4
    exp = 10 ** math.floor(math.log10(raw))
    step = next(m * exp for m in (1, 2, 5, 10) if m * exp >= raw)
    return step, max(1, math.ceil(value / step))


def _legend(series: Sequence[Series], y: int) -> str:
    parts, x = [], 60
    for label, colour, _ in series:
        parts.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{colour}"/>'
                     f'<text x="{x + 16}" y="{y + 10}" font-size="12">{_e(label)}</text>')
        x += 28 + 7 * len(label)
    return "".join(parts)


def stacked_bars_svg(categories: Sequence[str], series: Sequence[Series],
                     fmt: Callable[[float], str], title: str, y_label: str,
                     x_label: str = "tahun") -> str:
    """Vertical stacked bars, one per category, the total printed above each bar; the axes
    are labelled (``y_label`` with its unit, ``x_label``)."""
    width, height, left, top, plot_h = 560, 292, 60, 20, 190
    totals = [sum(s[2][i] for s in series) for i in range(len(categories))]
    step, steps = _axis(max(totals, default=0))
    top_value = step * steps
    slot = (width - left - 20) / max(len(categories), 1)
    bar_w = min(80, slot * 0.6)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{_e(title)}" '
           f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
           'font-family="system-ui,sans-serif">', f"<title>{_e(title)}</title>"]
    for k in range(steps + 1):
        v = step * k
        y = top + plot_h - plot_h * k / steps
        out.append(f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" '
                   'stroke="#e4e7eb"/>'
                   f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" '
                   f'fill="#52606d">{_e(format_angka(v, 0 if step >= 1 else 1))}</text>')
    for i, cat in enumerate(categories):
        x = left + slot * i + (slot - bar_w) / 2
        y = top + plot_h
        for label, colour, values in series:
            h = plot_h * values[i] / top_value
            y -= h
            out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                       f'fill="{colour}"><title>{_e(cat)} · {_e(label)}: '
                       f"{_e(fmt(values[i]))}</title></rect>")
        out.append(f'<text x="{x + bar_w / 2:.1f}" y="{y - 4:.1f}" font-size="12" '
                   f'text-anchor="middle" font-weight="600">{_e(fmt(totals[i]))}</text>'
                   f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 16}" font-size="12" '
                   f'text-anchor="middle">{_e(cat)}</text>')
    out.append(f'<text x="14" y="{top + plot_h / 2:.1f}" font-size="12" fill="#52606d" '
               f'text-anchor="middle" transform="rotate(-90 14 {top + plot_h / 2:.1f})" '
               f'class="axis-y">{_e(y_label)}</text>'
               f'<text x="{left + (width - left - 20) / 2:.1f}" y="{top + plot_h + 34}" '
               f'font-size="12" fill="#52606d" text-anchor="middle" class="axis-x">'
               f"{_e(x_label)}</text>")
    out.append(_legend(series, height - 22))
    return "".join(out) + "</svg>"


def hbars_svg(items: Sequence[tuple[str, float, str]], title: str, x_label: str,
              max_value: float = 100.0) -> str:
    """Horizontal bars (label, value, printed text), for completeness per kecamatan; a
    percent axis (0, 50, 100 %) labelled ``x_label`` under the bars."""
    label_w, bar_w, row_h = 190, 300, 22
    width, height = label_w + bar_w + 150, row_h * len(items) + 46
    axis_y = row_h * len(items) + 8
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{_e(title)}" '
           f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
           'font-family="system-ui,sans-serif">', f"<title>{_e(title)}</title>"]
    for share in (0.0, 0.5, 1.0):
        x = label_w + bar_w * share
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="5" y2="{axis_y}" stroke="#cbd2d9"/>'
                   f'<text x="{x:.1f}" y="{axis_y + 13}" font-size="11" text-anchor="middle" '
                   f'fill="#52606d">{_e(format_angka(max_value * share, 0))}%</text>')
    out.append(f'<text x="{label_w + bar_w / 2:.1f}" y="{axis_y + 30}" font-size="12" '
               f'fill="#52606d" text-anchor="middle" class="axis-x">{_e(x_label)}</text>')
    for i, (label, value, text) in enumerate(items):
        y = 5 + i * row_h
        w = bar_w * max(0.0, min(value, max_value)) / max_value
        out.append(f'<text x="{label_w - 8}" y="{y + 15}" font-size="12" text-anchor="end">'
                   f"{_e(label)}</text>"
                   f'<rect x="{label_w}" y="{y + 3}" width="{bar_w}" height="{row_h - 6}" '
                   'fill="#f0f4f8"/>'
                   f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" '
                   f'fill="#3e7cb1"><title>{_e(label)}: {_e(text)}</title></rect>'
                   f'<text x="{label_w + bar_w + 8}" y="{y + 15}" font-size="12">{_e(text)}'
                   "</text>")
    return "".join(out) + "</svg>"


def _years(kab: Rows) -> list[int]:
    return sorted({int(r.tahun) for r in kab})


def _luas_section(kab: Rows, nama: str) -> str:
    """Luas kumuh by tingkat per year; ``kab`` sorted by year."""
    cats = [str(y) for y in _years(kab)]
    cols = [f"luas_kumuh_{criteria.TINGKAT_SUFFIX[t].removeprefix('kumuh_')}_ha" for t in KUMUH]
    series = [(t, COLOURS[t], [float(getattr(r, c)) for r in kab])
              for t, c in zip(KUMUH, cols, strict=True)]
    title = f"Luas kumuh menurut tingkat per tahun — {nama}"
    rows = [[int(r.tahun), *(format_ha(getattr(r, c)) for c in cols), format_ha(r.luas_kumuh_ha)]
            for r in kab]
    return (f"<h3>{_e(title)}</h3>"
            + stacked_bars_svg(cats, series, format_ha, title, y_label="luas kumuh (ha)")
            + _table(["tahun", *KUMUH, "luas kumuh"], rows))


def _rt_section(kab: Rows, nama: str) -> str:
    """RT counts by tingkat per year; ``kab`` sorted by year."""
    cats = [str(y) for y in _years(kab)]
    cols = [f"jumlah_rt_{criteria.TINGKAT_SUFFIX[t]}" for t in criteria.TINGKAT_LABELS]
    series = [(t, COLOURS[t], [float(getattr(r, c)) for r in kab])
              for t, c in zip(criteria.TINGKAT_LABELS, cols, strict=True)]
    title = f"Jumlah RT menurut tingkat kekumuhan per tahun — {nama}"

    def fmt(v: float) -> str:
        return f"{format_angka(v, 0)} RT"

    rows = [[int(r.tahun), *(format_angka(getattr(r, c), 0) for c in cols),
             format_angka(r.jumlah_rt, 0)] for r in kab]
    return (f"<h3>{_e(title)}</h3>"
            + stacked_bars_svg(cats, series, fmt, title, y_label="jumlah RT")
            + _table(["tahun", *criteria.TINGKAT_LABELS, "jumlah RT"], rows))


def _kelengkapan_section(kec: Rows, nama: str, tahun: int) -> str:
    kec = sorted((r for r in kec if r.tahun == tahun), key=lambda r: r.kode_kecamatan)
    title = f"Kelengkapan laporan per kecamatan, tahun {tahun} — {nama}"
    items = [(r.nama_kecamatan, float(r.kelengkapan_persen),
              f"{format_persen(r.kelengkapan_persen)} ({r.jumlah_kelurahan_dilaporkan} dari "
              f"{r.jumlah_kelurahan_referensi})") for r in kec]
    if not items:
        return f"<h3>{_e(title)}</h3><p>Tidak ada data kecamatan.</p>"
    return f"<h3>{_e(title)}</h3>" + hbars_svg(
        items, title, x_label="kelengkapan (% kelurahan/desa yang dilaporkan)")


def _top_section(kel: Rows, nama: str, tahun: int) -> str:
    kel = largest_first([r for r in kel if r.tahun == tahun], "luas_kumuh_ha",
                        "kode_kelurahan")[:10]
    title = f"Sepuluh kelurahan/desa dengan luas kumuh terbesar, tahun {tahun} — {nama}"
    rows, marked = [], False
    for i, r in enumerate(kel, start=1):
        kumuh = int(r.jumlah_rt) - int(r.jumlah_rt_tidak_kumuh)
        mark = r.tingkat_kekumuhan == TIDAK_KUMUH and kumuh > 0
        marked |= mark
        rows.append([i, r.nama_kelurahan, r.nama_kecamatan, format_ha(r.luas_kumuh_ha),
                     f"{format_angka(kumuh, 0)} dari {format_angka(r.jumlah_rt, 0)}",
                     r.tingkat_kekumuhan + (" *" if mark else ""), int(r.total_nilai)])
    header = ["no", "kelurahan/desa", "kecamatan", "luas kumuh", "RT kumuh",
              "tingkat kelurahan (satu kawasan)", "total nilai"]
    if not rows:
        return f"<h3>{_e(title)}</h3><p>Belum ada data.</p>"
    note = TOP_NOTE + (" " + TOP_MARK if marked else "")
    return (f"<h3>{_e(title)}</h3>" + _table(header, rows, frozenset({0, 1, 2, 5}))
            + f'<p class="note">{_e(note)}</p>')


TIDAK_KUMUH = criteria.TINGKAT_LABELS[0]
#: Why a kelurahan with a Tidak Kumuh level can still have luas kumuh (spec §4).
TOP_NOTE = ("Luas kumuh adalah jumlah luas RT yang tingkatnya bukan Tidak Kumuh. Tingkat "
            "kelurahan/desa dinilai sekali atas jumlah volume dan penyebut seluruh RT-nya, "
            "sebagai satu kawasan (Permen PUPR 14/2018); karena itu kelurahan/desa yang sebagai "
            "satu kawasan Tidak Kumuh tetap dapat memiliki RT kumuh dan luas kumuh.")
TOP_MARK = "* Tidak Kumuh sebagai satu kawasan, tetapi memiliki RT kumuh."


def _summary(kab: Rows) -> str:
    """The kabupaten's figures per year; ``kab`` sorted by year."""
    rows = [[int(r.tahun), f"{r.jumlah_kelurahan_dilaporkan} dari {r.jumlah_kelurahan_referensi}",
             format_persen(r.kelengkapan_persen), format_angka(r.jumlah_rt, 0),
             format_ha(r.luas_kumuh_ha)] for r in kab]
    return _table(["tahun", "kelurahan/desa dilaporkan", "kelengkapan", "jumlah RT",
                   "luas kumuh"], rows)


def kabupaten_section(kode: str, rows: KabupatenRows, clerk_href: str) -> str:
    """Everything about one kabupaten/kota, from its rows only. Drawn from the rows as Python
    values (pandas costs ~0.1 ms a call on frames this small)."""
    nama = str(rows.tables["indikator_kabupaten"][0].nama_kabupaten)
    kab = sorted(rows.tables["indikator_kabupaten"], key=lambda r: int(r.tahun))
    latest = max(_years(kab))
    kec = rows.tables["indikator_kecamatan"]
    kel = rows.tables["indikator_kelurahan"]
    return (f'<section id="kab-{_e(kode)}"><h2>{_e(nama)} ({_e(kode)})</h2>{_summary(kab)}'
            + _luas_section(kab, nama) + _rt_section(kab, nama)
            + _kelengkapan_section(kec, nama, latest) + _top_section(kel, nama, latest)
            + progress.progress_html(rows.tables, rows.perubahan, nama)
            + f'<p class="link"><a href="{_e(clerk_href)}">Temuan validasi workbook (laporan '
            "untuk petugas)</a></p></section>")


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;
max-width:64rem;padding:0 1rem;color:#1f2933;line-height:1.45}
h1{font-size:1.7rem}h2{border-bottom:2px solid #cbd2d9;padding-bottom:.2rem;margin-top:2.5rem}
h3{font-size:1.05rem;margin-top:1.6rem}.meta,footer{color:#52606d;font-size:.9rem}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.92rem}
th,td{border:1px solid #e4e7eb;padding:.25rem .6rem;text-align:left}th{background:#f5f7fa}
td.num{text-align:right;font-variant-numeric:tabular-nums}svg{display:block;max-width:100%;
height:auto}nav a{margin-right:1rem}.note{color:#52606d;font-size:.9rem;max-width:48rem}
"""


#: Columns the report reads per table (row tuples of wide frames are slow to build).
_USED = {
    "indikator_kabupaten": ["kode_kabupaten", "nama_kabupaten", "tahun",
                            "jumlah_kelurahan_dilaporkan", "jumlah_kelurahan_referensi",
                            "kelengkapan_persen", "jumlah_rt", "luas_kumuh_ha",
                            *(f"luas_kumuh_{criteria.TINGKAT_SUFFIX[t].removeprefix('kumuh_')}_ha"
                              for t in KUMUH),
                            *(f"jumlah_rt_{criteria.TINGKAT_SUFFIX[t]}"
                              for t in criteria.TINGKAT_LABELS)],
    "indikator_kecamatan": ["kode_kabupaten", "tahun", "kode_kecamatan", "nama_kecamatan",
                            "kelengkapan_persen", "jumlah_kelurahan_dilaporkan",
                            "jumlah_kelurahan_referensi"],
    "indikator_kelurahan": ["kode_kabupaten", "tahun", "kode_kelurahan", "nama_kelurahan",
                            "nama_kecamatan", "luas_kumuh_ha", "jumlah_rt",
                            "jumlah_rt_tidak_kumuh", "tingkat_kekumuhan", "total_nilai"],
    "kemajuan_kabupaten": contract.columns("kemajuan_kabupaten"),
    "perubahan_rt": ["kode_kabupaten", "tahun", "tahun_sebelumnya", "tingkat_sebelumnya",
                     "tingkat_kekumuhan"],
    "indikator_kawasan": ["kode_kabupaten", "tahun", "kawasan", "kode_kelurahan_daftar",
                          "luas_ha", "luas_kumuh_ha", "tingkat_kekumuhan", "kewenangan"],
}


def columns_used() -> dict[str, list[str]]:
    """The columns of each table the report reads (to load no more than that)."""
    return {name: list(used) for name, used in _USED.items()}


def _used(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The columns the report uses of each table (a missing table is empty), years as Int64."""
    out = {}
    for name, used in _USED.items():
        df = tables.get(name, pd.DataFrame(columns=contract.columns(name)))[used]
        tahun = df["tahun"]
        if not pd.api.types.is_integer_dtype(tahun):  # years written as text or floats
            tahun = pd.to_numeric(tahun.astype("string"))
        out[name] = df.assign(tahun=tahun.astype("Int64"))
    return out


@dataclass
class KabupatenRows:
    """One kabupaten's rows: of each used table as Python values (``perubahan_rt`` aside),
    and its ``perubahan_rt`` rows as arrays."""

    tables: dict[str, Rows] = field(
        default_factory=lambda: {n: [] for n in _USED if n != "perubahan_rt"})
    perubahan: progress.Transitions = field(default_factory=lambda: _NO_TRANSITIONS)


_NO_TRANSITIONS = progress.Transitions(*(np.empty(0, dtype) for dtype in
                                         ("float64", "float64", "int64", "int64")))


def _by_kabupaten(used: dict[str, pd.DataFrame],
                 only: Collection[str] | None = None) -> dict[str, KabupatenRows]:
    """Per kabupaten code (of ``only``, else every one), its rows of each used table: each
    table converted once and split (a conversion per kabupaten and table was ~60 % of drawing
    the report)."""
    by_kab: dict[str, KabupatenRows] = {}
    keep = None if only is None else set(only)
    for name, df in used.items():
        if keep is not None:
            df = df[np.fromiter((k in keep for k in df["kode_kabupaten"].tolist()), bool,
                                len(df))]
        parts = (progress.transitions_by(df, "kode_kabupaten") if name == "perubahan_rt"
                 else records_by(df, "kode_kabupaten"))
        for kode, part in parts.items():
            rows = by_kab.setdefault(kode, KabupatenRows())
            if name == "perubahan_rt":
                rows.perubahan = part
            else:
                rows.tables[name] = part
    return by_kab


def _as_of(run_id: str, timezone: str) -> str:
    """``Data per 3 Desember 2026 (dihitung 3 Desember 2026 pukul 08.30 WIB, run …)``."""
    when = run_started(run_id)
    if when is None:
        return f"Run {run_id}"
    return f"Data per {tanggal(when, timezone)} (dihitung {waktu(when, timezone)}, run {run_id})"


def render_report(tables: dict[str, pd.DataFrame], run_id: str,
                  clerk_report_href: str = "../temuan/index.html",
                  timezone: str = DEFAULT_TIMEZONE, cache: SectionCache | None = None) -> str:
    """The indicator report as one self-contained HTML page from the published tables
    (``indikator_kabupaten``, ``indikator_kecamatan``, ``indikator_kelurahan`` and the progress
    tables ``kemajuan_kabupaten``, ``perubahan_rt``, ``indikator_kawasan`` are used; a missing
    table counts as empty); the run's date and time in ``timezone``. With ``cache``, a
    kabupaten/kota whose rows did not change since the last run keeps its drawn section."""
    used = _used(tables)
    kabupaten = records_by(used["indikator_kabupaten"], "kode_kabupaten")  # a few hundred rows
    codes = sorted(kabupaten)
    nav = "".join(f'<a href="#kab-{_e(k)}">{_e(kabupaten[k][0].nama_kabupaten)}</a>'
                  for k in codes)
    digests = ({k: d + "|" + clerk_report_href
                for k, d in cache.digests(used, "kode_kabupaten").items()} if cache else {})
    kept = {k: cache.kept(k, digests[k]) for k in codes} if cache else {}
    to_draw = [k for k in codes if kept.get(k) is None]
    # only the rows of the sections to draw are converted (a nightly run draws a few)
    by_kab = _by_kabupaten(used, to_draw if len(to_draw) < len(codes) else None)

    def section(k: str) -> str:
        body = kept.get(k)
        if body is None:
            body = kabupaten_section(k, by_kab[k], clerk_report_href)
            if cache:
                cache.keep(k, digests[k], body)
        return body

    sections = "".join(section(k) for k in codes)
    if not sections:
        sections = "<p>Belum ada data yang diterbitkan.</p>"
    return ('<!DOCTYPE html>\n<html lang="id"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>Laporan kekumuhan KOTAKU — {_e(run_id)}</title><style>{_CSS}</style>"
            "</head><body><h1>Laporan kekumuhan permukiman KOTAKU</h1>"
            f'<p class="meta">{_e(_as_of(run_id, timezone))} · aturan '
            f"{_e(criteria.RULES_VERSION)} · kontrak "
            f"{_e(contract.CONTRACT_VERSION)} · luas dalam hektare; kabupaten/kota dan kecamatan "
            "tidak diberi tingkat (Permen PUPR 14/2018), hanya jumlah RT dan luas menurut tingkat."
            f'</p><nav>{nav}<a href="{_e(clerk_report_href)}">Temuan validasi workbook</a></nav>'
            f"{sections}<footer><p>Daftar wilayah: {_e(reference.EDITION)}. "
            f"{_e(reference.ATTRIBUTION)}.</p></footer></body></html>\n")
