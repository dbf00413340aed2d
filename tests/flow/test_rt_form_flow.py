"""Folders of official Form Data RT files through the real flow (spec §2b): forms in, Parquet
out. Three runs in sequence on one warehouse: a full run (a kelurahan-year typed into forms and
into a kelurahan workbook gives the same figures; a kelurahan with both a workbook and forms;
the real Boyolali/Sukoharjo form), an incremental run (a corrected form supersedes an older one
and re-reads only its kelurahan-year; a defective form holds its kelurahan-year back, the
previous version stays), and a scoped rerun of one kelurahan-year of forms."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REFERENCE, read_table
from transforms.read.cells import sheet_and_row
from transforms.sample import rt_forms, truth, workbooks
from transforms.sample.rt_forms import SampleForm

pytestmark = pytest.mark.slow

FIXTURE = (Path(__file__).resolve().parents[1] / "fixtures" / "form-data-rt"
           / "Form Data RT Rejosari RT001-RW002.xlsx")
FORM = "Kekumuhan Awal_RT"
#: Kelurahan-years of forms (Kabupaten Sukoharjo, 2021): corrected later, held back later,
#: and one that also has a kelurahan workbook.
CORRECTED, HELD, BOTH = "33.11.04.1001", "33.11.06.2005", "33.11.07.2013"
BOYOLALI_FINDING = (
    "| Kesalahan | `Cover!F18` | RT 001/RW 002: Kode wilayah tidak dapat ditentukan dari nama "
    "wilayah (Cover!F18): Kabupaten 'BOYOLALI', Kecamatan 'POLOKARTO', Kelurahan/Desa "
    "'REJOSARI' tidak cocok dengan satu pun kelurahan/desa dalam daftar wilayah Kemendagri. "
    "Kecamatan Polokarto ada di Kabupaten Sukoharjo, bukan Boyolali: 33.11.07.2011? Perbaiki "
    "nama wilayah di sheet Cover, atau tambahkan baris 'Kode Wilayah' di Cover berisi kode "
    "Kemendagri kelurahan/desa (10 digit, contoh 33.75.01.1001). |")


def _rel(form: SampleForm, root: Path) -> str:
    return form.path.relative_to(root).as_posix()


def _state(out: Path, wh: Path) -> dict:
    """What a run left: published RT rows by (kode, rt/rw), kelurahan rows, statuses and
    findings by file, and the clerk report."""
    con = duckdb.connect(str(wh), read_only=True)
    try:
        statuses = dict(con.execute("SELECT sumber_file, status FROM pengiriman").fetchall())
        temuan = con.execute("SELECT sumber_file, sheet, baris, aturan, pesan "
                             "FROM temuan_validasi").fetchall()
    finally:
        con.close()
    by_file: dict[str, list[tuple]] = {}
    for f, *rest in temuan:
        by_file.setdefault(f, []).append(tuple(rest))
    return {"rt": {(r["kode_kelurahan"], f"{r['rt']}/{r['rw']}"): r
                   for r in read_table(out, "indikator_rt")},
            "kel": {(r["kode_kelurahan"], r["tahun"]): r
                    for r in read_table(out, "indikator_kelurahan")},
            "status": statuses, "temuan": by_file,
            "clerk": (out / "temuan" / "index.md").read_text()}


def _village(ref, kode: str) -> dict[str, object]:
    v = ref.villages.set_index("kode_kelurahan").loc[kode]
    return {"provinsi": v["nama_provinsi"], "kabupaten": v["nama_kabupaten"],
            "kecamatan": v["nama_kecamatan"], "kelurahan": v["nama_kelurahan"],
            "kode_kelurahan": kode, "tahun": 2021}


def _forms(root: Path, kode: str, seed: int, start: dt.date) -> list[SampleForm]:
    return rt_forms.write_kelurahan_forms(root / kode, REFERENCE, kode, 2021, n_rts=3,
                                          seed=seed, survey_start=start)


@pytest.fixture(scope="module")
def runs(tmp_path_factory, prefect_harness) -> dict:
    """The three runs; the state after each, the forms written and the summaries."""
    from flows.nightly import nightly_consolidation
    from transforms.spec import reference

    ref = reference.Reference(REFERENCE)
    base = tmp_path_factory.mktemp("forms")
    root, out, wh = base / "in", base / "out", base / "wh" / "kumuh.duckdb"

    def run(**kwargs) -> dict:
        return nightly_consolidation(input_dir=str(root), out=str(out), warehouse_path=str(wh),
                                     **kwargs)

    podosugih = rt_forms.worked_example_forms(root / "podosugih")
    corrected = _forms(root, CORRECTED, 1, dt.date(2021, 5, 3))
    held = _forms(root, HELD, 2, dt.date(2021, 5, 3))
    both = _forms(root, BOTH, 3, dt.date(2021, 8, 2))
    # the same kelurahan-year as a kelurahan workbook with one RT more, surveyed earlier
    identity = {**_village(ref, BOTH), "tanggal_pendataan": dt.date(2021, 3, 1)}
    extra = dataclasses.replace(both[0].rt, rt="009")
    workbooks.write_workbook(root / BOTH / "Data RT kelurahan.xlsx", identity,
                             [f.rt for f in both] + [extra], truth.Layout())
    shutil.copyfile(FIXTURE, root / FIXTURE.name)
    first = run()
    after_first = _state(out, wh)

    # a corrected form for one RT (a week later), and a defective form for a new RT
    old = corrected[0]
    vol = int(old.rt.values["vol_1a"])
    values = {**old.rt.values, "vol_1a": vol + 1 if vol < old.rt.values["jumlah_bangunan"]
              else vol - 1}
    revised = rt_forms.write_form(
        old.path.with_name(f"{old.path.stem} revisi.xlsx"),
        {**old.identity, "tanggal_pendataan": old.tanggal_pendataan + dt.timedelta(days=7)},
        dataclasses.replace(old.rt, values=values), old.jumlah_krt, old.layout, seed=5)
    bad = rt_forms.write_form(held[0].path.with_name("Form Data RT RT009-RW001.xlsx"),
                              {**held[0].identity, "tanggal_pendataan": dt.date(2021, 9, 1)},
                              dataclasses.replace(held[0].rt, rt="009"), held[0].jumlah_krt,
                              held[0].layout, defects=["sel_error"], seed=6)
    second = run()
    after_second = _state(out, wh)
    third = run(kelurahan=CORRECTED, tahun=2021, force=True)
    return {"root": root, "podosugih": podosugih, "corrected": corrected, "held": held,
            "both": both, "revised": revised, "bad": bad,
            "summaries": (first, second, third), "states": (after_first, after_second,
                                                            _state(out, wh))}


def _figures(row: dict) -> dict:
    """The published figures of a row (no provenance, run or name columns)."""
    skip = {"sumber_file", "sumber_sheet", "sumber_baris", "sha256", "run_id"}
    return {k: v for k, v in row.items() if k not in skip}


def test_forms_give_the_figures_of_the_same_kelurahan_workbook(runs, worked_example_run
                                                               ) -> None:
    base, _ = worked_example_run
    typed = _state(base / "out", base / "wh" / "kumuh.duckdb")
    forms = runs["states"][0]
    kode = "33.75.01.1003"
    assert forms["kel"][(kode, 2024)] == typed["kel"][(kode, 2024)]
    rts = {k: r for k, r in forms["rt"].items() if k[0] == kode}
    assert len(rts) == 3
    for key, row in rts.items():
        assert _figures(row) == _figures(typed["rt"][key]), key
        [form] = [f for f in runs["podosugih"] if f"{f.rt.rt}/{f.rt.rw}" == key[1]]
        assert row["sumber_file"] == _rel(form, runs["root"])  # provenance: its own form
        assert row["sumber_sheet"] == FORM and row["sumber_baris"] > 0


def test_first_run_statuses_one_row_per_form_file(runs) -> None:
    state, root = runs["states"][0], runs["root"]
    forms = [*runs["podosugih"], *runs["corrected"], *runs["held"], *runs["both"]]
    assert {_rel(f, root): state["status"][_rel(f, root)] for f in forms} == {
        _rel(f, root): "diterima" for f in forms}
    assert state["status"][f"{BOTH}/Data RT kelurahan.xlsx"] == "digantikan"
    assert state["status"][FIXTURE.name] == "ditolak"
    assert runs["summaries"][0]["files_read"] == len(forms) + 2


def test_workbook_and_forms_compete_as_wholes(runs) -> None:
    state = runs["states"][0]
    published = {k[1]: r for k, r in state["rt"].items() if k[0] == BOTH}
    assert set(published) == {f"{f.rt.rt}/{f.rt.rw}" for f in runs["both"]}  # never mixed
    assert all(r["sumber_sheet"] == FORM for r in published.values())
    [(_, _, rule, message)] = state["temuan"][f"{BOTH}/Data RT kelurahan.xlsx"]
    assert rule == "digantikan" and "Form Data RT kelurahan ini (3 berkas" in message


def test_real_form_finding_in_the_clerk_report(runs) -> None:
    state = runs["states"][0]
    [(sheet, baris, rule, _)] = state["temuan"][FIXTURE.name]
    assert (sheet, baris, rule) == ("Cover", 18, "kode_dari_nama")
    assert BOYOLALI_FINDING in state["clerk"]


def test_corrected_form_supersedes_and_rereads_only_its_set(runs) -> None:
    second, state, root = runs["summaries"][1], runs["states"][1], runs["root"]
    corrected, revised = runs["corrected"], runs["revised"]
    # the two new files and the other forms of their two kelurahan-years, nothing else
    assert second["new"] == 2
    assert second["files_read"] == len(corrected) + len(runs["held"]) + 2
    assert state["status"][_rel(corrected[0], root)] == "digantikan"
    assert state["status"][_rel(revised, root)] == "diterima"
    row = state["rt"][(CORRECTED, f"{revised.rt.rt}/{revised.rt.rw}")]
    assert row["sumber_file"] == _rel(revised, root)
    before = runs["states"][0]["rt"][(CORRECTED, f"{revised.rt.rt}/{revised.rt.rw}")]
    assert row["vol_1a"] == revised.rt.values["vol_1a"] != before["vol_1a"]
    assert state["kel"][(CORRECTED, 2021)]["jumlah_rt"] == len(corrected)


def test_defective_form_holds_back_its_kelurahan_year(runs) -> None:
    before, state, root = runs["states"][0], runs["states"][1], runs["root"]
    held, bad = runs["held"], runs["bad"]
    kept = {k: _figures(r) for k, r in before["rt"].items() if k[0] == HELD}
    assert {k: _figures(r) for k, r in state["rt"].items() if k[0] == HELD} == kept
    assert state["kel"][(HELD, 2021)] == before["kel"][(HELD, 2021)]
    assert state["status"][_rel(bad, root)] == "ditolak"
    rules = {rule for _, _, rule, _ in state["temuan"][_rel(bad, root)]}
    assert {"sel_error", "versi_lama_tetap"} <= rules
    [(sheet, baris, _, message)] = [t for t in state["temuan"][_rel(bad, root)]
                                    if t[2] == "sel_error"]
    assert (sheet, baris) == sheet_and_row(bad.cells["vol_4b"])
    assert message.startswith(f"RT 009/RW {bad.rt.rw}: Sel {bad.cells['vol_4b']} ")
    for f in held:
        assert state["status"][_rel(f, root)] == "ditolak"
        assert [t[2] for t in state["temuan"][_rel(f, root)]
                if t[2] != "tersimpan_berbeda"] == ["form_lain_ditolak"]
    # the clerk report: the kelurahan's forms together, only the defective one to fix
    report = state["clerk"]
    section = report.split(f"({HELD})")[1].split("\n### ")[0]
    assert all(f"`{_rel(f, root)}`" in section for f in [*held, bad])
    todo = report.split("### Perlu diperbaiki")[1].split("\n## ")[0]
    assert _rel(bad, root) in todo and not any(_rel(f, root) in todo for f in held)


def test_scoped_rerun_of_a_kelurahan_year_of_forms(runs) -> None:
    third, state, before = runs["summaries"][2], runs["states"][2], runs["states"][1]
    assert third["files_read"] == len(runs["corrected"]) + 1
    assert third["diterima"] == len(runs["corrected"]) and third["digantikan"] == 1
    assert {k: _figures(r) for k, r in state["rt"].items()} == {
        k: _figures(r) for k, r in before["rt"].items()}


def test_stored_percent_finding_is_rounded_as_the_form_shows_it(runs) -> None:
    messages = [m for rows in runs["states"][0]["temuan"].values()
                for _, _, rule, m in rows if rule == "tersimpan_berbeda" and "(% " in m]
    assert messages
    for m in messages:
        stored = re.search(r"\) berisi (.+?), berbeda", m).group(1)  # Indonesian: 42,22
        assert re.fullmatch(r"\d+(,\d{1,2})?", stored), m
