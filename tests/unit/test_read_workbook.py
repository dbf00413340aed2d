"""Reading real workbooks written with xlsxwriter (and a hand-made ODS) — spec §2."""

from __future__ import annotations

import datetime as dt
import io
import math
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
import xlsxwriter

from transforms.read import container
from transforms.read.cells import column_letter
from transforms.read.labels import match_column_label
from transforms.read.rt_table import CellProblem
from transforms.read.workbook import WorkbookRead, read_workbook
from transforms.sample import truth
from transforms.spec import criteria

BASE = list(criteria.denominators())
VOLUMES = [c.vol for c in criteria.criteria()]
NUMERIC = BASE + VOLUMES

#: The worked example of spec §4: rt, rw, six denominators, sixteen volumes.
EXAMPLE: list[tuple[str, str, list[float]]] = [
    (r.rt, r.rw, [float(r.values[c]) for c in NUMERIC]) for r in truth.worked_example()[1]
]

LABELS: dict[str, str] = {
    "no": "No",
    "rt": "RT",
    "rw": "RW",
    "rt_rw": "RT/RW",
    "kawasan": "Nama Kawasan",
    "luas_ha": "Luas (Ha)",
    "jumlah_bangunan": "Jumlah Bangunan (unit)",
    "jumlah_penduduk": "Jumlah Penduduk (jiwa)",
    "jumlah_kk": "Jumlah KK",
    "panjang_jalan_ideal_m": "Panjang Jalan Ideal (m)",
    "panjang_drainase_ideal_m": "Panjang Drainase Ideal (m)",
    **{c.vol: c.kode for c in criteria.criteria()},
}

IDENTITY = [
    ("Provinsi", "JAWA TENGAH"),
    ("Kabupaten/Kota", "Kota Pekalongan"),
    ("Kecamatan", "Pekalongan Barat"),
    ("Kelurahan/Desa", "Pasirkratonkramat"),
    ("Kode Wilayah", "33.75.01.1001"),
    ("Tahun", 2024),
    ("Tanggal Pendataan", dt.date(2024, 3, 12)),
]


# --------------------------------------------------------------------------- builders


@dataclass
class Table:
    """An RT table to write: column keys, rows of cell values keyed like the columns."""

    columns: list[str] = field(default_factory=lambda: ["no", "rt", "rw", "kawasan", *NUMERIC])
    rows: list[dict[str, Any]] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    group_rows: int = 1
    numbering_row: bool = False

    def label(self, key: str) -> str:
        return self.labels.get(key, LABELS.get(key, key))


def example_rows(**overrides: dict[str, Any]) -> list[dict[str, Any]]:
    """The worked example as row dicts (overrides by row index given as 'r0', 'r1' …)."""
    rows = []
    for i, (rt, rw, numbers) in enumerate(EXAMPLE):
        row: dict[str, Any] = {"no": i + 1, "rt": rt, "rw": rw, "kawasan": "Kawasan A"}
        row["rt_rw"] = f"{rt}/{rw}"
        row.update(zip(NUMERIC, numbers, strict=True))
        row.update(overrides.get(f"r{i}", {}))
        rows.append(row)
    return rows


def write_cell(ws: Any, r: int, c: int, value: Any, date_fmt: Any) -> None:
    """Write one value: numbers, text (always as text), dates, formulas ('=' tuples), None."""
    if value is None:
        return
    if isinstance(value, tuple) and value[0] == "formula":
        ws.write_formula(r, c, value[1], None, value[2])
    elif isinstance(value, dt.date):
        ws.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_fmt)
    elif isinstance(value, str):
        ws.write_string(r, c, value)
    else:
        ws.write_number(r, c, value)


def write_table(wb: Any, ws: Any, top: int, table: Table, date_fmt: Any) -> dict[str, Any]:
    """Write group rows, header, optional numbering row and data; returns positions."""
    header = top + table.group_rows
    aspects: dict[str, list[int]] = {}
    for c, key in enumerate(table.columns):
        kode = key.removeprefix("vol_")
        is_volume = key.startswith("vol_") and key != kode and table.group_rows
        if is_volume:
            aspects.setdefault(kode[0], []).append(c)
            ws.write_string(header, c, table.label(key))
        elif table.group_rows:
            ws.merge_range(top, c, header, c, table.label(key))
        else:
            ws.write_string(header, c, table.label(key))
    if table.group_rows:
        aspect_row = header - 1
        for number, cols in aspects.items():
            aspek = criteria.criteria()[0].aspek if number == "1" else "Aspek"
            title = f"{number}. Kondisi {aspek}"
            if len(cols) > 1:
                ws.merge_range(aspect_row, cols[0], aspect_row, cols[-1], title)
            else:
                ws.write_string(aspect_row, cols[0], title)
        if table.group_rows == 2 and aspects:
            first = min(min(v) for v in aspects.values())
            last = max(max(v) for v in aspects.values())
            ws.merge_range(top, first, top, last, "KRITERIA DAN INDIKATOR KEKUMUHAN")
    first_data = header + 1
    if table.numbering_row:
        for c in range(len(table.columns)):
            ws.write_string(first_data, c, f"({c + 1})")
        first_data += 1
    for i, row in enumerate(table.rows):
        for c, key in enumerate(table.columns):
            write_cell(ws, first_data + i, c, row.get(key), date_fmt)
    letters = {key: column_letter(c) for c, key in enumerate(table.columns)}
    return {"header_row": header + 1, "first_row": first_data + 1, "letters": letters}


def write_identity(ws: Any, top: int, pairs: Sequence[tuple[str, Any]], date_fmt: Any) -> None:
    """Identity label in column A, ':' in B, value in C, from row ``top``."""
    for i, (label, value) in enumerate(pairs):
        ws.write_string(top + i, 0, label)
        ws.write_string(top + i, 1, ":")
        write_cell(ws, top + i, 2, value, date_fmt)


def build(
    path: Path,
    table: Table | None = None,
    *,
    identity: Sequence[tuple[str, Any]] = IDENTITY,
    identity_sheet: str | None = "Identitas",
    rt_sheet: str = "Data RT",
    extra: Callable[[Any, Any], None] | None = None,
) -> dict[str, Any]:
    """Write a workbook: identity (own sheet or on top of the RT sheet) and an RT table."""
    table = table or Table(rows=example_rows())
    wb = xlsxwriter.Workbook(str(path))
    date_fmt = wb.add_format({"num_format": "dd/mm/yyyy"})
    if identity_sheet:
        ws_id = wb.add_worksheet(identity_sheet)
        ws_id.write_string(0, 0, "IDENTITAS KELURAHAN")
        write_identity(ws_id, 2, identity, date_fmt)
        ws = wb.add_worksheet(rt_sheet)
        ws.write_string(0, 0, "DATA KUMUH PER RT")
        top = 2
    else:
        ws = wb.add_worksheet(rt_sheet)
        ws.write_string(0, 0, "DATA KUMUH PER RT")
        write_identity(ws, 2, identity, date_fmt)
        top = 3 + len(identity)
    info = write_table(wb, ws, top, table, date_fmt)
    if extra:
        extra(wb, ws)
    wb.close()
    return info


def read(path: Path) -> WorkbookRead:
    return read_workbook(path, path.name)


def assert_example(result: WorkbookRead, first_row: int) -> None:
    """The rows equal the worked example, exactly, at consecutive Excel rows."""
    df = result.rows
    assert list(df["sumber_baris"]) == [first_row, first_row + 1, first_row + 2]
    assert list(df["rt"]) == [r[0] for r in EXAMPLE]
    assert list(df["rw"]) == [r[1] for r in EXAMPLE]
    for i, (_, _, numbers) in enumerate(EXAMPLE):
        assert [float(x) for x in df.loc[i, NUMERIC]] == [float(n) for n in numbers]


# --------------------------------------------------------------------------- basics


def test_column_letter() -> None:
    assert [column_letter(i) for i in (0, 1, 25, 26, 27, 51, 52, 701, 702)] == [
        "A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("RT", "rt"),
        ("No. RT", "rt"),
        ("Nama Ketua RT", None),
        ("RT/RW", "rt_rw"),
        ("Luas (Ha)", "luas_ha"),
        ("Luas Verifikasi (Ha)", "luas_ha"),
        ("Luas RT (Ha)", "luas_ha"),
        ("Luas Permukiman (Ha)", None),
        ("JUMLAH  KK", "jumlah_kk"),
        ("Panjang Jalan Lingkungan Ideal", "panjang_jalan_ideal_m"),
        ("1a", "vol_1a"),
        ("Vol 1a", "vol_1a"),
        ("Volume 1b", "vol_1b"),
        ("Vol. 2b", "vol_2b"),
        ("1a. Ketidakteraturan Bangunan (unit)", "vol_1a"),
        ("7B", "vol_7b"),
        ("1.a Ketidakteraturan Bangunan", "vol_1a"),
        ("Vol.4c", "vol_4c"),
        ("% 1a", "stored_persen_1a"),
        ("Persen 1a", "stored_persen_1a"),
        ("1a (%)", "stored_persen_1a"),
        ("Nilai 4c", "stored_nilai_4c"),
        ("Skor 1a", "stored_nilai_1a"),
        ("1a Nilai", "stored_nilai_1a"),
        ("Total Nilai", "stored_total_nilai"),
        ("Total Skor", "stored_total_nilai"),
        ("Tingkat", "stored_tingkat_kekumuhan"),
        ("Tingkat Kekumuhan", "stored_tingkat_kekumuhan"),
        ("1. Kondisi Bangunan Gedung", None),
        ("1. Aspek Bangunan", None),
        ("4. Kondisi Drainase", None),
        ("1d", None),
        ("8a", None),
        ("1ab", None),
        ("(1)", None),
        ("Keterangan", None),
    ],
)
def test_match_column_label(label: str, expected: str | None) -> None:
    assert match_column_label(label) == expected


@pytest.mark.parametrize("group_rows", [0, 1, 2])
def test_identity_sheet_and_group_headers(tmp_path: Path, group_rows: int) -> None:
    path = tmp_path / "wb.xlsx"
    info = build(path, Table(rows=example_rows(), group_rows=group_rows))
    result = read(path)
    assert result.terbaca and result.read_error is None
    assert result.size == path.stat().st_size and len(result.sha256) == 64
    assert result.rt_sheet == "Data RT"
    assert result.header_row == info["header_row"] == 3 + group_rows
    assert result.missing_columns == []
    assert result.problems == []
    assert result.convention is None
    assert result.identity == {
        "provinsi": "JAWA TENGAH",
        "kabupaten": "Kota Pekalongan",
        "kecamatan": "Pekalongan Barat",
        "kelurahan": "Pasirkratonkramat",
        "kode_kelurahan": "33.75.01.1001",
        "tahun": 2024,
        "tanggal_pendataan": dt.date(2024, 3, 12),
    }
    assert result.identity_cells["kelurahan"] == ("Identitas", "C6")
    assert result.identity_cells["tahun"] == ("Identitas", "C8")
    assert result.identity_raw["tahun"] == "2024"
    assert result.identity_raw["tanggal_pendataan"] == "2024-03-12"
    letters = info["letters"]
    assert result.columns == {k: letters[k] for k in ["rt", "rw", "kawasan", *NUMERIC]}
    assert_example(result, info["first_row"])
    assert list(result.rows["kawasan"]) == ["Kawasan A"] * 3
    assert list(result.rows.columns) == ["sumber_baris", "rt", "rw", "kawasan", *NUMERIC]
    assert str(result.rows["sumber_baris"].dtype) == "int64"
    assert all(str(result.rows[c].dtype) == "float64" for c in NUMERIC)


def test_identity_on_top_of_rt_sheet(tmp_path: Path) -> None:
    path = tmp_path / "wb.xlsx"
    identity = [
        ("Provinsi", "JAWA TIMUR"),
        ("Kab/Kota", "KAB. LUMAJANG"),
        ("Kecamatan :", "Lumajang"),
        ("Kelurahan", "Citrodiwangsan"),
        ("Kode Kelurahan", 3508071001),
        ("Tahun Pendataan", "2023"),
    ]
    info = build(path, identity=identity, identity_sheet=None, rt_sheet="Rekap RT")
    result = read(path)
    assert result.rt_sheet == "Rekap RT"
    assert result.identity["kabupaten"] == "KAB. LUMAJANG"
    assert result.identity["kecamatan"] == "Lumajang"
    assert result.identity["kode_kelurahan"] == "35.08.07.1001"
    assert result.identity_raw["kode_kelurahan"] == "3508071001"
    assert result.identity["tahun"] == 2023
    assert result.identity["tanggal_pendataan"] is None
    assert "tanggal_pendataan" not in result.identity_raw
    assert result.identity_cells["kode_kelurahan"] == ("Rekap RT", "C7")
    assert result.header_row == info["header_row"] == 11
    assert_example(result, info["first_row"])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (3375011001, "33.75.01.1001"),
        (3375011001.0, "33.75.01.1001"),
        ("3375011001", "33.75.01.1001"),
        ("33 75 01 1001", "33.75.01.1001"),
        ("33.75.01.1001", "33.75.01.1001"),
        (" 33.75.01.1001 ", "33.75.01.1001"),
        ("33.75.1.1001", "33.75.1.1001"),
        ("33.7501.1001", "33.7501.1001"),
        (337501100, "337501100"),
    ],
)
def test_kode_forms(tmp_path: Path, value: object, expected: str) -> None:
    path = tmp_path / "wb.xlsx"
    build(path, identity=[("Kode Wilayah :", value), ("Kelurahan/Desa", "X"), ("Tahun", 2024)])
    result = read(path)
    assert result.identity["kode_kelurahan"] == expected
    assert result.identity_cells["kode_kelurahan"] == ("Identitas", "C3")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2024, 3, 12), dt.date(2024, 3, 12)),
        ("12-03-2024", dt.date(2024, 3, 12)),
        ("12/03/2024", dt.date(2024, 3, 12)),
        ("2024-03-12", dt.date(2024, 3, 12)),
        ("12 Maret 2024", dt.date(2024, 3, 12)),
        ("1 Agustus 2023", dt.date(2023, 8, 1)),
        ("31/02/2024", None),
        ("besok", None),
    ],
)
def test_tanggal_forms(tmp_path: Path, value: object, expected: dt.date | None) -> None:
    path = tmp_path / "wb.xlsx"
    build(path, identity=[("Tanggal Pendataan", value), ("Tahun", "2024 (revisi)")])
    result = read(path)
    assert result.identity["tanggal_pendataan"] == expected
    assert result.identity["tahun"] is None
    assert result.identity_raw["tahun"] == "2024 (revisi)"


def test_identity_inline_and_missing(tmp_path: Path) -> None:
    def extra(wb: Any, ws: Any) -> None:
        ws_id = wb.get_worksheet_by_name("Identitas")
        ws_id.write_string(15, 3, "Kelurahan: Kauman")  # later duplicate: first wins

    path = tmp_path / "wb.xlsx"
    identity = [("1. Kelurahan: Sugihwaras", None), ("Kecamatan", None), ("Tahun", 2022)]
    build(path, identity=identity, extra=extra)
    result = read(path)
    assert result.identity["kelurahan"] == "Sugihwaras"
    assert result.identity_cells["kelurahan"] == ("Identitas", "A3")
    assert result.identity["kecamatan"] is None  # only a lone ":" follows the label
    assert result.identity["kode_kelurahan"] is None
    assert result.identity["tahun"] == 2022


# --------------------------------------------------------------------------- columns


def test_shuffled_columns_extras_and_label_variants(tmp_path: Path) -> None:
    columns = [
        "nama_ketua",
        "luas_permukiman",
        *reversed(VOLUMES),
        "keterangan",
        "jumlah_kk",
        "rw",
        "rt",
        "no",
        "panjang_drainase_ideal_m",
        "luas_ha",
        "panjang_jalan_ideal_m",
        "jumlah_penduduk",
        "jumlah_bangunan",
    ]
    labels = {
        "nama_ketua": "Nama Ketua RT",
        "luas_permukiman": "Luas Permukiman (Ha)",
        "keterangan": "Keterangan",
        "jumlah_kk": "JUMLAH KK",
        "luas_ha": "Luas Verifikasi (Ha)",
        "panjang_jalan_ideal_m": "Panjang Jalan Lingkungan Ideal",
        "rt": "No. RT",
        "vol_1a": "1a. Ketidakteraturan Bangunan (unit)",
        "vol_1b": "Vol 1b",
        "vol_1c": "Volume 1c",
        "vol_2b": "Vol. 2b",
        "vol_7b": "7B",
    }
    rows = example_rows()
    for row in rows:
        row.update(nama_ketua="Pak Budi", luas_permukiman=99.0, keterangan="ok")
    path = tmp_path / "wb.xlsx"
    info = build(path, Table(columns=columns, rows=rows, labels=labels, group_rows=0))
    result = read(path)
    letters = info["letters"]
    assert result.columns["rt"] == letters["rt"] == "V"  # not "Nama Ketua RT" in A
    assert result.columns["luas_ha"] == letters["luas_ha"] == "Y"  # not "Luas Permukiman" in B
    assert result.columns["vol_7b"] == "C" and result.columns["vol_1a"] == "R"
    assert result.missing_columns == []
    assert "kawasan" not in result.columns
    assert list(result.rows["kawasan"]) == [None, None, None]
    assert_example(result, info["first_row"])


def test_duplicate_label_first_wins(tmp_path: Path) -> None:
    rows = example_rows()
    for row in rows:
        row["dup"] = 999
    table = Table(columns=["rt", "rw", *NUMERIC, "dup"], rows=rows, labels={"dup": "Vol 1a"})
    path = tmp_path / "wb.xlsx"
    info = build(path, table)
    result = read(path)
    assert result.columns["vol_1a"] == info["letters"]["vol_1a"] == "I"
    assert_example(result, info["first_row"])


def test_missing_column(tmp_path: Path) -> None:
    columns = [c for c in ["rt", "rw", *NUMERIC] if c not in ("vol_4c", "jumlah_kk")]
    path = tmp_path / "wb.xlsx"
    build(path, Table(columns=columns, rows=example_rows()))
    result = read(path)
    assert result.missing_columns == ["jumlah_kk", "vol_4c"]
    assert result.rows["vol_4c"].isna().all() and result.rows["jumlah_kk"].isna().all()
    assert result.problems == []
    assert list(result.rows["vol_4b"]) == [450.0, 0.0, 1100.0]


def test_no_header_found(tmp_path: Path) -> None:
    path = tmp_path / "wb.xlsx"
    build(path, Table(columns=["no", "keterangan"], rows=[{"no": 1, "keterangan": "x"}]))
    result = read(path)
    assert result.terbaca
    assert result.rt_sheet == "Data RT"
    assert result.header_row is None
    assert result.columns == {}
    assert result.missing_columns == [
        "rt", "rw", "luas_ha", "jumlah_bangunan", "jumlah_penduduk", "jumlah_kk",
        "panjang_jalan_ideal_m", "panjang_drainase_ideal_m", *VOLUMES,
    ]  # fmt: skip
    assert len(result.rows) == 0
    assert list(result.rows.columns) == ["sumber_baris", "rt", "rw", "kawasan", *NUMERIC]
    assert result.identity["kelurahan"] == "Pasirkratonkramat"


def test_horizontal_group_title_is_not_a_column(tmp_path: Path) -> None:
    """A group title merged across columns is not the label of an empty header cell below it."""
    columns = ["rt", "rw", *(k for k in NUMERIC if k != "jumlah_kk"), "x1", "x2"]
    path = tmp_path / "wb.xlsx"

    def extra(wb: Any, ws: Any) -> None:
        last = len(columns) - 2
        ws.merge_range(1, last, 1, last + 1, "Jumlah KK")  # above two blank header cells

    table = Table(columns=columns, rows=example_rows(), labels={"x1": "", "x2": ""}, group_rows=0)
    build(path, table, extra=extra)
    result = read(path)
    assert result.header_row == 3
    assert result.missing_columns == ["jumlah_kk"]


def test_rt_sheet_chosen_by_header_when_names_do_not_say(tmp_path: Path) -> None:
    def extra(wb: Any, ws: Any) -> None:
        other = wb.add_worksheet("Catatan")
        other.write_string(0, 0, "Luas (Ha)")
        other.write_string(0, 1, "Keterangan")

    path = tmp_path / "wb.xlsx"
    info = build(path, rt_sheet="Lembar1", extra=extra)
    result = read(path)
    assert result.rt_sheet == "Lembar1"
    assert_example(result, info["first_row"])


# --------------------------------------------------------------------------- RT / RW


@pytest.mark.parametrize(
    "form",
    ["RT{rt}-RW{rw}", "RT {rt} RW {rw}", "{rt}/{rw}", "{rt}_{rw}", "RT.{rt}/RW.{rw}"],
)
def test_combined_rt_rw(tmp_path: Path, form: str) -> None:
    rows = example_rows()
    for row in rows:
        row["rt_rw"] = form.format(rt=row["rt"], rw=row["rw"])
    rows[1]["rt_rw"] = form.format(rt="06A", rw="2")
    path = tmp_path / "wb.xlsx"
    info = build(path, Table(columns=["no", "rt_rw", *NUMERIC], rows=rows))
    result = read(path)
    assert result.missing_columns == []
    assert result.columns["rt_rw"] == "B"
    assert list(result.rows["rt"]) == ["001", "006A", "003"]
    assert list(result.rows["rw"]) == ["002", "002", "003"]
    assert list(result.rows["sumber_baris"]) == [info["first_row"] + i for i in range(3)]
    assert result.problems == []


def test_rt_as_numbers_and_letter_suffix(tmp_path: Path) -> None:
    rows = example_rows(r0={"rt": 1.0, "rw": 2.0}, r1={"rt": "2a", "rw": "RW 02"})
    path = tmp_path / "wb.xlsx"
    build(path, Table(rows=rows))
    result = read(path)
    assert list(result.rows["rt"]) == ["001", "002A", "003"]
    assert list(result.rows["rw"]) == ["002", "002", "003"]


def test_empty_and_unreadable_rt_cell(tmp_path: Path) -> None:
    rows = example_rows(r0={"rt": None}, r2={"rt": "RT satu"})
    path = tmp_path / "wb.xlsx"
    info = build(path, Table(rows=rows))
    result = read(path)
    first = info["first_row"]
    assert list(result.rows["rt"]) == [None, "002", None]
    assert result.problems == [
        CellProblem("Data RT", first, "rt", f"B{first}", "", "kosong"),
        CellProblem("Data RT", first + 2, "rt", f"B{first + 2}", "RT satu", "bukan_angka"),
    ]


# --------------------------------------------------------------------------- values


def _as_text(rows: list[dict[str, Any]], values: dict[tuple[int, str], str]) -> None:
    for (i, key), text in values.items():
        rows[i][key] = text


def test_indonesian_text_numbers(tmp_path: Path) -> None:
    rows = example_rows()
    _as_text(
        rows,
        {
            (0, "luas_ha"): "1,25",
            (0, "jumlah_penduduk"): "540 jiwa",
            (1, "panjang_jalan_ideal_m"): "1.309",  # id file: thousands
            (1, "jumlah_penduduk"): "1.309",  # count: thousands anyway
            (2, "vol_1b"): "1,7 ha",
            (2, "vol_4b"): "1.100 m",
            (2, "jumlah_bangunan"): "210 unit",
        },
    )
    path = tmp_path / "wb.xlsx"
    build(path, Table(rows=rows))
    result = read(path)
    assert result.convention == "id"
    assert result.problems == []
    df = result.rows
    assert df.loc[0, "luas_ha"] == 1.25 and df.loc[0, "jumlah_penduduk"] == 540
    assert df.loc[1, "panjang_jalan_ideal_m"] == 1309 and df.loc[1, "jumlah_penduduk"] == 1309
    assert df.loc[2, "vol_1b"] == 1.7 and df.loc[2, "vol_4b"] == 1100
    assert df.loc[2, "jumlah_bangunan"] == 210


def test_english_text_numbers(tmp_path: Path) -> None:
    rows = example_rows()
    _as_text(
        rows,
        {
            (0, "luas_ha"): "1.25",
            (1, "panjang_jalan_ideal_m"): "1,309",  # en file: thousands
            (2, "vol_4a"): "1.309",  # en file: decimal
            (2, "jumlah_kk"): "1,230",
        },
    )
    path = tmp_path / "wb.xlsx"
    build(path, Table(rows=rows))
    result = read(path)
    assert result.convention == "en"
    assert result.problems == []
    df = result.rows
    assert df.loc[0, "luas_ha"] == 1.25
    assert df.loc[1, "panjang_jalan_ideal_m"] == 1309
    assert df.loc[2, "vol_4a"] == 1.309
    assert df.loc[2, "jumlah_kk"] == 1230


def test_ambiguous_without_settling_text(tmp_path: Path) -> None:
    rows = example_rows()
    _as_text(rows, {(1, "panjang_jalan_ideal_m"): "1.309", (1, "jumlah_kk"): "1.309"})
    path = tmp_path / "wb.xlsx"
    info = build(path, Table(rows=rows))
    result = read(path)
    letter = info["letters"]["panjang_jalan_ideal_m"]
    row = info["first_row"] + 1
    assert result.convention is None
    assert math.isnan(result.rows.loc[1, "panjang_jalan_ideal_m"])
    assert result.rows.loc[1, "jumlah_kk"] == 1309
    assert result.problems == [
        CellProblem("Data RT", row, "panjang_jalan_ideal_m", f"{letter}{row}", "1.309", "ambigu")
    ]


def test_dash_units_empty_and_text(tmp_path: Path) -> None:
    rows = example_rows(
        r0={"vol_3b": "-", "vol_1a": "92 unit", "vol_2a": " 200 m ", "vol_4a": "–"},
        r1={"vol_1b": None, "vol_2b": "tidak ada", "vol_1c": "12,5"},
    )
    path = tmp_path / "wb.xlsx"
    info = build(path, Table(rows=rows))
    result = read(path)
    df = result.rows
    assert df.loc[0, "vol_3b"] == 0 and df.loc[0, "vol_4a"] == 0
    assert df.loc[0, "vol_1a"] == 92 and df.loc[0, "vol_2a"] == 200
    assert math.isnan(df.loc[1, "vol_1b"]) and math.isnan(df.loc[1, "vol_2b"])
    assert df.loc[1, "vol_1c"] == 12.5  # not rejected here
    row = info["first_row"] + 1
    letters = info["letters"]
    assert result.convention == "id"
    assert result.problems == [
        CellProblem("Data RT", row, "vol_1b", f"{letters['vol_1b']}{row}", "", "kosong"),
        CellProblem(
            "Data RT", row, "vol_2b", f"{letters['vol_2b']}{row}", "tidak ada", "bukan_angka"
        ),
    ]


def test_formulas_and_error_values(tmp_path: Path) -> None:
    rows = example_rows(
        r0={"vol_1a": ("formula", "=40+52", 92)},
        r1={"vol_2b": ("formula", "=1/0", "#DIV/0!"), "vol_5a": ("formula", "=A1", "#REF!")},
        r2={"vol_7b": ("formula", "=NA()", "#N/A"), "luas_ha": "#VALUE!"},
    )
    path = tmp_path / "wb.xlsx"
    info = build(path, Table(rows=rows))
    result = read(path)
    letters = info["letters"]
    r1, r2 = info["first_row"] + 1, info["first_row"] + 2
    assert result.rows.loc[0, "vol_1a"] == 92
    assert math.isnan(result.rows.loc[1, "vol_2b"])
    assert result.problems == [
        CellProblem("Data RT", r1, "vol_2b", f"{letters['vol_2b']}{r1}", "#DIV/0!", "sel_error"),
        CellProblem("Data RT", r1, "vol_5a", f"{letters['vol_5a']}{r1}", "#REF!", "sel_error"),
        CellProblem("Data RT", r2, "luas_ha", f"{letters['luas_ha']}{r2}", "#VALUE!", "sel_error"),
        CellProblem("Data RT", r2, "vol_7b", f"{letters['vol_7b']}{r2}", "#N/A", "sel_error"),
    ]


def test_stored_columns(tmp_path: Path) -> None:
    columns = ["rt", "rw", *NUMERIC, "p1a", "n1a", "p7b", "n7b", "total", "tingkat"]
    labels = {
        "p1a": "% 1a",
        "n1a": "Nilai 1a",
        "p7b": "7b (%)",
        "n7b": "Skor 7b",
        "total": "Total Nilai",
        "tingkat": "Tingkat Kekumuhan",
    }
    rows = example_rows()
    stored = [
        ("76,67%", 5, 75.83, 3, 36, "Kumuh Ringan"),
        (13.33, 0, ("formula", "=75/75*100", 100), 5, 22, "Kumuh Ringan"),
        (80, 5, "#DIV/0!", None, 80, "Kumuh Berat"),
    ]
    for row, values in zip(rows, stored, strict=True):
        row.update(zip(["p1a", "n1a", "p7b", "n7b", "total", "tingkat"], values, strict=True))
    path = tmp_path / "wb.xlsx"
    build(path, Table(columns=columns, rows=rows, labels=labels))
    result = read(path)
    df = result.rows
    assert list(df.columns)[-6:] == [
        "stored_persen_1a", "stored_persen_7b", "stored_nilai_1a", "stored_nilai_7b",
        "stored_total_nilai", "stored_tingkat_kekumuhan",
    ]  # fmt: skip
    assert list(df["stored_persen_1a"]) == [76.67, 13.33, 80.0]
    assert list(df["stored_nilai_1a"]) == [5.0, 0.0, 5.0]
    assert list(df["stored_persen_7b"])[:2] == [75.83, 100.0]
    assert math.isnan(df.loc[2, "stored_persen_7b"]) and math.isnan(df.loc[2, "stored_nilai_7b"])
    assert list(df["stored_total_nilai"]) == [36.0, 22.0, 80.0]
    assert list(df["stored_tingkat_kekumuhan"]) == ["Kumuh Ringan", "Kumuh Ringan", "Kumuh Berat"]
    assert result.columns["stored_total_nilai"] == column_letter(len(NUMERIC) + 6)
    assert result.problems == []  # stored cells are only reconciled
    assert result.convention is None  # only the known numeric columns decide it


# --------------------------------------------------------------------------- rows


def test_total_rows_blank_rows_numbering_and_notes(tmp_path: Path) -> None:
    rows = example_rows()
    total = {"no": "Jumlah", **{k: 1.0 for k in NUMERIC}}
    subtotal = {"rt": "Sub Total", **{k: 2.0 for k in NUMERIC}}
    notes = {"no": "Catatan: data hasil verifikasi lapangan", "kawasan": "Mengetahui,"}
    signature = {"kawasan": "Lurah Pasirkratonkramat", "vol_7b": "(________)"}
    late = {"rt": "009", "rw": "009", **{k: 3.0 for k in NUMERIC}}
    body = [
        rows[0],
        {},
        subtotal,
        rows[1],
        {"no": "Rata-rata", **{k: 1.0 for k in NUMERIC}},
        rows[2],
        {"no": "JUMLAH TOTAL", **{k: 4.0 for k in NUMERIC}},
        {"rt": "TOTAL KELURAHAN", **{k: 4.0 for k in NUMERIC}},
        total,
        {},
        notes,
        signature,
        late,
    ]
    path = tmp_path / "wb.xlsx"
    info = build(path, Table(rows=body, numbering_row=True))
    result = read(path)
    first = info["first_row"]
    assert info["first_row"] == info["header_row"] + 2
    assert list(result.rows["sumber_baris"]) == [first, first + 3, first + 5]
    assert list(result.rows["rt"]) == ["001", "002", "003"]
    assert result.problems == []


def test_row_without_rt_but_with_numbers_is_kept(tmp_path: Path) -> None:
    rows = example_rows(r1={"rt": None, "rw": None, "no": None})
    path = tmp_path / "wb.xlsx"
    info = build(path, Table(rows=rows))
    result = read(path)
    row = info["first_row"] + 1
    assert list(result.rows["rt"]) == ["001", None, "003"]
    assert [(p.kolom, p.sel, p.masalah) for p in result.problems] == [
        ("rt", f"B{row}", "kosong"),
        ("rw", f"C{row}", "kosong"),
    ]


def test_row_with_rt_but_no_numbers_is_kept(tmp_path: Path) -> None:
    rows = example_rows()
    rows.insert(1, {"rt": "004", "rw": "002"})
    path = tmp_path / "wb.xlsx"
    info = build(path, Table(rows=rows))
    result = read(path)
    assert list(result.rows["rt"]) == ["001", "004", "002", "003"]
    assert result.rows.loc[1, NUMERIC].isna().all()
    assert len(result.problems) == len(NUMERIC)
    assert {p.masalah for p in result.problems} == {"kosong"}
    assert {p.baris for p in result.problems} == {info["first_row"] + 1}


# --------------------------------------------------------------------------- bad files


def test_csv_renamed_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "data.xlsx"
    path.write_text("RT,RW,Luas\n001,002,1.25\n", encoding="utf-8")
    result = read(path)
    assert not result.terbaca
    assert result.read_error is not None
    assert result.read_error == "Berkas ini berisi teks CSV, bukan workbook Excel/ODS"
    assert result.read_error_code == "bukan_workbook"
    assert result.size == path.stat().st_size and len(result.sha256) == 64
    assert result.identity == {f.field: None for f in criteria.identity_fields()}
    assert len(result.rows) == 0


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "kosong.xlsx"
    path.write_bytes(b"")
    result = read(path)
    assert not result.terbaca
    assert result.read_error == "Berkas kosong (0 byte)."
    assert result.size == 0


def test_corrupt_zip_and_missing_file(tmp_path: Path) -> None:
    good = tmp_path / "good.xlsx"
    build(good)
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(good.read_bytes()[:500])
    assert not read(bad).terbaca
    missing = read_workbook(tmp_path / "none.xlsx", "none.xlsx")
    assert not missing.terbaca
    assert missing.read_error is not None and missing.read_error.startswith("Berkas tidak dapat")


# --------------------------------------------------------------------------- caps


@pytest.mark.parametrize(
    ("cap", "value", "detail"),
    [
        ("MAX_SHEET_CELLS", 50, "sel"),
        ("MAX_BOOK_CELLS", 200, "seluruh sheet"),
        ("MAX_UNCOMPRESSED_BYTES", 5_000, "mengembang"),
        ("MAX_FILE_BYTES", 1_000, "ukurannya"),
        ("MAX_ZIP_MEMBERS", 3, "bagian"),
    ],
)
def test_caps_reject_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cap: str, value: int, detail: str
) -> None:
    path = tmp_path / "wb.xlsx"
    build(path)
    assert read(path).terbaca
    monkeypatch.setattr(container, cap, value)
    result = read(path)
    assert not result.terbaca and result.read_error_code == "berkas_terlalu_besar"
    assert result.read_error is not None and detail in result.read_error
    assert len(result.sha256) == 64 and result.size == path.stat().st_size


@pytest.mark.parametrize("declared", [None, 10])
def test_bomb_in_a_part_the_reader_never_parses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, declared: int | None
) -> None:
    """A member no reader step parses is still measured once its compressed size could
    inflate past the cap, whatever size its header declares."""
    path = tmp_path / "wb.xlsx"
    build(path)
    monkeypatch.setattr(container, "MAX_UNCOMPRESSED_BYTES", path.stat().st_size * 40)
    assert read(path).terbaca  # the whole workbook is under the cap
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("docProps/bomb.xml", b"\0" * (path.stat().st_size * 60))
    if declared is not None:  # the central directory claims a tiny uncompressed size
        data = path.read_bytes()
        at = data.rfind(b"PK\x01\x02") + 24  # the last entry's uncompressed size
        path.write_bytes(data[:at] + declared.to_bytes(4, "little") + data[at + 4:])
    result = read(path)
    assert not result.terbaca and result.read_error_code == "berkas_terlalu_besar"
    assert result.read_error is not None and "mengembang" in result.read_error


@pytest.mark.parametrize(
    ("xml", "cells"),
    [
        (b'<row r="2"><c r="B2"><v>1</v></c><c r="D2" t="s"><v>0</v></c></row>', 2 * 4),
        (b'<row r="1"><c r="A1"><v>1</v></c></row><row r="9"><c r="AA9" s="1"/></row>', 9 * 27),
        (b'<x:row r="3"><x:c r="C3"><x:v>1</x:v></x:c></x:row>', 3 * 3),
        (b"<row><c><v>1</v></c><c><v>2</v></c></row><row><c><v>3</v></c></row>", 2 * 2),
        (b'<row r="5"><c s="1"><v>1</v></c><c r="E5"><v>1</v></c><c><v>1</v></c></row>', 5 * 6),
    ],
)
def test_xlsx_grid_size_from_xml(xml: bytes, cells: int) -> None:
    assert container.xlsx_grid_cells(xml) == cells


def test_far_away_styled_empty_cell_does_not_count() -> None:
    xml = b'<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576" s="2"/></row>'
    assert container.xlsx_grid_cells(xml) == 1


def test_ods_grid_size_ignores_empty_trailing_repeats() -> None:
    rows = (
        '<table:table-row><table:table-cell office:value-type="float" office:value="1">'
        "<text:p>1</text:p></table:table-cell><table:table-cell/>"
        '<table:table-cell office:value-type="string"><text:p>a</text:p></table:table-cell>'
        '<table:table-cell table:number-columns-repeated="1020"/></table:table-row>'
        '<table:table-row table:number-rows-repeated="1048570">'
        '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
    )
    content = (
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body>'
        f'<office:spreadsheet><table:table table:name="T">{rows}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    assert container.ods_grid_cells(content.encode()) == {"T": 3}


@pytest.mark.parametrize(
    ("data", "code", "says"),
    [
        (b"", "berkas_kosong", "kosong"),
        (b"RT;RW;Luas\n001;002;1,5\n", "bukan_workbook", "CSV"),
        (b"<!DOCTYPE html><html><body><table><tr><td>1</td></tr></table>", "bukan_workbook",
         "HTML"),
        ("RT\tRW\n1\t2\n".encode("utf-16"), "bukan_workbook", "CSV"),
        (b"%PDF-1.7 ...", "bukan_workbook", "PDF"),
        (b"\x00\x01\x02\x03" * 300, "bukan_workbook", "biner"),
        (b"PK\x03\x04" + b"\x00" * 100, "berkas_rusak", "zip"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "berkas_rusak", "diurai"),
    ],
)
def test_not_a_workbook_says_what_it_is(tmp_path: Path, data: bytes, code: str, says: str) -> None:
    path = tmp_path / "wb.xlsx"
    path.write_bytes(data)
    result = read(path)
    assert not result.terbaca and result.read_error_code == code
    assert result.read_error is not None and says in result.read_error


def test_xlsm_extension(tmp_path: Path) -> None:
    path = tmp_path / "wb.xlsm"
    info = build(path)
    assert_example(read(path), info["first_row"])


# --------------------------------------------------------------------------- ODS


def _ods_cell(value: Any) -> str:
    if value is None:
        return "<table:table-cell/>"
    if value == "ERR":
        return (
            '<table:table-cell table:formula="of:=1/0" office:value-type="float" '
            'office:value="0" calcext:value-type="error"><text:p>#DIV/0!</text:p>'
            "</table:table-cell>"
        )
    if isinstance(value, int | float):
        return (
            f'<table:table-cell office:value-type="float" office:value="{value}">'
            f"<text:p>{value}</text:p></table:table-cell>"
        )
    return (
        f'<table:table-cell office:value-type="string"><text:p>{escape(value)}</text:p>'
        "</table:table-cell>"
    )


def write_ods(path: Path, sheets: dict[str, list[list[Any]]]) -> None:
    """A minimal OpenDocument spreadsheet (no ODS writer is installed)."""
    tables = "".join(
        f'<table:table table:name="{escape(name)}">'
        + "".join(
            "<table:table-row>" + "".join(_ods_cell(v) for v in row) + "</table:table-row>"
            for row in rows
        )
        + "</table:table>"
        for name, rows in sheets.items()
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" '
        'office:version="1.2"><office:body><office:spreadsheet>'
        f"{tables}</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        zf.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    path.write_bytes(buffer.getvalue())


def test_ods(tmp_path: Path) -> None:
    header = ["RT/RW", *(LABELS[k] for k in NUMERIC)]
    body = [[f"{rt}/{rw}", *numbers] for rt, rw, numbers in EXAMPLE]
    body[1][1 + NUMERIC.index("vol_2b")] = "ERR"
    body[2][1 + NUMERIC.index("luas_ha")] = "2,10"
    identity = [["Kelurahan", ":", "Kauman"], ["Kode Desa", "33 75 01 1001"], ["Tahun", 2021]]
    path = tmp_path / "wb.ods"
    write_ods(path, {"Cover": identity, "Rekap RT": [[None], ["DATA RT"], header, *body]})
    result = read(path)
    assert result.terbaca
    assert result.identity["kelurahan"] == "Kauman"
    assert result.identity["kode_kelurahan"] == "33.75.01.1001"
    assert result.identity_cells["kode_kelurahan"] == ("Cover", "B2")
    assert result.header_row == 3
    assert result.convention == "id"
    assert list(result.rows["sumber_baris"]) == [4, 5, 6]
    assert list(result.rows["rt"]) == ["001", "002", "003"]
    assert result.rows.loc[2, "luas_ha"] == 2.1
    sel = f"{column_letter(1 + NUMERIC.index('vol_2b'))}5"
    assert result.problems == [CellProblem("Rekap RT", 5, "vol_2b", sel, "#DIV/0!", "sel_error")]


def test_a_number_memo_emptied_mid_table_reads_the_same(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Reads in the flow's threads share the number memo, emptied when it grows past its
    size: a table whose column needs a cell-by-cell read (an empty cell beside texts) reads
    the same when another table's read empties the memo between its vote and its parse."""
    from transforms.read import rt_table

    rows = example_rows(r0={"vol_1c": "12,5", "vol_2a": "7,25"}, r1={"vol_1c": None})
    path = tmp_path / "wb.xlsx"
    build(path, Table(rows=rows))
    expected = read(path)
    voted = rt_table.TableReader._detect_convention

    def vote_then_empty(self, columns):  # another thread's table empties the memo here
        winner = voted(self, columns)
        rt_table._READINGS.clear()
        return winner

    monkeypatch.setattr(rt_table.TableReader, "_detect_convention", vote_then_empty)
    again = read(path)
    assert again.rows.equals(expected.rows) and again.problems == expected.problems
    assert again.rows.loc[0, "vol_1c"] == 12.5 and again.rows.loc[0, "vol_2a"] == 7.25
