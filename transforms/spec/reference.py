"""The official Kemendagri region list (edition 2025) as lookup tables.

Produces, for validation and roll-up, one row per village with its whole hierarchy
(kelurahan → kecamatan → kabupaten/kota → provinsi), plus name normalisation for the
"name differs from the reference" warning. Codes are dotted text, never numbers.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

#: Edition of the region list shipped in data/reference/wilayah (see its SOURCE.md).
EDITION = "Kepmendagri 300.2.2-2138/2025 (idn-area-data 4.0.1)"
#: ODbL notice that travels with every published table (SOURCE.md, "Licence obligations").
ATTRIBUTION = (
    "Contains information from idn-area-data (github.com/fityannugroho/idn-area-data), "
    "made available under the Open Database License (ODbL)"
)

KODE_KELURAHAN_PATTERN = r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$"

_NAME_PREFIXES = re.compile(
    r"^(kel\.?|kelurahan|desa|kec\.?|kecamatan|kab\.?|kabupaten|kota|kabupaten/kota|kab/kota)\s+",
    re.IGNORECASE,
)


def norm_name(name: object) -> str:
    """Name as compared with the reference: case, spaces, punctuation and the administrative
    prefixes (``Kel.``, ``Desa``, ``Kec.``, ``Kab.``, ``Kota`` …) removed."""
    if name is None or (isinstance(name, float) and pd.isna(name)):
        return ""
    s = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode().strip()
    previous = None
    while previous != s:
        previous = s
        s = _NAME_PREFIXES.sub("", s).strip()
    return re.sub(r"[^0-9a-z]", "", s.lower())


#: Columns of :attr:`Reference.villages`.
VILLAGE_COLUMNS = ["kode_provinsi", "kode_kabupaten", "kode_kecamatan", "kode_kelurahan",
                   "nama_provinsi", "nama_kabupaten", "nama_kecamatan", "nama_kelurahan"]


@dataclass(frozen=True)
class Reference:
    """The region list loaded from a ``wilayah`` folder (provinces/regencies/districts/villages)."""

    folder: Path

    def _csv(self, name: str) -> pd.DataFrame:
        return pd.read_csv(self.folder / name, dtype=str, keep_default_na=False)

    @cached_property
    def villages(self) -> pd.DataFrame:
        """One row per village: kode_/nama_ of kelurahan, kecamatan, kabupaten and provinsi."""
        v = self._csv("villages.csv").rename(
            columns={"code": "kode_kelurahan", "district_code": "kode_kecamatan",
                     "name": "nama_kelurahan"}
        )
        d = self._csv("districts.csv").rename(
            columns={"code": "kode_kecamatan", "regency_code": "kode_kabupaten",
                     "name": "nama_kecamatan"}
        )
        r = self._csv("regencies.csv").rename(
            columns={"code": "kode_kabupaten", "province_code": "kode_provinsi",
                     "name": "nama_kabupaten"}
        )
        p = self._csv("provinces.csv").rename(columns={"code": "kode_provinsi",
                                                       "name": "nama_provinsi"})
        out = v.merge(d, on="kode_kecamatan").merge(r, on="kode_kabupaten")
        out = out.merge(p, on="kode_provinsi")
        return out[VILLAGE_COLUMNS].sort_values("kode_kelurahan", ignore_index=True)

    def villages_for(self, codes: pd.Series) -> pd.DataFrame:
        """:attr:`villages`, or its empty frame without loading the list when ``codes`` is
        empty (a run that read nothing)."""
        if len(codes):
            return self.villages
        return pd.DataFrame({c: pd.Series(dtype="str") for c in VILLAGE_COLUMNS})

    @cached_property
    def village_codes(self) -> frozenset[str]:
        """Every village code of the edition."""
        return frozenset(self.villages["kode_kelurahan"])

    @cached_property
    def fingerprint(self) -> str:
        """sha256 (16 hex) over the four CSV files: changes with the edition's content."""
        h = hashlib.sha256()
        for name in ("provinces.csv", "regencies.csv", "districts.csv", "villages.csv"):
            h.update((self.folder / name).read_bytes())
        return h.hexdigest()[:16]

    @property
    def edition(self) -> str:
        return EDITION
