"""The committed data dictionary is the one the contract renders, and it documents every column."""

from __future__ import annotations

import re
from pathlib import Path

from transforms.reports import dictionary
from transforms.spec import contract, criteria, reference

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
    assert set(sections) == set(contract.tables()) == set(dictionary.GRAIN)
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
