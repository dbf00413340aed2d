"""The committed data dictionary is the one the contract renders, and it documents every column."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from transforms.publish import bi
from transforms.reports import dictionary
from transforms.spec import contract, criteria, reference
from transforms.store import warehouse

DOC = Path(__file__).resolve().parents[2] / "docs" / "data-dictionary.md"


def _sections(text: str) -> dict[str, str]:
    parts = re.split(r"^### `(\w+)`$", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_committed_dictionary_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == dictionary.render_dictionary(), (
        "docs/data-dictionary.md is stale: run `make docs` "
        "(python -m transforms.reports.dictionary > docs/data-dictionary.md)")


def test_every_table_and_column_is_documented_in_its_section() -> None:
    sections = _sections(dictionary.render_dictionary())
    assert set(contract.tables()) == set(dictionary.GRAIN)
    assert set(sections) == {*contract.tables(), "kumuh_info", *warehouse.HISTORY_DOC}
    for table, columns in contract.tables().items():
        rows = re.findall(r"^\| `(\w+)` \|", sections[table], flags=re.M)
        assert rows == [c.name for c in columns], table
        for col in columns:
            line = next(ln for ln in sections[table].splitlines()
                        if ln.startswith(f"| `{col.name}` |"))
            assert col.description_id in line and col.description_en in line, (table, col.name)
            assert contract.duckdb_type(col) in line


def test_scores_link_to_their_criterion_and_denominator() -> None:
    sections = _sections(dictionary.render_dictionary())
    for c in criteria.criteria():
        for col in (c.persen, c.nilai):
            line = next(ln for ln in sections["indikator_kelurahan"].splitlines()
                        if ln.startswith(f"| `{col}` |"))
            assert f"(#kriteria-{c.kode})" in line and f"`{c.penyebut}`" in line, line


def test_header_carries_version_bands_and_attribution() -> None:
    text = dictionary.render_dictionary()
    assert f"`{contract.CONTRACT_VERSION}`" in text
    assert reference.ATTRIBUTION in text
    for label in criteria.TINGKAT_LABELS:
        assert f"| {label} |" in text
    assert "| Kumuh Berat | 60–80 |" in text and "| Tidak Kumuh | 0–15 |" in text


def test_aggregate_luas_ha_is_the_reported_rts_area() -> None:
    """On the roll-ups ``luas_ha`` is the sum over the reported RTs, not the unit's area."""
    sections = _sections(dictionary.render_dictionary())
    rt_line = next(ln for ln in sections["indikator_rt"].splitlines()
                   if ln.startswith("| `luas_ha` |"))
    assert "Luas wilayah RT" in rt_line
    for table in ("indikator_kelurahan", "indikator_kecamatan", "indikator_kabupaten"):
        line = next(ln for ln in sections[table].splitlines() if ln.startswith("| `luas_ha` |"))
        assert "Luas seluruh RT yang dilaporkan" in line and "Luas wilayah RT" not in line


def test_kumuh_info_keys_are_the_ones_a_bi_file_holds(tmp_path: Path) -> None:
    with duckdb.connect(str(bi.write_bi_database(tmp_path)), read_only=True) as con:
        keys = [k for (k,) in con.sql("SELECT kunci FROM kumuh_info").fetchall()]
    section = _sections(dictionary.render_dictionary())["kumuh_info"]
    assert keys == list(bi.INFO) == re.findall(r"^\| `(\w+)` \|", section, flags=re.M)


def test_every_history_column_is_documented(tmp_path: Path) -> None:
    """The warehouse's own ``runs`` columns (from a real warehouse file) each have a meaning;
    ``riwayat_*`` point to the table whose columns they keep."""
    con = warehouse.connect(tmp_path / "wh.duckdb")
    try:
        real = {t: con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
                               "ORDER BY column_index", [t]).fetchall()
                for t in warehouse.HISTORY_DOC}
    finally:
        con.close()
    sections = _sections(dictionary.render_dictionary())
    runs = re.findall(r"^\| `(\w+)` \| [A-Z ]+ \| ([^|]+) \|", sections["runs"], flags=re.M)
    assert [c for c, _ in runs] == [c for (c,) in real["runs"]]
    assert all(meaning.strip() for _, meaning in runs)
    for name, source in warehouse.HISTORY.items():
        assert [c for (c,) in real[name]] == contract.columns(source)
        assert f"(#{source})" in sections[name]
