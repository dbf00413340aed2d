"""Folders of realistic KOTAKU *Form Data RT* workbooks (spec §2b), one form per RT of a
kelurahan-year, with known ground truth, for tests, the bench and a newcomer (``kumuh sample
--form-rt``).

:func:`write_kelurahan_forms` writes one kelurahan-year's forms, layouts cycling every
:data:`FORM_VARIATIONS` value; :func:`generate_form_sample` writes several kabupaten's, with one
defective kelurahan-year per :data:`FORM_DEFECTS` kind, a corrected form and a byte copy;
:func:`worked_example_forms` is spec §4's example as forms. Each form is written by
:func:`transforms.sample.form_writer.write_form`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import re
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

from transforms.sample import generate, truth
from transforms.sample.form_template import (
    DEFECT_RULE,
    FORM_DEFECTS,
    FORM_VARIATIONS,
    FormLayout,
    SampleForm,
    form_scores,
)
from transforms.sample.form_writer import write_form
from transforms.sample.truth import SampleRT
from transforms.spec.reference import norm_name


def form_layouts(rng: random.Random, n: int) -> list[FormLayout]:
    """n layouts cycling every FORM_VARIATIONS value (each appears once n >= its count);
    the first is the official template's own layout."""
    perms = {}
    for name in FORM_VARIATIONS:
        perm = list(range(n))
        rng.shuffle(perm)
        perms[name] = perm
    out = [FormLayout(**{k: vals[perms[k][i] % len(vals)]  # type: ignore[arg-type]
                         for k, vals in FORM_VARIATIONS.items()}) for i in range(n)]
    if out:
        out[0] = FormLayout()
    return out


def _krt(rng: random.Random, bangunan: int) -> int:
    """Households (KRT): usually the building count, sometimes a few more or fewer."""
    if rng.random() < 0.6:
        return bangunan
    return max(1, bangunan + rng.choice((-3, -2, -1, 1, 2, 4)))


def _village_names(ref, kode: str) -> dict[str, str]:
    """Official names of a village and its kecamatan, kabupaten and provinsi."""
    nama = next(n for code, n in ref.villages[kode[:5]] if code == kode)
    return {"kelurahan": nama, "kecamatan": ref.districts[kode[:8]],
            "kabupaten": ref.regencies[kode[:5]], "provinsi": ref.provinces[kode[:2]]}


def _form_identity(rng: random.Random, ref, kode: str, tahun: int,
                   tanggal: dt.date) -> dict[str, object]:
    """Cover identity in a clerk's style: the real form writes bare upper-case names."""
    nama = _village_names(ref, kode)["kelurahan"]
    identity = generate.clerk_identity(rng, ref, kode, nama, tahun)
    if rng.random() < 0.5:
        kab = str(ref.regencies[kode[:5]])
        identity["kabupaten"] = kab.removeprefix("Kabupaten ").upper()
    identity["tanggal_pendataan"] = tanggal
    identity["nama_kelurahan"] = nama
    return identity


def _wrong_kabupaten(ref, kode: str) -> str:
    """Another regency of the same province (bare, upper case): the real fixture's slip."""
    others = sorted(c for c in ref.regencies if c[:2] == kode[:2] and c != kode[:5])
    return str(ref.regencies[others[0]]).removeprefix("Kabupaten ").upper()


def form_file_name(nama: str, rt: SampleRT) -> str:
    """A file name like the real forms': ``Form Data RT Rejosari RT001-RW002.xlsx``."""
    safe = re.sub(r'[/\\:*?"<>|]+', "-", nama)
    return f"Form Data RT {safe} RT{rt.rt}-RW{rt.rw}.xlsx"


def write_kelurahan_forms(folder: Path, reference_dir: Path, kode: str, tahun: int, *,
                          n_rts: int = 5, seed: int = 0, defects: Mapping[int, str] | None = None,
                          survey_start: dt.date | None = None,
                          rts: Sequence[SampleRT] | None = None,
                          layouts: Sequence[FormLayout] | None = None) -> list[SampleForm]:
    """Write a kelurahan-year's folder of forms, one per RT (``rts``, else ``n_rts`` generated
    RTs), each surveyed on a day of the survey period, layouts cycling FORM_VARIATIONS.
    ``defects`` maps an RT's index to one FORM_DEFECTS kind. Returns the ground truth."""
    ref = generate.region_list(Path(reference_dir))
    rng = random.Random(seed)
    rts = list(rts) if rts is not None else truth.generate_rts(rng, n_rts)
    layouts = list(layouts) if layouts is not None else form_layouts(rng, len(rts))
    start = survey_start or dt.date(tahun, rng.randint(3, 10), rng.randint(1, 20))
    out = []
    nama = _village_names(ref, kode)["kelurahan"]
    for i, rt in enumerate(rts):
        tanggal = start + dt.timedelta(days=rng.randrange(5))
        identity = _form_identity(rng, ref, kode, tahun, tanggal)
        defect = (defects or {}).get(i)
        if defect == "kabupaten_salah":
            identity["kabupaten"] = _wrong_kabupaten(ref, kode)
        layout = layouts[i % len(layouts)]
        if defect == "tanggal_hilang":
            layout = dataclasses.replace(layout, tahun_pair=False)
        krt = _krt(rng, int(rt.values["jumlah_bangunan"]))
        out.append(write_form(folder / form_file_name(nama, rt), identity, rt, krt, layout,
                              defects=[defect] if defect else [], seed=rng.randrange(2**32)))
    if any(f.defects for f in out):
        for f in out:
            f.expected_status = "ditolak"
    return out


def _named_uniquely(ref, kab: str) -> list[str]:
    """Village codes of a kabupaten whose kecamatan + kelurahan names are unique in the
    province (their names alone find them, and a wrong kabupaten gets a suggestion)."""
    province = [(code, name) for k, vs in ref.villages.items() if k[:2] == kab[:2]
                for code, name in vs]
    def key(code: str, name: str) -> tuple[str, str]:
        return norm_name(ref.districts[code[:8]]), norm_name(name)

    seen: dict[tuple[str, str], int] = {}
    for code, name in province:
        seen[key(code, name)] = seen.get(key(code, name), 0) + 1
    return [code for code, name in ref.villages.get(kab, []) if seen[key(code, name)] == 1]


def generate_form_sample(out_dir: Path, reference_dir: Path, *,
                         kabupaten: Sequence[str] = ("33.11",), years: Sequence[int] = (2021,),
                         kelurahan_per_kabupaten: int = 3,
                         rts_per_kelurahan: tuple[int, int] = (3, 6), seed: int = 2021,
                         with_errors: bool = True) -> list[SampleForm]:
    """Folders of forms under ``out_dir/<kabupaten>/<kelurahan> <tahun>/``, one form per RT.
    With errors: one more kelurahan-year per FORM_DEFECTS kind whose forms hold one defective
    form (the whole set ``ditolak``), a corrected form for an RT dated after the original
    (``digantikan``) and a byte copy of a form (``duplikat``). Deterministic for a seed."""
    out_dir, ref = Path(out_dir), generate.region_list(Path(reference_dir))
    rng = random.Random(seed)
    forms: list[SampleForm] = []
    spare: list[tuple[str, str]] = []
    plan: list[tuple[str, str, int, str | None]] = []
    for kab in kabupaten:
        villages = _named_uniquely(ref, kab)
        chosen = sorted(rng.sample(villages, min(kelurahan_per_kabupaten, len(villages))))
        spare += [(kab, v) for v in villages if v not in chosen]
        plan += [(kab, kode, tahun, None) for kode in chosen for tahun in years]
    if with_errors:
        for i, defect in enumerate(FORM_DEFECTS[:len(spare)]):
            kab, kode = spare.pop(rng.randrange(len(spare)))
            plan.append((kab, kode, years[i % len(years)], defect))
    for kab, kode, tahun, defect in plan:
        nama = re.sub(r'[/\\:*?"<>|]+', "-", _village_names(ref, kode)["kelurahan"])
        folder = out_dir / kab / f"{nama} {tahun}"
        n = rng.randint(*rts_per_kelurahan)
        forms += write_kelurahan_forms(folder, reference_dir, kode, tahun, n_rts=n,
                                       seed=rng.randrange(2**32),
                                       defects={rng.randrange(n): defect} if defect else None)
    if with_errors:
        forms += _resubmissions(rng, [f for f in forms if not f.defects
                                      and f.expected_status == "diterima"])
    return forms


def _resubmissions(rng: random.Random, valid: list[SampleForm]) -> list[SampleForm]:
    """A corrected form for the first valid RT, dated a week later (the original becomes
    ``digantikan``), and a byte copy of another form in its folder (``duplikat``)."""
    if len(valid) < 2:
        return []
    original, copied = valid[0], valid[1]
    values = dict(original.rt.values)
    values["vol_1a"] = max(0, int(values["vol_1a"]) - 1)
    identity = dict(original.identity)
    later = (original.tanggal_pendataan or dt.date(original.tahun, 1, 1)) + dt.timedelta(days=7)
    identity["tanggal_pendataan"] = later
    layout = dataclasses.replace(original.layout, date_style="dmy", tahun_pair=False)
    path = original.path.with_name(f"{original.path.stem} revisi.xlsx")
    revised = write_form(path, identity, dataclasses.replace(original.rt, values=values),
                         original.jumlah_krt, layout, seed=rng.randrange(2**32))
    original.expected_status = "digantikan"
    copy_path = copied.path.with_name(f"Salinan {copied.path.name}")  # sorts after it
    shutil.copyfile(copied.path, copy_path)
    return [revised, dataclasses.replace(copied, path=copy_path, expected_status="duplikat")]


def worked_example_forms(folder: Path) -> list[SampleForm]:
    """Spec §4's worked example (Podosugih, Kota Pekalongan, 2024) as three forms, KRT equal
    to the building count: their results must equal the kelurahan workbook's."""
    identity, rts = truth.worked_example()
    identity = {**identity, "nama_kelurahan": identity["kelurahan"]}
    layouts = form_layouts(random.Random(4), len(rts))
    return [write_form(folder / form_file_name("Podosugih", rt), identity, rt,
                       int(rt.values["jumlah_bangunan"]), layouts[i], seed=i)
            for i, rt in enumerate(rts)]


__all__ = ["DEFECT_RULE", "FORM_DEFECTS", "FORM_VARIATIONS", "FormLayout", "SampleForm",
           "form_layouts", "form_scores", "generate_form_sample", "worked_example_forms",
           "write_form", "write_kelurahan_forms"]
