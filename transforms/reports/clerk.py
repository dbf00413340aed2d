"""The clerk's report: what to fix in which workbook, in plain Bahasa Indonesia.

For the people who fill in the KOTAKU workbooks: every workbook grouped kabupaten/kota →
kelurahan/desa → file (a kelurahan's RT forms together, each finding led by its form's
RT), its status (diterima/ditolak/duplikat/digantikan, or dihapus for a file
no longer in the input folder) with a one-line explanation, and every finding naming the sheet
and cell and what to change — errors first. One structure, rendered as the whole report
(``temuan/index.md`` and ``index.html``) and as one page per kabupaten/kota
(``temuan/<kode>/index.html``) and per kelurahan/desa (``temuan/<kode>/<kode_kelurahan>.html``)
that data staff can send to the clerk concerned. Every page is self-contained (inline CSS, no
script), readable on a phone, and shows times in the configured timezone (WIB by default).
Clerk text names no software and no operator command.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import pandas as pd

from transforms.publish.parquet import write_text_atomic
from transforms.reports.timestamps import DEFAULT_TIMEZONE, run_started, waktu

UNKNOWN_GROUP = "Berkas tanpa kode wilayah yang dikenali"
GONE_GROUP = "Berkas yang sudah tidak ada di folder kiriman"
#: Status of a file that was in the input folder and is gone now (not a pengiriman status).
DIHAPUS = "dihapus"
STATUSES = ("diterima", "ditolak", "duplikat", "digantikan", DIHAPUS)
_LEVEL = {"error": "Kesalahan", "warning": "Peringatan"}
_VILLAGE_KIND = {"1": "Kelurahan", "2": "Desa", "3": "Desa adat"}


@dataclass
class Finding:
    """One finding as the clerk reads it."""

    keparahan: str  # error | warning (the published ``tingkat`` column)
    lokasi: str  # "Data RT!H14", "sheet Data RT, baris 7", "seluruh berkas"
    pesan: str
    nilai: str


@dataclass
class Workbook:
    """One file of the run with its status and findings (errors first)."""

    sumber_file: str
    status: str
    tahun: int | None
    findings: list[Finding] = field(default_factory=list)

    @cached_property
    def errors(self) -> int:
        return sum(f.keparahan == "error" for f in self.findings)

    @cached_property
    def warnings(self) -> int:
        return sum(f.keparahan != "error" for f in self.findings)

    @cached_property
    def html(self) -> str:
        """Its part of every HTML page it appears on (index, kabupaten, kelurahan): once."""
        return _html_workbook(self)

    @property
    def clean(self) -> bool:
        return self.status == "diterima" and not self.findings


@dataclass
class Village:
    """A kelurahan/desa (or, in the unknown group, no village) and its workbooks."""

    kode: str
    nama: str
    kecamatan: str
    workbooks: list[Workbook]

    @property
    def title(self) -> str:
        kind = _VILLAGE_KIND.get(self.kode[9:10], "Kelurahan/desa")
        return f"{kind} {self.nama} ({self.kode}) — Kecamatan {self.kecamatan}"

    @cached_property
    def html(self) -> str:
        """Its workbooks' part of every HTML page it appears on (index, kabupaten, its own),
        below its heading: once."""
        return _html_village_body(self)


@dataclass
class Group:
    """A kabupaten/kota (or the unknown-code group) and its villages."""

    kode: str
    nama: str
    villages: list[Village]

    @property
    def title(self) -> str:
        return f"{self.nama} ({self.kode})" if self.kode else self.nama


def status_explanation(status: str, errors: int, warnings: int) -> str:
    """One line telling the clerk what the status means and whether to act."""
    if status == "diterima":
        note = (f" Ada {warnings} peringatan: data tetap diterbitkan, mohon diperiksa."
                if warnings else "")
        return "Diterima — datanya diterbitkan." + note
    if status == "ditolak" and not errors:
        return ("Ditahan — berkas ini sendiri tanpa kesalahan, tetapi tidak diterbitkan karena "
                "berkas lain untuk kelurahan dan tahun yang sama ditolak (lihat peringatan). "
                "Data yang sudah terbit sebelumnya tetap berlaku; berkas ini tidak perlu "
                "dikirim ulang.")
    if status == "ditolak":
        return (f"Ditolak — {errors} kesalahan harus diperbaiki. Data berkas ini tidak "
                "diterbitkan (data yang sudah terbit sebelumnya tetap berlaku). Perbaiki semua "
                "kesalahan di bawah, lalu kirim ulang berkasnya.")
    if status == "duplikat":
        return ("Duplikat — berkas ini salinan persis berkas lain, jadi tidak diproses. Tidak "
                "perlu diperbaiki; hapus salinan ini bila tidak diperlukan.")
    if status == "digantikan":
        return ("Digantikan — ada workbook lain untuk kelurahan dan tahun yang sama dengan "
                "tanggal pendataan lebih baru; yang lebih baru yang dipakai. Tidak perlu tindakan "
                "bila memang begitu maksudnya.")
    if status == DIHAPUS:
        return ("Dihapus — berkas ini tidak ada lagi di folder kiriman. Data yang sudah terbit "
                "darinya tetap dipakai. Bila terhapus tanpa sengaja, kirim ulang berkasnya.")
    return "Status tidak diketahui — hubungi pengelola data."


def _text(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value)


def plain(message: object) -> str:
    """A message as one plain line: whitespace collapsed, any technical trace cut off."""
    text = _text(message).split("Traceback", 1)[0]
    return re.sub(r"\s+", " ", text).strip()


def location(sheet: object, baris: object, pesan: object) -> str:
    """Where to look: the cell named in the message (``Data RT!H14``), else sheet and row."""
    sheet_s, msg = _text(sheet), _text(pesan)
    if sheet_s:
        m = re.search(re.escape(sheet_s) + r"!\$?([A-Z]{1,3})\$?(\d+)", msg)
        if m:
            return f"{sheet_s}!{m[1]}{m[2]}"
    row = "" if _text(baris) == "" else str(int(float(_text(baris))))
    if sheet_s and row:
        return f"sheet {sheet_s}, baris {row}"
    return f"sheet {sheet_s}" if sheet_s else "seluruh berkas"


def _findings_by_file(temuan: pd.DataFrame) -> dict[str, list[Finding]]:
    """Every file's findings, errors first, then by sheet and row (one sort for all files:
    a stable sort keeps each file's rows in the order a sort of that file alone gives)."""
    rows = temuan.assign(_o=(temuan["tingkat"] != "error").astype(int),
                         _b=pd.to_numeric(temuan["baris"], errors="coerce"))
    rows = rows.sort_values(["_o", "sheet", "_b"], na_position="first", kind="stable")
    out: dict[str, list[Finding]] = {}
    for sumber_file, tingkat, sheet, baris, pesan, nilai in zip(*(
            rows[c].tolist() for c in ["sumber_file", "tingkat", "sheet", "baris", "pesan",
                                       "nilai"]), strict=True):
        out.setdefault(sumber_file, []).append(Finding(
            keparahan=_text(tingkat), lokasi=location(sheet, baris, pesan),
            pesan=plain(pesan), nilai=_text(nilai)))
    return out


_WORKBOOK_COLUMNS = ["sumber_file", "status", "kode_kelurahan", "tahun"]


def _workbooks(temuan: pd.DataFrame, pengiriman: pd.DataFrame,
               hilang: pd.DataFrame | None) -> pd.DataFrame:
    """One row per file: pengiriman, the files gone from the input folder that still have a
    finding (status ``dihapus``, with the code and year they were last read with; a withdrawn
    one has none) and any other file that only appears in the findings."""
    parts = [pengiriman[_WORKBOOK_COLUMNS]]
    known = set(pengiriman["sumber_file"].tolist())
    if hilang is not None and len(hilang):
        gone = hilang[~hilang["sumber_file"].isin(known)
                      & hilang["sumber_file"].isin(temuan["sumber_file"])]
        parts.append(gone.assign(status=DIHAPUS)[_WORKBOOK_COLUMNS])
        known |= set(gone["sumber_file"].tolist())
    extra = sorted(set(temuan["sumber_file"].dropna()) - known)
    if extra:
        parts.append(pd.DataFrame({"sumber_file": extra, "status": "", "kode_kelurahan": None,
                                   "tahun": None})[_WORKBOOK_COLUMNS])
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


#: The names of a village a page shows (and its kabupaten's code), from the reference list.
_NAMES = ("kode_kabupaten", "nama_kabupaten", "nama_kecamatan", "nama_kelurahan")


def build_groups(temuan: pd.DataFrame, pengiriman: pd.DataFrame, villages: pd.DataFrame,
                 hilang: pd.DataFrame | None = None) -> list[Group]:
    """Workbooks grouped kabupaten → kelurahan (by code); then the deleted files whose code is
    not a known village, then the files without a known code. ``hilang``: ``sumber_file,
    kode_kelurahan, tahun`` of the files gone from the input folder."""
    by_file = _findings_by_file(temuan)
    workbooks = _workbooks(temuan, pengiriman, hilang)
    # plain lists and a set: pandas' Arrow-string ``isin`` and row iteration cost ~0.2 s here
    codes = set(workbooks["kode_kelurahan"].dropna().tolist())
    used = villages[[k in codes for k in villages["kode_kelurahan"].tolist()]]
    ref = {kode: dict(zip(_NAMES, names, strict=True))  # code → names, looked up often
           for kode, *names in zip(used["kode_kelurahan"].tolist(),
                                   *(used[c].tolist() for c in _NAMES), strict=True)}
    tree: dict[str, dict[str, list[Workbook]]] = {}
    for sumber_file, status, kode, tahun in zip(
            *(workbooks[c].tolist() for c in _WORKBOOK_COLUMNS), strict=True):
        tahun = None if _text(tahun) == "" else int(tahun)
        wb = Workbook(sumber_file, _text(status), tahun, by_file.get(sumber_file, []))
        kode = _text(kode)
        kab = ref[kode]["kode_kabupaten"] if kode in ref else (
            GONE_GROUP if wb.status == DIHAPUS else UNKNOWN_GROUP)
        tree.setdefault(kab, {}).setdefault(kode if kode in ref else "", []).append(wb)
    loose = (GONE_GROUP, UNKNOWN_GROUP)
    groups = [_group(kab, tree[kab], ref) for kab in sorted(k for k in tree if k not in loose)]
    groups += [Group("", name, [Village("", "", "", _sorted(tree[name][""]))])
               for name in loose if name in tree]
    return groups


def _sorted(workbooks: list[Workbook]) -> list[Workbook]:
    return sorted(workbooks, key=lambda w: (w.tahun or 0, w.sumber_file))


def _group(kab: str, villages: dict[str, list[Workbook]],
           ref: dict[str, dict[str, object]]) -> Group:
    out = []
    for kode in sorted(villages):
        row = ref[kode]
        out.append(Village(kode, row["nama_kelurahan"], row["nama_kecamatan"],
                           _sorted(villages[kode])))
    nama = ref[next(iter(villages))]["nama_kabupaten"]
    return Group(kab, nama, out)


def _all(groups: Iterable[Group]) -> list[tuple[Group, Village, Workbook]]:
    return [(g, v, w) for g in groups for v in g.villages for w in v.workbooks]


def _summary_lines(groups: list[Group]) -> list[str]:
    items = _all(groups)
    found = Counter(w.status for _, _, w in items)
    counts = {s: found[s] for s in STATUSES}
    errors = sum(w.errors for _, _, w in items)
    warnings = sum(w.warnings for _, _, w in items)
    return [f"{len(items)} workbook: " + ", ".join(f"{n} {s}" for s, n in counts.items()
                                                   if n or s != DIHAPUS),
            f"{errors} kesalahan (error) dan {warnings} peringatan (warning)"]


def _to_fix(groups: list[Group]) -> list[tuple[Group, Village, Workbook]]:
    """Rejected files with an error of their own (a form only held back needs no fixing)."""
    return [(g, v, w) for g, v, w in _all(groups) if w.status == "ditolak" and w.errors]


def _where(g: Group, v: Village) -> str:
    return f"{g.nama} › {v.nama}" if v.kode else g.nama


#: A file's latest check: ``diproses_pada`` in nanoseconds since the epoch (UTC) and the run.
Check = tuple[int, str]


def _checks(pengiriman: pd.DataFrame) -> dict[str, Check]:
    """Each file's latest check (``diproses_pada``) and the run that made it, for the page
    headers (a file never checked has none)."""
    if not len(pengiriman):
        return {}
    when = pd.to_datetime(pengiriman["diproses_pada"], utc=True)
    rows = pd.DataFrame({"f": pengiriman["sumber_file"].to_numpy(),
                         "t": when.to_numpy(dtype="datetime64[ns]").astype("int64"),
                         "r": pengiriman["run_id"].fillna("").astype(str).to_numpy()})
    rows = rows[when.notna().to_numpy()].sort_values(["t", "r"], kind="stable")
    rows = rows.drop_duplicates("f", keep="last")
    latest = zip(rows["t"].tolist(), rows["r"].tolist(), strict=True)
    return dict(zip(rows["f"].tolist(), latest, strict=True))


def _header(run_id: str, checks: Iterable[Check], timezone: str) -> str:
    """The header of a page showing files with ``checks``: when they were last checked, in
    ``timezone``, and by which run (this run and its start if none of them was)."""
    return _header_of(run_id, max(checks, default=None), timezone)


@lru_cache(maxsize=256)
def _header_of(run_id: str, latest: Check | None, timezone: str) -> str:
    """:func:`_header` for the latest check (most pages share one: formatted once)."""
    if latest is None:
        when, run = run_started(run_id), run_id
    else:
        when, run = pd.Timestamp(latest[0], tz="UTC"), latest[1] or run_id
    stamp = waktu(when, timezone)
    return f"Diperiksa {stamp} (kode run {run})" if stamp else f"Kode run {run}"


# ---------------------------------------------------------------- markdown

def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")


def _md_workbook(w: Workbook) -> list[str]:
    tahun = f" — tahun {w.tahun}" if w.tahun else ""
    lines = [f"#### `{w.sumber_file}`{tahun}", "",
             f"**Status: {w.status or '?'}.** {status_explanation(w.status, w.errors, w.warnings)}",
             ""]
    if w.findings:
        lines += ["| jenis | lokasi | masalah dan cara memperbaiki |", "| --- | --- | --- |"]
        lines += [f"| {_LEVEL.get(f.keparahan, f.keparahan)} | `{f.lokasi}` | {_md(f.pesan)} |"
                  for f in w.findings]
        lines.append("")
    return lines


def _md_village(v: Village) -> list[str]:
    lines = [f"### {v.title}", ""] if v.kode else []
    clean = [w for w in v.workbooks if w.clean]
    if clean:
        files = "; ".join(f"`{w.sumber_file}` ({w.tahun})" for w in clean)
        lines += [f"Diterima tanpa temuan: {files}.", ""]
    for w in v.workbooks:
        if not w.clean:
            lines += _md_workbook(w)
    return lines


def render_markdown(groups: list[Group], header: str) -> str:
    """The report as markdown (for e-mail, chat or a repository)."""
    lines = [f"# {TITLE}", "", header, "",
             "## Ringkasan", "", *(f"- {s}" for s in _summary_lines(groups)), ""]
    todo = _to_fix(groups)
    if todo:
        lines += ["### Perlu diperbaiki lalu dikirim ulang", ""]
        lines += [f"- `{w.sumber_file}` ({_where(g, v)}): {w.errors} kesalahan"
                  for g, v, w in todo]
        lines.append("")
    for g in groups:
        lines += [f"## {g.title}", ""]
        for v in g.villages:
            lines += _md_village(v)
    return "\n".join(lines).rstrip("\n") + "\n"


#: Characters of clerk Markdown the Prefect UI gets whole (Prefect drops an event over ~1.5 MB).
ARTIFACT_LIMIT = 500_000


def artifact_markdown(markdown: str, full_report: str, limit: int = ARTIFACT_LIMIT) -> str:
    """The clerk report for the Prefect UI: whole when it has at most ``limit`` characters,
    else its summary and to-fix list (everything before the first kabupaten section) and
    where the full report (``full_report``) is."""
    if len(markdown) <= limit:
        return markdown
    summary = markdown.split("\n## ", 2)
    head = "\n## ".join(summary[:2]) if len(summary) > 2 else markdown[:limit]
    return (head.rstrip("\n")[:limit] + "\n\n*Temuan per kabupaten/kota terlalu panjang untuk "
            f"ditampilkan di sini: lihat `{full_report}`.*\n")


# ---------------------------------------------------------------- html

TITLE = "Laporan temuan workbook KOTAKU"

#: Readable from a 390 px phone up: long file names and cell references wrap, and below
#: 40rem each finding's table row becomes a block (kind, cell, then the message).
_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1.5rem auto;
max-width:70rem;padding:0 1rem;color:#1f2933;line-height:1.45;overflow-wrap:anywhere}
h1{font-size:1.5rem}h2{border-bottom:2px solid #cbd2d9;padding-bottom:.2rem;margin-top:2rem}
h3{margin-top:1.4rem}h4{margin:1rem 0 .3rem;font-family:ui-monospace,monospace;font-size:.95rem}
.meta{color:#52606d}.wb{border:1px solid #e4e7eb;border-radius:6px;padding:.6rem .9rem;
margin:.6rem 0}.wb.ditolak{border-left:6px solid #c62828}.wb.diterima{border-left:6px solid
#2e7d32}.wb.duplikat,.wb.digantikan,.wb.dihapus{border-left:6px solid #9aa5b1}
.badge{display:inline-block;border-radius:4px;padding:0 .45rem;font-weight:600;color:#fff;
font-size:.85rem}.b-diterima{background:#2e7d32}.b-ditolak{background:#c62828}
.b-duplikat,.b-digantikan,.b-dihapus,.b-{background:#616e7c}
table{border-collapse:collapse;width:100%;margin:.4rem 0}th,td{border:1px solid #e4e7eb;
padding:.3rem .5rem;text-align:left;vertical-align:top}th{background:#f5f7fa}
td.loc{font-family:ui-monospace,monospace}
tr.error td:first-child{color:#c62828;font-weight:600}
tr.warning td:first-child{color:#b26a00;font-weight:600}
.clean{color:#52606d;font-size:.92rem}.page{font-size:.9rem}
@media (max-width:40rem){body{margin:1rem auto;padding:0 .75rem}h1{font-size:1.25rem}
h2{font-size:1.2rem}h3{font-size:1.05rem}
.wb{padding:.5rem .6rem}table,tbody,tr,td{display:block;width:auto}thead{display:none}
tr{border:1px solid #e4e7eb;margin:.4rem 0}td{border:0;padding:.15rem .4rem}}
"""


def _e(text: object) -> str:
    return html.escape(_text(text))


def _anchor(w: Workbook) -> str:
    return "wb-" + re.sub(r"[^0-9a-zA-Z]+", "-", w.sumber_file).strip("-").lower()


def _html_workbook(w: Workbook) -> str:
    tahun = f" — tahun {w.tahun}" if w.tahun else ""
    rows = "".join(
        f'<tr class="{_e(f.keparahan)}"><td>{_LEVEL.get(f.keparahan, _e(f.keparahan))}</td>'
        f'<td class="loc">{_e(f.lokasi)}</td><td>{_e(f.pesan)}</td></tr>' for f in w.findings)
    table = ("<table><thead><tr><th>jenis</th><th>lokasi</th><th>masalah dan cara memperbaiki"
             f"</th></tr></thead><tbody>{rows}</tbody></table>") if rows else ""
    return (f'<div class="wb {_e(w.status)}" id="{_anchor(w)}"><h4>{_e(w.sumber_file)}{tahun}'
            f'</h4><p><span class="badge b-{_e(w.status)}">{_e(w.status or "?")}</span> '
            f"{_e(status_explanation(w.status, w.errors, w.warnings))}</p>{table}</div>")


def _html_village(v: Village, page: str | None) -> str:
    link = (f' <a class="page" href="{_e(page)}">halaman untuk petugas kelurahan/desa ini</a>'
            if page else "")
    head = f'<h3 id="kel-{_e(v.kode)}">{_e(v.title)}{link}</h3>' if v.kode else ""
    return head + v.html


def _html_village_body(v: Village) -> str:
    clean = [w for w in v.workbooks if w.clean]
    listed = "; ".join(f"{_e(w.sumber_file)} ({w.tahun})" for w in clean)
    ok = f'<p class="clean">Diterima tanpa temuan: {listed}.</p>' if clean else ""
    return ok + "".join(w.html for w in v.workbooks if not w.clean)


def render_html(groups: list[Group], header: str, *, title: str = TITLE,
                links: str = "") -> str:
    """A report page as one self-contained HTML page (inline CSS, no scripts, works offline).
    ``links``: ``"index"`` links each kabupaten/kota and kelurahan/desa to its own page from
    the whole report, ``"kabupaten"`` each kelurahan/desa from a kabupaten page."""
    summary = "".join(f"<li>{_e(s)}</li>" for s in _summary_lines(groups))
    todo = _to_fix(groups)
    todo_html = ("<h3>Perlu diperbaiki lalu dikirim ulang</h3><ul>" + "".join(
        f'<li><a href="#{_anchor(w)}">{_e(w.sumber_file)}</a> ({_e(_where(g, v))}): '
        f"{w.errors} kesalahan</li>" for g, v, w in todo) + "</ul>") if todo else ""
    body = "".join(_html_group(g, links) for g in groups)
    return ('<!DOCTYPE html>\n<html lang="id"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(title)}</title><style>{_CSS}</style></head><body><h1>{_e(title)}</h1>"
            f'<p class="meta">{_e(header)}</p><h2>Ringkasan</h2>'
            f"<ul>{summary}</ul>{todo_html}{body}</body></html>\n")


def _html_group(g: Group, links: str) -> str:
    own = (f' <a class="page" href="{_e(g.kode)}/index.html">halaman kabupaten/kota ini</a>'
           if links == "index" and g.kode else "")

    def page(v: Village) -> str | None:
        if not (g.kode and v.kode) or not links:
            return None
        return f"{g.kode}/{v.kode}.html" if links == "index" else f"{v.kode}.html"

    return (f"<section><h2>{_e(g.title)}{own}</h2>"
            + "".join(_html_village(v, page(v)) for v in g.villages) + "</section>")


# ---------------------------------------------------------------- pages


def _scope_header(run_id: str, checks: dict[str, Check], files: Iterable[str],
                  timezone: str) -> str:
    """The page header for the files of one page (their latest check)."""
    return _header(run_id, (checks[f] for f in files if f in checks), timezone)


def clerk_pages(temuan: pd.DataFrame, pengiriman: pd.DataFrame, villages: pd.DataFrame,
                run_id: str, *, hilang: pd.DataFrame | None = None,
                timezone: str = DEFAULT_TIMEZONE) -> dict[str, str]:
    """Every page of the clerk's report by its path under ``temuan/``: ``index.md`` and
    ``index.html`` (everything), ``<kode_kabupaten>/index.html`` (one kabupaten/kota) and
    ``<kode_kabupaten>/<kode_kelurahan>.html`` (one kelurahan/desa, to send to its clerk).
    ``temuan`` and ``pengiriman`` have the contract columns of ``temuan_validasi`` and
    ``pengiriman``, ``villages`` is :attr:`transforms.spec.reference.Reference.villages`,
    ``hilang`` the files gone from the input folder (``sumber_file, kode_kelurahan, tahun``)."""
    groups = build_groups(temuan, pengiriman, villages, hilang)
    checked = _checks(pengiriman)
    header = _header(run_id, checked.values(), timezone)
    pages = {"index.md": render_markdown(groups, header),
             "index.html": render_html(groups, header, links="index")}
    for g in groups:
        if not g.kode:
            continue
        files = [w.sumber_file for v in g.villages for w in v.workbooks]
        pages[f"{g.kode}/index.html"] = render_html(
            [g], _scope_header(run_id, checked, files, timezone),
            title=f"{TITLE} — {g.title}", links="kabupaten")
        for v in g.villages:
            one = Group(g.kode, g.nama, [v])
            pages[f"{g.kode}/{v.kode}.html"] = render_html(
                [one], _scope_header(run_id, checked, (w.sumber_file for w in v.workbooks),
                                     timezone), title=f"{TITLE} — {v.title}, {g.nama}")
    return pages


def render_clerk_report(temuan: pd.DataFrame, pengiriman: pd.DataFrame, villages: pd.DataFrame,
                        run_id: str, *, hilang: pd.DataFrame | None = None,
                        timezone: str = DEFAULT_TIMEZONE) -> tuple[str, str]:
    """(markdown, html) of the whole clerk's report (see :func:`clerk_pages`)."""
    groups = build_groups(temuan, pengiriman, villages, hilang)
    header = _header(run_id, _checks(pengiriman).values(), timezone)
    return render_markdown(groups, header), render_html(groups, header, links="index")


#: Beside the pages: the md5 of each page as last written, so that a rewrite of a national
#: report (~5,000 pages) compares digests instead of reading every page back (~0.2 s).
PAGE_DIGESTS = ".halaman.json"


def write_pages(folder: Path, pages: dict[str, str]) -> None:
    """Write the pages under ``folder`` (each replaced in one rename; a page whose file holds
    its text already is left untouched) and remove the pages of kabupaten/kelurahan no longer
    reported, so no stale page is left to be sent. A page counts as holding its text when
    its digest is the one recorded at its last write and its size is the text's; pages
    without a recorded digest are read back. The digests are removed while pages are
    written, so a write cut short leaves none to trust."""
    digests_file = folder / PAGE_DIGESTS
    known = _recorded_digests(digests_file)
    digests_file.unlink(missing_ok=True)
    digests = {}
    base = str(folder)  # paths as text: pathlib's parsing was half the time of ~5,000 pages
    for rel, text in pages.items():
        data = text.encode("utf-8")
        digests[rel] = hashlib.md5(data, usedforsecurity=False).hexdigest()
        path = os.path.join(base, rel)
        held = (_has_size(path, len(data)) if known.get(rel) == digests[rel]
                else _holds(path, data))
        if not held:
            write_text_atomic(folder / rel, text)
    for sub in _entries(base):  # stale pages, then folders left empty
        if sub.is_dir():
            for page in _entries(sub.path):
                if page.name.endswith(".html") and f"{sub.name}/{page.name}" not in pages:
                    os.unlink(page.path)
            if not _entries(sub.path):
                os.rmdir(sub.path)
    if pages:
        write_text_atomic(digests_file, json.dumps(digests, sort_keys=True))


def _recorded_digests(path: Path) -> dict[str, str]:
    """The page digests recorded by the last :func:`write_pages` ({} when none or unreadable)."""
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def _entries(path: str) -> list[os.DirEntry]:
    with os.scandir(path) as found:
        return list(found)


def _has_size(path: str, size: int) -> bool:
    try:
        return os.stat(path).st_size == size
    except OSError:
        return False


def _holds(path: str, data: bytes) -> bool:
    """Whether the file at ``path`` holds exactly ``data`` (a page's text as
    :func:`write_text_atomic` writes it; False when it cannot be read: then it is written)."""
    try:
        with open(path, "rb") as fh:
            return fh.read() == data
    except OSError:
        return False
