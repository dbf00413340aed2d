"""``make bench``: how fast kumuh consolidates N generated workbooks, vs a floor and a baseline.

Measures, in one run and the same environment:
- parse floor: python-calamine over every file in a process pool of all cores, nothing else;
- naive baseline: pandas.read_excel (openpyxl) + groupby, the minimum for kelurahan totals
  (serial; measured on at most ``--naive-max`` files and scaled linearly, as stated);
- kumuh start-up (a folder of 2 workbooks), cold run, no-change run, run after 1 % changed.
Each kumuh run is a fresh ``kumuh run`` process; peak RSS is the largest process's.
Prints a table and writes it as JSON under ``bench/out/``.

Usage: ``python bench/run_bench.py [--n 11000] [--seed 1] [--naive-max 1000]``
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

from transforms import sample  # noqa: E402
from transforms.spec import criteria  # noqa: E402


def _kabupaten_codes(n_kelurahan: int) -> list[str]:
    """Real kabupaten/kota codes, in order, enough to hold ``n_kelurahan`` villages."""
    import csv

    counts: dict[str, int] = {}
    with (ROOT / "data/reference/wilayah/villages.csv").open() as fh:
        for row in csv.DictReader(fh):
            counts[row["code"][:5]] = counts.get(row["code"][:5], 0) + 1
    chosen, total = [], 0
    rng = random.Random(11)
    codes = sorted(counts)
    rng.shuffle(codes)
    for code in codes:
        chosen.append(code)
        total += min(counts[code], 40)
        if total >= n_kelurahan:
            break
    return chosen


def generate(n: int, seed: int) -> tuple[Path, list[sample.SampleWorkbook]]:
    """N valid workbooks (two years), cached by N and seed."""
    folder = OUT / f"wb-{n}-{seed}"
    kabs = _kabupaten_codes(n // 2)
    per_kab = max(1, -(-n // (2 * len(kabs))))
    marker = folder / ".complete"
    t = time.perf_counter()
    if folder.exists() and not marker.exists():
        shutil.rmtree(folder)
    made = sample.generate_sample(folder, ROOT / "data/reference/wilayah", kabupaten=kabs,
                                  kelurahan_per_kabupaten=min(per_kab, 40),
                                  rts_per_kelurahan=(35, 55), seed=seed, with_errors=False,
                                  workers=os.cpu_count() or 1) if not marker.exists() else None
    marker.touch()
    print(f"generated/cached {n} workbooks in {time.perf_counter() - t:.1f} s", flush=True)
    return folder, made or []


def _calamine_one(path: str) -> int:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(path)
    return sum(len(wb.get_sheet_by_name(s).to_python()) for s in wb.sheet_names)


def parse_floor(files: list[str]) -> float:
    t = time.perf_counter()
    with ProcessPoolExecutor(os.cpu_count()) as pool:
        list(pool.map(_calamine_one, files, chunksize=100))
    return time.perf_counter() - t


def naive(files: list[str]) -> float:
    """pandas.read_excel with openpyxl, then groupby: kelurahan totals, nothing checked."""
    import pandas as pd

    t = time.perf_counter()
    frames = []
    for f in files:
        sheets = pd.read_excel(f, sheet_name=None, engine="openpyxl", header=None)
        for df in sheets.values():
            frames.append(df.apply(pd.to_numeric, errors="coerce").sum().to_frame().T.assign(f=f))
    pd.concat(frames).groupby("f").sum()
    return time.perf_counter() - t


def kumuh_run(input_dir: Path, out: Path, warehouse: Path) -> tuple[float, float]:
    """(seconds, peak RSS MiB) of one ``kumuh run`` process."""
    code = ("import resource,subprocess,sys,time;t=time.perf_counter();"
            "r=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL);"
            "print(time.perf_counter()-t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,"
            " r.returncode)")
    kumuh = Path(sys.executable).with_name("kumuh")
    done = subprocess.run([sys.executable, "-c", code, str(kumuh), "run", "--input",
                           str(input_dir), "--out", str(out), "--warehouse", str(warehouse)],
                          capture_output=True, text=True, check=True)
    secs, rss, rc = done.stdout.split()
    if rc != "0":
        raise SystemExit(f"kumuh run failed ({rc}) on {input_dir}")
    return float(secs), int(rss) / 1024


def change_some(made: list[sample.SampleWorkbook], fraction: float, seed: int) -> int:
    """Rewrite ``fraction`` of the workbooks with new RT values (same kelurahan-year)."""
    rng = random.Random(seed)
    picked = rng.sample(made, max(1, int(len(made) * fraction)))
    for w in picked:
        rts = sample.generate_rts(rng, len(w.rts))
        sample.write_workbook(w.path, w.identity, rts, w.layout)
    return len(picked)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=int(os.environ.get("N", 11000)))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--naive-max", type=int, default=1000)
    args = ap.parse_args()
    assert len(criteria()) == 16
    OUT.mkdir(parents=True, exist_ok=True)

    folder, made = generate(args.n, args.seed)
    files = sorted(str(p) for p in folder.rglob("*.xlsx"))
    n = len(files)
    rows: dict[str, dict] = {}

    floor = parse_floor(files)
    rows["parse floor (calamine, pool)"] = {"seconds": floor}
    sub = files[: args.naive_max]
    naive_s = naive(sub) * n / len(sub)
    rows[f"naive baseline (openpyxl; {len(sub)} files, scaled)"] = {"seconds": naive_s}

    tiny = OUT / "tiny"
    shutil.rmtree(tiny, ignore_errors=True)
    tiny.mkdir()
    for f in files[:2]:
        shutil.copy(f, tiny / Path(f).name)
    work = OUT / f"run-{args.n}"
    shutil.rmtree(work, ignore_errors=True)
    s, rss = kumuh_run(tiny, work / "tiny-out", work / "tiny.duckdb")
    rows["kumuh start-up (2 workbooks)"] = {"seconds": s, "peak_rss_mib": rss}
    s, rss = kumuh_run(folder, work / "out", work / "kumuh.duckdb")
    rows["kumuh cold run"] = {"seconds": s, "peak_rss_mib": rss}
    s, rss = kumuh_run(folder, work / "out", work / "kumuh.duckdb")
    rows["kumuh no-change run"] = {"seconds": s, "peak_rss_mib": rss}
    if made:
        changed = change_some(made, 0.01, args.seed)
        s, rss = kumuh_run(folder, work / "out", work / "kumuh.duckdb")
        rows[f"kumuh after 1 % changed ({changed} files)"] = {"seconds": s,
                                                               "peak_rss_mib": rss}
        (folder / ".complete").unlink()  # the cached set was modified: regenerate next time

    print(f"\nkumuh bench: N = {n} workbooks, {os.cpu_count()} cores\n")
    print(f"{'measure':<48} {'seconds':>9} {'wb/s':>9} {'x floor':>8} {'peak RSS':>10}")
    for name, r in rows.items():
        r["workbooks_per_s"] = n / r["seconds"]
        r["ratio_to_floor"] = r["seconds"] / floor
        rss = f"{r['peak_rss_mib']:.0f} MiB" if "peak_rss_mib" in r else ""
        print(f"{name:<48} {r['seconds']:>9.2f} {r['workbooks_per_s']:>9.0f} "
              f"{r['ratio_to_floor']:>8.1f} {rss:>10}")
    result = {"n": n, "cores": os.cpu_count(), "measures": rows,
              "peak_rss_self_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    path = OUT / f"bench-{n}.json"
    path.write_text(json.dumps(result, indent=2))
    print(f"\nJSON: {path}")


if __name__ == "__main__":
    main()
