"""The ``berubah_drastis`` warning (spec §5): an RT whose ``luas_ha``, ``jumlah_bangunan`` or
``jumlah_kk`` is more than twice or less than half its value in the RT's previous published
year — the usual sign of a typo or of a re-delineated RT. For clerks; it never blocks.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow as pa

from transforms.assess import findings
from transforms.spec import criteria

RULE = "berubah_drastis"
#: The RT values compared with the RT's previous published year, in finding order.
COMPARED = ("luas_ha", "jumlah_bangunan", "jumlah_kk")
#: The ``indikator_rt`` columns :func:`berubah_drastis` reads (besides ``wb``).
ROW_COLUMNS = ["sumber_file", "sha256", "sumber_sheet", "sumber_baris", "tahun",
               "kode_kelurahan", "rt", "rw", *COMPARED]


def _sql(source: str) -> str:
    """Each accepted RT value against the RT's latest earlier year in the warehouse as it will
    be after the run (published rows, minus the kelurahan-years the run replaces, plus the
    run's own rows), where it is more than twice or less than half of it."""
    values = ", ".join(COMPARED)
    unpivot = "\n  union all\n".join(
        f"  select *, '{c}' as kolom, {i} as urutan_kolom, {c}::double as nilai, "
        f"{c}_sebelumnya::double as nilai_sebelumnya from berpasangan" for i, c in
        enumerate(COMPARED))
    previous = ",\n    ".join(f"lag({c}) over riwayat as {c}_sebelumnya" for c in COMPARED)
    noise = criteria.FRACTION_DECIMALS
    return f"""
with diterima as (
  select * from _diterima
),
terbit_tetap as (
  -- only the kelurahan the run accepts rows for: no other RT history is compared
  select tahun, kode_kelurahan, rt, rw, {values} from {source}
  where kode_kelurahan in (select kode_kelurahan from diterima)
    and (kode_kelurahan, tahun) not in (select (kode_kelurahan, tahun) from diterima)
),
riwayat as (
  select tahun, kode_kelurahan, rt, rw, {values}, null as urutan from terbit_tetap
  union all
  select tahun, kode_kelurahan, rt, rw, {values}, urutan from diterima
),
dengan_sebelumnya as (
  select *, lag(tahun) over riwayat as tahun_sebelumnya,
    {previous}
  from riwayat
  window riwayat as (partition by kode_kelurahan, rt, rw order by tahun)
),
berpasangan as (
  select * from dengan_sebelumnya where urutan is not null and tahun_sebelumnya is not null
),
perbandingan as (
{unpivot}
),
drastis as (
  -- > 2× or < ½, after dropping binary noise: exactly 2× or exactly ½ is not drastic
  select * from perbandingan
  where round(nilai, {noise}) > round(2 * nilai_sebelumnya, {noise})
     or round(2 * nilai, {noise}) < round(nilai_sebelumnya, {noise})
),
final as (
  select d.urutan, d.kolom, d.urutan_kolom, d.nilai, d.nilai_sebelumnya, d.tahun_sebelumnya
  from drastis d
)
select * from final order by urutan, urutan_kolom"""


def berubah_drastis(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame,
                    letters: dict[int, dict[str, str]] | None = None,
                    source: str = "indikator_rt") -> pd.DataFrame:
    """``berubah_drastis`` warnings (finding frame, :data:`findings.FINDING_COLUMNS` plus
    ``tahun``) for ``rows``: the ``indikator_rt`` rows of the kelurahan-years a run accepts
    (``wb`` optional, -1 when absent), against ``source`` (the warehouse's published
    ``indikator_rt``, before the run is stored). ``letters``: each workbook's column letters
    (``Batch.letters``), to name the cell."""
    if rows.empty:
        return findings.to_frame([]).assign(tahun=pd.Series(dtype="Int16"))
    rows = rows.assign(wb=rows.get("wb", -1))[["wb", *ROW_COLUMNS]].reset_index(drop=True)
    # as Arrow: scanned in parallel, several times by the query (missing values NULL as from
    # pandas)
    con.register("_diterima", pa.Table.from_pandas(rows.assign(urutan=range(len(rows))),
                                                   preserve_index=False))
    try:
        hits = con.sql(_sql(source)).df()
    finally:
        con.unregister("_diterima")
    out = []
    # the accepted row of every hit, taken at once (a row lookup per hit is ~0.2 ms)
    picked = rows.iloc[hits["urutan"].to_numpy()]
    for h, r in zip(hits.itertuples(index=False), picked.itertuples(index=False), strict=True):
        wb, baris, sheet = int(r.wb), int(r.sumber_baris), r.sumber_sheet
        letter = (letters or {}).get(wb, {}).get(h.kolom, "")
        out.append(findings.make(
            RULE, wb=wb, sumber_file=r.sumber_file, sha256=r.sha256, sheet=sheet,
            baris=baris, kolom=h.kolom, nilai=h.nilai,
            sel=f"{sheet}!{letter}{baris}" if letter else f"{sheet} baris {baris}",
            rt=r.rt, rw=r.rw, tahun=int(r.tahun),
            nilai_sebelumnya=findings.angka(h.nilai_sebelumnya),
            tahun_sebelumnya=int(h.tahun_sebelumnya),
            perubahan=("lebih dari dua kali lipat" if h.nilai > h.nilai_sebelumnya
                       else "kurang dari separuh")))
    tahun = [int(t) for t in picked["tahun"]]
    return findings.to_frame(out).assign(tahun=pd.Series(tahun, dtype="Int16"))
