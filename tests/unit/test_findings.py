"""Finding values as clerks read them: Indonesian numbers, the clerk's own text, identifiers."""

from __future__ import annotations

import pytest

from transforms.assess import findings


@pytest.mark.parametrize(
    ("value", "shown"),
    [(640.5, "640,5"), (1214, "1.214"), (1214.0, "1.214"), (0.098, "0,098"), (1.214, "1,214"),
     (0.1 + 0.2, "0,3"), (1e12, "1.000.000.000.000"), (-3, "-3"), (0, "0"),
     (12345.678, "12.345,678"), ("tidak tahu", "tidak tahu"), (None, "")],
)
def test_angka(value: object, shown: str) -> None:
    assert findings.angka(value) == shown


def test_as_typed_shows_the_text_and_its_reading_when_they_differ() -> None:
    assert findings.as_typed(1.214, "1.214") == "1.214 — dibaca 1,214"
    assert findings.as_typed(1214.0, "1.214") == "1.214"
    assert findings.as_typed(12.0, " 12  unit ") == "12 unit"
    assert findings.as_typed(640.5) == "640,5"


def test_identifiers_are_never_grouped_and_messages_group_numbers() -> None:
    year = findings.make("tahun_di_luar_rentang", wb=0, sumber_file="a.xlsx", sha256=None,
                         kolom="tahun", nilai=2099.0, sel="Identitas!B8", tahun_min=2015,
                         tahun_maks=2026)
    assert year.nilai == "2099" and "'2099'" in year.pesan and "2015 dan 2026" in year.pesan
    big = findings.make("nilai_tidak_wajar", wb=0, sumber_file="a.xlsx", sha256=None,
                        kolom="luas_ha", nilai=1e12, sel="Data RT!C4", maks=1000.0)
    assert "berisi 1.000.000.000.000, jauh di atas batas wajar untuk satu RT (1.000)" in big.pesan
