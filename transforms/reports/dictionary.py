"""The data dictionary (``docs/data-dictionary.md``) for analysts and BI developers.

Rendered from the one contract (:func:`transforms.spec.contract.tables`) and the criteria table
(:func:`transforms.spec.criteria.criteria`): every published table with its grain and
partitioning, every column with its type, unit and meaning in Indonesian and English, and the
scoring rule it comes from. Regenerate with
``python -m transforms.reports.dictionary > docs/data-dictionary.md`` (``make docs``);
``tests/unit/test_dictionary.py`` fails when the committed file is stale.
"""

from __future__ import annotations

import duckdb

from transforms.publish import bi
from transforms.spec import contract, criteria, reference
from transforms.spec.contract import Column
from transforms.store import warehouse

#: Grain of each published table: (Indonesian, English).
GRAIN: dict[str, tuple[str, str]] = {
    "indikator_rt": ("satu baris per RT per tahun", "one row per RT per survey year"),
    "indikator_kelurahan": ("satu baris per kelurahan/desa per tahun, dinilai sebagai satu "
                            "kawasan (jumlah RT-nya)",
                            "one row per village per year, scored as one unit (its summed RTs)"),
    "indikator_kecamatan": ("satu baris per kecamatan per tahun (tanpa nilai/tingkat)",
                            "one row per district per year (no score or level)"),
    "indikator_kabupaten": ("satu baris per kabupaten/kota per tahun (tanpa nilai/tingkat)",
                            "one row per regency/city per year (no score or level)"),
    "indikator_kawasan": ("satu baris per kawasan per tahun, dinilai sebagai satu kesatuan "
                          "(jumlah RT-nya); RT tanpa nama kawasan tidak masuk kawasan mana pun",
                          "one row per settlement area (kawasan) per year, scored as one unit "
                          "(its summed RTs); RTs with no kawasan belong to none"),
    "perubahan_rt": ("satu baris per RT per tahun yang punya tahun terbit sebelumnya untuk RT itu",
                     "one row per RT per year that has an earlier published year for that RT"),
    "kemajuan_kabupaten": ("satu baris per kabupaten/kota per tahun yang punya tahun data "
                           "sebelumnya; perbandingan hanya atas kelurahan/desa yang terbit pada "
                           "kedua tahun",
                           "one row per regency/city per year that has an earlier year with "
                           "data; comparisons only over villages published in both years"),
    "temuan_validasi": ("satu baris per temuan validasi run terakhir",
                        "one row per validation finding of the latest run"),
    "pengiriman": ("satu baris per berkas workbook yang dilihat run terakhir",
                   "one row per workbook file seen by the latest run"),
}

_ROLLED_UP = ("indikator_kecamatan", "indikator_kabupaten")
_TYPE_NAMES = {"string": "string", "int8": "int8", "int16": "int16", "int32": "int32",
               "int64": "int64", "float64": "float64", "timestamp": "timestamp[us, UTC]"}


def _criteria_by_column() -> dict[str, criteria.Criterion]:
    out: dict[str, criteria.Criterion] = {}
    for c in criteria.criteria():
        out.update({c.vol: c, c.persen: c, c.nilai: c})
    return out


def _crit_link(c: criteria.Criterion) -> str:
    return f"[{c.kode}](#kriteria-{c.kode})"


def _criterion_rule(col: str, c: criteria.Criterion, table: str) -> str:
    if col == c.vol:
        return f"volume kriteria {_crit_link(c)}; penyebut `{c.penyebut}`"
    if col == c.persen:
        how = "rasio jumlah (Σ vol / Σ penyebut)" if table != "indikator_rt" else "per RT"
        return (f"100 × `{c.vol}` / `{c.penyebut}` ({how}), kriteria {_crit_link(c)}; "
                "0 bila penyebut dan volume 0")
    return f"[pita nilai](#nilai) atas `{c.vol}` / `{c.penyebut}`, kriteria {_crit_link(c)}"


_RULES: dict[str, str] = {
    "total_nilai": "Σ 16 `nilai_*` (0–80)",
    "tingkat_kekumuhan": "[pita tingkat](#tingkat) atas `total_nilai`",
    "luas_kumuh_ha": "Σ `luas_ha` RT yang tingkatnya bukan Tidak Kumuh",
    "kelengkapan_persen": "100 × `jumlah_kelurahan_dilaporkan` / `jumlah_kelurahan_referensi`",
    "jumlah_kelurahan_referensi": "daftar wilayah Kemendagri (kelurahan, desa, desa adat)",
    "jumlah_kelurahan_dilaporkan": "kelurahan/desa dengan workbook `diterima` untuk tahun itu",
    "kewenangan": "UU 23/2014 atas `luas_ha` kawasan dibulatkan 2 desimal: ≥ 15 ha Pusat, "
                  "≥ 10 ha Provinsi, selain itu Kabupaten/Kota; kosong bila Tidak Kumuh",
    "selisih_nilai": "`total_nilai` − `total_nilai_sebelumnya`",
    "arah": "urutan tingkat Berat → Sedang → Ringan → Tidak Kumuh, tahun_sebelumnya → tahun ini",
    "perubahan_luas_kumuh_ha": "`luas_kumuh_ha` − `luas_kumuh_sebelumnya_ha` (kelurahan/desa "
                               "yang terbit pada kedua tahun)",
}


def column_rule(table: str, col: Column) -> str:
    """The scoring or roll-up rule a column comes from (markdown), or '' for plain data."""
    crit = _criteria_by_column().get(col.name)
    if crit is not None:
        return _criterion_rule(col.name, crit, table)
    if col.name in _RULES:
        return _RULES[col.name]
    if col.name.startswith("jumlah_rt_") or col.name.startswith("luas_kumuh_"):
        return "dihitung dari `tingkat_kekumuhan` per RT ([pita tingkat](#tingkat))"
    if col.name in criteria.denominators() and table != "indikator_rt":
        return "Σ atas RT (penyebut)"
    if col.name in criteria.denominators():
        return "penyebut, dari workbook"
    return ""


def _allowed(col: Column) -> str:
    """The column's allowed values as checked on every publish (expectations/outputs.py)."""
    kind, _, rule = col.allowed.partition(":")
    if kind == "in":
        return ", ".join(f"`{v}`" for v in rule.split(","))
    if kind == "range":
        lo, _, hi = rule.partition("..")
        return f"{lo or '−∞'} … {hi or '∞'}"
    if kind == "regex":
        return f"pola `{_cell(rule)}`"
    return ""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _type(col: Column, table: str) -> str:
    t = _TYPE_NAMES[col.type]
    if col.name == "tahun" and table in contract.PARTITIONED:
        t += " (partisi)"
    return f"{t} / {contract.duckdb_type(col)}"


def _partitioning(table: str) -> str:
    if table in contract.PARTITIONED:
        return (f"hive `tahun=YYYY/`, satu berkas per kabupaten/kota — "
                f"`<out>/{table}/tahun=2024/33.75.parquet`; DuckDB: "
                f"`read_parquet('<out>/{table}/**/*.parquet', hive_partitioning = true, "
                "hive_types = {'tahun': SMALLINT})`")
    return f"tidak berpartisi — `<out>/{table}/part-0.parquet`"


def render_table(table: str) -> str:
    """One table's section: grain, partitioning and the column list."""
    grain_id, grain_en = GRAIN[table]
    lines = [
        f"### `{table}`", "",
        f"- **Butir (grain)**: {grain_id} — *{grain_en}*",
        f"- **Partisi**: {_partitioning(table)}",
        f"- **Jumlah kolom**: {len(contract.tables()[table])}", "",
        "| kolom | tipe (Arrow / DuckDB) | satuan | arti | meaning | aturan | nilai yang sah |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for col in contract.tables()[table]:
        lines.append(f"| `{col.name}` | {_type(col, table)} | {_cell(col.unit)} | "
                     f"{_cell(col.description_id)} | {_cell(col.description_en)} | "
                     f"{column_rule(table, col)} | {_allowed(col)} |")
    return "\n".join(lines) + "\n"


def _criteria_section() -> str:
    lines = [
        "## Kriteria (Permen PUPR 14/PRT/M/2018)", "",
        "| kode | aspek | kriteria | satuan volume | penyebut | kolom |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for c in criteria.criteria():
        lines.append(f"| <a id=\"kriteria-{c.kode}\"></a>{c.kode} | {c.aspek} | {c.kriteria} | "
                     f"{c.satuan} | `{c.penyebut}` | `{c.vol}`, `{c.persen}`, `{c.nilai}` |")
    return "\n".join(lines) + "\n"


def _bands_section() -> str:
    nilai = ", ".join(f"{v} bila f ≥ {t}" for t, v in criteria.NILAI_BANDS) + ", selain itu 0"
    ceil = [80, *(m - 1 for m, _ in criteria.TINGKAT_BANDS[:-1])]
    tingkat = [f"| {label} | {m}–{hi} |"
               for (m, label), hi in zip(criteria.TINGKAT_BANDS, ceil, strict=True)]
    return "\n".join([
        "## Aturan penilaian / scoring rules", "",
        '<a id="nilai"></a>**Nilai per kriteria.** `f = vol / penyebut` dibulatkan ke '
        f"{criteria.FRACTION_DECIMALS} desimal; `nilai` = {nilai}. `persen_*` = 100 × pecahan, "
        "tidak dibulatkan. Penyebut 0 dengan volume 0 memberi 0 % (dan peringatan).", "",
        '<a id="tingkat"></a>**Tingkat kekumuhan** atas `total_nilai` (Σ 16 nilai, 0–80). '
        "Label persis seperti di tabel:", "",
        "| tingkat_kekumuhan | total_nilai |", "| --- | --- |", *tingkat, "",
        "**Agregasi.** Kelurahan, kecamatan dan kabupaten/kota menjumlahkan penyebut dan volume "
        "lalu menghitung ulang persen (rasio jumlah); persen, nilai dan total tidak pernah "
        "dirata-rata. Kelurahan dinilai sebagai satu kawasan; kecamatan dan kabupaten/kota tidak "
        "diberi nilai/tingkat. `luas_kumuh_ha` = Σ `luas_ha` RT yang tingkatnya bukan Tidak Kumuh. "
        "Penjumlahan selalu dalam urutan tetap (tahun, kelurahan, RW, RT), sehingga baris RT "
        "yang sama selalu menghasilkan angka yang sama persis sampai digit terakhir.",
        "",
    ])


def _overview() -> str:
    lines = ["## Tabel / tables", "", "| tabel | butir | partisi | kolom |",
             "| --- | --- | --- | --- |"]
    for table, cols in contract.tables().items():
        part = "`tahun`" if table in contract.PARTITIONED else "—"
        lines.append(f"| [`{table}`](#{table}) | {GRAIN[table][0]} | {part} | {len(cols)} |")
    return "\n".join(lines) + "\n"


def _bi_section() -> str:
    """``kumuh.duckdb`` for BI tools: its views and the ``kumuh_info`` table."""
    lines = [
        "## Berkas BI `kumuh.duckdb` / BI file", "",
        "`<out>/kumuh.duckdb` berisi satu view per tabel di atas (kolom, tipe dan komentar "
        "sama) yang membaca Parquet di `<out>/<tabel>`. Bila folder terbitan dipasang di tempat "
        "lain, setel `file_search_path` DuckDB ke folder itu (README, *Reading the outputs*). "
        "*One view per table above; set DuckDB's `file_search_path` when the publish folder is "
        "mounted elsewhere.*", "",
        "### `kumuh_info`", "",
        "- **Butir (grain)**: satu baris per keterangan tentang berkas ini — *one row per key*",
        "- **Kolom**: `kunci` (VARCHAR), `nilai` (VARCHAR)", "",
        "| kunci | arti | meaning |", "| --- | --- | --- |",
        *(f"| `{key}` | {_cell(d_id)} | {_cell(d_en)} |" for key, (d_id, d_en) in bi.INFO.items()),
        "",
    ]
    return "\n".join(lines)


def history_columns() -> dict[str, list[tuple[str, str]]]:
    """Each warehouse history table's (column, DuckDB type), from the warehouse's own DDL."""
    con = duckdb.connect()
    try:
        for ddl in warehouse.DDL:
            con.execute(ddl)
        out = {}
        for name in warehouse.HISTORY_DOC:
            source = warehouse.HISTORY.get(name)
            if source:
                out[name] = [(c.name, contract.duckdb_type(c)) for c in contract.tables()[source]]
            else:
                out[name] = con.execute(
                    "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? "
                    "ORDER BY column_index", [name]).fetchall()
        return out
    finally:
        con.close()


def _history_section() -> str:
    """The warehouse's history tables (``runs``, ``riwayat_*``) for audits."""
    lines = [
        "## Warehouse: riwayat / history", "",
        "Warehouse (`--warehouse`, bawaan `data/warehouse/kumuh.duckdb`) adalah berkas milik "
        "pipeline; selain tabel di atas ia menyimpan riwayat berikut. Untuk audit, baca "
        "salinannya: membuka berkas itu sendiri menahan run berikutnya. *The pipeline's own "
        "file: read a copy for audits, since opening it holds back the next run.*", "",
    ]
    columns = history_columns()
    for name, ((grain_id, grain_en), docs) in warehouse.HISTORY_DOC.items():
        lines += [f"### `{name}`", "", f"- **Butir (grain)**: {grain_id} — *{grain_en}*"]
        source = warehouse.HISTORY.get(name)
        if source:
            lines += [f"- **Kolom**: sama dengan [`{source}`](#{source}) — *the columns of "
                      f"`{source}`*", ""]
            continue
        lines += ["", "| kolom | tipe (DuckDB) | arti | meaning |", "| --- | --- | --- | --- |"]
        for col, typ in columns[name]:
            d_id, d_en = docs.get(col, ("", ""))
            lines.append(f"| `{col}` | {typ} | {_cell(d_id)} | {_cell(d_en)} |")
        lines.append("")
    return "\n".join(lines)


def render_dictionary() -> str:
    """The whole data dictionary as markdown (deterministic: same contract → same text)."""
    header = "\n".join([
        "# Kamus data kumuh / kumuh data dictionary", "",
        "<!-- Dibuat otomatis oleh `python -m transforms.reports.dictionary` (make docs); "
        "jangan diedit manual. Generated, do not edit. -->", "",
        f"- **Versi kontrak / contract version**: `{contract.CONTRACT_VERSION}` (Parquet file "
        "metadata `kumuh_contract_version`)",
        f"- **Aturan penilaian / rules**: `{criteria.RULES_VERSION}`",
        f"- **Daftar wilayah / region list**: {reference.EDITION}",
        f"- **Atribusi / attribution (ODbL)**: {reference.ATTRIBUTION}.", "",
        "Kode wilayah adalah teks bertitik (`33.75.01.1001`), bukan angka; nama berasal dari "
        "daftar wilayah resmi, bukan dari workbook. Setiap kolom membawa deskripsinya di metadata "
        "field Parquet (`description`, `description_en`, `unit`).", "",
    ])
    tables = "\n".join(render_table(t) for t in contract.tables())
    return "\n".join([header, _overview(), _bands_section(), _criteria_section(),
                      "## Kolom per tabel / columns", "", tables, _bi_section(),
                      _history_section()]).rstrip("\n") + "\n"


if __name__ == "__main__":
    print(render_dictionary(), end="")
