"""``kumuh status``: the last runs and the open problems, for the operator at a terminal.

Reads the warehouse read-only; while a run holds it for writing (DuckDB allows one writer
process), falls back to the run manifests under ``<out>/runs/``.
"""

from __future__ import annotations

import json

import duckdb

from flows.config import Settings
from transforms.store import warehouse


def _from_warehouse(settings: Settings, last: int) -> str:
    con = warehouse.connect(settings.warehouse, read_only=True)
    try:
        runs = warehouse.recent_runs(con, last)
        problems = warehouse.rejected_by_kabupaten(con)
        names = warehouse.kabupaten_names(con)
    finally:
        con.close()
    lines = [f"{'run':<28} {'mulai (UTC)':<19} {'detik':>6}  {'lingkup':<22} "
             f"{'baru':>5} {'ubah':>5} {'tetap':>6} {'tolak':>5} {'hilang':>6} "
             f"{'RT baru':>7} {'grup':>4}  status"]
    for r in runs:
        lines.append(f"{r[0]:<28} {r[1]:%Y-%m-%d %H:%M:%S} {r[2]:>6}  {r[3]:<22} "
                     f"{r[4]:>5} {r[5]:>5} {r[6]:>6} {r[7]:>5} {r[8]:>6} {r[9]:>7} "
                     f"{r[10]:>4}  {r[11]}")
    lines.append("")
    if problems:
        lines.append("Workbook ditolak (perlu diperbaiki petugas), per kabupaten/kota:")
        for kab, n, files in problems:
            lines.append(f"  {kab} {names.get(kab, '')}: {n} — {files}")
    else:
        lines.append("Tidak ada workbook yang ditolak.")
    return "\n".join(lines)


def _from_manifests(settings: Settings, last: int) -> str:
    files = sorted((settings.out / "runs").glob("*.json"), reverse=True)[:last]
    lines = ["(warehouse sedang dipakai run lain; ringkasan dari <out>/runs/*.json)"]
    for f in files:
        s = json.loads(f.read_text())
        lines.append(f"{s['run_id']}  {s['scope']:<20} {s['seconds']:>7.1f} s  "
                     f"baru {s['new']}, berubah {s['changed']}, tetap {s['unchanged']}, "
                     f"ditolak {s['ditolak']}, diterbitkan {s['published']}")
    return "\n".join(lines)


def status_text(settings: Settings, last: int = 10) -> str:
    """The status report as text."""
    if not settings.warehouse.exists():
        return f"Belum ada run: warehouse {settings.warehouse} belum ada."
    try:
        return _from_warehouse(settings, last)
    except duckdb.IOException:
        return _from_manifests(settings, last)
