"""The official Form Data RT (spec §2b): real forms read exactly, generated forms read back to
their ground truth, region code from names, survey dates, scores against an independent
computation of spec §3."""

from __future__ import annotations

import datetime as dt
import math
import random
import re
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from transforms.assess import findings, reconcile
from transforms.indicators import scoring
from transforms.read import batch
from transforms.read.rt_form import FormRead, form_sheet, form_sheets, parse_survey_date
from transforms.read.sheets import _xlsx_sheet_paths
from transforms.read.workbook import WorkbookRead, read_workbook
from transforms.sample import rt_forms, truth, workbooks
from transforms.spec import criteria, names_to_code, reference

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "form-data-rt"
XLSX = FIXTURES / "Form Data RT Rejosari RT001-RW002.xlsx"
XLS = FIXTURES / "Form Data RT Rejosari (format lama).xls"
REFERENCE = ROOT / "data" / "reference" / "wilayah"
FORM = "Kekumuhan Awal_RT"
REKAP = "C. Rekap data RT (logbook SIM)"
READABLE_SHEETS = {"Cover", FORM, REKAP}


#: What both real forms hold (one RT of Desa Rejosari, 25 October 2021).
REAL_VOLUMES = {"1a": 0, "1b": 0, "1c": 5, "2a": 300, "2b": 685, "3a": 0, "3b": 0, "4a": 0,
                "4b": 1000, "4c": 0, "5a": 0, "5b": 0, "6a": 40, "6b": 40, "7a": 0, "7b": 40}
REAL_DENOMINATORS = {"luas_ha": 0.8, "jumlah_bangunan": 40, "jumlah_penduduk": 131,
                     "jumlah_kk": 40, "panjang_jalan_ideal_m": 985,
                     "panjang_drainase_ideal_m": 1050}
REAL_NILAI = {"1a": 0, "1b": 0, "1c": 0, "2a": 1, "2b": 3, "3a": 0, "3b": 0, "4a": 0, "4b": 5,
              "4c": 0, "5a": 0, "5b": 0, "6a": 5, "6b": 5, "7a": 0, "7b": 5}
#: The rows of the 16 criteria on the real form's Kekumuhan Awal_RT sheet.
REAL_ROWS = {"1a": 14, "1b": 15, "1c": 16, "2a": 18, "2b": 19, "3a": 21, "3b": 22, "4a": 24,
             "4b": 25, "4c": 26, "5a": 28, "5b": 29, "6a": 31, "6b": 32, "7a": 34, "7b": 35}
SUGGESTION = "Kecamatan Polokarto ada di Kabupaten Sukoharjo, bukan Boyolali: 33.11.07.2011?"


@pytest.fixture(scope="module")
def ref() -> reference.Reference:
    return reference.Reference(REFERENCE)


def _read(path: Path) -> FormRead:
    read = read_workbook(path, path.name)
    assert isinstance(read, FormRead), read.read_error
    return read


# --------------------------------------------------------------------------- independent §3


def _independent_scores(values: dict[str, float]) -> dict[str, object]:
    """Spec §3 computed here in decimal arithmetic, from the spec's text (not its module)."""
    penyebut = {"1a": "jumlah_bangunan", "1b": "luas_ha", "1c": "jumlah_bangunan",
                "2a": "panjang_jalan_ideal_m", "2b": "panjang_jalan_ideal_m",
                "3a": "jumlah_kk", "3b": "jumlah_kk", "4a": "luas_ha",
                "4b": "panjang_drainase_ideal_m", "4c": "panjang_drainase_ideal_m",
                "5a": "jumlah_kk", "5b": "jumlah_kk", "6a": "jumlah_kk", "6b": "jumlah_kk",
                "7a": "jumlah_bangunan", "7b": "jumlah_bangunan"}
    out: dict[str, object] = {}
    total = 0
    for kode, den_name in penyebut.items():
        vol = Decimal(repr(float(values[f"vol_{kode}"])))
        den = Decimal(repr(float(values[den_name])))
        f = Decimal(0) if den == 0 else (vol / den).quantize(Decimal("1e-9"))
        nilai = (5 if f >= Decimal("0.75995") else 3 if f >= Decimal("0.50995")
                 else 1 if f >= Decimal("0.24995") else 0)
        out[f"nilai_{kode}"] = nilai
        total += nilai
    out["total_nilai"] = total
    out["tingkat_kekumuhan"] = ("Kumuh Berat" if total >= 60 else "Kumuh Sedang" if total >= 38
                                else "Kumuh Ringan" if total >= 16 else "Tidak Kumuh")
    return out


def _assert_scored_like_independent(rows) -> None:
    scored = scoring.score(rows)
    for i in range(len(rows)):
        expected = _independent_scores(rows.iloc[i].to_dict())
        got = {k: scored.iloc[i][k] for k in expected}
        assert {k: (int(v) if k != "tingkat_kekumuhan" else v) for k, v in got.items()} == expected


# --------------------------------------------------------------------------- the real forms


@pytest.mark.parametrize("path, rw", [(XLSX, "002"), (XLS, "007")], ids=["xlsx", "xls"])
def test_real_form_reads_exactly(path: Path, rw: str) -> None:
    read = _read(path)
    assert read.terbaca and read.problems == [] and read.missing_columns == []
    assert read.rt_sheet == FORM and read.header_row == 13
    row = read.rows.iloc[0]
    assert len(read.rows) == 1 and (row["rt"], row["rw"], row["kawasan"]) == ("001", rw, None)
    assert {k: row[f"vol_{k}"] for k in REAL_VOLUMES} == REAL_VOLUMES
    assert {k: row[k] for k in REAL_DENOMINATORS} == REAL_DENOMINATORS
    assert read.jumlah_krt == 40
    assert row["stored_total_nilai"] == 24 and row["stored_tingkat_kekumuhan"] == "KUMUH RINGAN"
    assert {k: row[f"stored_nilai_{k}"] for k in REAL_NILAI} == REAL_NILAI
    assert row["stored_persen_2a"] == pytest.approx(100 * 300 / 985)
    assert read.identity == {
        "provinsi": "JAWA TENGAH", "kabupaten": "BOYOLALI", "kecamatan": "POLOKARTO",
        "kelurahan": "REJOSARI", "kode_kelurahan": None, "tahun": 2021,
        "tanggal_pendataan": dt.date(2021, 10, 25)}
    assert read.identity_cells["kabupaten"] == ("Cover", "F18")
    assert read.identity_cells["tahun"] == ("Cover", "F22")  # the year comes from the date


@pytest.mark.parametrize("path", [XLSX, XLS], ids=["xlsx", "xls"])
def test_real_form_names_every_cell(path: Path) -> None:
    cells = _read(path).cells
    for kode, r in REAL_ROWS.items():
        assert cells[f"vol_{kode}"] == f"{FORM}!C{r}"
        assert cells[f"stored_persen_{kode}"] == f"{FORM}!E{r}"
        assert cells[f"stored_nilai_{kode}"] == f"{FORM}!F{r}"
    assert {k: cells[k] for k in (*REAL_DENOMINATORS, "jumlah_krt", "rt", "tanggal_pendataan",
                                  "stored_total_nilai", "stored_tingkat_kekumuhan")} == {
        "luas_ha": f"{FORM}!E3", "jumlah_krt": f"{FORM}!E4", "jumlah_bangunan": f"{FORM}!E5",
        "jumlah_penduduk": f"{FORM}!E6", "jumlah_kk": f"{FORM}!E7",
        "panjang_jalan_ideal_m": f"{REKAP}!D33", "panjang_drainase_ideal_m": f"{REKAP}!D50",
        "rt": "Cover!F21", "tanggal_pendataan": "Cover!F22",
        "stored_total_nilai": f"{FORM}!F37", "stored_tingkat_kekumuhan": f"{FORM}!F39"}


@pytest.mark.parametrize("path", [XLSX, XLS], ids=["xlsx", "xls"])
def test_real_form_never_reads_household_sheets(path: Path) -> None:
    read = _read(path)
    assert set(read.sheets_read) == READABLE_SHEETS
    # the manual note beside the table quotes (masked) residents' names: never read either
    assert "xxxx" not in repr(read).lower() and "xxxx" not in read.rows.to_string().lower()


def test_real_form_scores_and_reconciles(tmp_path: Path) -> None:
    read = _read(XLSX)
    scored = scoring.score(read.rows).iloc[0]
    assert {k: int(scored[f"nilai_{k}"]) for k in REAL_NILAI} == REAL_NILAI
    assert (scored["total_nilai"], scored["tingkat_kekumuhan"]) == (24, "Kumuh Ringan")
    _assert_scored_like_independent(read.rows)
    together = batch.combine([read, _read(XLS)])
    assert reconcile.stored_disagreements(scoring.score(together.rows), together.letters) == []


def test_real_form_kabupaten_slip_is_told_with_the_suggestion(ref: reference.Reference) -> None:
    read = _read(XLSX)
    ident = read.identity
    match = names_to_code.code_from_names(ref, ident["kabupaten"], ident["kecamatan"],
                                          ident["kelurahan"], ident["provinsi"])
    assert not match.ok and match.kandidat == () and match.saran_kode == "33.11.07.2011"
    assert match.saran == SUGGESTION and match.kolom == "kabupaten"
    sheet, cell = read.identity_cells[match.kolom]
    finding = findings.make("kode_dari_nama", wb=0, sumber_file=read.sumber_file,
                            sha256=read.sha256, sheet=sheet, kolom="kode_kelurahan",
                            nilai=ident["kabupaten"], sel=f"{sheet}!{cell}", **match.fields())
    assert finding.keparahan == "error"
    assert finding.pesan == (
        "Kode wilayah tidak dapat ditentukan dari nama wilayah (Cover!F18): Kabupaten "
        "'BOYOLALI', Kecamatan 'POLOKARTO', Kelurahan/Desa 'REJOSARI' tidak cocok dengan satu "
        f"pun kelurahan/desa dalam daftar wilayah Kemendagri. {SUGGESTION} Perbaiki nama "
        "wilayah di sheet Cover, atau tambahkan baris 'Kode Wilayah' di Cover berisi kode "
        "Kemendagri kelurahan/desa (10 digit, contoh 33.75.01.1001).")


def _sheet_path(zf: zipfile.ZipFile, sheet: str) -> str:
    """The XML part of a sheet of an .xlsx."""
    rels = zf.read("xl/_rels/workbook.xml.rels")
    return _xlsx_sheet_paths(zf.read("xl/workbook.xml"), rels)[sheet]


def _edit_sheet(src: Path, dst: Path, sheet: str, cells: dict[str, str]) -> Path:
    """A copy of a real .xlsx form with cells of one sheet replaced: by inline text, or by the
    given ``<c>`` element (everything else, formulas and cached values, byte for byte)."""
    with zipfile.ZipFile(src) as zin:
        part = _sheet_path(zin, sheet)
        xml = zin.read(part).decode()
        for ref_, text in cells.items():
            new = text if text.startswith("<c ") else (
                f'<c r="{ref_}" t="inlineStr"><is><t>{text}</t></is></c>')
            own = re.compile(rf'<c r="{ref_}"[^>]*?(?:/>|>.*?</c>)')
            if own.search(xml):
                xml = own.sub(new, xml, count=1)
                continue
            row = re.search(rf'<row r="{ref_.lstrip("ABCDEFGHIJK")}"[^>]*>(.*?)</row>', xml)
            assert row is not None
            later = next(m for m in re.finditer(r'<c r="([A-Z]+)', row.group(1))
                         if m.group(1) > re.sub(r"\d", "", ref_))
            at = row.start(1) + later.start()
            xml = xml[:at] + new + xml[at:]
        with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
            for item in zin.infolist():
                zout.writestr(item, xml.encode() if item.filename == part else zin.read(item))
    return dst


def test_kode_wilayah_on_the_cover_wins_and_names_are_only_checked(
        tmp_path: Path, ref: reference.Reference) -> None:
    path = _edit_sheet(XLSX, tmp_path / XLSX.name, "Cover",
                       {"D23": "Kode Wilayah", "E23": ":", "F23": "3311072011"})
    read = _read(path)
    assert read.identity["kode_kelurahan"] == "33.11.07.2011"
    assert read.cells["kode_kelurahan"] == "Cover!F23"
    assert {k: read.rows.iloc[0][f"vol_{k}"] for k in REAL_VOLUMES} == REAL_VOLUMES
    frame = batch.with_reference(batch.combine([read]).workbooks, ref).iloc[0]
    assert bool(frame["kode_dikenal"])
    assert (frame["nama_kabupaten_cocok"], frame["nama_kecamatan_cocok"],
            frame["nama_kelurahan_cocok"]) == (False, True, True)  # Boyolali: a warning only


def test_right_kabupaten_on_the_cover_finds_the_code(tmp_path: Path,
                                                     ref: reference.Reference) -> None:
    read = _read(_edit_sheet(XLSX, tmp_path / XLSX.name, "Cover", {"F18": "SUKOHARJO"}))
    ident = read.identity
    assert ident["kabupaten"] == "SUKOHARJO"
    match = names_to_code.code_from_names(ref, ident["kabupaten"], ident["kecamatan"],
                                          ident["kelurahan"], ident["provinsi"])
    assert match.ok and match.kode == "33.11.07.2011" and match.saran == ""


def test_error_values_on_the_real_form_are_problems_at_their_cells(tmp_path: Path) -> None:
    """A denominator or volume formula that fails (``#DIV/0!``, ``#REF!``) is a ``sel_error``
    problem at its own cell, never a silent zero or an empty value."""
    path = _edit_sheet(XLSX, tmp_path / XLSX.name, FORM, {
        "E7": '<c r="E7" t="e"><f>1/0</f><v>#DIV/0!</v></c>',
        "C25": '<c r="C25" t="e"><f>#REF!</f><v>#REF!</v></c>'})
    read = _read(path)
    assert [(p.kolom, f"{p.sheet}!{p.sel}", p.isi_sel, p.masalah) for p in read.problems] == [
        ("jumlah_kk", f"{FORM}!E7", "#DIV/0!", "sel_error"),
        ("vol_4b", f"{FORM}!C25", "#REF!", "sel_error")]
    row = read.rows.iloc[0]
    assert math.isnan(row["jumlah_kk"]) and math.isnan(row["vol_4b"])
    assert row["vol_2b"] == 685


# --------------------------------------------------------------------------- names → code


@pytest.mark.parametrize("kab, kec, kel, kode", [
    ("Kota Pekalongan", "Pekalongan Barat", "Podosugih", "33.75.01.1003"),
    ("KOTA PEKALONGAN", "Kec. Pekalongan Barat", "Kel. PODOSUGIH", "33.75.01.1003"),
    ("Kab. Sukoharjo", "Polokarto", "Desa Rejosari", "33.11.07.2011"),
])
def test_names_find_exactly_one_village(ref, kab: str, kec: str, kel: str, kode: str) -> None:
    assert names_to_code.code_from_names(ref, kab, kec, kel).kode == kode


def test_names_of_the_wrong_kind_of_regency_are_not_taken(ref) -> None:
    match = names_to_code.code_from_names(ref, "Kab. Pekalongan", "Pekalongan Barat",
                                          "Podosugih", "Jawa Tengah")
    assert match.kode is None and match.saran_kode == "33.75.01.1003"
    assert match.saran == ("Kecamatan Pekalongan Barat ada di Kota Pekalongan, bukan "
                           "Kabupaten Pekalongan: 33.75.01.1003?")


def test_names_that_fit_several_or_none_give_no_code(ref) -> None:
    v = ref.villages
    dup = v[v.duplicated(["kode_kecamatan", "nama_kelurahan"], keep=False)].iloc[0]
    several = names_to_code.code_from_names(ref, dup["nama_kabupaten"], dup["nama_kecamatan"],
                                            dup["nama_kelurahan"])
    assert several.kode is None and len(several.kandidat) >= 2 and several.saran == ""
    assert several.sebab.startswith(f"cocok dengan {len(several.kandidat)} kelurahan/desa")
    none = names_to_code.code_from_names(ref, "Sukoharjo", "Polokarto", "Rejosarii")
    assert none.kode is None and none.saran_kode is None and none.kolom == "kelurahan"
    missing = names_to_code.code_from_names(ref, None, "Polokarto", "Rejosari", "JAWA TENGAH")
    assert missing.sebab == "tidak lengkap (nama kabupaten kosong)"
    assert missing.saran == "Kecamatan Polokarto ada di Kabupaten Sukoharjo: 33.11.07.2011?"


# --------------------------------------------------------------------------- survey dates


@pytest.mark.parametrize("value, expected", [
    ("25 OKTOBER 2021", dt.date(2021, 10, 25)),
    ("25-10-2021", dt.date(2021, 10, 25)),
    ("25/10/2021", dt.date(2021, 10, 25)),
    ("2021-10-25", dt.date(2021, 10, 25)),
    ("Oktober 2021", dt.date(2021, 10, 1)),
    ("OKTOBER, 2021", dt.date(2021, 10, 1)),
    ("nopember 2021", dt.date(2021, 11, 1)),
    ("25 Okt 2021", dt.date(2021, 10, 25)),
    ("25-Okt-2021", dt.date(2021, 10, 25)),
    ("Senin, 25 Oktober 2021", dt.date(2021, 10, 25)),
    ("Jum'at, 3 Desember 2021", dt.date(2021, 12, 3)),
    (dt.datetime(2021, 10, 25, 0, 0), dt.date(2021, 10, 25)),
    (dt.date(2021, 10, 25), dt.date(2021, 10, 25)),
    (44494.0, dt.date(2021, 10, 25)),  # an unformatted Excel date serial
    ("31-02-2021", None),
    ("Oktober", None),
    ("besok", None),
    ("", None),
    (None, None),
])
def test_survey_dates(value: object, expected: dt.date | None) -> None:
    assert parse_survey_date(value) == expected


def test_tahun_on_the_cover_wins_over_the_date(tmp_path: Path) -> None:
    identity = {"provinsi": "JAWA TENGAH", "kabupaten": "SUKOHARJO", "kecamatan": "POLOKARTO",
                "kelurahan": "REJOSARI", "kode_kelurahan": "33.11.07.2011", "tahun": 2022,
                "tanggal_pendataan": dt.date(2021, 12, 28)}
    rt = truth.generate_rts(random.Random(5), 1)[0]
    form = rt_forms.write_form(tmp_path / "f.xlsx", identity, rt, 40,
                               rt_forms.FormLayout(tahun_pair=True, date_style="cell"))
    read = _read(form.path)
    assert read.identity["tahun"] == 2022 and read.identity["tanggal_pendataan"] == dt.date(
        2021, 12, 28)
    assert read.cells["tahun"] != read.cells["tanggal_pendataan"]


# --------------------------------------------------------------------------- generated forms


def _assert_reads_back(form, read: FormRead) -> None:
    """A generated form read back: every value, every stored result, every cell."""
    assert read.problems == [] and read.missing_columns == [], read.problems
    row = read.rows.iloc[0]
    for name, value in form.rt.values.items():
        assert row[name] == pytest.approx(value, abs=1e-9), name
    assert (row["rt"], row["rw"]) == (form.rt.rt, form.rt.rw)
    assert row["kawasan"] == (form.rt.kawasan if form.layout.kawasan else None)
    for name, value in form.stored.items():
        assert row[name] == (value if isinstance(value, str) else pytest.approx(value)), name
    assert read.cells == form.cells
    assert read.jumlah_krt == form.jumlah_krt
    assert read.identity["tanggal_pendataan"] == form.tanggal_pendataan
    assert read.identity["tahun"] == form.tahun
    assert set(read.sheets_read) == READABLE_SHEETS
    assert read.identity["kabupaten"] != "KABUPATEN CONTOH RAHASIA"  # a household sheet's pair


def _layouts_covering_every_variation() -> list:
    layouts = rt_forms.form_layouts(random.Random(11), 8)
    for name, values in rt_forms.FORM_VARIATIONS.items():
        assert set(values) <= {getattr(lay, name) for lay in layouts}, name
    return layouts


@pytest.fixture(scope="module")
def kelurahan_forms(tmp_path_factory) -> list:
    """Eight forms of one kelurahan-year (Rejosari, Sukoharjo, 2021), every layout variation."""
    folder = tmp_path_factory.mktemp("forms")
    return rt_forms.write_kelurahan_forms(folder, REFERENCE, "33.11.07.2011", 2021, n_rts=8,
                                          seed=3, layouts=_layouts_covering_every_variation())


def test_generated_forms_read_back_to_their_ground_truth(kelurahan_forms) -> None:
    assert len(kelurahan_forms) == 8
    for form in kelurahan_forms:
        _assert_reads_back(form, _read(form.path))


def test_generated_forms_hold_shifts_formulas_merges_and_text_numbers(kelurahan_forms) -> None:
    """The variations are really in the files (so the read-back test means something)."""
    with zipfile.ZipFile(kelurahan_forms[0].path) as zf:
        xml = zf.read(_sheet_path(zf, FORM)).decode()
    assert "<mergeCell " in xml and "<f>" in xml and re.search(r"<f>[^<]+</f><v>[^<]+</v>", xml)
    for form in (f for f in kelurahan_forms if f.layout.numbers == "text_id"):
        with zipfile.ZipFile(form.path) as zf:  # Luas Verifikasi written as text, `0,85`
            assert re.search(r">\d+,\d+<", zf.read("xl/sharedStrings.xml").decode())
    shifted = [f for f in kelurahan_forms if f.layout.row_offset and f.layout.col_offset]
    assert shifted and all(f.cells["vol_1a"] != kelurahan_forms[0].cells["vol_1a"]
                           for f in shifted)


def test_generated_folder_names_its_kelurahan_and_scores_independently(
        kelurahan_forms, ref: reference.Reference) -> None:
    reads = [_read(f.path) for f in kelurahan_forms]
    for read in reads:
        ident = read.identity
        match = names_to_code.code_from_names(ref, ident["kabupaten"], ident["kecamatan"],
                                              ident["kelurahan"], ident["provinsi"])
        assert match.kode == "33.11.07.2011", match
    together = batch.combine(reads)
    assert len(together.rows) == 8 and set(together.rows["sumber_sheet"]) == {FORM}
    _assert_scored_like_independent(together.rows)


def test_stored_results_differ_only_where_the_form_divides_by_krt(kelurahan_forms) -> None:
    """The form divides 1a, 1c, 7a and 7b by KRT: exactly there a stored result may
    disagree with spec §3 (a ``tersimpan_berbeda`` warning), and ``KR`` agrees with Kumuh
    Ringan."""
    reads = [_read(f.path) for f in kelurahan_forms]
    together = batch.combine(reads)
    scored = scoring.score(together.rows)
    got = {(w.sumber_file, w.kolom) for w in
           reconcile.stored_disagreements(scored, together.letters)}
    expected = set()
    for form, (_, row) in zip(kelurahan_forms, scored.iterrows(), strict=True):
        name = form.path.name
        for c in criteria.criteria():
            if not math.isclose(form.stored[f"stored_persen_{c.kode}"], row[c.persen],
                                abs_tol=0.005):
                expected.add((name, c.persen))
            if form.stored[f"stored_nilai_{c.kode}"] != row[c.nilai]:
                expected.add((name, c.nilai))
        if form.stored["stored_total_nilai"] != row["total_nilai"]:
            expected.add((name, "total_nilai"))
            if not reconcile._tingkat_kekumuhan_agrees(form.stored["stored_tingkat_kekumuhan"],
                                             row["tingkat_kekumuhan"]):
                expected.add((name, "tingkat_kekumuhan"))
    assert got and got == expected
    assert {k for _, k in got} <= {"persen_1a", "persen_1c", "persen_7a", "persen_7b",
                                   "nilai_1a", "nilai_1c", "nilai_7a", "nilai_7b",
                                   "total_nilai", "tingkat_kekumuhan"}
    assert any(f.jumlah_krt != f.rt.values["jumlah_bangunan"] for f in kelurahan_forms)


@pytest.mark.parametrize("short, label", [("KR", "Kumuh Ringan"), ("KS", "Kumuh Sedang"),
                                          ("KB", "Kumuh Berat"), ("TK", "Tidak Kumuh"),
                                          ("KUMUH RINGAN", "Kumuh Ringan")])
def test_stored_tingkat_abbreviations_agree(short: str, label: str) -> None:
    assert reconcile._tingkat_kekumuhan_agrees(short, label)
    assert not reconcile._tingkat_kekumuhan_agrees("KB" if short != "KB" else "KR", label)


def test_worked_example_as_forms_scores_like_the_spec(tmp_path: Path) -> None:
    """Spec §4's worked example typed into three forms: 36, 22 and 80 per RT, 44 for the
    kelurahan summed (ratio of sums)."""
    forms = rt_forms.worked_example_forms(tmp_path)
    rows = batch.combine([_read(f.path) for f in forms]).rows
    scored = scoring.score(rows)
    assert list(scored["total_nilai"]) == [36, 22, 80]
    assert list(scored["tingkat_kekumuhan"]) == ["Kumuh Ringan", "Kumuh Ringan", "Kumuh Berat"]
    summed = rows[list(criteria.numeric_columns())].sum().to_frame().T
    kel = scoring.score(summed).iloc[0]
    assert (kel["total_nilai"], kel["tingkat_kekumuhan"]) == (44, "Kumuh Sedang")
    _assert_scored_like_independent(rows)


# --------------------------------------------------------------------------- defective forms


@pytest.fixture(scope="module")
def defective(tmp_path_factory) -> dict:
    """One single-RT kelurahan-year per defect kind: {kind: (form, read)}."""
    out = {}
    for i, kind in enumerate(rt_forms.FORM_DEFECTS):
        folder = tmp_path_factory.mktemp(kind)
        [form] = rt_forms.write_kelurahan_forms(folder, REFERENCE, "33.11.07.2011", 2021,
                                                n_rts=1, seed=40 + i, defects={0: kind})
        out[kind] = (form, _read(form.path))
    return out


@pytest.mark.parametrize("kind, kolom, kode", [("bukan_angka", "vol_2b", "bukan_angka"),
                                              ("sel_error", "vol_4b", "sel_error"),
                                              ("nilai_kosong", "jumlah_kk", "kosong")])
def test_defective_cell_is_a_problem_at_its_cell(defective, kind: str, kolom: str,
                                                 kode: str) -> None:
    form, read = defective[kind]
    assert form.expected_status == "ditolak"
    [problem] = read.problems
    assert (problem.kolom, problem.masalah) == (kolom, kode)
    assert f"{problem.sheet}!{problem.sel}" == form.cells[kolom]
    assert math.isnan(read.rows.iloc[0][kolom])


def test_missing_criterion_row_is_a_missing_label(defective) -> None:
    _, read = defective["baris_hilang"]
    assert read.missing_columns == ["vol_4c"] and read.problems == []
    sheet, label = read.missing_labels["vol_4c"]
    assert sheet == FORM and label.startswith("4. Kondisi Drainase Lingkungan / c.")
    assert "tidak ditemukan" in findings.make(
        "label_form_hilang", wb=0, sumber_file="f", sha256="", sheet=sheet,
        label=label, isi="volume 4c").pesan


def test_wrong_kabupaten_is_told_with_the_right_one(defective, ref) -> None:
    form, read = defective["kabupaten_salah"]
    ident = read.identity
    match = names_to_code.code_from_names(ref, ident["kabupaten"], ident["kecamatan"],
                                          ident["kelurahan"], ident["provinsi"])
    assert match.kode is None and match.saran_kode == form.kode_kelurahan
    assert match.saran.startswith("Kecamatan Polokarto ada di Kabupaten Sukoharjo, bukan ")


def test_form_without_date_or_year_has_no_year(defective) -> None:
    _, read = defective["tanggal_hilang"]
    assert read.identity["tahun"] is None and read.identity["tanggal_pendataan"] is None
    assert read.problems == [] and read.missing_columns == []


@pytest.mark.parametrize("kind, check", [
    ("volume_melebihi_penyebut", lambda r: r["vol_7b"] == r["jumlah_bangunan"] + 3),
    ("nilai_negatif", lambda r: r["vol_3a"] == -2),
])
def test_value_defects_are_read_as_written_for_validation(defective, kind, check) -> None:
    _, read = defective[kind]
    assert read.problems == [] and check(read.rows.iloc[0])


# --------------------------------------------------------------------------- sample folders


def test_form_sample_plans_every_outcome(tmp_path: Path) -> None:
    forms = rt_forms.generate_form_sample(tmp_path, REFERENCE, kelurahan_per_kabupaten=2,
                                          rts_per_kelurahan=(2, 3), seed=9)
    status = [f.expected_status for f in forms]
    assert {"diterima", "ditolak", "digantikan", "duplikat"} <= set(status)
    assert {d for f in forms for d in f.defects} == set(rt_forms.FORM_DEFECTS)
    [copy] = [f for f in forms if f.expected_status == "duplikat"]
    [original] = [f for f in forms if f.path != copy.path and f.cells == copy.cells
                  and f.path.parent == copy.path.parent and f.expected_status == "diterima"]
    assert copy.path.read_bytes() == original.path.read_bytes()
    [old] = [f for f in forms if f.expected_status == "digantikan"]
    [new] = [f for f in forms if f.path.name == f"{old.path.stem} revisi.xlsx"]
    assert (new.rt.rt, new.rt.rw) == (old.rt.rt, old.rt.rw)
    assert _read(new.path).identity["tanggal_pendataan"] > _read(old.path).identity[
        "tanggal_pendataan"]
    for f in forms:  # every set lives in its kelurahan-year's folder
        assert f.path.parent.name.endswith(str(f.tahun))


def test_kumuh_sample_forms_writes_kelurahan_folders_of_forms(tmp_path: Path, capsys) -> None:
    from flows import cli

    assert cli.main(["sample", "--forms", "--out", str(tmp_path), "--kabupaten", "33.11",
                     "--years", "2021", "--kelurahan", "1", "--seed", "3"]) == 0
    paths = sorted(tmp_path.rglob("*.xlsx"))
    folders = {p.parent for p in paths}
    assert len(folders) == 1 + len(rt_forms.FORM_DEFECTS)  # one valid kelurahan-year
    assert all(f.parent == tmp_path / "33.11" and f.name.endswith(" 2021") for f in folders)
    assert f"{len(paths)} Form Data RT ditulis" in capsys.readouterr().out
    reads = [read_workbook(p, p.name) for p in paths]
    assert all(isinstance(r, FormRead) for r in reads)
    assert sum(bool(r.problems or r.missing_columns) for r in reads) >= 4  # defective ones


# --------------------------------------------------------------------------- dispatch


def test_a_kelurahan_workbook_is_not_taken_for_a_form(tmp_path: Path) -> None:
    identity, rts = truth.worked_example()
    path = tmp_path / "Podosugih 2024.xlsx"
    workbooks.write_workbook(path, identity, rts, truth.Layout())
    read = read_workbook(path, path.name)
    assert type(read) is WorkbookRead and read.rt_sheet != FORM
    assert list(read.rows["rt"]) == [rt.rt for rt in rts]


def test_xlsm_and_ods_copies_read_like_the_xlsx(tmp_path: Path) -> None:
    """The same form as .xlsm (a copy) and as .ods (its cell values rewritten, merges and
    formulas dropped) reads to the same ground truth."""
    import python_calamine

    from tests.unit.test_read_workbook import write_ods

    rt = truth.generate_rts(random.Random(8), 1)[0]
    identity = {"provinsi": "Jawa Tengah", "kabupaten": "Kab. Sukoharjo",
                "kecamatan": "Polokarto", "kelurahan": "Rejosari",
                "kode_kelurahan": "33.11.07.2011", "tahun": 2021,
                "tanggal_pendataan": dt.date(2021, 10, 25)}
    form = rt_forms.write_form(tmp_path / "f.xlsx", identity, rt, 44, rt_forms.FormLayout())
    xlsm = tmp_path / "f.xlsm"
    shutil.copyfile(form.path, xlsm)
    book = python_calamine.CalamineWorkbook.from_path(str(form.path))
    grids = {name: [[None if v == "" else v for v in row] for row in
                    book.get_sheet_by_name(name).to_python(skip_empty_area=False)]
             for name in book.sheet_names}
    ods = tmp_path / "f.ods"
    write_ods(ods, grids)
    for path in (xlsm, ods):
        _assert_reads_back(form, _read(path))
    # without a Cover, the same labels on the form's own sheets are the fallback
    write_ods(ods, {name: grid for name, grid in grids.items() if name != "Cover"})
    read = _read(ods)
    assert read.identity["kabupaten"] == "Kab. Sukoharjo"
    assert read.cells["kabupaten"] == f"{FORM}!B4" and read.cells["rt"] == f"{FORM}!B7"
    assert (read.rows.iloc[0]["rt"], read.rows.iloc[0]["rw"]) == (rt.rt, rt.rw)
    assert read.identity["tahun"] is None  # the date is only on the Cover


def test_unreadable_files_are_reported_not_raised(tmp_path: Path) -> None:
    empty = tmp_path / "kosong.xlsx"
    empty.write_bytes(b"")
    text = tmp_path / "catatan.xls"
    text.write_text("Form Data RT\nbukan workbook\n")
    assert read_workbook(empty, empty.name).read_error_code == "berkas_kosong"
    assert read_workbook(text, text.name).terbaca is False


def test_only_the_forms_own_sheets_are_ever_chosen() -> None:
    """A household sheet is never taken, whatever its name also says."""
    names = ["A.1_Update Cover", "Form FGD RT Kekumuhan Awal", "A. DP-RT Rekap data RT",
             "A.6.1 Kekumuhan Awal", "Cover", "C. Rekap data RT (logbook SIM)",
             "Kekumuhan Awal_RT"]
    assert form_sheets(names) == {"form": "Kekumuhan Awal_RT", "cover": "Cover",
                                  "rekap": "C. Rekap data RT (logbook SIM)"}
    assert form_sheets(names[:4]) == {"form": None, "cover": None, "rekap": None}
    assert form_sheet(["Data RT", "Identitas"]) is None


def test_fixture_licence_travels_with_the_copies() -> None:
    assert "MIT License" in (FIXTURES / "LICENSE").read_text()
    assert "yogaputu/rumahku" in (FIXTURES / "README.md").read_text()
