"""Which workbook is published (spec §5): duplicates, errors, supersession, kept versions."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from transforms.assess import findings, submissions

KODE = "33.75.01.1003"


def _workbooks(*rows: tuple[int, str, str, dt.date | None]) -> pd.DataFrame:
    """Workbook frame: (wb, sumber_file, sha256, tanggal_pendataan), all for one kelurahan-year."""
    return pd.DataFrame([{"wb": wb, "sumber_file": f, "sha256": sha, "kode_kelurahan": KODE,
                          "tahun": 2024, "tanggal_pendataan": d} for wb, f, sha, d in rows])


def _error(wb: int, sumber_file: str) -> findings.Finding:
    return findings.make("kolom_hilang", wb=wb, sumber_file=sumber_file, sha256=None,
                         kolom="luas_ha")


def _status(statuses: pd.DataFrame) -> dict[int, str]:
    return dict(zip(statuses["wb"], statuses["status"], strict=True))


def test_byte_copy_is_a_duplicate_of_the_first_in_path_order_and_loses_its_findings() -> None:
    wbs = _workbooks((0, "b/x.xlsx", "s1", dt.date(2024, 6, 1)),
                     (1, "a/x.xlsx", "s1", dt.date(2024, 6, 1)))
    found = findings.to_frame([_error(0, "b/x.xlsx"), _error(1, "a/x.xlsx")])
    statuses, out = submissions.decide(wbs, found)
    assert _status(statuses) == {1: submissions.DITOLAK, 0: submissions.DUPLIKAT}
    copy = out[out["wb"] == 0]
    assert list(copy["aturan"]) == ["duplikat"] and "a/x.xlsx" in copy["pesan"].iloc[0]
    counts = statuses.set_index("wb")
    assert counts.loc[1, "jumlah_error"] == 1 and counts.loc[0, "jumlah_error"] == 0


def test_later_survey_date_supersedes_and_undated_loses() -> None:
    wbs = _workbooks((0, "a.xlsx", "s0", dt.date(2024, 3, 1)),
                     (1, "b.xlsx", "s1", dt.date(2024, 6, 1)),
                     (2, "c.xlsx", "s2", None))
    statuses, out = submissions.decide(wbs, findings.to_frame([]))
    assert _status(statuses) == {0: submissions.DIGANTIKAN, 1: submissions.DITERIMA,
                                 2: submissions.DIGANTIKAN}
    assert set(out["aturan"]) == {"digantikan"} and set(out["wb"]) == {0, 2}


def test_a_tie_rejects_every_competitor_and_an_error_keeps_out_of_the_contest() -> None:
    same = dt.date(2024, 6, 1)
    wbs = _workbooks((0, "a.xlsx", "s0", same), (1, "b.xlsx", "s1", same),
                     (2, "c.xlsx", "s2", dt.date(2024, 12, 1)))
    statuses, out = submissions.decide(wbs, findings.to_frame([_error(2, "c.xlsx")]))
    assert _status(statuses) == {0: submissions.DITOLAK, 1: submissions.DITOLAK,
                                 2: submissions.DITOLAK}
    ganda = out[out["aturan"] == "workbook_ganda"]
    assert sorted(ganda["wb"]) == [0, 1] and (ganda["keparahan"] == "error").all()


def test_rejected_workbook_of_a_published_kelurahan_year_says_the_old_version_stays() -> None:
    wbs = _workbooks((0, "baru.xlsx", "s0", dt.date(2024, 6, 1)))
    statuses, _ = submissions.decide(wbs, findings.to_frame([_error(0, "baru.xlsx")]))
    published = pd.DataFrame({"kode_kelurahan": [KODE], "tahun": [2024], "sha256": ["old"],
                              "sumber_file": ["lama.xlsx"]})
    kept = submissions.kept_versions(statuses, wbs, published)
    assert [(f.aturan, f.wb, f.keparahan) for f in kept] == [("versi_lama_tetap", 0, "warning")]
    assert "lama.xlsx" in kept[0].pesan


def test_no_workbooks_no_statuses() -> None:
    empty = _workbooks()
    statuses, out = submissions.decide(empty, findings.to_frame([]))
    assert statuses.empty and out.empty
    assert list(statuses.columns) == ["wb", "status", "jumlah_error", "jumlah_warning"]
