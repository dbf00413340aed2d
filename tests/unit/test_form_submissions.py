"""A kelurahan-year's RT forms decided as one submission (spec §2b, §5): per-RT supersession,
a rejected form holding back its kelurahan-year, forms against a kelurahan workbook."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from transforms.assess import findings, submissions
from transforms.spec.names_to_code import NameMatch

K, OTHER = "33.11.04.1001", "33.11.06.2005"


def _file(name: str, *, rt: str | None = "001/001", day: int | None = 10, kode: str | None = K,
          tahun: int | None = 2021, form: bool = True, suggested: str | None = None) -> dict:
    return {"sumber_file": name, "kode_kelurahan": kode, "tahun": tahun,
            "tanggal_pendataan": None if day is None else dt.date(2021, 6, day),
            "form_rt": form, "rt_rw": rt if form else None,
            "nama_ke_kode": None if suggested is None else NameMatch(
                None, "X", "Y", "Z", saran_kode=suggested)}


def _decide(files: list[dict], errors: set[str] = frozenset()) -> tuple[dict, dict]:
    """({file: status}, {file: [rules added by the decision]})."""
    frame = pd.DataFrame([{**f, "wb": i, "sha256": f"{i:064x}"} for i, f in enumerate(files)])
    frame["tahun"] = frame["tahun"].astype("Int64")
    found = findings.to_frame([findings.make("sel_error", wb=int(w.wb), sumber_file=w.sumber_file,
                                             sha256=w.sha256, kolom="vol_1a")
                               for w in frame.itertuples() if w.sumber_file in errors])
    statuses, all_found = submissions.decide(frame, found)
    name = frame.set_index("wb")["sumber_file"]
    status = dict(zip(statuses["wb"].map(name), statuses["status"], strict=True))
    rules: dict[str, list[str]] = {}
    for r in all_found[all_found["aturan"] != "sel_error"].itertuples():
        rules.setdefault(name[r.wb], []).append(r.aturan)
    return status, rules


def test_later_form_of_an_rt_supersedes_the_earlier() -> None:
    status, rules = _decide([_file("a.xlsx", day=10), _file("a revisi.xlsx", day=17),
                             _file("b.xlsx", rt="002/001")])
    assert status == {"a.xlsx": "digantikan", "a revisi.xlsx": "diterima", "b.xlsx": "diterima"}
    assert rules == {"a.xlsx": ["digantikan"]}


def test_two_forms_of_an_rt_on_one_day_hold_back_the_kelurahan_year() -> None:
    status, rules = _decide([_file("a.xlsx"), _file("a lagi.xlsx"),
                             _file("b.xlsx", rt="002/001"),
                             _file("lain.xlsx", kode=OTHER)])
    assert status == {"a.xlsx": "ditolak", "a lagi.xlsx": "ditolak", "b.xlsx": "ditolak",
                      "lain.xlsx": "diterima"}
    assert rules == {"a.xlsx": ["workbook_ganda"], "a lagi.xlsx": ["workbook_ganda"],
                     "b.xlsx": ["form_lain_ditolak"]}


def test_a_defective_form_holds_back_unless_a_later_form_of_its_rt_corrects_it() -> None:
    files = [_file("a.xlsx", day=10), _file("a revisi.xlsx", day=17),
             _file("b.xlsx", rt="002/001")]
    status, _ = _decide(files, errors={"a.xlsx"})
    assert status == {"a.xlsx": "ditolak", "a revisi.xlsx": "diterima", "b.xlsx": "diterima"}
    status, rules = _decide(files, errors={"a revisi.xlsx"})
    assert status == {"a.xlsx": "ditolak", "a revisi.xlsx": "ditolak", "b.xlsx": "ditolak"}
    assert rules == {"a.xlsx": ["form_lain_ditolak"], "b.xlsx": ["form_lain_ditolak"]}


def test_forms_without_a_year_or_a_code_still_hold_back_their_kelurahan() -> None:
    files = [_file("2021 a.xlsx"), _file("2022 a.xlsx", tahun=2022),
             _file("lain.xlsx", kode=OTHER)]
    status, _ = _decide([*files, _file("tanpa tahun.xlsx", rt="003/001", tahun=None,
                                       day=None)], errors={"tanpa tahun.xlsx"})
    assert status == {"2021 a.xlsx": "ditolak", "2022 a.xlsx": "ditolak",
                      "lain.xlsx": "diterima", "tanpa tahun.xlsx": "ditolak"}
    status, _ = _decide([*files, _file("kabupaten salah.xlsx", rt="003/001", kode=None,
                                       suggested=K)], errors={"kabupaten salah.xlsx"})
    assert status == {"2021 a.xlsx": "ditolak", "2022 a.xlsx": "diterima",
                      "lain.xlsx": "diterima", "kabupaten salah.xlsx": "ditolak"}


def test_forms_compete_as_one_source_dated_by_their_latest_form() -> None:
    forms = [_file("a.xlsx", day=10), _file("b.xlsx", rt="002/001", day=20)]
    status, rules = _decide([*forms, _file("kelurahan.xlsx", day=15, form=False)])
    assert status == {"a.xlsx": "diterima", "b.xlsx": "diterima",
                      "kelurahan.xlsx": "digantikan"}
    assert rules == {"kelurahan.xlsx": ["digantikan"]}
    status, _ = _decide([*forms, _file("kelurahan.xlsx", day=25, form=False)])
    assert status == {"a.xlsx": "digantikan", "b.xlsx": "digantikan",
                      "kelurahan.xlsx": "diterima"}
    status, rules = _decide([*forms, _file("kelurahan.xlsx", day=20, form=False)])
    assert set(status.values()) == {"ditolak"}
    assert set(map(tuple, rules.values())) == {("workbook_ganda",)}


def test_held_back_forms_never_displace_a_valid_workbook() -> None:
    status, _ = _decide([_file("a.xlsx", day=20), _file("b.xlsx", rt="002/001", day=20),
                         _file("kelurahan.xlsx", day=1, form=False)], errors={"a.xlsx"})
    assert status == {"a.xlsx": "ditolak", "b.xlsx": "ditolak", "kelurahan.xlsx": "diterima"}
