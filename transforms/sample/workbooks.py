"""Writes realistic KOTAKU survey workbooks (spec §2) from the sample's ground truth.

Every value written is known (:class:`transforms.sample.truth.SampleWorkbook`), so readers and
scorers can be tested against it. Layout variations follow what spec §2 allows; defects inject
one error each.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import re
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter

from transforms.sample.truth import Layout, SampleRT, expected_scores
from transforms.spec import criteria

#: Fixed creation time so a seed gives byte-identical files.
FIXED_CREATED = dt.datetime(2024, 1, 1, 8, 0, 0)

_KETUA = ("Bp. Sutrisno", "Ibu Siti Aminah", "Bp. H. Slamet", "Bp. Agus Salim", "Ibu Wahyuni")
_KETERANGAN = ("", "", "Verifikasi ulang", "Data baseline", "Pemekaran RT")


# ---------------------------------------------------------------------------------------------
# Cell text


def format_number(value: float, convention: str, decimals: int = 2) -> str:
    """A number as a clerk types it: ``1.234,5`` (convention "id") or ``1,234.5`` ("en")."""
    s = f"{abs(value):,.{decimals}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    if convention == "id":
        s = s.translate(str.maketrans({",": ".", ".": ","}))
    return ("-" if value < 0 else "") + s


def _pad(code: str, width: int) -> str:
    """An RT/RW code re-padded to width digits, suffix kept ("006A", 2 → "06A")."""
    m = re.fullmatch(r"(\d+)([A-Za-z]?)", code)
    if not m:
        return code
    return f"{int(m.group(1)):0{width}d}{m.group(2)}"


def rt_rw_text(rt: str, rw: str, form: str) -> str:
    """The combined RT/RW cell in one of the Layout.rt_rw forms."""
    if form == "RT001-RW002":
        return f"RT{rt}-RW{rw}"
    if form == "RT 03 RW 01":
        return f"RT {_pad(rt, 2)} RW {_pad(rw, 2)}"
    sep = "/" if form == "001/002" else "_"
    return f"{rt}{sep}{rw}"


def format_kode(kode: str, kode_format: str) -> str | int:
    """The kelurahan code as written: dotted, digits text, a number or space-separated."""
    if kode_format == "digits":
        return kode.replace(".", "")
    if kode_format == "number":
        return int(kode.replace(".", ""))
    if kode_format == "spaced":
        return kode.replace(".", " ")
    return kode


# ---------------------------------------------------------------------------------------------
# Columns


@dataclass(frozen=True)
class _Col:
    key: str  # value key in a row dict
    label: str
    kind: str  # text | count | ha | m | persen | nilai | num
    group: str | None = None  # aspect title above; None: label merged down
    unit: str = ""


def _upper(layout: Layout, label: str) -> str:
    return label.upper() if layout.label_style == "upper" else label


def _base_label(col: criteria.InputColumn, layout: Layout, rng: random.Random) -> str:
    label = col.labels[0] if layout.variant_seed == 0 else rng.choice(col.labels)
    if col.kind in ("ha", "m") or (col.unit and rng.random() < 0.4):
        label += f" ({'Ha' if col.unit == 'ha' else col.unit})"
    return _upper(layout, label)


def _vol_label(c: criteria.Criterion, layout: Layout) -> str:
    style = layout.label_style
    if style == "vol":
        return f"Vol {c.kode}"
    if style == "volume":
        return f"Volume {c.kode}"
    if style == "long":
        return f"{c.kode}. {c.kriteria} ({c.satuan})"
    return _upper(layout, c.kode)


def _score_labels(c: criteria.Criterion, layout: Layout) -> tuple[str, str]:
    style = layout.label_style
    if style == "long":
        return f"{c.kode} (%)", f"{c.kode} Skor"
    if style in ("vol", "volume"):
        return f"Persen {c.kode}", f"Nilai {c.kode}"
    return _upper(layout, f"% {c.kode}"), _upper(layout, f"Nilai {c.kode}")


def _criterion_cols(layout: Layout) -> list[list[_Col]]:
    """Per aspect, its volume (and stored score) columns."""
    aspects: dict[str, list[_Col]] = {}
    for c in criteria.criteria():
        group = f"{c.kode[0]}. {c.aspek}"
        cols = aspects.setdefault(group, [])
        kind = "count" if c.is_count else c.satuan
        cols.append(_Col(c.vol, _vol_label(c, layout), kind, group, c.satuan))
        if layout.stored_scores:
            persen, nilai = _score_labels(c, layout)
            cols.append(_Col(c.persen, persen, "persen", group))
            cols.append(_Col(c.nilai, nilai, "nilai", group))
    return [[*cols] for cols in aspects.values()]


def _base_cols(layout: Layout, rng: random.Random, kawasan: bool) -> list[_Col]:
    inputs = criteria.input_columns()
    names = ["rt", "rw"] if layout.rt_rw == "separate" else ["rt_rw"]
    if kawasan:
        names.append("kawasan")
    cols = [_Col(n, _base_label(inputs[n], layout, rng), "text") for n in names]
    for n in criteria.denominators():
        col = inputs[n]
        cols.append(_Col(n, _base_label(col, layout, rng), col.kind, None, col.unit))
    return cols


def _columns(layout: Layout, rng: random.Random, kawasan: bool) -> list[_Col]:
    """The table's columns in written order."""
    base = _base_cols(layout, rng, kawasan)
    aspects = _criterion_cols(layout)
    tail: list[_Col] = []
    if layout.stored_scores:
        label = "Tingkat" if rng.random() < 0.5 else "Tingkat Kekumuhan"
        tail += [_Col("total_nilai", "Total Nilai", "nilai"),
                 _Col("tingkat_kekumuhan", label, "text")]
    if layout.extra_columns:
        base.insert(0, _Col("x_no", "No", "nilai"))
        base.insert(3, _Col("x_ketua", "Nama Ketua RT", "text"))
        base.append(_Col("x_luas_permukiman", "Luas Permukiman (Ha)", "ha"))
        tail.append(_Col("x_keterangan", "Keterangan", "text"))
    tail = [dataclasses.replace(c, label=_upper(layout, c.label)) for c in tail]
    if layout.column_order == "shuffled":
        for cols in aspects:
            rng.shuffle(cols)
        blocks: list[list[_Col]] = [[c] for c in base + tail] + aspects
        rng.shuffle(blocks)
        return [c for block in blocks for c in block]
    return base + [c for cols in aspects for c in cols] + tail


# ---------------------------------------------------------------------------------------------
# Rows


def _rt_row(
    rt: SampleRT, i: int, layout: Layout, rng: random.Random, pad: int
) -> dict[str, object]:
    row: dict[str, object] = dict(rt.values)
    if layout.rt_rw == "separate":
        row["rt"], row["rw"] = _pad(rt.rt, pad), _pad(rt.rw, pad)
    else:
        row["rt_rw"] = rt_rw_text(rt.rt, rt.rw, layout.rt_rw)
    row["kawasan"] = rt.kawasan
    if layout.stored_scores:
        scores = expected_scores(rt.values)
        row.update(scores)
        row["tingkat_kekumuhan"] = scores["tingkat_kekumuhan"]
    if layout.extra_columns:
        row["x_no"] = i + 1
        row["x_ketua"] = rng.choice(_KETUA)
        row["x_luas_permukiman"] = round(rt.values["luas_ha"] * rng.uniform(0.5, 0.95), 2)
        row["x_keterangan"] = rng.choice(_KETERANGAN)
    return row


def _total_row(label: str, rows: list[dict[str, object]], cols: list[_Col]) -> dict[str, object]:
    """A Jumlah/Subtotal row summing the numeric input columns of rows."""
    out: dict[str, object] = {"_total": label}
    for col in cols:
        if col.kind in ("count", "ha", "m"):
            vals = [r[col.key] for r in rows if isinstance(r.get(col.key), int | float)]
            out[col.key] = round(sum(vals), 2) if col.kind != "count" else int(sum(vals))
    return out


def _with_totals(
    rows: list[dict[str, object]], rts: list[SampleRT], layout: Layout, cols: list[_Col]
) -> list[dict[str, object]]:
    """RT rows with Subtotal rows after each RW but the last ("middle") or every RW ("both"),
    and a Jumlah row at the end ("end", "both")."""
    if layout.total_rows == "none":
        return rows
    out: list[dict[str, object]] = []
    group: list[dict[str, object]] = []
    for i, row in enumerate(rows):
        out.append(row)
        group.append(row)
        last_of_rw = i + 1 == len(rows) or rts[i + 1].rw != rts[i].rw
        is_last = i + 1 == len(rows)
        if last_of_rw and layout.total_rows in ("middle", "both") and (
            not is_last or layout.total_rows == "both"
        ):
            out.append(_total_row("Subtotal", group, cols))
            group = []
    if layout.total_rows in ("end", "both"):
        out.append(_total_row("Jumlah", rows, cols))
    return out


# ---------------------------------------------------------------------------------------------
# Defects


def _apply_defects(
    defects: Sequence[str],
    identity: dict[str, object],
    cols: list[_Col],
    rows: list[dict[str, object]],
    rng: random.Random,
) -> tuple[dict[str, object], list[_Col], list[dict[str, object]]]:
    """Identity, columns and rows with the named errors injected."""
    identity, rows = dict(identity), [dict(r) for r in rows]
    rt_rows = [r for r in rows if "_total" not in r]
    target = rt_rows[min(1, len(rt_rows) - 1)]
    vols = [c for c in criteria.criteria() if any(col.key == c.vol for col in cols)]
    for defect in defects:
        if defect == "nilai_negatif":
            c = rng.choice(vols)
            target[c.vol] = -(target[c.vol] or 3)
        elif defect == "bukan_angka":
            target[rng.choice(vols).vol] = "tidak tahu"
        elif defect == "kolom_hilang":
            c = rng.choice(vols)
            cols = [col for col in cols if col.key not in (c.vol, c.persen, c.nilai)]
        elif defect == "kode_tidak_dikenal":
            parts = str(identity["kode_kelurahan"]).split(".")
            identity["kode_kelurahan"] = ".".join([parts[0], parts[1], "99", parts[3]])
        elif defect == "rt_ganda":
            rows.insert(rows.index(target) + 1, dict(target))
        elif defect == "volume_melebihi_penyebut":
            c = next(c for c in vols if c.is_count)
            target[c.vol] = int(target[c.penyebut]) + rng.randint(1, 9)
        elif defect == "tahun_di_luar_rentang":
            identity["tahun"] = 2009
        elif defect == "bukan_bilangan_bulat":
            target["jumlah_kk"] = int(target["jumlah_kk"]) + 0.5
        else:
            raise ValueError(f"unknown defect {defect!r}")
    return identity, cols, rows


# ---------------------------------------------------------------------------------------------
# Writing


class _Sheet:
    """Writes cells of one worksheet following the layout's number conventions."""

    def __init__(self, wb: xlsxwriter.Workbook, ws, layout: Layout, rng: random.Random) -> None:
        self.ws, self.layout, self.rng = ws, layout, rng
        self.salt = layout.variant_seed
        self.conv = "en" if layout.numbers == "text_en" else "id"
        self.all_text = layout.numbers in ("text_id", "text_en")
        self.header = wb.add_format(
            {"bold": True, "align": "center", "valign": "vcenter", "text_wrap": True, "border": 1}
        )
        self.date = wb.add_format({"num_format": "dd/mm/yyyy"})
        self.whole = wb.add_format({"num_format": "0"})

    def coin(self, r: int, c: int, k: int = 0) -> float:
        """A uniform [0, 1) draw fixed by the cell, so one changed cell changes nothing else."""
        return zlib.crc32(b"%d:%d:%d:%d" % (self.salt, r, c, k)) / 2**32

    def head(self, r1: int, c1: int, r2: int, c2: int, text: str) -> None:
        if (r1, c1) == (r2, c2):
            self.ws.write_string(r1, c1, text, self.header)
        else:
            self.ws.merge_range(r1, c1, r2, c2, text, self.header)

    def value(self, r: int, c: int, col: _Col, v: object, *, force_text: bool = False) -> None:
        """One table cell: numeric, text in the file's convention, "-", unit text or formula."""
        if v is None or v == "":
            return
        if isinstance(v, str) or col.kind == "text":
            self.ws.write_string(r, c, str(v))
            return
        lay = self.layout
        is_input = col.kind in ("count", "ha", "m") and not col.key.startswith("x_")
        if lay.dash_for_zero and is_input and v == 0:
            self.ws.write_string(r, c, "-")
            return
        units = lay.trailing_units and col.key in criteria.denominators()
        mixed = lay.numbers == "mixed" and self.coin(r, c) < 0.2
        if self.all_text or units or mixed or force_text:
            text = format_number(float(v), self.conv)
            self.ws.write_string(r, c, f"{text} {col.unit}" if units else text)
        elif lay.formulas and col.kind == "count" and is_input and v >= 10 and (
            col.key in criteria.denominators() or self.coin(r, c, 1) < 0.3
        ):
            a = 1 + int(self.coin(r, c, 2) * (int(v) - 1))
            self.ws.write_formula(r, c, f"={a}+{int(v) - a}", None, v)
        else:
            self.ws.write_number(r, c, v)


def _write_identity(sh: _Sheet, top: int, identity: dict[str, object], layout: Layout) -> int:
    """Label/value pairs from row top; returns the next free row."""
    rng = sh.rng
    labels = {f.field: f.labels for f in criteria.identity_fields()}
    label_col = rng.choice((0, 0, 1))
    gap = rng.choice((1, 1, 2))
    colon = rng.random() < 0.4
    if layout.variant_seed == 0:
        label_col, gap, colon = 0, 1, False
    row = top
    for name in ("provinsi", "kabupaten", "kecamatan", "kelurahan", "kode_kelurahan", "tahun",
                 "tanggal_pendataan"):
        value = identity.get(name)
        if value is None:
            continue
        if name == "kabupaten":
            label = layout.kabupaten_label
        else:
            label = labels[name][0] if layout.variant_seed == 0 else rng.choice(labels[name])
        sh.ws.write_string(row, label_col, f"{label} :" if colon else label)
        vc = label_col + gap
        if name == "kode_kelurahan":
            kode = format_kode(str(value), layout.kode_format)
            if isinstance(kode, int):
                sh.ws.write_number(row, vc, kode, sh.whole)
            else:
                sh.ws.write_string(row, vc, kode)
        elif name == "tahun":
            sh.ws.write_number(row, vc, int(value))  # type: ignore[arg-type]
        elif isinstance(value, dt.date):
            sh.ws.write_datetime(row, vc, value, sh.date)
        else:
            sh.ws.write_string(row, vc, str(value))
        row += 1
    return row


def _runs(cols: list[_Col], key: Callable[[_Col], str | None]) -> list[tuple[int, int, str]]:
    """Contiguous column runs with the same non-None key: (first, last, key)."""
    runs: list[tuple[int, int, str]] = []
    for i, col in enumerate(cols):
        k = key(col)
        if k is None:
            continue
        if runs and runs[-1][2] == k and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i, k)
        else:
            runs.append((i, i, k))
    return runs


def _write_header(sh: _Sheet, top: int, cols: list[_Col]) -> int:
    """Group rows (if any) and the header row from row top; returns the header row index."""
    g = sh.layout.group_header_rows
    h = top + g
    for i, col in enumerate(cols):
        if col.group is None and g:
            sh.head(top, i, h, i, col.label)
        else:
            sh.head(h, i, h, i, col.label)
    if g == 2:
        title = _upper(sh.layout, "Volume Permasalahan Kekumuhan")
        for a, b, _ in _runs(cols, lambda c: "v" if c.group else None):
            sh.head(top, a, top, b, title)
    if g:
        for a, b, group in _runs(cols, lambda c: c.group):
            sh.head(h - 1, a, h - 1, b, _upper(sh.layout, group))
    return h


def _write_rows(sh: _Sheet, start: int, cols: list[_Col], rows: list[dict[str, object]]) -> int:
    """The RT and total rows from row start; returns the next free row."""
    label_col = next(i for i, c in enumerate(cols) if c.key in ("rt", "rt_rw"))
    r = start
    first_rt = True
    for row in rows:
        total = row.get("_total")
        for i, col in enumerate(cols):
            if total and i == label_col:
                sh.ws.write_string(r, i, str(total))
            else:
                force = first_rt and col.key == "luas_ha" and sh.layout.numbers == "mixed"
                sh.value(r, i, col, row.get(col.key), force_text=force)
        first_rt = first_rt and bool(total)
        r += 1
    return r


def _write_notes(sh: _Sheet, r: int, ncols: int, identity: dict[str, object]) -> None:
    """A blank row, a note and a signature block under the table."""
    r += 1
    sh.ws.write_string(r, 0, f"Catatan: data hasil verifikasi lapangan tahun {identity['tahun']}.")
    c = max(1, ncols - 4)
    lines = ("Mengetahui,", f"Lurah {identity['kelurahan']}", "", "", "( SUHARTONO, S.Sos )",
             "NIP. 19700312 199803 1 005")
    for i, line in enumerate(lines):
        if line:
            sh.ws.write_string(r + 2 + i, c, line)


def _local_rng(identity: dict[str, object], layout: Layout) -> random.Random:
    key = f"{identity.get('kode_kelurahan')}|{identity.get('tahun')}|{layout.variant_seed}"
    return random.Random(zlib.crc32(key.encode()))


def write_workbook(
    path: Path,
    identity: dict[str, object],
    rts: list[SampleRT],
    layout: Layout,
    *,
    defects: Sequence[str] = (),
) -> None:
    """Write one survey workbook (spec §2) of rts in layout, with the named errors injected.

    identity: provinsi, kabupaten, kecamatan, kelurahan (as the clerk writes them),
    kode_kelurahan (dotted), tahun, tanggal_pendataan (date or None).
    """
    rng = _local_rng(identity, layout)
    cols = _columns(layout, rng, any(rt.kawasan for rt in rts))
    pad = 3 if layout.variant_seed == 0 else rng.choice((3, 3, 2, 1))
    rows = [_rt_row(rt, i, layout, rng, pad) for i, rt in enumerate(rts)]
    rows = _with_totals(rows, rts, layout, cols)
    defect_rng = random.Random(layout.variant_seed + 1)
    written, cols, rows = _apply_defects(defects, identity, cols, rows, defect_rng)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": False})
    wb.set_properties({"created": FIXED_CREATED, "author": "Tim Fasilitator KOTAKU"})
    if layout.identity_sheet:
        ident = _Sheet(wb, wb.add_worksheet(layout.identity_sheet), layout, rng)
        ident.ws.write_string(0, 0, "IDENTITAS KELURAHAN/DESA")
        _write_identity(ident, 2, written, layout)
        ident.ws.set_column(0, 2, 22)
    sh = _Sheet(wb, wb.add_worksheet(layout.rt_sheet), layout, rng)
    sh.ws.write_string(0, 0, "REKAPITULASI DATA KEKUMUHAN TINGKAT RT")
    top = 2
    if not layout.identity_sheet:
        top = _write_identity(sh, 2, written, layout) + 1
    h = _write_header(sh, top, cols)
    if layout.numbering_row:
        h += 1
        for i in range(len(cols)):
            sh.ws.write_string(h, i, f"({i + 1})")
    end = _write_rows(sh, h + 1, cols, rows)
    if layout.notes_below:
        _write_notes(sh, end, len(cols), identity)
    sh.ws.set_column(0, len(cols) - 1, 11)
    wb.close()


