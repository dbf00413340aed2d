"""The clerk report shown in the Prefect UI: whole when small, its summary when national."""

from __future__ import annotations

from transforms.reports import clerk


def _report(n_kabupaten: int) -> str:
    """The Markdown clerk report of ``n_kabupaten`` kabupaten, one rejected workbook first."""
    groups = []
    for i in range(n_kabupaten):
        bad = clerk.Finding("error", "Data RT!H14", "Nilai bukan angka", "abc")
        workbooks = [clerk.Workbook(f"{i}/a.xlsx", "ditolak" if i == 0 else "diterima", 2024,
                                    [bad] if i == 0 else [])]
        village = clerk.Village(f"33.{i:02d}.01.1001", f"Desa {i}", "Kec", workbooks)
        groups.append(clerk.Group(f"33.{i:02d}", f"Kabupaten {i}", [village]))
    return clerk.render_markdown(groups, "Diperiksa hari ini")


def test_a_small_report_is_shown_whole() -> None:
    markdown = _report(3)
    assert clerk.artifact_markdown(markdown, "out/temuan/index.html") == markdown


def test_a_national_report_keeps_its_summary_and_points_at_the_full_report() -> None:
    markdown = _report(400)
    shown = clerk.artifact_markdown(markdown, "out/temuan/index.html", limit=5_000)
    assert len(markdown) > 5_000 >= len(shown) - 200
    assert "## Ringkasan" in shown and "Perlu diperbaiki" in shown and "`0/a.xlsx`" in shown
    assert "## Kabupaten 0 (33.00)" in markdown and "## Kabupaten" not in shown
    assert shown.rstrip().endswith("lihat `out/temuan/index.html`.*")
