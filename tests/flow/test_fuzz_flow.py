"""Mutation fuzz: mutated workbooks through the real flow never stop a run, never lie.

Valid workbooks are mutated at the cell level (random text, random numbers, deleted or
duplicated rows — re-written with ``workbooks.write_workbook``) and the byte level (flipped
bytes); the Prefect flow runs once over all of them, and every outcome is checked against an
independent oracle: a workbook is accepted exactly when the values written obey spec §5 (then
its published figures equal ``tests/expected.py``'s), otherwise rejected with an error finding
of its own; a byte-mutated one may go either way, but never silently wrong.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import random
import re
from pathlib import Path

import pytest

from tests import expected as ex
from tests.conftest import REFERENCE, read_table
from transforms.read.numbers import DASHES
from transforms.sample import generate, truth, workbooks
from transforms.spec import criteria

CODE = re.compile(r"^\d{3}[A-Z]?$")
LAYOUTS = (
    truth.Layout(),
    truth.Layout(numbers="text_id", group_header_rows=2, rt_rw="RT001-RW002"),
    truth.Layout(numbers="text_en", total_rows="both", identity_sheet=None,
                  kode_format="number", variant_seed=3),
    truth.Layout(dash_for_zero=True, trailing_units=True, column_order="shuffled",
                  variant_seed=5),
    truth.Layout(formulas=True, notes_below=True, numbering_row=True, rt_sheet="Rekap RT",
                  label_style="long", variant_seed=9),
)
MUTANTS = 25
#: Seeds of the flow-level fuzz; more with ``KUMUH_FUZZ_SEEDS=1,2,3`` (one flow run each).
FUZZ_SEEDS = [int(x) for x in os.environ.get("KUMUH_FUZZ_SEEDS", "20241").split(",")]
TEXT_COLUMNS = ("rt", "rw", "kawasan")
NUMERIC = list(criteria.numeric_columns())
_TOTAL_PREFIXES = tuple(criteria.TOTAL_ROW_LABELS)


_TRICKY_TEXT = ("", " ", "tidak tahu", "n/a", "N/A", "#REF!", "#DIV/0!", "nihil", "ha",
                "unit", "?", "x", "RT", "RW", "é", "Ñoño", "\u00a0", "—ada—", "TBD", "NaN",
                "inf", "true", "<b>", "'", "\"", "%", "ribu", "±", "∞", "عدد", "漢字", "🙂")
_SCALARS = (0, 1, 1e12, 10**15, 30_001, 100_000.5, 0.5, 999_999, 10_000)


def _plain_text(text: str) -> bool:
    """Text whose meaning the oracle knows: no digit, not a dash, not a total-row label."""
    return (not any(ch.isdigit() for ch in text) and text.strip() not in DASHES
            and not criteria.norm_label(text).startswith(_TOTAL_PREFIXES))


def _random_text(rng: random.Random) -> str:
    if rng.random() < 0.6:
        return rng.choice(_TRICKY_TEXT)
    chars = [chr(rng.choice((rng.randint(0x20, 0x7E), rng.randint(0xA0, 0x2FFF))))
             for _ in range(rng.randint(1, 8))]
    text = "".join(chars)
    return text if _plain_text(text) and text.isprintable() else "teks"


def _random_number(rng: random.Random) -> float | int:
    kind = rng.random()
    if kind < 0.3:
        return rng.choice(_SCALARS)
    if kind < 0.6:
        return rng.randint(-5, 20_000)
    return rng.randint(-500, 2_000_000) / 100


def _random_op(rng: random.Random) -> tuple:
    """One mutation: text or number in a cell, a deleted or duplicated row, flipped bytes."""
    kind = rng.choices(("text", "number", "delete", "duplicate", "bytes"),
                       weights=(3, 4, 2, 1, 2))[0]
    row = rng.randrange(10**6)
    if kind == "text":
        column = rng.choice([*TEXT_COLUMNS, *NUMERIC])
        return kind, row, column, _random_text(rng)
    if kind == "number":
        return kind, row, rng.choice(NUMERIC), _random_number(rng)
    if kind == "bytes":
        return kind, [(rng.randrange(10**6), rng.randint(1, 255))
                      for _ in range(rng.randint(1, 3))]
    return kind, row


def random_plans(seed: int, n: int = MUTANTS) -> list[list[tuple]]:
    """n mutation plans of 0–3 operations (the first workbook stays intact)."""
    rng = random.Random(seed)
    return [[] if i == 0 else [_random_op(rng) for _ in range(rng.choice((1, 1, 2, 3)))]
            for i in range(n)]


@dataclasses.dataclass
class Mutant:
    rel: str
    rts: list[truth.SampleRT]
    kode: str
    byte_level: bool


def _apply(rts: list[truth.SampleRT], op: tuple) -> list[truth.SampleRT]:
    """RTs after one cell-level mutation (rows picked modulo the row count)."""
    rts = [dataclasses.replace(rt, values=dict(rt.values)) for rt in rts]
    i = op[1] % len(rts)
    if op[0] == "delete" and len(rts) > 1:
        del rts[i]
    elif op[0] == "duplicate":
        rts.insert(i + 1, dataclasses.replace(rts[i], values=dict(rts[i].values)))
    elif op[0] in ("text", "number") and op[2] in TEXT_COLUMNS:
        setattr(rts[i], op[2], op[3])
    elif op[0] in ("text", "number"):
        rts[i].values[op[2]] = op[3]
    return rts


def _flip(path: Path, flips: list[tuple[int, int]]) -> None:
    data = bytearray(path.read_bytes())
    for pos, mask in flips:
        data[pos % len(data)] ^= mask
    path.write_bytes(bytes(data))


def _valid(rts: list[truth.SampleRT]) -> bool:
    """Spec §5 errors, decided independently of kumuh's reader and validator."""
    keys = set()
    for rt in rts:
        if not (isinstance(rt.rt, str) and CODE.match(rt.rt) and isinstance(rt.rw, str)
                and CODE.match(rt.rw)) or (rt.rt, rt.rw) in keys:
            return False
        keys.add((rt.rt, rt.rw))
        v = rt.values
        if any(not isinstance(v[c], int | float) or v[c] < 0 for c in NUMERIC):
            return False
        for c in NUMERIC:
            col = criteria.input_columns()[c]
            if col.is_count and v[c] != int(v[c]):
                return False
            if col.max_plausible is not None and v[c] > col.max_plausible:
                return False
        if any(v[f"vol_{k}"] > v[den] for k, den in ex.PENYEBUT.items()):
            return False
    return True


def _write_mutants(folder: Path, plans: list[list[tuple]]) -> list[Mutant]:
    villages = generate.region_list(REFERENCE).villages["35.08"]
    mutants = []
    for i, plan in enumerate(plans):
        kode, nama = villages[40 + i]
        identity = {"provinsi": "Jawa Timur", "kabupaten": "Kabupaten Lumajang",
                    "kecamatan": None, "kelurahan": nama, "kode_kelurahan": kode,
                    "tahun": 2023, "tanggal_pendataan": dt.date(2023, 5, 1)}
        rts = truth.generate_rts(random.Random(1000 + i), 6 + i % 5)
        for op in plan:
            rts = _apply(rts, op) if op[0] != "bytes" else rts
        rel = f"mutan/{i:02d} {nama}.xlsx"
        workbooks.write_workbook(folder / rel, identity, rts, LAYOUTS[i % len(LAYOUTS)])
        flips = [f for op in plan if op[0] == "bytes" for f in op[1]]
        if flips:
            _flip(folder / rel, flips)
        mutants.append(Mutant(rel, rts, kode, bool(flips)))
    return mutants


def _check_published(m: Mutant, rows: list[dict]) -> None:
    got = {(r["rt"], r["rw"]): r for r in rows if r["sumber_file"] == m.rel}
    assert set(got) == {(rt.rt, rt.rw) for rt in m.rts}, m.rel
    for rt in m.rts:
        r = got[(rt.rt, rt.rw)]
        for col in ex.NUMERIC:
            assert r[col] == pytest.approx(rt.values[col]), (m.rel, rt.rt, col)
        for key, want in ex.assess(rt.values).items():
            assert r[key] == (pytest.approx(want) if isinstance(want, float) else want), (
                m.rel, rt.rt, key)


@pytest.mark.slow
@pytest.mark.parametrize("seed", FUZZ_SEEDS)
def test_mutated_workbooks_through_the_flow(tmp_path_factory, run_flow, seed: int) -> None:
    plans = random_plans(seed)
    base = tmp_path_factory.mktemp("fuzz")
    mutants = _write_mutants(base / "in", plans)
    summary, out, _ = run_flow(base / "in", out=base / "out", warehouse=base / "kumuh.duckdb")
    status = {r["sumber_file"]: r["status"] for r in read_table(out, "pengiriman")}
    found = read_table(out, "temuan_validasi")
    rows = read_table(out, "indikator_rt")
    if os.environ.get("KUMUH_FUZZ_VERBOSE"):
        for m in mutants:
            print(m.rel, m.byte_level, _valid(m.rts), status.get(m.rel), [
                f["aturan"] for f in found if f["sumber_file"] == m.rel])
    for m in mutants:
        assert m.rel in status, m.rel
        errors = [f for f in found if f["sumber_file"] == m.rel and f["tingkat"] == "error"]
        assert status[m.rel] in ("diterima", "ditolak"), (m.rel, status[m.rel])
        if not m.byte_level:
            assert (status[m.rel] == "diterima") == _valid(m.rts), (m.rel, errors)
        if status[m.rel] == "diterima":
            assert not errors, (m.rel, errors)
            _check_published(m, rows)
        else:
            assert errors, m.rel
    outcomes = {status[m.rel] for m in mutants}
    assert outcomes == {"diterima", "ditolak"}, outcomes  # the fuzz reaches both sides
