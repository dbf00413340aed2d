"""The sample data set: many workbooks over real kelurahan of the region list.

``generate_sample`` cycles the layout variations so a default sample holds every value of every
variation at least once. A kelurahan surveyed in several years holds the same RTs each year,
mostly getting better (spec §7's progress has something to show); with ``coverage`` below 1
some kelurahan join only in a later year, so coverage grows as it does in the field. Kawasan
are named per RW; in each kabupaten one kawasan spans two kelurahan. Defective workbooks (one
injected error each) are written to ``out_dir/_bermasalah/`` for kelurahan-years that no valid
workbook of the sample covers.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import random
import re
import shutil
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from transforms.sample.truth import (
    DEFECTS,
    KAWASAN,
    LAYOUT_VARIATIONS,
    Layout,
    SampleRT,
    SampleWorkbook,
    evolve_rts,
    generate_rts,
    revise_rts,
)
from transforms.sample.workbooks import write_workbook

#: Folder (under ``out_dir``) holding the defective workbooks.
DEFECT_DIR = "_bermasalah"


# ---------------------------------------------------------------------------------------------
# Reference list and clerk identity


@dataclass(frozen=True)
class RegionList:
    """The official region list as the sample writers use it: names by dotted code."""

    provinces: dict[str, str]
    regencies: dict[str, str]
    districts: dict[str, str]
    villages: dict[str, list[tuple[str, str]]]  # kabupaten code -> sorted (code, name)


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))  # every value stays text (dotted codes)


@cache
def region_list(reference_dir: Path) -> RegionList:
    """The official region list, codes as dotted text."""
    def names(f: str) -> dict[str, str]:
        return {r["code"]: r["name"] for r in _read_csv(reference_dir / f)}

    villages: dict[str, list[tuple[str, str]]] = {}
    for r in _read_csv(reference_dir / "villages.csv"):
        villages.setdefault(r["code"][:5], []).append((r["code"], r["name"]))
    for v in villages.values():
        v.sort()
    return RegionList(names("provinces.csv"), names("regencies.csv"), names("districts.csv"),
                      villages)


def _clerk_kabupaten(rng: random.Random, name: str) -> str:
    kind, _, base = name.partition(" ")
    if kind == "Kabupaten":
        return rng.choice((f"KAB. {base.upper()}", name, f"Kab. {base}", name.upper()))
    return rng.choice((name, name.upper(), f"KOTA {base.upper()}"))


def clerk_identity(
    rng: random.Random, ref: RegionList, kode: str, nama: str, tahun: int
) -> dict[str, object]:
    """Identity values as clerks write them (prefixes, upper case), date sometimes missing."""
    kec = ref.districts[kode[:8]]
    prefix = "Kel." if kode[9] == "1" else "Desa"
    tanggal = None
    if rng.random() < 0.8:
        tanggal = dt.date(tahun, 1, 1) + dt.timedelta(days=rng.randrange(365))
    return {
        "provinsi": rng.choice((ref.provinces[kode[:2]], ref.provinces[kode[:2]].upper())),
        "kabupaten": _clerk_kabupaten(rng, ref.regencies[kode[:5]]),
        "kecamatan": rng.choice((kec, f"Kec. {kec}", kec.upper())),
        "kelurahan": rng.choice((nama, nama.upper(), f"{prefix} {nama}")),
        "kode_kelurahan": kode,
        "tahun": tahun,
        "tanggal_pendataan": tanggal,
    }


_FILE_NAMES = (
    "Data Kumuh {prefix} {nama} {tahun} (final).xlsx",
    "REKAP_RT_{digits}_{tahun}.xlsx",
    "{upper} {tahun}.xlsx",
    "Baseline Kumuh {nama} Th {tahun} - revisi 2.xlsx",
    "Rekap Kumuh {nama} – {tahun}.xlsx",
    "data rt {lower} {tahun} FIX.xlsx",
    "Kelurahan {nama} {tahun} — update Agustus.xlsx",
)


def _file_name(i: int, kode: str, nama: str, tahun: int) -> str:
    """A clerk-style file name (spaces, parentheses, sometimes non-ASCII)."""
    safe = re.sub(r'[/\\:*?"<>|]+', "-", nama)
    return _FILE_NAMES[i % len(_FILE_NAMES)].format(
        prefix="Kel." if kode[9] == "1" else "Desa", nama=safe, upper=safe.upper(),
        lower=safe.lower(), digits=kode.replace(".", ""), tahun=tahun,
    )


# ---------------------------------------------------------------------------------------------
# Sample


def _layouts(rng: random.Random, n: int) -> list[Layout]:
    """n layouts; each field's values cycle through a seeded permutation, so every value
    appears once n >= its number of values."""
    perms = {}
    for name in LAYOUT_VARIATIONS:
        perm = list(range(n))
        rng.shuffle(perm)
        perms[name] = perm
    layouts = [
        Layout(
            **{k: v[perms[k][i] % len(v)] for k, v in LAYOUT_VARIATIONS.items()},  # type: ignore[arg-type]
            variant_seed=rng.randrange(1, 1_000_000),
        )
        for i in range(n)
    ]
    if not any(lay.formulas and lay.numbers == "numeric" for lay in layouts):
        for i, lay in enumerate(layouts):
            if lay.numbers == "numeric":
                layouts[i] = dataclasses.replace(lay, formulas=True)
                break
    return layouts


def _unique(path: Path, used: set[Path]) -> Path:
    out, k = path, 2
    while out in used:
        out = path.with_name(f"{path.stem} ({k}){path.suffix}")
        k += 1
    used.add(out)
    return out


def _write_job(job: tuple) -> list[SampleRT]:
    """Generate a workbook's RTs from their seeds and write it (runs in a worker): the
    kelurahan's RTs, then one year's change per seed of ``later``."""
    path, identity, (n_rts, rts_seed, kawasan, later), layout, defects = job
    rts = generate_rts(random.Random(rts_seed), n_rts, kawasan)
    for seed in later:
        rts = evolve_rts(random.Random(seed), rts)
    write_workbook(path, identity, rts, layout, defects=defects)
    return rts


def _kawasan_names(rng: random.Random, chosen: list[tuple[str, str]]
                   ) -> dict[str, tuple[str | None, ...]]:
    """Kawasan an RW group of each kelurahan may lie in (``None``: none), named after the
    kelurahan (``Kawasan Pasar Medono``): a third of the kelurahan have two; the first two
    share one kawasan, named after the first, that spans both."""
    out: dict[str, tuple[str | None, ...]] = {}
    for kode, nama in chosen:
        themes = rng.sample(KAWASAN, 2) if rng.random() < 0.35 else []
        out[kode] = (*(f"{theme} {nama}" for theme in themes), None) if themes else (None,)
    if len(chosen) >= 2:
        shared = f"{KAWASAN[0]} {chosen[0][1]}"
        out[chosen[0][0]] = (shared, None)
        out[chosen[1][0]] = (shared, f"{KAWASAN[1]} {chosen[1][1]}")
    return out


def generate_sample(
    out_dir: Path,
    reference_dir: Path,
    *,
    kabupaten: Sequence[str] = ("33.75", "35.08"),
    years: Sequence[int] = (2023, 2024),
    kelurahan_per_kabupaten: int = 8,
    rts_per_kelurahan: tuple[int, int] = (8, 20),
    seed: int = 2024,
    with_errors: bool = True,
    workers: int = 1,
    coverage: float = 1.0,
) -> list[SampleWorkbook]:
    """Write one workbook per chosen village per year it reports under
    ``out_dir/<kabupaten>/<kecamatan>/<clerk file name>`` (plus, with_errors, one defective
    workbook per DEFECTS kind under ``out_dir/_bermasalah/``) and return their ground truth.
    A village reports from the first year on with probability ``coverage``, else from a later
    year, and every year after that. Deterministic for a seed, whatever the number of workers."""
    out_dir, ref = Path(out_dir), region_list(Path(reference_dir))
    years = sorted(years)
    rng = random.Random(seed)
    plan: list[tuple[str, str, str, int, bool]] = []  # kab, kode, nama, tahun, defective
    spare: list[tuple[str, str, str]] = []
    kawasan: dict[str, tuple[str | None, ...]] = {}
    first_year: dict[str, int] = {}
    for kab in kabupaten:
        villages = ref.villages.get(kab, [])
        k = min(kelurahan_per_kabupaten, len(villages))
        chosen = sorted(rng.sample(villages, k))
        spare += [(kab, *v) for v in villages if v not in chosen]
        kawasan.update(_kawasan_names(rng, chosen))
        for kode, nama in chosen:
            first = 0 if len(years) == 1 or rng.random() < coverage else \
                rng.randrange(1, len(years))
            first_year[kode] = first
            plan += [(kab, kode, nama, tahun, False) for tahun in years[first:]]
    if with_errors:
        for i in range(len(DEFECTS)):
            if spare:
                kab, kode, nama = spare.pop(rng.randrange(len(spare)))
                plan.append((kab, kode, nama, years[i % len(years)], True))
            else:
                kab, kode, nama = plan[i % len(plan)][:3]
                plan.append((kab, kode, nama, min(years) - 1, True))
    n_bad = sum(bad for *_, bad in plan)
    layouts = _layouts(rng, len(plan) - n_bad) + _layouts(rng, n_bad)
    items, jobs, used = [], [], set()
    n_defect = 0
    kelurahan_rts: dict[str, tuple[int, int, list[int]]] = {}  # n RTs, seed, seed per year
    for i, (kab, kode, nama, tahun, bad) in enumerate(plan):
        identity = clerk_identity(rng, ref, kode, nama, tahun)
        name = _file_name(i, kode, nama, tahun)
        kec = re.sub(r"[/\\:*?\"<>|]+", "-", ref.districts[kode[:8]])
        folder = out_dir / DEFECT_DIR if bad else out_dir / kab / kec
        path = _unique(folder / name, used)
        defects = [DEFECTS[n_defect]] if bad else []
        n_defect += bad
        item = SampleWorkbook(
            path=path, kode_kelurahan=kode, nama_kelurahan=nama, kode_kecamatan=kode[:8],
            kode_kabupaten=kab, tahun=tahun, tanggal_pendataan=identity["tanggal_pendataan"],
            rts=[], layout=dataclasses.replace(layouts[i], file_name=path.name), defects=defects,
            identity=identity,
        )
        items.append(item)
        if bad:
            rts_plan = (rng.randint(*rts_per_kelurahan), rng.randrange(2**63), None, [])
        else:
            if kode not in kelurahan_rts:
                kelurahan_rts[kode] = (rng.randint(*rts_per_kelurahan), rng.randrange(2**63),
                                       [rng.randrange(2**63) for _ in years])
            n_rts, rts_seed, yearly = kelurahan_rts[kode]
            rts_plan = (n_rts, rts_seed, kawasan[kode],
                        yearly[first_year[kode] + 1:years.index(tahun) + 1])
        jobs.append((path, identity, rts_plan, item.layout, tuple(defects)))
    for item, rts in zip(items, _run(jobs, workers), strict=True):
        item.rts = rts
        item.expected_status = "ditolak" if item.defects else "diterima"
    if with_errors:
        items += _resubmissions(rng, out_dir, [i for i in items if not i.defects])
    return items


def _resubmissions(rng: random.Random, out_dir: Path,
                   valid: list[SampleWorkbook]) -> list[SampleWorkbook]:
    """What shared folders also hold: a byte-identical copy of one workbook (``duplikat``) and
    a later revision of another, dated after it (the original becomes ``digantikan``)."""
    if len(valid) < 2:
        return []
    copied, revised = valid[0], valid[1]
    copy_path = out_dir / DEFECT_DIR / f"{copied.path.stem} - Salinan.xlsx"
    copy_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(copied.path, copy_path)
    copy = dataclasses.replace(copied, path=copy_path, expected_status="duplikat")

    identity = dict(revised.identity)
    base = revised.tanggal_pendataan or dt.date(revised.tahun, 1, 1)
    identity["tanggal_pendataan"] = base + dt.timedelta(days=30)  # dated beats undated too
    rts = revise_rts(rng, revised.rts)
    path = revised.path.with_name(f"{revised.path.stem} revisi.xlsx")
    layout = dataclasses.replace(revised.layout, file_name=path.name)
    write_workbook(path, identity, rts, layout)
    revised.expected_status = "digantikan"
    return [copy, dataclasses.replace(revised, path=path, rts=rts, layout=layout,
                                      identity=identity,
                                      tanggal_pendataan=identity["tanggal_pendataan"],
                                      expected_status="diterima")]


def _run(jobs: list[tuple], workers: int) -> list[list[SampleRT]]:
    """Run the write jobs in order (in a process pool when workers > 1); their RTs."""
    if workers <= 1:
        return [_write_job(job) for job in jobs]
    chunk = max(1, min(32, len(jobs) // (workers * 8)))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(_write_job, jobs, chunksize=chunk))


