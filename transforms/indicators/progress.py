"""Progress toward 0 ha (spec §7): ``indikator_kawasan``, ``perubahan_rt`` and
``kemajuan_kabupaten``, for programme staff and the SK kumuh, from the warehouse's
``indikator_rt``.

Each table is a DuckDB SQL model — a chain of named CTEs ending in ``select * from final`` —
over the RT rows of the kabupaten being recomputed (the view :data:`RT_SCOPE`). Only the kawasan
score leaves SQL: it is :func:`transforms.indicators.scoring.score` on the summed RTs, exactly as a
kelurahan is scored in :mod:`transforms.indicators.rollup`.

Recomputing is per kabupaten: :func:`refresh` recomputes every year of the kabupaten a run
touched and replaces only the (tahun, kode_kabupaten) groups whose rows changed — a changed year
reaches the later years' comparisons, and the baseline year reaches every later year — so every
other partition stays as published.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import duckdb
import pandas as pd

from transforms.indicators import rollup, scoring
from transforms.spec import contract, criteria, reference

KAWASAN, PERUBAHAN_RT, KEMAJUAN = "indikator_kawasan", "perubahan_rt", "kemajuan_kabupaten"
TABLES = (KAWASAN, PERUBAHAN_RT, KEMAJUAN)

#: UU 23/2014 bands on the kawasan's luas_ha rounded to 2 decimals: (minimum ha, kewenangan).
KEWENANGAN: tuple[tuple[int, str], ...] = ((15, "Pemerintah Pusat"),
                                           (10, "Pemerintah Provinsi"),
                                           (0, "Pemerintah Kabupaten/Kota"))
#: arah of an RT whose tingkat moved toward / away from Tidak Kumuh, or stayed.
MEMBAIK, MEMBURUK, TETAP = "membaik", "memburuk", "tetap"

#: View of the RT rows of the kabupaten being recomputed (set up by :func:`compute`).
RT_SCOPE = "rt_kemajuan"


def _final_columns(table: str) -> str:
    """Select-list of ``table``'s columns in contract order, each cast to its contract type."""
    return ",\n    ".join(f"cast({c.name} as {contract.duckdb_type(c)}) as {c.name}"
                          for c in contract.tables()[table])


def _tingkat_rank() -> str:
    """VALUES list ranking the tingkat labels, 0 = Tidak Kumuh … 3 = Kumuh Berat."""
    return ", ".join(f"('{label}', {i})" for i, label in enumerate(criteria.TINGKAT_LABELS))


# --- indikator_kawasan ----------------------------------------------------------------------

def _kawasan_sums_sql(rt: str) -> str:
    """Kawasan × year sums (RT counts and luas kumuh by tingkat, denominators, volumes) with
    the display name and the kelurahan spanned; ``kawasan_kunci`` maps names to keys."""
    return f"""
with rt_berkawasan as (
  -- RTs with no kawasan (or a name that normalises to nothing) belong to none
  select r.*, k.kunci_kawasan
  from {rt} r
  join kawasan_kunci k on k.kawasan = r.kawasan
),
jumlah as (
  select tahun, kode_kabupaten, kunci_kawasan,
    any_value(kode_provinsi) as kode_provinsi,
    any_value(nama_provinsi) as nama_provinsi,
    any_value(nama_kabupaten) as nama_kabupaten,
    first(kawasan order by sumber_file, sumber_baris) as kawasan,
    string_agg(distinct kode_kelurahan, ',' order by kode_kelurahan) as kode_kelurahan_daftar,
    count(distinct kode_kelurahan) as jumlah_kelurahan,
    {rollup.sums_sql(rollup.RT_ORDER)}
  from rt_berkawasan
  group by tahun, kode_kabupaten, kunci_kawasan
),
final as (select * from jumlah)
select * from final
order by kode_kabupaten, tahun, kunci_kawasan"""


def _kewenangan_sql(scored: str) -> str:
    """Kewenangan (UU 23/2014) of each scored kawasan, in contract columns and order."""
    bands = "\n      ".join(f"when luas_ha_dibulatkan >= {lower} then '{label}'"
                           for lower, label in KEWENANGAN)
    return f"""
with dinilai as (select * from {scored}),
luas_dibulatkan as (
  -- 2 decimals, half up, after dropping binary noise as spec §3 does (9.995 ha → 10.00)
  select *, round(round(luas_ha, {criteria.FRACTION_DECIMALS})::decimal(38, 9), 2)
    as luas_ha_dibulatkan
  from dinilai
),
berkewenangan as (
  select *,
    case when tingkat_kekumuhan = 'Tidak Kumuh' then null
      {bands}
    end as kewenangan
  from luas_dibulatkan
),
final as (
  select
    {_final_columns(KAWASAN)}
  from berkewenangan
)
select * from final
order by kode_kabupaten, tahun, kawasan"""


def kawasan_keys(names: Iterable[object]) -> pd.DataFrame:
    """(kawasan, kunci_kawasan) for each distinct written name: the key is the name normalised
    as spec §5 normalises region names; names normalising to nothing are left out."""
    distinct = sorted({str(n) for n in names if isinstance(n, str)})
    keys = pd.DataFrame({"kawasan": distinct,
                         "kunci_kawasan": [reference.norm_name(n) for n in distinct]},
                        columns=["kawasan", "kunci_kawasan"])
    return keys[keys["kunci_kawasan"] != ""].reset_index(drop=True)


def kawasan(con: duckdb.DuckDBPyConnection, rt: str = RT_SCOPE) -> pd.DataFrame:
    """``indikator_kawasan`` for every kawasan-year in ``rt`` (a table or view of
    ``indikator_rt`` rows): the kawasan scored as one unit, with its kewenangan."""
    names = con.sql(f"select distinct kawasan from {rt} where kawasan is not null").df()
    con.register("kawasan_kunci", kawasan_keys(names["kawasan"]))
    try:
        sums = con.sql(_kawasan_sums_sql(rt)).df()
    finally:
        con.unregister("kawasan_kunci")
    con.register("kawasan_dinilai", scoring.score(sums))
    try:
        return con.sql(_kewenangan_sql("kawasan_dinilai")).df()
    finally:
        con.unregister("kawasan_dinilai")


# --- perubahan_rt ---------------------------------------------------------------------------

def _perubahan_rt_sql(rt: str) -> str:
    """Each RT-year with the RT's latest earlier published year (no ordering: also a CTE)."""
    return f"""
with rt_tahun as (
  select * from {rt}
),
dengan_sebelumnya as (
  select *,
    lag(tahun) over riwayat as tahun_sebelumnya,
    lag(total_nilai) over riwayat as total_nilai_sebelumnya,
    lag(tingkat_kekumuhan) over riwayat as tingkat_sebelumnya,
    lag(luas_ha) over riwayat as luas_ha_sebelumnya
  from rt_tahun
  window riwayat as (partition by kode_kelurahan, rt, rw order by tahun)
),
berpasangan as (
  select * from dengan_sebelumnya where tahun_sebelumnya is not null
),
peringkat(tingkat, urutan) as (values {_tingkat_rank()}),
berarah as (
  select b.*,
    total_nilai - total_nilai_sebelumnya as selisih_nilai,
    case when kini.urutan < dulu.urutan then '{MEMBAIK}'
         when kini.urutan > dulu.urutan then '{MEMBURUK}'
         else '{TETAP}' end as arah
  from berpasangan b
  join peringkat kini on kini.tingkat = b.tingkat_kekumuhan
  join peringkat dulu on dulu.tingkat = b.tingkat_sebelumnya
),
final as (
  select
    {_final_columns(PERUBAHAN_RT)}
  from berarah
)
select * from final"""


def _perubahan_rt_ordered_sql(rt: str) -> str:
    """:func:`_perubahan_rt_sql` in the table's row order."""
    return f"{_perubahan_rt_sql(rt)}\norder by tahun, kode_kelurahan, rw, rt"


def perubahan_rt(con: duckdb.DuckDBPyConnection, rt: str = RT_SCOPE) -> pd.DataFrame:
    """``perubahan_rt`` for every RT-year in ``rt`` that has an earlier year of that RT."""
    return con.sql(_perubahan_rt_ordered_sql(rt)).df()


# --- kemajuan_kabupaten ---------------------------------------------------------------------

def _sebanding_sql(pembanding: str) -> str:
    """Like-for-like luas kumuh of each compared year against its ``pembanding`` year (a
    column of ``tahun_dibandingkan``): over the kelurahan published in both. Sums in a fixed
    order, so an unchanged input always gives the same bits."""
    return f"""
  select t.tahun, t.kode_kabupaten,
    count(*) as jumlah_kelurahan,
    sum(dulu.luas_kumuh_ha order by kini.kode_kelurahan) as luas_kumuh_dulu_ha,
    sum(kini.luas_kumuh_ha order by kini.kode_kelurahan) as luas_kumuh_kini_ha
  from tahun_dibandingkan t
  join kelurahan_tahun kini
    on kini.kode_kabupaten = t.kode_kabupaten and kini.tahun = t.tahun
  join kelurahan_tahun dulu
    on dulu.kode_kelurahan = kini.kode_kelurahan and dulu.tahun = t.{pembanding}
  group by t.tahun, t.kode_kabupaten"""


def _kemajuan_sql(rt: str, perubahan: str | None = None) -> str:
    """The kemajuan model over ``rt``; its RT transitions from ``perubahan`` (a table of
    ``perubahan_rt`` rows of the same RTs, already computed) or else computed here."""
    transitions = f"select * from {perubahan}" if perubahan else _perubahan_rt_sql(rt)
    return f"""
with kelurahan_tahun as (
  -- luas kumuh of each published kelurahan-year (spec §4)
  select tahun, kode_provinsi, kode_kabupaten, nama_provinsi, nama_kabupaten, kode_kelurahan,
    coalesce(sum(luas_ha order by rw, rt) filter (where tingkat_kekumuhan <> 'Tidak Kumuh'), 0)
      as luas_kumuh_ha
  from {rt}
  group by tahun, kode_provinsi, kode_kabupaten, nama_provinsi, nama_kabupaten, kode_kelurahan
),
tahun_kabupaten as (
  select tahun, kode_provinsi, kode_kabupaten,
    any_value(nama_provinsi) as nama_provinsi,
    any_value(nama_kabupaten) as nama_kabupaten
  from kelurahan_tahun
  group by tahun, kode_provinsi, kode_kabupaten
),
pembanding as (
  select *,
    lag(tahun) over (partition by kode_kabupaten order by tahun) as tahun_sebelumnya,
    min(tahun) over (partition by kode_kabupaten) as tahun_awal
  from tahun_kabupaten
),
tahun_dibandingkan as (
  select * from pembanding where tahun_sebelumnya is not null
),
sebanding_sebelumnya as ({_sebanding_sql("tahun_sebelumnya")}
),
sebanding_awal as ({_sebanding_sql("tahun_awal")}
),
perubahan as ({transitions}
),
arah_rt as (
  -- RTs compared with the kabupaten's previous year (so in like-for-like kelurahan)
  select t.tahun, t.kode_kabupaten,
    count(*) filter (where p.arah = '{MEMBAIK}') as jumlah_rt_membaik,
    count(*) filter (where p.arah = '{MEMBURUK}') as jumlah_rt_memburuk,
    count(*) filter (where p.arah = '{TETAP}') as jumlah_rt_tetap
  from tahun_dibandingkan t
  join perubahan p on p.kode_kabupaten = t.kode_kabupaten and p.tahun = t.tahun
    and p.tahun_sebelumnya = t.tahun_sebelumnya
  group by t.tahun, t.kode_kabupaten
),
kemajuan as (
  select t.*,
    coalesce(s.jumlah_kelurahan, 0) as jumlah_kelurahan_sebanding,
    coalesce(s.luas_kumuh_dulu_ha, 0) as luas_kumuh_sebelumnya_ha,
    coalesce(s.luas_kumuh_kini_ha, 0) as luas_kumuh_ha,
    coalesce(s.luas_kumuh_kini_ha, 0) - coalesce(s.luas_kumuh_dulu_ha, 0)
      as perubahan_luas_kumuh_ha,
    coalesce(a.jumlah_rt_membaik, 0) as jumlah_rt_membaik,
    coalesce(a.jumlah_rt_memburuk, 0) as jumlah_rt_memburuk,
    coalesce(a.jumlah_rt_tetap, 0) as jumlah_rt_tetap,
    coalesce(w.jumlah_kelurahan, 0) as jumlah_kelurahan_sebanding_awal,
    coalesce(w.luas_kumuh_dulu_ha, 0) as luas_kumuh_awal_ha,
    coalesce(w.luas_kumuh_kini_ha, 0) as luas_kumuh_sebanding_awal_ha
  from tahun_dibandingkan t
  left join sebanding_sebelumnya s using (tahun, kode_kabupaten)
  left join sebanding_awal w using (tahun, kode_kabupaten)
  left join arah_rt a using (tahun, kode_kabupaten)
),
final as (
  select
    {_final_columns(KEMAJUAN)}
  from kemajuan
)
select * from final
order by kode_kabupaten, tahun"""


def kemajuan_kabupaten(con: duckdb.DuckDBPyConnection, rt: str = RT_SCOPE) -> pd.DataFrame:
    """``kemajuan_kabupaten`` for every kabupaten-year in ``rt`` that has an earlier year:
    like-for-like luas kumuh against the previous and the baseline year, RT transitions."""
    return con.sql(_kemajuan_sql(rt)).df()


# --- running the models ---------------------------------------------------------------------

MODELS = {KAWASAN: kawasan, PERUBAHAN_RT: perubahan_rt, KEMAJUAN: kemajuan_kabupaten}


@contextmanager
def _rt_scope(con: duckdb.DuckDBPyConnection, keys: pd.DataFrame,
              source: str) -> Iterator[None]:
    """For the block, the view :data:`RT_SCOPE`: the rows of ``source`` whose values of the
    columns of ``keys`` are one of its rows (kabupaten/kota codes, or (tahun,
    kode_kabupaten) groups)."""
    cols = ", ".join(keys.columns)
    con.register("_lingkup_kemajuan", keys.drop_duplicates())
    con.execute(f"create or replace temp view {RT_SCOPE} as select * from {source} "
                f"where ({cols}) in (select ({cols}) from _lingkup_kemajuan)")
    try:
        yield
    finally:
        con.execute(f"drop view {RT_SCOPE}")
        con.unregister("_lingkup_kemajuan")


def _kabupaten(codes: Iterable[str]) -> pd.DataFrame:
    """Kabupaten/kota codes as scope keys (see :func:`_rt_scope`)."""
    return pd.DataFrame({"kode_kabupaten": sorted(set(codes))}, dtype="object")


def compute(con: duckdb.DuckDBPyConnection, kabupaten: Iterable[str],
            source: str = "indikator_rt") -> dict[str, pd.DataFrame]:
    """The three tables, every year, for the kabupaten/kota codes given, from ``source`` (the
    warehouse's ``indikator_rt``, or any table or view of its rows)."""
    with _rt_scope(con, _kabupaten(kabupaten), source):
        return {name: model(con, RT_SCOPE) for name, model in MODELS.items()}


def _fresh_tables(con: duckdb.DuckDBPyConnection, touched: pd.DataFrame,
                  source: str) -> dict[str, str]:
    """Recompute the three tables after the ``touched`` (tahun, kode_kabupaten) groups
    changed into temp tables, kept in DuckDB (no round trip through pandas but the kawasan
    score's); their names by table. A kawasan-year depends on its own year only: the kawasan
    of the touched groups; the comparisons, every year of the touched kabupaten/kota."""
    names = {table: f"_baru_{table}" for table in TABLES}
    with _rt_scope(con, touched[["tahun", "kode_kabupaten"]], source):
        con.register("_kawasan_baru", kawasan(con, RT_SCOPE))
        con.execute(f"create or replace temp table {names[KAWASAN]} as "
                    "select * from _kawasan_baru")
        con.unregister("_kawasan_baru")
    with _rt_scope(con, _kabupaten(touched["kode_kabupaten"]), source):
        con.execute(f"create or replace temp table {names[PERUBAHAN_RT]} as "
                    f"{_perubahan_rt_ordered_sql(RT_SCOPE)}")
        con.execute(f"create or replace temp table {names[KEMAJUAN]} as "
                    f"{_kemajuan_sql(RT_SCOPE, names[PERUBAHAN_RT])}")
    return names


def _candidates(con: duckdb.DuckDBPyConnection, table: str, touched: pd.DataFrame,
                fresh: str) -> pd.DataFrame:
    """Groups of ``table`` the touched groups may change: the touched ones themselves for
    ``indikator_kawasan`` (a kawasan-year depends on its year only); for the comparisons, every
    year of the kabupaten from its earliest touched year on, old or new (``fresh``: the
    recomputed rows' table)."""
    touched = touched[["tahun", "kode_kabupaten"]].drop_duplicates()
    if table == KAWASAN:
        return touched.reset_index(drop=True)
    con.register("_disentuh", touched)
    try:
        return con.sql(f"""
with mulai as (
  select kode_kabupaten, min(tahun) as tahun_mulai from _disentuh group by kode_kabupaten
),
semua as (
  select tahun, kode_kabupaten from {table}
  union select tahun, kode_kabupaten from {fresh}
  union select tahun, kode_kabupaten from _disentuh
),
final as (
  select distinct s.tahun, s.kode_kabupaten
  from semua s join mulai m on m.kode_kabupaten = s.kode_kabupaten
  where s.tahun >= m.tahun_mulai
)
select * from final order by kode_kabupaten, tahun""").df()
    finally:
        con.unregister("_disentuh")


def _replace_changed(con: duckdb.DuckDBPyConnection, table: str, fresh: str,
                     candidates: pd.DataFrame) -> pd.DataFrame:
    """Replace the candidate groups of ``table`` whose rows differ from the recomputed ones
    (table ``fresh``); returns those groups (tahun, kode_kabupaten)."""
    cols = ", ".join(contract.columns(table))
    con.register("_calon", candidates)
    try:
        # the rows of a group differ when some row is not there as many times on both sides:
        # one hash aggregate over every column counts each row's copies (new minus old), the
        # multiset difference that ``except all`` both ways gives, in a sixth of its time
        changed = con.sql(f"""
with baru as (
  select {cols}, 1 as salinan from {fresh}
  where (tahun, kode_kabupaten) in (select (tahun, kode_kabupaten) from _calon)
),
lama as (
  select {cols}, -1 as salinan from {table}
  where (tahun, kode_kabupaten) in (select (tahun, kode_kabupaten) from _calon)
),
berbeda as (
  select tahun, kode_kabupaten
  from (select * from baru union all select * from lama)
  group by {cols}
  having sum(salinan) <> 0
),
final as (select distinct tahun, kode_kabupaten from berbeda)
select * from final order by kode_kabupaten, tahun""").df()
        con.register("_berubah", changed)
        con.execute(f"delete from {table} where (tahun, kode_kabupaten) in "
                    "(select (tahun, kode_kabupaten) from _berubah)")
        con.execute(f"insert into {table} select * from {fresh} where (tahun, kode_kabupaten) "
                    "in (select (tahun, kode_kabupaten) from _berubah)")
        con.unregister("_berubah")
        return changed.astype({"tahun": "int16"})
    finally:
        con.unregister("_calon")


def refresh(con: duckdb.DuckDBPyConnection, touched: pd.DataFrame,
            source: str = "indikator_rt") -> dict[str, pd.DataFrame]:
    """Bring the three warehouse tables up to date after ``source`` changed in the
    ``touched`` (tahun, kode_kabupaten) groups (replaced, added or withdrawn kelurahan-years);
    returns, per table, the groups whose rows changed — the partitions to republish."""
    if touched.empty:
        empty = pd.DataFrame({"tahun": pd.Series(dtype="int16"),
                              "kode_kabupaten": pd.Series(dtype="object")})
        return {table: empty for table in TABLES}
    fresh = _fresh_tables(con, touched, source)
    try:
        return {table: _replace_changed(con, table, fresh[table],
                                        _candidates(con, table, touched, fresh[table]))
                for table in TABLES}
    finally:
        for name in fresh.values():
            con.execute(f"drop table if exists {name}")
