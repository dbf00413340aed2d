"""``kumuh status``: the last runs and the open problems, for the operator at a terminal.

Lists the last runs (times in the configured time zone), then the runs that failed or were
interrupted, the withdrawals and the rejected workbooks by kabupaten. Reads the warehouse
read-only; while a run holds it for writing (DuckDB allows one writer process), falls back
to the run manifests under ``<out>/runs/``.
"""

from __future__ import annotations

import json
import zoneinfo
from pathlib import Path

import duckdb

from flows.config import Settings
from transforms.publish import mirror
from transforms.store import history, lock, warehouse

#: How the history's run status reads for an operator.
STATUS_WORDS = {"diterbitkan": "selesai", "disimpan": "tersimpan, terbit run berikutnya",
                "dihentikan": "dihentikan", "gagal": "gagal", "masukan_kosong":
                "masukan kosong", "berjalan": "berjalan", "terputus": "terputus"}


def _cell(value: object) -> str:
    return "-" if value is None else str(value)


def _run_status(status: str, running: bool) -> str:
    """``berjalan`` only while a run holds the lock; else that run was killed (terputus)."""
    return "terputus" if status == "berjalan" and not running else status


def _from_warehouse(settings: Settings, last: int) -> str:
    tz = zoneinfo.ZoneInfo(settings.timezone)
    running = lock.is_held(lock.beside(settings.warehouse))
    con = warehouse.connect(settings.warehouse, read_only=True)
    try:
        runs = history.recent_runs(con, last)
        troubled = history.recent_runs(con, last, history.UNFINISHED)
        withdrawals = history.recent_runs(con, last, history.WITHDRAWALS)
        problems = history.rejected_by_kabupaten(con)
        names = history.kabupaten_names(con)
    finally:
        con.close()
    zone = f"{runs[0][1].astimezone(tz):%Z}" if runs else settings.timezone
    lines = [f"{'run':<28} {'mulai (' + zone + ')':<19} {'detik':>6}  {'lingkup':<22} "
             f"{'baru':>5} {'ubah':>5} {'tetap':>6} {'tolak':>5} {'hilang':>6} "
             f"{'RT baru':>7} {'grup':>4}  status"]
    for r in runs:
        word = STATUS_WORDS.get(_run_status(r[11], running), r[11])
        lines.append(f"{r[0]:<28} {r[1].astimezone(tz):%Y-%m-%d %H:%M:%S} {_cell(r[2]):>6}  "
                     f"{r[3]:<22} " + " ".join(f"{_cell(v):>{w}}" for v, w in zip(
                         r[4:11], (5, 5, 6, 5, 6, 7, 4), strict=True)) + f"  {word}")
    lines.append("")
    failed = [r for r in troubled if _run_status(r[11], running) != "berjalan"]
    if failed:
        lines.append("Run yang gagal, dihentikan atau terputus (run berikutnya melanjutkan):")
        for r in failed:
            why = f" — {r[12]}" if r[12] else ""
            lines.append(f"  {r[0]} {r[1].astimezone(tz):%Y-%m-%d %H:%M} {r[3]}: "
                         f"{STATUS_WORDS[_run_status(r[11], running)]}{why}")
    if withdrawals:
        lines.append("Penarikan data:")
        for r in withdrawals:
            lines.append(f"  {r[0]} {r[1].astimezone(tz):%Y-%m-%d %H:%M} "
                         f"{r[3].removeprefix('tarik ')} "
                         f"({STATUS_WORDS.get(_run_status(r[11], running), r[11])})")
    if problems:
        lines.append("Workbook ditolak (perlu diperbaiki petugas), per kabupaten/kota:")
        for kab, n, files in problems:
            lines.append(f"  {kab} {names.get(kab, '')}: {n} — {files}")
    else:
        lines.append("Tidak ada workbook yang ditolak.")
    return "\n".join(lines)


def local_out(settings: Settings) -> Path:
    """The local folder that holds the publish root's files (the mirror's cache folder when
    ``out`` is object storage)."""
    if mirror.is_remote(settings.out):
        return mirror.cache_folder(str(settings.out), settings.warehouse)
    return Path(settings.out)


def _from_manifests(settings: Settings, last: int) -> str:
    files = sorted((local_out(settings) / "runs").glob("*.json"), reverse=True)[:last]
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
