"""Tests of the sample-workbook generator: files, variations, ground truth, determinism, defects."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import re
import zipfile
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from transforms.sample.generate import DEFECT_DIR, generate_sample
from transforms.sample.truth import (
    DEFECTS,
    LAYOUT_VARIATIONS,
    Layout,
    SampleWorkbook,
    expected_scores,
    generate_rts,
    worked_example,
)
from transforms.sample.workbooks import format_kode, format_number, rt_rw_text, write_workbook
from transforms.spec import criteria

REFERENCE = Path(__file__).resolve().parents[2] / "data" / "reference" / "wilayah"

Grid = dict[str, list[list[object]]]


def read_grid(path: Path) -> Grid:
    """Every sheet's cells (cached values) as python lists, by sheet name."""
    wb = CalamineWorkbook.from_path(str(path))
    return {name: wb.get_sheet_by_name(name).to_python() for name in wb.sheet_names}


def cells(grid: Grid) -> list[object]:
    return [v for rows in grid.values() for row in rows for v in row if v != ""]


def strings(grid: Grid) -> list[str]:
    return [v for v in cells(grid) if isinstance(v, str)]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[SampleWorkbook]]:
    out = tmp_path_factory.mktemp("sample")
    return out, generate_sample(out, REFERENCE)


def valid(items: list[SampleWorkbook]) -> list[SampleWorkbook]:
    return [i for i in items if not i.defects and i.path.parent.name != DEFECT_DIR
            and not i.path.stem.endswith(" revisi")]


def test_files_in_nested_folders(sample: tuple[Path, list[SampleWorkbook]]) -> None:
    out, items = sample
    good = valid(items)
    assert len(good) == 2 * 8 * 2
    districts = {}
    for line in (REFERENCE / "districts.csv").read_text(encoding="utf-8").splitlines()[1:]:
        code, _, name = line.split(",", 2)
        districts[code] = name
    for item in good:
        assert item.path.is_file()
        kab, kec, name = item.path.relative_to(out).parts
        assert (kab, kec, name) == (item.kode_kabupaten, districts[item.kode_kecamatan],
                                    item.layout.file_name)
        assert item.kode_kelurahan.startswith(item.kode_kecamatan + ".")
    names = [i.path.name for i in items]
    assert any(" " in n for n in names) and any(not n.isascii() for n in names)
    assert len(set(i.path for i in items)) == len(items)


def test_every_variation_appears(sample: tuple[Path, list[SampleWorkbook]]) -> None:
    _, items = sample
    for name, values in LAYOUT_VARIATIONS.items():
        seen = {getattr(i.layout, name) for i in valid(items)}
        assert set(values) <= seen, name


def test_identity_in_cells(sample: tuple[Path, list[SampleWorkbook]]) -> None:
    _, items = sample
    for item in valid(items):
        grid = read_grid(item.path)
        found = cells(grid)
        text = " | ".join(strings(grid)).lower()
        assert item.nama_kelurahan.lower() in text
        assert str(item.identity["kabupaten"]) in found
        kode = format_kode(item.kode_kelurahan, item.layout.kode_format)
        assert (float(kode) if isinstance(kode, int) else kode) in found
        assert float(item.tahun) in found
        if item.tanggal_pendataan:
            assert item.tanggal_pendataan in found
        assert item.layout.kabupaten_label in strings(grid) or (
            item.layout.kabupaten_label + " :" in strings(grid)
        )
        sheets = list(grid)
        assert item.layout.rt_sheet in sheets
        if item.layout.identity_sheet:
            assert sheets[0] == item.layout.identity_sheet


def test_rt_values_in_cells(sample: tuple[Path, list[SampleWorkbook]]) -> None:
    _, items = sample
    for item in valid(items):
        grid = read_grid(item.path)
        found = set(cells(grid))
        lay = item.layout
        if lay.rt_rw != "separate":
            for rt in item.rts:
                assert rt_rw_text(rt.rt, rt.rw, lay.rt_rw) in found
        vol = item.rts[0].values["vol_2b"]
        if vol == 0:
            continue
        if lay.numbers in ("text_id", "text_en"):
            assert format_number(vol, "en" if lay.numbers == "text_en" else "id") in found
        elif lay.numbers == "numeric":
            assert vol in found


def test_text_numbers_settle_the_convention(sample: tuple[Path, list[SampleWorkbook]]) -> None:
    _, items = sample
    id_dec = re.compile(r"^\d{1,3}(\.\d{3})*,\d{1,2}( ha| m)?$")
    en_dec = re.compile(r"^\d{1,3}(,\d{3})*\.\d{1,2}( ha| m)?$")
    for item in valid(items):
        lay = item.layout
        texts = strings(read_grid(item.path))
        if lay.numbers == "text_en":
            assert any(en_dec.match(t) for t in texts)
            assert not any(id_dec.match(t) for t in texts)
        elif lay.numbers != "numeric" or lay.trailing_units:
            assert any(id_dec.match(t) for t in texts)
            assert not any(en_dec.match(t) for t in texts)
        if lay.trailing_units:
            assert any(t.endswith(" KK") for t in texts)
        if lay.dash_for_zero and any(v == 0 for rt in item.rts for v in rt.values.values()):
            assert "-" in texts


def test_stored_scores_match(sample: tuple[Path, list[SampleWorkbook]]) -> None:
    _, items = sample
    checked = 0
    for item in valid(items):
        if not item.layout.stored_scores:
            continue
        labels = [v for v in strings(read_grid(item.path)) if v in criteria.TINGKAT_LABELS]
        expected = [str(expected_scores(rt.values)["tingkat_kekumuhan"]) for rt in item.rts]
        assert sorted(labels) == sorted(expected)
        checked += 1
    assert checked


def test_generate_rts_is_valid() -> None:
    rng = random.Random(1)
    tingkat = set()
    for n in (1, 5, 8, 20, 45):
        rts = generate_rts(rng, n)
        assert len(rts) == n
        assert len({(rt.rt, rt.rw) for rt in rts}) == n
        sizes: dict[str, int] = {}
        for rt in rts:
            assert re.fullmatch(r"\d{3}[A-Z]?", rt.rt) and re.fullmatch(r"\d{3}", rt.rw)
            sizes[rt.rw] = sizes.get(rt.rw, 0) + 1
            v = rt.values
            assert set(v) == set(criteria.numeric_columns())
            for name in criteria.count_columns():
                assert isinstance(v[name], int) and v[name] >= 0
            for name in set(v) - criteria.count_columns():
                assert isinstance(v[name], float) and round(v[name], 2) == v[name]
            for c in criteria.criteria():
                assert 0 <= v[c.vol] <= v[c.penyebut]
            assert v["jumlah_penduduk"] >= v["jumlah_kk"] > 0
            tingkat.add(expected_scores(v)["tingkat_kekumuhan"])
        if n >= 8:
            assert all(3 <= s <= 8 for s in sizes.values()) and len(sizes) >= 2
    assert tingkat == set(criteria.TINGKAT_LABELS)


def test_format_number() -> None:
    assert format_number(1234.5, "id") == "1.234,5"
    assert format_number(1234.5, "en") == "1,234.5"
    assert format_number(0.85, "id") == "0,85"
    assert format_number(1309, "id") == "1.309"
    assert format_number(-3, "en") == "-3"
    assert format_kode("33.75.01.1003", "spaced") == "33 75 01 1003"
    assert format_kode("33.75.01.1003", "number") == 3375011003


def test_worked_example(tmp_path: Path) -> None:
    identity, rts = worked_example()
    villages = (REFERENCE / "villages.csv").read_text(encoding="utf-8")
    assert f"{identity['kode_kelurahan']},33.75.01,{identity['kelurahan']}\n" in villages
    path = tmp_path / "worked.xlsx"
    write_workbook(path, identity, rts, Layout(group_header_rows=0))
    rows = read_grid(path)["Data RT"]
    header_i = next(i for i, r in enumerate(rows) if "1a" in r)
    header = rows[header_i]
    table = [r for r in rows[header_i + 1:] if any(v != "" for v in r)]
    assert [(r[header.index("RT")], r[header.index("RW")]) for r in table] == [
        ("001", "002"), ("002", "002"), ("003", "003")]
    labels = {c.vol: c.kode for c in criteria.criteria()}
    assert table[0][header.index("Luas (Ha)")] == 1.25
    assert table[2][header.index("Jumlah KK")] == 230
    assert [table[0][header.index(labels[c.vol])] for c in criteria.criteria()] == [
        92, 0.31, 61, 200, 404, 38, 0, 0.95, 450, 230, 114, 76, 150, 39, 120, 91]
    scores = [expected_scores(rt.values) for rt in rts]
    assert [s["total_nilai"] for s in scores] == [36, 22, 80]
    assert [scores[0][c.nilai] for c in criteria.criteria()] == [
        5, 0, 1, 1, 1, 1, 0, 5, 1, 1, 5, 1, 5, 1, 5, 3]
    summed = {k: sum(rt.values[k] for rt in rts) for k in criteria.numeric_columns()}
    total = expected_scores(summed)
    assert (total["total_nilai"], total["tingkat_kekumuhan"]) == (44, "Kumuh Sedang")
    assert round(total["persen_1a"], 2) == 66.67


def small(out: Path, seed: int, workers: int = 1) -> list[SampleWorkbook]:
    return generate_sample(out, REFERENCE, kelurahan_per_kabupaten=3, years=(2024,),
                           seed=seed, workers=workers)


def test_deterministic_for_a_seed(tmp_path: Path) -> None:
    a = small(tmp_path / "a", 7)
    b = small(tmp_path / "b", 7, workers=2)
    c = small(tmp_path / "c", 8)
    rel = [i.path.relative_to(tmp_path / "a") for i in a]
    assert rel == [i.path.relative_to(tmp_path / "b") for i in b]
    for x, y in zip(a, b, strict=True):
        assert x.path.read_bytes() == y.path.read_bytes()
        assert read_grid(x.path) == read_grid(y.path)
        assert (x.rts, x.layout, x.defects) == (y.rts, y.layout, y.defects)
    assert [read_grid(i.path) for i in a] != [read_grid(i.path) for i in c]


def _diff(a: Grid, b: Grid) -> list[tuple[object, object]]:
    """Differing cells of two grids of the same shape: (clean, defective)."""
    out = []
    for sheet in a:
        for ra, rb in zip(a[sheet], b[sheet], strict=True):
            out += [(x, y) for x, y in zip(ra, rb, strict=True) if x != y]
    return out


def _is_negative(v: object) -> bool:
    return (isinstance(v, float) and v < 0) or (isinstance(v, str) and bool(re.match(r"-\d", v)))


def _not_whole(v: object) -> bool:
    return (isinstance(v, float) and v != int(v)) or (isinstance(v, str) and bool(
        re.search(r"[.,]5\b", v)))


def test_defects(sample: tuple[Path, list[SampleWorkbook]], tmp_path: Path) -> None:
    out, items = sample
    bad = [i for i in items if i.defects]
    assert sorted(d for i in bad for d in i.defects) == sorted(DEFECTS)
    good_keys = {(i.kode_kelurahan, i.tahun) for i in valid(items)}
    for item in bad:
        assert len(item.defects) == 1 and item.path.parent == out / DEFECT_DIR
        assert (item.kode_kelurahan, item.tahun) not in good_keys
        twin = tmp_path / "twin.xlsx"
        write_workbook(twin, item.identity, item.rts, item.layout)
        clean, broken = read_grid(twin), read_grid(item.path)
        defect = item.defects[0]
        rt_sheet = item.layout.rt_sheet
        if defect == "rt_ganda":
            assert len(broken[rt_sheet]) == len(clean[rt_sheet]) + 1
            continue
        if defect == "kolom_hilang":
            width = max(len(r) for r in clean[rt_sheet])
            assert max(len(r) for r in broken[rt_sheet]) < width
            continue
        (was, now), = _diff(clean, broken)
        if defect == "nilai_negatif":
            assert _is_negative(now)
        elif defect == "bukan_angka":
            assert now == "tidak tahu"
        elif defect == "kode_tidak_dikenal":
            assert "99" in str(now).replace(str(item.kode_kelurahan).replace(".", ""), "")
            assert f"{item.kode_kabupaten}.99." not in (REFERENCE / "villages.csv").read_text()
        elif defect == "tahun_di_luar_rentang":
            assert (was, now) == (float(item.tahun), 2009.0)
        elif defect == "bukan_bilangan_bulat":
            assert _not_whole(now)
        elif defect == "volume_melebihi_penyebut":
            assert was != now


def test_layout_defaults_write_a_plain_workbook(tmp_path: Path) -> None:
    identity, rts = worked_example()
    path = tmp_path / "plain.xlsx"
    layout = dataclasses.replace(Layout(), identity_sheet=None, rt_sheet="Rekap RT")
    write_workbook(path, {**identity, "tanggal_pendataan": None}, rts, layout)
    grid = read_grid(path)
    assert list(grid) == ["Rekap RT"]
    assert "Kelurahan/Desa" in strings(grid) and dt.date(2024, 6, 15) not in cells(grid)


def _has_formulas(path: Path) -> bool:
    with zipfile.ZipFile(path) as zf:
        return any(b"<f>" in zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/"))


def test_layout_features_visible(sample: tuple[Path, list[SampleWorkbook]]) -> None:
    _, items = sample
    formulas = 0
    for item in valid(items):
        lay, texts = item.layout, set(strings(read_grid(item.path)))
        upper = {t.upper() for t in texts}
        assert ("MENGETAHUI," in upper) == lay.notes_below
        assert ("(1)" in texts) == lay.numbering_row
        assert ("NAMA KETUA RT" in upper) == lay.extra_columns
        assert ("1. KONDISI BANGUNAN GEDUNG" in upper) == (lay.group_header_rows > 0)
        assert ("SUBTOTAL" in upper) == (lay.total_rows in ("middle", "both"))
        assert ("JUMLAH" in upper) == (lay.total_rows in ("end", "both"))
        assert ("TOTAL NILAI" in upper) == lay.stored_scores
        if lay.formulas and lay.numbers == "numeric":
            assert _has_formulas(item.path)
            formulas += 1
        if lay.numbers == "text_id" and not lay.formulas:
            assert not _has_formulas(item.path)
    assert formulas
