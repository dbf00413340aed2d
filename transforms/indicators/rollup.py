"""Roll-ups in DuckDB (spec §4): kelurahan, kecamatan and kabupaten/kota from ``indikator_rt``.

Always ratio of sums: the six denominators and 16 volumes are summed, then percents are
recomputed; nothing is averaged. A kelurahan is also scored as one unit; kecamatan and kabupaten
get percents, RT counts and hectares by tingkat, and completeness against the region list
(every kecamatan of a kabupaten that reported in a year is listed, also those with no report).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import pandas as pd

from transforms.indicators import rt_rows, scoring
from transforms.spec import criteria

_LEVELS = {
    "kelurahan": ["kode_provinsi", "kode_kabupaten", "kode_kecamatan", "kode_kelurahan"],
    "kecamatan": ["kode_provinsi", "kode_kabupaten", "kode_kecamatan"],
    "kabupaten": ["kode_provinsi", "kode_kabupaten"],
}


#: Sort keys of RT rows: a roll-up sums its doubles in this order (see :func:`ordered_rt`; the
#: kawasan sums of the progress tables give it to :func:`sums_sql`).
RT_ORDER = "tahun, kode_kelurahan, rw, rt"


def ordered_rt(con: duckdb.DuckDBPyConnection, source: str, name: str) -> None:
    """Temp table ``name``: the columns a roll-up reads of ``source``, in :data:`RT_ORDER`.

    Summed on one thread from this table, the roll-ups of the same RT rows have the same bits in
    every run, whatever order the warehouse holds them in (runs store and replace kelurahan one
    by one) — a parallel sum over the warehouse adds doubles in an order that varies. Costs a
    sort (~0.3 s for a national run); ``sum(x ORDER BY …)`` per column costs six times more."""
    keys = dict.fromkeys([*_LEVELS["kelurahan"], "tahun", "rw", "rt", "tingkat_kekumuhan",
                          *criteria.numeric_columns()])
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT {', '.join(keys)} "
                f"FROM {source} ORDER BY {RT_ORDER}")


@contextmanager
def one_thread(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """DuckDB on one thread inside the block (the setting it had before, after)."""
    before = con.execute("SELECT current_setting('threads')").fetchone()[0]
    con.execute("SET threads = 1")
    try:
        yield
    finally:
        con.execute(f"SET threads = {int(before)}")


def sums_sql(order: str = "") -> str:
    """Select-list of RT counts by tingkat, summed counts and luas kumuh by tingkat; with
    ``order`` (SQL sort keys) the decimal sums add up in that order, so the same rows always
    give the same bits, however they are stored."""
    by = f" ORDER BY {order}" if order else ""
    parts = ["count(*)::BIGINT AS jumlah_rt"]
    for label in criteria.TINGKAT_LABELS:
        parts.append(f"(count(*) FILTER (WHERE tingkat_kekumuhan = '{label}'))::BIGINT "
                     f"AS jumlah_rt_{criteria.TINGKAT_SUFFIX[label]}")
    for col in criteria.numeric_columns():
        if col in criteria.count_columns():
            parts.append(f"sum({col})::BIGINT AS {col}")
        else:
            parts.append(f"sum({col}{by})::DOUBLE AS {col}")
    parts.append(f"coalesce(sum(luas_ha{by}) FILTER (WHERE tingkat_kekumuhan <> 'Tidak Kumuh'),"
                 " 0)::DOUBLE AS luas_kumuh_ha")
    for label in criteria.TINGKAT_LABELS[1:]:
        sfx = criteria.TINGKAT_SUFFIX[label].removeprefix("kumuh_")
        parts.append(f"coalesce(sum(luas_ha{by}) FILTER (WHERE tingkat_kekumuhan = '{label}'),"
                     f" 0)::DOUBLE AS luas_kumuh_{sfx}_ha")
    return ",\n  ".join(parts)


def _names(level: str) -> str:
    """SQL of the distinct code → name table of a level from the reference view ``ref``."""
    keys = _LEVELS[level]
    cols = ", ".join([*keys, *(k.replace("kode_", "nama_") for k in keys)])
    return f"SELECT DISTINCT {cols} FROM ref"


def kelurahan(con: duckdb.DuckDBPyConnection, source: str = "indikator_rt") -> pd.DataFrame:
    """``indikator_kelurahan``: summed RTs of each kelurahan-year in ``source`` (a table or
    view of indikator_rt rows), scored as one unit."""
    keys = ", ".join(_LEVELS["kelurahan"])
    frame = con.sql(f"""
        WITH sums AS (
          SELECT tahun, {keys},
            {sums_sql()}
          FROM {source} GROUP BY tahun, {keys})
        SELECT s.*, n.* EXCLUDE ({keys}) FROM sums s
        JOIN ({_names("kelurahan")}) n USING ({keys})
        ORDER BY {keys}, tahun""").df()
    return rt_rows.conform(scoring.score(frame), "indikator_kelurahan")


def region(con: duckdb.DuckDBPyConnection, level: str,
           source: str = "indikator_rt") -> pd.DataFrame:
    """``indikator_kecamatan`` or ``indikator_kabupaten`` for the kabupaten-years in
    ``source``: ratio-of-sums percents, RT counts and luas kumuh by tingkat, and completeness
    against the reference list."""
    keys = _LEVELS[level]
    key_sql = ", ".join(keys)
    frame = con.sql(f"""
        WITH reported_kab AS (SELECT DISTINCT tahun, kode_kabupaten FROM {source}),
        units AS (
          SELECT y.tahun, {", ".join("r." + k for k in keys)},
                 count(DISTINCT r.kode_kelurahan)::BIGINT AS jumlah_kelurahan_referensi
          FROM reported_kab y JOIN ref r ON r.kode_kabupaten = y.kode_kabupaten
          GROUP BY ALL),
        sums AS (
          SELECT tahun, {key_sql},
                 count(DISTINCT kode_kelurahan)::BIGINT AS jumlah_kelurahan_dilaporkan,
                 {sums_sql()}
          FROM {source} GROUP BY tahun, {key_sql})
        SELECT u.*, n.* EXCLUDE ({key_sql}),
               coalesce(s.jumlah_kelurahan_dilaporkan, 0) AS jumlah_kelurahan_dilaporkan,
               100.0 * coalesce(s.jumlah_kelurahan_dilaporkan, 0) / u.jumlah_kelurahan_referensi
                 AS kelengkapan_persen,
               s.* EXCLUDE (tahun, {key_sql}, jumlah_kelurahan_dilaporkan)
        FROM units u
        JOIN ({_names(level)}) n USING ({key_sql})
        LEFT JOIN sums s USING (tahun, {key_sql})
        ORDER BY {key_sql}, tahun""").df()
    zero_fill = ["jumlah_rt", *(f"jumlah_rt_{s}" for s in criteria.TINGKAT_SUFFIX.values()),
                 "luas_kumuh_ha", "luas_kumuh_ringan_ha", "luas_kumuh_sedang_ha",
                 "luas_kumuh_berat_ha", *criteria.numeric_columns()]
    frame[zero_fill] = frame[zero_fill].fillna(0)
    with_pct = scoring.add_percents(frame)
    no_rt = with_pct["jumlah_rt"] == 0
    for c in criteria.criteria():
        with_pct.loc[no_rt, c.persen] = float("nan")
    return rt_rows.conform(with_pct, f"indikator_{level}")


def register_reference(con: duckdb.DuckDBPyConnection, villages: pd.DataFrame) -> None:
    """Expose the reference hierarchy to SQL as the view ``ref``."""
    con.register("ref", villages)
