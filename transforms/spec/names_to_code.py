"""Kelurahan code from region names, for survey files that carry no code (spec §2b).

The official *Form Data RT* names its region (kabupaten, kecamatan, kelurahan/desa) but has no
Kemendagri code. :func:`code_from_names` matches the three names, normalised as in spec §5
(case, spaces, punctuation and the ``Kab.``/``Kec.``/``Desa``… prefixes ignored), against the
reference list and returns exactly one village code, or a :class:`NameMatch` without a code that
says why in Bahasa Indonesia and, when the kecamatan + kelurahan names fit exactly one village
elsewhere in the province, suggests it (never taken silently). The validation step turns a match
without a code into the error ``kode_dari_nama`` (``spec/tables/rules.csv``) with
:meth:`NameMatch.fields`.

A kabupaten written with ``Kota``/``Kab.`` only matches that kind of regency (``Kota
Pekalongan`` is not ``Kabupaten Pekalongan``); a bare name (``BOYOLALI``) matches either. The
province of the suggestion is the written ``Provinsi`` when it names one, else the provinces of
regencies named like the written kabupaten, else the whole country.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from transforms.spec import reference

#: Regency part of a code from which a regency is a kota (spec §1: 71–99).
KOTA_FROM = 71
_KOTA = re.compile(r"^\s*kota\b", re.IGNORECASE)
_KABUPATEN = re.compile(r"^\s*(?:kab\b\.?|kabupaten\b)(?!\s*/\s*kota)", re.IGNORECASE)
_PROVINSI = re.compile(r"^\s*(?:prov\b\.?|provinsi\b)\s*", re.IGNORECASE)
#: The three names in the order a clerk reads them, with their labels on the form.
LEVELS: tuple[tuple[str, str], ...] = (
    ("kabupaten", "Kabupaten"),
    ("kecamatan", "Kecamatan"),
    ("kelurahan", "Kelurahan/Desa"),
)


@dataclass(frozen=True)
class NameMatch:
    """The outcome of matching names: ``kode`` (None when no single village matches), the
    codes that matched all three names (``kandidat``), a suggested code elsewhere in the
    province (``saran_kode``), and the Indonesian texts the ``kode_dari_nama`` message needs."""

    kode: str | None
    kabupaten: str
    kecamatan: str
    kelurahan: str
    kandidat: tuple[str, ...] = ()
    saran_kode: str | None = None
    #: Why no code was found ("tidak cocok dengan …"); empty when ``kode`` is set.
    sebab: str = ""
    #: The suggestion as a question ("Kecamatan Polokarto ada di Kabupaten Sukoharjo, bukan
    #: Boyolali: 33.11.07.2011?"); empty when there is none.
    saran: str = ""
    #: The identity field a clerk most likely has to correct (its cell goes in the finding).
    kolom: str = "kelurahan"

    @property
    def ok(self) -> bool:
        """True when the names name exactly one village."""
        return self.kode is not None

    def fields(self) -> dict[str, str]:
        """Fields of the ``kode_dari_nama`` message template (``sel`` is the caller's)."""
        return {"kabupaten": self.kabupaten, "kecamatan": self.kecamatan,
                "kelurahan": self.kelurahan, "sebab": self.sebab,
                "saran": f" {self.saran}" if self.saran else ""}


def _kind(kabupaten: str) -> str | None:
    """``kota`` or ``kabupaten`` when the written name says which, else None."""
    if _KOTA.match(kabupaten):
        return "kota"
    if _KABUPATEN.match(kabupaten):
        return "kabupaten"
    return None


@lru_cache(maxsize=4)
def _index(ref: reference.Reference) -> pd.DataFrame:
    """The reference villages with their names normalised and the regency kind."""
    v = ref.villages
    regency_part = v["kode_kabupaten"].str[3:5].astype(int)
    return v.assign(
        kab=v["nama_kabupaten"].map(reference.norm_name),
        kec=v["nama_kecamatan"].map(reference.norm_name),
        kel=v["nama_kelurahan"].map(reference.norm_name),
        prov=v["nama_provinsi"].map(_norm_provinsi),
        jenis=regency_part.map(lambda n: "kota" if n >= KOTA_FROM else "kabupaten"),
    )


def _norm_provinsi(name: object) -> str:
    """A province name normalised (``Prov. Jawa Tengah`` → ``jawatengah``)."""
    return reference.norm_name(_PROVINSI.sub("", str(name or "")))


def _text(value: object) -> str:
    """A name as written, stripped ('' for nothing)."""
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else (
        str(value).strip())


def _regency_mask(idx: pd.DataFrame, kab: str, kind: str | None) -> pd.Series:
    """Villages whose regency is named ``kab`` (and of the written kind, if any)."""
    mask = idx["kab"] == kab
    return mask & (idx["jenis"] == kind) if kind else mask


def _provinces(idx: pd.DataFrame, provinsi: str, kab: str, kind: str | None) -> pd.Series:
    """Villages in the province the names point at (see module docstring)."""
    prov = _norm_provinsi(provinsi)
    if prov and (idx["prov"] == prov).any():
        return idx["prov"] == prov
    codes = set(idx.loc[_regency_mask(idx, kab, kind), "kode_provinsi"]) if kab else set()
    if codes:
        return idx["kode_provinsi"].isin(codes)
    return pd.Series(True, index=idx.index)


def _bare_regency(official: str) -> str:
    """``Kabupaten Boyolali`` → ``Boyolali``; a kota keeps its ``Kota``."""
    return official.removeprefix("Kabupaten ").strip()


def _written_regency(idx: pd.DataFrame, in_province: pd.Series, kab: str, kind: str | None,
                     written: str, suggested: str) -> str:
    """How the suggestion names the kabupaten the clerk wrote: its official name (bare, unless
    that would read like the suggested one) when it is one regency of the province, else the
    text as written, quoted."""
    names = idx.loc[in_province & _regency_mask(idx, kab, kind), "nama_kabupaten"].unique()
    if len(names) != 1:
        return f"'{written}'"
    bare = _bare_regency(names[0])
    return names[0] if reference.norm_name(bare) == reference.norm_name(suggested) else bare


def _suggestion(idx: pd.DataFrame, names: dict[str, str], provinsi: str) -> tuple[str | None, str]:
    """(code, question) of the one village of the province named like the written kecamatan
    and kelurahan, or (None, '') when there is not exactly one."""
    kab, kec, kel = (reference.norm_name(names[k]) for k, _ in LEVELS)
    if not (kec and kel):
        return None, ""
    kind = _kind(names["kabupaten"])
    in_province = _provinces(idx, provinsi, kab, kind)
    hits = idx[in_province & (idx["kec"] == kec) & (idx["kel"] == kel)]
    if len(hits) != 1:
        return None, ""
    hit = hits.iloc[0]
    where = f"Kecamatan {hit['nama_kecamatan']} ada di {hit['nama_kabupaten']}"
    if kab:
        written = _written_regency(idx, in_province, kab, kind, names["kabupaten"],
                                   str(hit["nama_kabupaten"]))
        where += f", bukan {written}"
    return str(hit["kode_kelurahan"]), f"{where}: {hit['kode_kelurahan']}?"


def code_from_names(ref: reference.Reference, kabupaten: object, kecamatan: object,
                    kelurahan: object, provinsi: object = None) -> NameMatch:
    """The village code named by ``kabupaten`` + ``kecamatan`` + ``kelurahan`` (as written on
    a form), or a :class:`NameMatch` without a code saying why, with a suggestion when there is
    one (see module docstring). ``provinsi`` only scopes the suggestion."""
    idx = _index(ref)
    names = {"kabupaten": _text(kabupaten), "kecamatan": _text(kecamatan),
             "kelurahan": _text(kelurahan)}
    normed = {k: reference.norm_name(v) for k, v in names.items()}
    missing = [label.lower() for k, label in LEVELS if not normed[k]]
    candidates: tuple[str, ...] = ()
    if not missing:
        mask = (_regency_mask(idx, normed["kabupaten"], _kind(names["kabupaten"]))
                & (idx["kec"] == normed["kecamatan"]) & (idx["kel"] == normed["kelurahan"]))
        candidates = tuple(idx.loc[mask, "kode_kelurahan"])
        if len(candidates) == 1:
            return NameMatch(candidates[0], **names, kandidat=candidates)
    if missing:
        sebab = f"tidak lengkap (nama {', '.join(missing)} kosong)"
    elif candidates:
        sebab = (f"cocok dengan {len(candidates)} kelurahan/desa dalam daftar wilayah Kemendagri "
                 f"({', '.join(candidates)})")
    else:
        sebab = "tidak cocok dengan satu pun kelurahan/desa dalam daftar wilayah Kemendagri"
    saran_kode, saran = (None, "") if candidates else _suggestion(idx, names, _text(provinsi))
    kolom = "kabupaten" if saran_kode else next(
        (k for k, _ in LEVELS if not normed[k]), "kelurahan")
    return NameMatch(None, **names, kandidat=candidates, saran_kode=saran_kode, sebab=sebab,
                     saran=saran, kolom=kolom)


__all__ = ["NameMatch", "code_from_names"]
