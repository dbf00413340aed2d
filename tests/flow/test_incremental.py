"""Nightly operation: incremental runs, scoped reruns, vanished files, withdrawals."""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from tests.conftest import REFERENCE, copy_state, read_table
from transforms.indicators import progress
from transforms.reports import clerk
from transforms.sample import generate, workbooks

pytestmark = pytest.mark.slow


def _digests(out: Path) -> dict[str, str]:
    """sha256 of every published Parquet file, by its path under the table link."""
    return {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.glob("*/**/*.parquet")) if ".versions" not in p.parts}


@pytest.fixture(scope="module")
def consolidated(tmp_path_factory, prefect_harness):
    """Two kabupaten × three kelurahan × three years of valid workbooks (the first two
    kelurahan of each kabupaten share a kawasan), consolidated once for the module."""
    from flows.nightly import nightly_consolidation

    base = tmp_path_factory.mktemp("world")
    made = generate.generate_sample(base / "in", REFERENCE, kabupaten=("33.75", "35.08"),
                                  kelurahan_per_kabupaten=3, rts_per_kelurahan=(4, 8),
                                  seed=5, with_errors=False, years=(2022, 2023, 2024))
    summary = nightly_consolidation(input_dir=str(base / "in"), out=str(base / "out"),
                                    warehouse_path=str(base / "wh" / "kumuh.duckdb"))
    assert summary["diterima"] == len(made) == 18
    return base, made


@pytest.fixture
def world(consolidated, tmp_path: Path, run_flow):
    """A private copy of the consolidated state (input, Parquet, warehouse) for one test."""
    base, made = consolidated
    out, wh = copy_state(base, tmp_path)
    made = [dataclasses.replace(w, path=tmp_path / w.path.relative_to(base)) for w in made]
    return tmp_path, made, out, wh, run_flow


def test_no_change_run_reads_nothing_and_publishes_nothing(world) -> None:
    tmp, _, out, wh, run_flow = world
    before = _digests(out)
    summary, _, _ = run_flow(tmp / "in", out=out, warehouse=wh)
    assert summary["files_read"] == 0 and summary["unchanged"] == 18
    assert not summary["published"]
    assert _digests(out) == before


def _rows(out: Path, path: str) -> list[dict]:
    """The rows of one published Parquet file (one table partition)."""
    return pq.read_table(out / path).to_pylist()


def test_one_changed_workbook_rewrites_only_the_partitions_whose_rows_change(world) -> None:
    """The middle year's workbook of a kelurahan in a kawasan: one RT's luas tripled. That
    kabupaten-year's RT rows and roll-ups are rewritten; of the progress tables exactly the
    partitions whose rows change (that year's kawasan, that year's and the next year's
    comparisons); every other file stays byte-identical. The RT gets a berubah_drastis
    warning against the year before."""
    tmp, made, out, wh, run_flow = world
    before = _digests(out)
    rows_before = {path: _rows(out, path) for path in before}
    target = next(w for w in made if w.kode_kabupaten == "33.75" and w.tahun == 2023
                  and w.rts[0].kawasan)
    first = target.rts[0]
    tripled = dataclasses.replace(first, values={**first.values,
                                                 "luas_ha": round(3 * first.values["luas_ha"], 2)})
    workbooks.write_workbook(target.path, target.identity, [tripled, *target.rts[1:]],
                             target.layout)
    summary, _, _ = run_flow(tmp / "in", out=out, warehouse=wh)
    assert summary["files_read"] == 1 and summary["changed"] == 1

    after = _digests(out)
    assert set(after) == set(before)
    rewritten = {path for path, digest in after.items() if digest != before[path]
                 and path.split("/")[0] not in ("temuan_validasi", "pengiriman")}
    for path in after:
        table = path.split("/")[0]
        if table in progress.TABLES:
            assert (path in rewritten) == (_rows(out, path) != rows_before[path]), path
        elif table not in ("temuan_validasi", "pengiriman"):
            assert (path in rewritten) == path.endswith("tahun=2023/33.75.parquet"), path
    assert {"indikator_kawasan/tahun=2023/33.75.parquet", "perubahan_rt/tahun=2023/33.75.parquet",
            "perubahan_rt/tahun=2024/33.75.parquet"} <= rewritten
    assert not [p for p in rewritten if "tahun=2022" in p or not p.endswith("/33.75.parquet")]
    assert "indikator_kawasan/tahun=2024/33.75.parquet" not in rewritten

    rel = target.path.relative_to(tmp / "in").as_posix()
    (warning,) = [f for f in read_table(out, "temuan_validasi")
                  if f["aturan"] == "berubah_drastis"]
    assert warning["sumber_file"] == rel and warning["kolom"] == "luas_ha"
    assert warning["tingkat"] == "warning" and warning["tahun"] == 2023
    assert f"RT {first.rt}/RW {first.rw}" in warning["pesan"]
    assert "pada tahun 2022" in warning["pesan"] and "dua kali lipat" in warning["pesan"]
    (sent,) = [r for r in read_table(out, "pengiriman") if r["sumber_file"] == rel]
    assert sent["status"] == "diterima" and sent["jumlah_warning"] >= 1


def test_scoped_rerun_leaves_everything_outside_byte_identical(world) -> None:
    tmp, made, out, wh, run_flow = world
    before = _digests(out)
    summary, _, _ = run_flow(tmp / "in", out=out, warehouse=wh, kabupaten="33.75",
                             tahun=2024, force=True)
    inside = [w for w in made if w.kode_kabupaten == "33.75" and w.tahun == 2024]
    assert summary["files_read"] == len(inside) == 3
    after = _digests(out)
    for path, digest in after.items():
        if path.split("/")[0] in ("temuan_validasi", "pengiriman"):
            continue
        if path.endswith("tahun=2024/33.75.parquet"):
            continue  # rewritten (same rows)
        assert digest == before[path], path


def test_rules_change_triggers_a_full_recompute(world) -> None:
    tmp, _, out, wh, run_flow = world
    con = duckdb.connect(str(wh))
    con.execute("UPDATE state SET value = 'aturan-lama' WHERE key = 'fingerprint'")
    con.close()
    summary, _, _ = run_flow(tmp / "in", out=out, warehouse=wh)
    assert summary["files_read"] == 18 and summary["groups_published"] == 6


def test_vanished_file_stays_published_until_withdrawn(world) -> None:
    tmp, made, out, wh, run_flow = world
    gone = made[0]
    rel = gone.path.relative_to(tmp / "in").as_posix()
    gone.path.unlink()
    summary, _, _ = run_flow(tmp / "in", out=out, warehouse=wh)
    assert summary["vanished"] == 1
    kept = [r for r in read_table(out, "indikator_rt") if r["sumber_file"] == rel]
    assert len(kept) == len(gone.rts)
    (notice,) = [f for f in read_table(out, "temuan_validasi") if f["sumber_file"] == rel]
    assert notice["aturan"] == "berkas_hilang" and notice["tingkat"] == "warning"
    assert "withdraw" not in notice["pesan"] and "pengelola data" in notice["pesan"]
    assert rel not in {r["sumber_file"] for r in read_table(out, "pengiriman")}
    # the clerk's pages list the deleted workbook under its own kelurahan, not as a file
    # without a region code
    index = (out / "temuan" / "index.html").read_text(encoding="utf-8")
    assert clerk.UNKNOWN_GROUP not in index and clerk.GONE_GROUP not in index
    section = index.split(f'id="kel-{gone.kode_kelurahan}"', 1)[1].split("<h3", 1)[0]
    assert rel in section and "Dihapus — berkas ini tidak ada lagi" in section
    page = out / "temuan" / gone.kode_kabupaten / f"{gone.kode_kelurahan}.html"
    assert rel in page.read_text(encoding="utf-8")

    summary, _, _ = run_flow(tmp / "in", out=out, warehouse=wh,
                             withdraw=[(gone.kode_kelurahan, gone.tahun)])
    assert not [r for r in read_table(out, "indikator_rt") if r["sumber_file"] == rel]
    assert not [f for f in read_table(out, "temuan_validasi") if f["sumber_file"] == rel]
    kel = {(r["kode_kelurahan"], r["tahun"]) for r in read_table(out, "indikator_kelurahan")}
    assert (gone.kode_kelurahan, gone.tahun) not in kel


def test_lock_files_other_files_and_symlink_loops(world) -> None:
    tmp, made, out, wh, run_flow = world
    locks = [made[0].path.with_name("~$" + made[0].path.name),
             made[1].path.with_name("~$" + made[1].path.name)]
    for lockfile in locks:  # two identical 165-byte Excel lock files
        lockfile.write_bytes(b"\x00" * 165)
    (tmp / "in" / "loop").symlink_to(tmp / "in", target_is_directory=True)
    shutil.copy(made[1].path, tmp / "in" / "Salinan Ñandú – é.xlsx")
    (tmp / "in" / "surat pengantar.pdf").write_bytes(b"%PDF-1.4")
    (tmp / "in" / "foto").mkdir()
    (tmp / "in" / "foto" / "rt01.jpg").write_bytes(b"\xff\xd8")
    summary, _, _ = run_flow(tmp / "in", out=out, warehouse=wh)
    assert summary["files_present"] == 19 and summary["files_read"] >= 2
    rels = sorted(f.relative_to(tmp / "in").as_posix() for f in locks)
    assert summary["lock_files"] == rels
    assert summary["other_files"] == ["foto/rt01.jpg", "surat pengantar.pdf"]
    status = {r["sumber_file"]: r["status"] for r in read_table(out, "pengiriman")}
    assert not set(rels) & set(status)  # never on the clerk's list, never duplicates
    assert not set(rels) & {f["sumber_file"] for f in read_table(out, "temuan_validasi")}
    assert status["Salinan Ñandú – é.xlsx"] in ("duplikat", "diterima")
    again, _, _ = run_flow(tmp / "in", out=out, warehouse=wh)
    assert again["other_files"] == [] and again["lock_files"] == rels  # listed once


def test_file_still_being_copied_is_skipped_then_picked_up(world) -> None:
    import threading
    import time

    tmp, made, out, wh, run_flow = world
    source = made[0].path.read_bytes()
    target = tmp / "in" / "sedang disalin.xlsx"
    target.write_bytes(source[: len(source) // 2])
    done = threading.Event()

    def dribble() -> None:  # a slow network copy: a few bytes every 20 ms
        pos = len(source) // 2
        with target.open("ab") as fh:
            while not done.is_set() and pos < len(source) - 1:
                fh.write(source[pos:pos + 1])
                fh.flush()
                pos += 1
                time.sleep(0.02)
            done.wait()
            fh.write(source[pos:])

    writer = threading.Thread(target=dribble)
    writer.start()
    try:
        summary, _, _ = run_flow(tmp / "in", out=out, warehouse=wh, settle_seconds=5)
    finally:
        done.set()
        writer.join()
    assert summary["copying"] == ["sedang disalin.xlsx"]
    status = {r["sumber_file"]: r["status"] for r in read_table(out, "pengiriman")}
    assert "sedang disalin.xlsx" not in status  # not on the clerk's list
    assert "sedang disalin.xlsx" not in {f["sumber_file"]
                                         for f in read_table(out, "temuan_validasi")}
    summary, _, _ = run_flow(tmp / "in", out=out, warehouse=wh)
    assert summary["files_read"] >= 1
    status = {r["sumber_file"]: r["status"] for r in read_table(out, "pengiriman")}
    assert status["sedang disalin.xlsx"] == "duplikat"  # a byte copy of made[0], now complete


def test_reports_follow_only_a_publish_that_succeeded(world, monkeypatch) -> None:
    """The reports are drawn while the Parquet files are written: when the publish fails
    (disk full), the flow fails and neither the tables nor the reports change, and no drawing
    thread is left; the next run publishes and writes them, drawing again only the changed
    kabupaten's report section (the other one is reused from the cache beside the warehouse)."""
    import threading

    from transforms.publish import parquet

    tmp, made, out, wh, run_flow = world
    target = next(w for w in made if w.kode_kabupaten == "33.75" and w.tahun == 2024)
    first = target.rts[0]
    bigger = dataclasses.replace(first, values={**first.values,
                                                "luas_ha": round(first.values["luas_ha"] + 1, 2)})
    workbooks.write_workbook(target.path, target.identity, [bigger, *target.rts[1:]],
                             target.layout)
    pages = [out / "laporan" / "index.html", out / "temuan" / "index.html"]
    before = _digests(out), [p.read_bytes() for p in pages]
    cache = wh.parent / "cache" / "laporan"
    kept = {p.name: p.stat().st_mtime_ns for p in cache.glob("*.html")}
    assert set(kept) == {"33.75.html", "35.08.html"}

    def disk_full(path: Path, table) -> None:
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(parquet, "_write", disk_full)
    with pytest.raises(OSError, match="No space left"):
        run_flow(tmp / "in", out=out, warehouse=wh)
    assert (_digests(out), [p.read_bytes() for p in pages]) == before
    assert not [t for t in threading.enumerate() if t.name.startswith("laporan")]

    monkeypatch.undo()
    summary, _, _ = run_flow(tmp / "in", out=out, warehouse=wh)
    assert summary["published"] and summary["run_id"] in pages[0].read_text()
    assert _digests(out) != before[0]
    now = {p.name: p.stat().st_mtime_ns for p in cache.glob("*.html")}
    assert now["35.08.html"] == kept["35.08.html"] and now["33.75.html"] != kept["33.75.html"]
