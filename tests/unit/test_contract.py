"""The published schema changes only together with ``contract.CONTRACT_VERSION``.

``tests/contract_snapshot.json`` records every table's columns and Arrow types with the contract
version. Changing a column (add, remove, rename, retype, reorder) without raising the version
fails here; after raising it, regenerate the snapshot with ``python -m tests.test_contract
--update``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from transforms.spec import contract

SNAPSHOT = Path(__file__).resolve().parents[1] / "contract_snapshot.json"
REGENERATE = "python -m tests.test_contract --update"


def current() -> dict:
    """The contract as the snapshot stores it: version and table → [[column, arrow type]]."""
    tables = {t: [[f.name, str(f.type)] for f in contract.arrow_schema(t)]
              for t in contract.tables()}
    return {"contract_version": contract.CONTRACT_VERSION, "tables": tables}


def dumps(snapshot: dict) -> str:
    """Snapshot JSON with one column per line, so a schema change reads well in a diff."""
    lines = ["{", f' "contract_version": {json.dumps(snapshot["contract_version"])},',
             ' "tables": {']
    tables = list(snapshot["tables"].items())
    for i, (table, cols) in enumerate(tables):
        lines.append(f"  {json.dumps(table)}: [")
        lines += [f"   {json.dumps(c)}" + ("," if j < len(cols) - 1 else "")
                  for j, c in enumerate(cols)]
        lines.append("  ]" + ("," if i < len(tables) - 1 else ""))
    return "\n".join([*lines, " }", "}"]) + "\n"


def diff(old: dict[str, list], new: dict[str, list]) -> list[str]:
    """Human-readable schema changes between two snapshots' tables."""
    out = []
    for table in sorted(set(old) | set(new)):
        a, b = dict(map(tuple, old.get(table, []))), dict(map(tuple, new.get(table, [])))
        mine = [f"{table}.{c}: removed" for c in a if c not in b]
        mine += [f"{table}.{c}: added ({b[c]})" for c in b if c not in a]
        mine += [f"{table}.{c}: {a[c]} → {b[c]}" for c in a if c in b and a[c] != b[c]]
        if not mine and list(a) != list(b):
            mine.append(f"{table}: column order changed")
        out += mine
    return out


def _version(v: str) -> tuple[int, ...]:
    return tuple(int(p) for p in v.split("."))


def problems(snap: dict, now: dict) -> list[str]:
    """Why the snapshot and the contract disagree (empty when they agree)."""
    changes = diff(snap["tables"], now["tables"])
    old_v, new_v = snap["contract_version"], now["contract_version"]
    if changes and _version(new_v) <= _version(old_v):
        return [f"The published schema changed but contract.CONTRACT_VERSION is still {new_v} "
                "(snapshot " + old_v + "):", *changes,
                f"Raise CONTRACT_VERSION in transforms/contract.py, then run: {REGENERATE}"]
    if changes or old_v != new_v:
        return [f"CONTRACT_VERSION is {new_v}, the snapshot is for {old_v}:", *changes,
                f"Regenerate the snapshot: {REGENERATE}"]
    return []


def test_schema_matches_snapshot_or_version_was_raised() -> None:
    snap = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    found = problems(snap, current())
    assert not found, "\n  ".join(found)


def test_snapshot_file_is_in_canonical_form() -> None:
    assert SNAPSHOT.read_text(encoding="utf-8") == dumps(current())


def test_a_retyped_column_without_a_new_version_fails() -> None:
    snap = current()
    now = json.loads(json.dumps(snap))
    now["tables"]["indikator_rt"][1][1] = "large_string"
    now["tables"]["pengiriman"].append(["catatan", "string"])
    found = problems(snap, now)
    assert "still" in found[0] and REGENERATE in found[-1]
    assert "indikator_rt.kode_provinsi: string → large_string" in found
    assert "pengiriman.catatan: added (string)" in found
    now["contract_version"] = "99.0.0"
    assert "Regenerate" in problems(snap, now)[-1]


def test_diff_names_each_change() -> None:
    old = {"t": [["a", "string"], ["b", "int64"]], "u": [["x", "int8"], ["y", "int8"]]}
    new = {"t": [["a", "int16"], ["c", "string"]], "u": [["y", "int8"], ["x", "int8"]]}
    assert diff(old, new) == ["t.b: removed", "t.c: added (string)", "t.a: string → int16",
                              "u: column order changed"]


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit(f"usage: {REGENERATE}")
    SNAPSHOT.write_text(dumps(current()), encoding="utf-8")
    print(f"wrote {SNAPSHOT} (contract {contract.CONTRACT_VERSION})")


def test_output_checks_catch_a_contract_violation() -> None:
    import pyarrow as pa

    from expectations import output_contract

    good = contract.arrow_schema("pengiriman").empty_table().to_pylist()
    assert good == []
    row = {c: None for c in contract.columns("pengiriman")}
    table = pa.Table.from_pylist([{**row, "status": "diterima", "jumlah_error": 0,
                                   "jumlah_warning": 0, "sumber_file": "a.xlsx"}],
                                 schema=contract.arrow_schema("pengiriman"))
    assert output_contract.violations("pengiriman", table) == []
    bad = pa.Table.from_pylist([{**row, "status": "hilang", "jumlah_error": -1,
                                 "jumlah_warning": 0, "sumber_file": "a.xlsx"}],
                               schema=contract.arrow_schema("pengiriman"))
    found = output_contract.violations("pengiriman", bad)
    assert any("pengiriman.status" in f and "hilang" in f for f in found)
    assert any("pengiriman.jumlah_error" in f for f in found)
    with pytest.raises(output_contract.OutputContractError, match="pengiriman.status"):
        output_contract.check_tables({"pengiriman": bad})


def test_output_checks_name_table_column_and_value() -> None:
    """The profile-based check still points at the table, column and offending value, for a
    code that breaks its pattern, a percent out of range and a column out of order."""
    import pyarrow as pa

    from expectations import output_contract

    cols = contract.columns("indikator_kabupaten")
    row = {c: None for c in cols}
    good = {**row, "tahun": 2024, "kode_kabupaten": "33.75"}
    schema = contract.arrow_schema("indikator_kabupaten")
    assert output_contract.violations("indikator_kabupaten",
                              pa.Table.from_pylist([good], schema=schema)) == []
    percent = next(c for c in cols if c.startswith("persen_"))
    bad = pa.Table.from_pylist([good, {**good, "kode_kabupaten": "3375", percent: 140.0}],
                               schema=schema)
    found = output_contract.violations("indikator_kabupaten", bad)
    assert any("indikator_kabupaten.kode_kabupaten" in f and "3375" in f for f in found)
    assert any(f"indikator_kabupaten.{percent}" in f and "140" in f for f in found)
    swapped = bad.select([cols[1], cols[0], *cols[2:]])
    found = output_contract.violations("indikator_kabupaten", swapped)
    assert any("indikator_kabupaten.*: kolom kontrak" in f and repr(cols[1]) in f
               for f in found)
