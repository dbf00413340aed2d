"""The published tables as real readers see them: DuckDB, pyarrow.dataset, pandas and polars
read every table with the same rows and the contract's types, and filters prune files."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from tests.conftest import REFERENCE
from transforms.indicators import progress
from transforms.sample import generate
from transforms.spec import contract

pytestmark = pytest.mark.slow

POLARS_TYPES = {"string": "String", "int8": "Int8", "int16": "Int16", "int32": "Int32",
                "int64": "Int64", "float64": "Float64",
                "timestamp": "Datetime(time_unit='us', time_zone='UTC')"}
DUCKDB_ALIASES = {"TIMESTAMPTZ": "TIMESTAMP WITH TIME ZONE"}
TAHUN = pa.schema([("tahun", pa.int16())])


@pytest.fixture(scope="module")
def published(tmp_path_factory, prefect_harness) -> tuple[dict[str, int], Path]:
    """One flow run: Kota Pekalongan in 2023 and 2024, Kabupaten Lumajang only in 2024 (so the
    2023 files hold no 35.08 rows), plus the defective workbooks."""
    from flows.nightly import nightly_consolidation

    folder = tmp_path_factory.mktemp("input")
    made = generate.generate_sample(folder, REFERENCE, kabupaten=("33.75",), years=(2023, 2024),
                                  kelurahan_per_kabupaten=4, seed=11, with_errors=False)
    made += generate.generate_sample(folder, REFERENCE, kabupaten=("35.08",), years=(2024,),
                                   kelurahan_per_kabupaten=4, seed=12)
    base = tmp_path_factory.mktemp("run")
    nightly_consolidation(input_dir=str(folder), out=str(base / "out"),
                          warehouse_path=str(base / "kumuh.duckdb"))
    valid = [w for w in made if w.expected_status == "diterima"]
    expected = {"indikator_rt": sum(len(w.rts) for w in valid),
                "indikator_kelurahan": len({(w.kode_kelurahan, w.tahun) for w in valid}),
                "pengiriman": len(made)}
    return expected, base / "out"


def _glob(out: Path, table: str) -> str:
    return f"{out / table}/**/*.parquet"


def _duckdb_source(out: Path, table: str) -> str:
    if table in contract.PARTITIONED:
        return (f"read_parquet('{_glob(out, table)}', hive_partitioning = true, "
                "hive_types = {'tahun': SMALLINT})")
    return f"read_parquet('{_glob(out, table)}')"


def read_duckdb(out: Path, table: str) -> tuple[int, dict[str, str]]:
    con = duckdb.connect()
    try:
        src = _duckdb_source(out, table)
        types = {n: t for n, t, *_ in con.sql(f"DESCRIBE SELECT * FROM {src}").fetchall()}
        return con.sql(f"SELECT count(*) FROM {src}").fetchall()[0][0], types
    finally:
        con.close()


def _dataset(out: Path, table: str) -> ds.Dataset:
    part = ds.partitioning(TAHUN, flavor="hive") if table in contract.PARTITIONED else None
    return ds.dataset(out / table, format="parquet", partitioning=part)


def read_pyarrow(out: Path, table: str) -> tuple[int, dict[str, pa.DataType]]:
    d = _dataset(out, table)
    return d.count_rows(), {f.name: f.type for f in d.schema}


def read_pandas(out: Path, table: str) -> tuple[int, dict[str, object]]:
    kwargs = {"partitioning": ds.partitioning(TAHUN, flavor="hive")} \
        if table in contract.PARTITIONED else {}
    df = pd.read_parquet(out / table, dtype_backend="pyarrow", **kwargs)
    assert len(pd.read_parquet(out / table)) == len(df)  # default options read the same rows
    return len(df), dict(df.dtypes)


def read_polars(out: Path, table: str) -> tuple[int, dict[str, str]]:
    import polars as pl

    if table in contract.PARTITIONED:
        lf = pl.scan_parquet(_glob(out, table), hive_partitioning=True,
                             hive_schema={"tahun": pl.Int16})
    else:
        lf = pl.scan_parquet(f"{out / table}/*.parquet")
    n = lf.select(pl.len()).collect().item()
    return n, {k: repr(v) for k, v in lf.collect_schema().items()}


@pytest.mark.parametrize("table", list(contract.tables()))
def test_every_reader_sees_the_same_rows_and_contract_types(published, table: str) -> None:
    expected, out = published
    columns = contract.tables()[table]
    counts = {}
    counts["duckdb"], types = read_duckdb(out, table)
    assert types == {c.name: DUCKDB_ALIASES.get(t := contract.duckdb_type(c), t)
                     for c in columns}
    counts["pyarrow"], types = read_pyarrow(out, table)
    assert types == {c.name: c.arrow_type for c in columns}
    counts["pandas"], types = read_pandas(out, table)
    assert types == {c.name: pd.ArrowDtype(c.arrow_type) for c in columns}
    counts["polars"], types = read_polars(out, table)
    assert types == {c.name: f"{POLARS_TYPES[c.type]}" for c in columns}
    assert len(set(counts.values())) == 1, counts
    assert counts["duckdb"] > 0
    if table in expected:  # the generator's ground truth
        assert counts["duckdb"] == expected[table]


def _explain(out: Path, table: str, where: str) -> str:
    con = duckdb.connect()
    try:
        # SELECT *: an aggregate may be answered from Parquet statistics without a scan.
        rows = con.sql(f"EXPLAIN ANALYZE SELECT * FROM {_duckdb_source(out, table)} "
                       f"WHERE {where}").fetchall()
        return "\n".join(r[1] for r in rows)
    finally:
        con.close()


#: Partitioned tables with rows for both years and both kabupaten here; the year-on-year
#: comparisons (perubahan_rt, kemajuan_kabupaten) exist only for Kota Pekalongan in 2024.
PRUNABLE = tuple(t for t in contract.PARTITIONED
                 if t not in (progress.PERUBAHAN_RT, progress.KEMAJUAN))


@pytest.mark.parametrize("table", PRUNABLE)
def test_a_filter_on_tahun_reads_only_that_years_files(published, table: str) -> None:
    _, out = published
    d = _dataset(out, table)
    every = list(d.get_fragments())
    kept = list(d.get_fragments(filter=ds.field("tahun") == 2023))
    assert 0 < len(kept) < len(every)
    assert all("/tahun=2023/" in f.path for f in kept)
    assert sum(f.count_rows() for f in kept) == d.count_rows(filter=ds.field("tahun") == 2023)
    scanning = re.search(r"Scanning Files: (\d+)/(\d+)", _explain(out, table, "tahun = 2023"))
    assert scanning, "DuckDB's profile no longer reports 'Scanning Files: k/n'"
    assert (int(scanning[1]), int(scanning[2])) == (len(kept), len(every))


@pytest.mark.parametrize("table", PRUNABLE)
def test_a_filter_on_kode_kabupaten_skips_row_groups_by_statistics(published, table: str
                                                                   ) -> None:
    _, out = published
    d = _dataset(out, table)
    lumajang = ds.field("kode_kabupaten") == "35.08"
    total = kept = 0
    for frag in d.get_fragments():
        groups = frag.split_by_row_group(filter=lumajang, schema=d.schema)
        total += frag.num_row_groups
        kept += len(groups)
        if "/tahun=2023/" in frag.path:  # no Lumajang workbook in 2023: min/max exclude it
            assert groups == [], frag.path
        rows = sum(g.count_rows(filter=lumajang) for g in groups)
        assert rows == frag.count_rows(filter=lumajang)  # pruning never drops a matching row
    assert 0 < kept < total
    scanned = re.search(r"Row Groups Scanned: (\d+) / (\d+)",
                        _explain(out, table, "kode_kabupaten = '35.08'"))
    assert scanned, "DuckDB's profile no longer reports 'Row Groups Scanned: k / n'"
    assert int(scanned[1]) == kept < int(scanned[2]) == total
