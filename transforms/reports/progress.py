"""Progress toward 0 ha in the indicator report (spec §7), per kabupaten/kota, for programme
staff and the officers drafting the SK kumuh.

Pure functions over the published tables of one kabupaten: the like-for-like change in words
("dibanding 2021, pada 18 kelurahan yang sama: 140,3 ha → 96,8 ha, turun 43,5 ha"), luas kumuh
over all years, the RT transitions between the latest two years (from-tingkat × to-tingkat) and
the kawasan of the latest year as the SK's location table. Each piece has a data function
(tested on its own) and an HTML fragment for the report page.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

import numpy as np
import pandas as pd

from transforms.reports import formatting
from transforms.reports.formatting import Rows, records
from transforms.spec import criteria

_NOISE = 9  # decimals kept before rounding for print: drops binary noise (spec §3)


def _rounded(value: float, decimals: int) -> Decimal:
    """``value`` as printed: binary noise dropped, then rounded half up."""
    return Decimal(repr(round(float(value), _NOISE))).quantize(Decimal(1).scaleb(-decimals),
                                                               rounding=ROUND_HALF_UP)


def _ha(value: Decimal) -> str:
    return f"{formatting.format_angka(float(value), 1)} ha"


def kalimat_sebanding(tahun_pembanding: int, jumlah_kelurahan: int, luas_dulu_ha: float,
                      luas_kini_ha: float, keterangan: str = "") -> str:
    """The like-for-like change in words: ``dibanding 2021, pada 18 kelurahan yang sama:
    140,3 ha → 96,8 ha, turun 43,5 ha``. Hectares to one decimal, half up; the change is the
    difference of the printed figures, so the sentence always adds up. ``keterangan`` follows
    the year (``" (tahun awal)"``)."""
    awal = f"dibanding {int(tahun_pembanding)}{keterangan}"
    if int(jumlah_kelurahan) == 0:
        return (f"{awal}, tidak ada kelurahan yang diterbitkan pada kedua tahun, "
                "sehingga luas kumuh tidak dapat dibandingkan")
    dulu, kini = _rounded(luas_dulu_ha, 1), _rounded(luas_kini_ha, 1)
    selisih = kini - dulu
    if selisih < 0:
        arah = f"turun {_ha(-selisih)}"
    elif selisih > 0:
        arah = f"naik {_ha(selisih)}"
    else:
        arah = "tidak berubah"
    return (f"{awal}, pada {int(jumlah_kelurahan)} kelurahan yang sama: "
            f"{_ha(dulu)} → {_ha(kini)}, {arah}")


def kalimat_kemajuan(row: pd.Series | Mapping[str, object]) -> list[str]:
    """Sentences of one ``kemajuan_kabupaten`` row: against the previous year, and against
    the baseline year when that is another year."""
    out = [kalimat_sebanding(row["tahun_sebelumnya"], row["jumlah_kelurahan_sebanding"],
                             row["luas_kumuh_sebelumnya_ha"], row["luas_kumuh_ha"])]
    if int(row["tahun_awal"]) != int(row["tahun_sebelumnya"]):
        out.append(kalimat_sebanding(row["tahun_awal"], row["jumlah_kelurahan_sebanding_awal"],
                                     row["luas_kumuh_awal_ha"],
                                     row["luas_kumuh_sebanding_awal_ha"], " (tahun awal)"))
    return out


def _luas_rows(kabupaten: Rows, kemajuan: Rows) -> list[tuple[int, int, float, str]]:
    """:func:`luas_per_tahun`'s rows from the tables' rows."""
    kalimat = {int(r.tahun): kalimat_kemajuan(r._asdict())[0] for r in kemajuan}
    return [(int(r.tahun), int(r.jumlah_kelurahan_dilaporkan), float(r.luas_kumuh_ha),
             kalimat.get(int(r.tahun), "")) for r in sorted(kabupaten, key=_tahun)]


def luas_per_tahun(kabupaten: pd.DataFrame, kemajuan: pd.DataFrame) -> pd.DataFrame:
    """Per year of one kabupaten: kelurahan reported, luas kumuh of all reported kelurahan
    (``indikator_kabupaten``) and the like-for-like change against the previous year in
    words (empty for the first year)."""
    return pd.DataFrame(_luas_rows(records(kabupaten), records(kemajuan)),
                        columns=["tahun", "kelurahan_dilaporkan", "luas_kumuh_ha",
                                 "perubahan_sebanding"])


class Transitions(NamedTuple):
    """``perubahan_rt`` rows as arrays: the years (NaN where none) and the tingkat before and
    after as positions in ``criteria.TINGKAT_LABELS`` (-1: none, or not a tingkat)."""

    tahun: np.ndarray
    tahun_sebelumnya: np.ndarray
    dulu: np.ndarray
    kini: np.ndarray

    def take(self, at: np.ndarray) -> Transitions:
        """The rows at positions ``at``."""
        return Transitions(*(column[at] for column in self))


def _tingkat_positions(values: pd.Series) -> np.ndarray:
    """Each value's position in ``criteria.TINGKAT_LABELS`` (-1: none, or not a tingkat):
    looked up once per distinct value (a lookup per row of text costs ~0.3 µs)."""
    codes, distinct = pd.factorize(values)
    positions = np.append(pd.Index(criteria.TINGKAT_LABELS).get_indexer(distinct), -1)
    return positions[codes]  # code -1 (a missing value) takes the appended -1


def transitions(perubahan: pd.DataFrame) -> Transitions:
    """The ``perubahan_rt`` rows (columns ``tahun``, ``tahun_sebelumnya``,
    ``tingkat_sebelumnya``, ``tingkat_kekumuhan``) as :class:`Transitions`."""
    return Transitions(
        *(pd.to_numeric(perubahan[c]).to_numpy(dtype="float64", na_value=np.nan)
          for c in ("tahun", "tahun_sebelumnya")),
        *(_tingkat_positions(perubahan[c]) for c in ("tingkat_sebelumnya", "tingkat_kekumuhan")))


def transitions_by(perubahan: pd.DataFrame, key: str) -> dict[str, Transitions]:
    """:func:`transitions` of ``perubahan`` grouped by the text of column ``key`` (converted
    once for all groups)."""
    every = transitions(perubahan)
    return {str(k): every.take(at)
            for k, at in perubahan.groupby(key, sort=False).indices.items()}


def _transisi_counts(perubahan: Transitions, tahun: int, tahun_sebelumnya: int) -> np.ndarray:
    """:func:`transisi_tingkat`'s counts, tingkat by tingkat (Tidak Kumuh first)."""
    pair = (perubahan.tahun == tahun) & (perubahan.tahun_sebelumnya == tahun_sebelumnya)
    n = len(criteria.TINGKAT_LABELS)
    dulu, kini = perubahan.dulu[pair], perubahan.kini[pair]
    known = (dulu >= 0) & (kini >= 0)  # a count per cell, as crosstab would (fast per kabupaten)
    return np.bincount(dulu[known] * n + kini[known], minlength=n * n).reshape(n, n).astype(
        "int64")


def transisi_tingkat(perubahan: pd.DataFrame, tahun: int,
                     tahun_sebelumnya: int) -> pd.DataFrame:
    """RTs by tingkat in ``tahun_sebelumnya`` (rows) × tingkat in ``tahun`` (columns), over
    the ``perubahan_rt`` rows of that pair of years; every tingkat present, Tidak Kumuh first."""
    labels = list(criteria.TINGKAT_LABELS)
    return pd.DataFrame(_transisi_counts(transitions(perubahan), tahun, tahun_sebelumnya),
                        index=pd.Index(labels, name="tingkat_sebelumnya"),
                        columns=pd.Index(labels, name="tingkat_kekumuhan"))


#: Columns of the SK's location table (:func:`lokasi_sk`).
LOKASI_COLUMNS = ["kawasan", "kelurahan", "luas_ha", "luas_kumuh_ha", "tingkat_kekumuhan",
                  "kewenangan"]


def _lokasi_rows(kawasan: Rows, nama_kelurahan: Mapping[str, str], tahun: int) -> list[tuple]:
    """:func:`lokasi_sk`'s rows from ``indikator_kawasan``'s rows."""
    kumuh = [r for r in kawasan
             if r.tahun == tahun and r.tingkat_kekumuhan != criteria.TINGKAT_LABELS[0]]
    return [(r.kawasan, ", ".join(nama_kelurahan.get(k, k)
                                  for k in str(r.kode_kelurahan_daftar).split(",")),
             r.luas_ha, r.luas_kumuh_ha, r.tingkat_kekumuhan, r.kewenangan)
            for r in formatting.largest_first(kumuh, "luas_kumuh_ha", "kawasan")]


def lokasi_sk(kawasan: pd.DataFrame, nama_kelurahan: Mapping[str, str],
              tahun: int) -> pd.DataFrame:
    """The SK's location table: the kumuh kawasan of ``tahun`` (largest luas kumuh first)
    with the names of the kelurahan they span, luas, luas kumuh, tingkat and kewenangan."""
    rows = _lokasi_rows(records(kawasan), nama_kelurahan, tahun)
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(LOKASI_COLUMNS)
    return pd.DataFrame({c: list(v) for c, v in zip(LOKASI_COLUMNS, columns, strict=True)})


# --- HTML fragments -------------------------------------------------------------------------

def _e(text: object) -> str:
    return html.escape(str(text))


def _tahun(row: tuple) -> int:
    return int(row.tahun)


def luas_html(kabupaten: Rows, kemajuan: Rows, nama: str) -> str:
    """Luas kumuh over all years with the like-for-like change, the latest year's sentences
    (against the previous and the baseline year) stated first; from the rows of
    ``indikator_kabupaten`` and ``kemajuan_kabupaten`` (:func:`formatting.records`)."""
    title = f"Kemajuan menuju 0 ha: luas kumuh per tahun — {nama}"
    rows = [[tahun, dilaporkan, formatting.format_ha(luas), kalimat or "—"]
            for tahun, dilaporkan, luas, kalimat in _luas_rows(kabupaten, kemajuan)]
    table = formatting.table(["tahun", "kelurahan/desa dilaporkan", "luas kumuh",
                                  "perubahan pada kelurahan yang sama"], rows,
                                 frozenset({0, 3}))
    if not kemajuan:
        lead = "<p>Baru ada satu tahun data; belum ada perbandingan.</p>"
    else:
        latest = max(kemajuan, key=_tahun)._asdict()
        sentences = "; ".join(kalimat_kemajuan(latest))
        lead = (f"<p>Tahun {int(latest['tahun'])}: {_e(sentences)}. Perbandingan hanya atas "
                "kelurahan/desa yang diterbitkan pada kedua tahun.</p>")
    return f"<h3>{_e(title)}</h3>{lead}{table}"


def transisi_html(perubahan: Transitions, kemajuan: Rows, nama: str) -> str:
    """The from-tingkat × to-tingkat table of the RTs of the latest two years (``perubahan``:
    the kabupaten's ``perubahan_rt`` rows, :func:`transitions`; ``kemajuan``: its rows of
    ``kemajuan_kabupaten``)."""
    if not kemajuan:
        return ""
    latest = max(kemajuan, key=_tahun)
    tahun, dulu = int(latest.tahun), int(latest.tahun_sebelumnya)
    counts = _transisi_counts(perubahan, tahun, dulu)
    labels = criteria.TINGKAT_LABELS
    title = f"Perpindahan tingkat RT {dulu} → {tahun} — {nama}"
    rows = [[f"{dulu}: {label}", *(formatting.format_angka(v, 0) for v in counts[i]),
             formatting.format_angka(counts[i].sum(), 0)] for i, label in enumerate(labels)]
    rows.append(["jumlah", *(formatting.format_angka(v, 0) for v in counts.sum(axis=0)),
                 formatting.format_angka(counts.sum(), 0)])
    header = ["", *(f"{tahun}: {c}" for c in labels), "jumlah"]
    note = (f"<p>{int(latest.jumlah_rt_membaik)} RT membaik, "
            f"{int(latest.jumlah_rt_memburuk)} memburuk, {int(latest.jumlah_rt_tetap)} "
            "tetap (RT yang ada pada kedua tahun).</p>")
    return f"<h3>{_e(title)}</h3>{note}{formatting.table(header, rows)}"


def lokasi_html(kawasan: Rows, nama_kelurahan: Mapping[str, str], nama: str) -> str:
    """The kawasan of the latest year (rows of ``indikator_kawasan``) as the SK kumuh's
    location table."""
    if not kawasan:
        return ""
    tahun = max(_tahun(r) for r in kawasan)
    title = f"Lokasi kawasan kumuh tahun {tahun} (tabel lokasi SK) — {nama}"
    rows = [[i, kaw, kel, formatting.format_ha(luas), formatting.format_ha(luas_kumuh),
             tingkat, kewenangan] for i, (kaw, kel, luas, luas_kumuh, tingkat, kewenangan)
            in enumerate(_lokasi_rows(kawasan, nama_kelurahan, tahun), start=1)]
    header = ["no", "kawasan", "kelurahan/desa", "luas", "luas kumuh", "tingkat",
              "kewenangan (UU 23/2014)"]
    body = (formatting.table(header, rows, frozenset({0, 1, 2, 5, 6})) if rows
            else "<p>Tidak ada kawasan yang dinilai kumuh.</p>")
    bersih = sum(r.tahun == tahun for r in kawasan) - len(rows)
    if bersih:
        body += f"<p>{bersih} kawasan lain dinilai Tidak Kumuh.</p>"
    return f"<h3>{_e(title)}</h3>{body}"


def progress_section(tables: Mapping[str, pd.DataFrame], nama: str) -> str:
    """Every progress piece of one kabupaten/kota; ``tables`` holds that kabupaten's rows of
    ``indikator_kabupaten``, ``kemajuan_kabupaten``, ``perubahan_rt``, ``indikator_kawasan``
    and ``indikator_kelurahan`` (for the kelurahan names)."""
    rows = {name: records(tables[name]) for name in
            ("indikator_kabupaten", "kemajuan_kabupaten", "indikator_kawasan",
             "indikator_kelurahan")}
    return progress_html(rows, transitions(tables["perubahan_rt"]), nama)


def progress_html(rows: Mapping[str, Rows], perubahan: Transitions, nama: str) -> str:
    """:func:`progress_section` from one kabupaten's rows of each table
    (:func:`formatting.records`) and its ``perubahan_rt`` rows as :class:`Transitions`."""
    names = {r.kode_kelurahan: r.nama_kelurahan for r in rows["indikator_kelurahan"]}
    kemajuan = rows["kemajuan_kabupaten"]
    return (luas_html(rows["indikator_kabupaten"], kemajuan, nama)
            + transisi_html(perubahan, kemajuan, nama)
            + lokasi_html(rows["indikator_kawasan"], names, nama))
