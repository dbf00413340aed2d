"""The region list as kumuh reads it: every village with its kecamatan, kabupaten and
provinsi codes and names, by village code."""

from __future__ import annotations

from pathlib import Path

from transforms.spec import reference


def _write(folder: Path, name: str, header: str, *rows: str) -> None:
    (folder / name).write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")


def test_villages_carry_every_level_and_leave_out_unknown_parents(tmp_path: Path) -> None:
    _write(tmp_path, "provinces.csv", "code,name", "33,JAWA TENGAH")
    _write(tmp_path, "regencies.csv", "code,province_code,name", "33.75,33,KOTA PEKALONGAN")
    _write(tmp_path, "districts.csv", "code,regency_code,name",
           "33.75.01,33.75,PEKALONGAN BARAT", "33.75.02,33.75,NA")
    _write(tmp_path, "villages.csv", "code,district_code,name",
           "33.75.02.1001,33.75.02,PODOSUGIH", "33.75.01.1002,33.75.01,",
           "33.75.01.1001,33.75.01,MEDONO", "33.75.09.1001,33.75.09,TANPA KECAMATAN")
    v = reference.Reference(tmp_path).villages
    assert list(v.columns) == reference.VILLAGE_COLUMNS
    assert v["kode_kelurahan"].tolist() == ["33.75.01.1001", "33.75.01.1002", "33.75.02.1001"]
    first = v.iloc[0].to_dict()
    assert first == {"kode_provinsi": "33", "kode_kabupaten": "33.75",
                     "kode_kecamatan": "33.75.01", "kode_kelurahan": "33.75.01.1001",
                     "nama_provinsi": "JAWA TENGAH", "nama_kabupaten": "KOTA PEKALONGAN",
                     "nama_kecamatan": "PEKALONGAN BARAT", "nama_kelurahan": "MEDONO"}
    assert v.iloc[1]["nama_kelurahan"] == ""  # an empty name stays text, not missing
    assert v.iloc[2]["nama_kecamatan"] == "NA"  # a name is never read as a missing value


def test_a_folder_is_read_once_per_process_until_its_files_change(tmp_path: Path) -> None:
    _write(tmp_path, "provinces.csv", "code,name", "33,JAWA TENGAH")
    _write(tmp_path, "regencies.csv", "code,province_code,name", "33.75,33,KOTA PEKALONGAN")
    _write(tmp_path, "districts.csv", "code,regency_code,name", "33.75.01,33.75,PEKALONGAN")
    _write(tmp_path, "villages.csv", "code,district_code,name", "33.75.01.1001,33.75.01,MEDONO")
    first = reference.load(tmp_path)
    assert reference.load(tmp_path) is first and len(first.villages) == 1
    _write(tmp_path, "villages.csv", "code,district_code,name", "33.75.01.1001,33.75.01,MEDONO",
           "33.75.01.1002,33.75.01,KRAPYAK")  # the edition changed: read again
    again = reference.load(tmp_path)
    assert again is not first and len(again.villages) == 2
    assert reference.load(tmp_path / "tidak-ada").folder == tmp_path / "tidak-ada"
