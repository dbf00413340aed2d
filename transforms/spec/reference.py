"""The official Kemendagri region list (edition 2025) as lookup tables.

Produces, for validation and roll-up, one row per village with its whole hierarchy
(kelurahan → kecamatan → kabupaten/kota → provinsi), plus name normalisation for the
"name differs from the reference" warning. Codes are dotted text, never numbers.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache
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


#: The list's files in a ``wilayah`` folder.
FILES = ("provinces.csv", "regencies.csv", "districts.csv", "villages.csv")


@dataclass(frozen=True)
class Reference:
    """The region list loaded from a ``wilayah`` folder (provinces/regencies/districts/villages)."""

    folder: Path

    def _csv(self, name: str) -> pd.DataFrame:
        return pd.read_csv(self.folder / name, dtype=str, keep_default_na=False,
                           engine="pyarrow")

    @cached_property
    def villages(self) -> pd.DataFrame:
        """One row per village: kode_/nama_ of kelurahan, kecamatan, kabupaten and provinsi
        (a village whose kecamatan, kabupaten or provinsi is not in the list is left out)."""
        v = self._csv("villages.csv")
        d = self._csv("districts.csv").set_index("code")
        r = self._csv("regencies.csv").set_index("code")
        p = self._csv("provinces.csv").set_index("code")
        out = pd.DataFrame({"kode_kelurahan": v["code"], "kode_kecamatan": v["district_code"],
                            "nama_kelurahan": v["name"]})
        # each level looked up by its code (small tables: faster than merging)
        out["nama_kecamatan"] = out["kode_kecamatan"].map(d["name"])
        out["kode_kabupaten"] = out["kode_kecamatan"].map(d["regency_code"])
        out["nama_kabupaten"] = out["kode_kabupaten"].map(r["name"])
        out["kode_provinsi"] = out["kode_kabupaten"].map(r["province_code"])
        out["nama_provinsi"] = out["kode_provinsi"].map(p["name"])
        out = out.dropna()  # names are never missing (read as text): unmatched codes only
        if not out["kode_kelurahan"].is_monotonic_increasing:
            out = out.sort_values("kode_kelurahan")
        return out[VILLAGE_COLUMNS].reset_index(drop=True)

    def villages_for(self, codes: pd.Series) -> pd.DataFrame:
        """:attr:`villages`, or its empty frame without loading the list when ``codes`` is
        empty (a run that read nothing)."""
        if len(codes):
            return self.villages
        return pd.DataFrame({c: pd.Series(dtype="str") for c in VILLAGE_COLUMNS})

    @cached_property
    def fingerprint(self) -> str:
        """sha256 (16 hex) over the four CSV files: changes with the edition's content."""
        h = hashlib.sha256()
        for name in FILES:
            h.update((self.folder / name).read_bytes())
        return h.hexdigest()[:16]

    @property
    def edition(self) -> str:
        return EDITION


def load(folder: Path) -> Reference:
    """The region list of ``folder``, one :class:`Reference` per process while its files stay
    as they are (same size and modification time): what one step has read (the command,
    ahead of a flow run, while a temporary Prefect server starts) the next ones reuse."""
    try:
        stamp = tuple((s.st_size, s.st_mtime_ns) for s in
                      (os.stat(Path(folder) / name) for name in FILES))
    except OSError:  # a missing file: said where the list is first read
        return Reference(Path(folder))
    return _loaded(Path(folder), stamp)


@lru_cache(maxsize=4)
def _loaded(folder: Path, stamp: tuple[tuple[int, int], ...]) -> Reference:
    return Reference(folder)
