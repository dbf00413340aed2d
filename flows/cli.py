"""The ``kumuh`` command: ``kumuh run`` (nightly consolidation) and ``kumuh sample``.

Exit code 0 when the run completed, even if workbooks were rejected (they are reported);
non-zero only when the run itself failed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from flows import config

config.quiet_environment()


def _print_summary(s: dict) -> None:
    years = ", ".join(str(y) for y in s["years"]) or "-"
    published = (f"{s['groups_published']} kelompok kabupaten-tahun diperbarui"
                 if s["published"] else "tidak ada yang berubah; Parquet tidak disentuh")
    rows = ", ".join(f"{k} {v}" for k, v in s["rows"].items()) or "-"
    print(
        f"\nkumuh run {s['run_id']} ({s['scope']}) selesai dalam {s['seconds']:.1f} s\n"
        f"  berkas        : {s['files_present']} ada — {s['new']} baru, {s['changed']} berubah, "
        f"{s['unchanged']} tidak berubah, {s['vanished']} hilang; {s['files_read']} dibaca\n"
        f"  workbook      : {s['diterima']} diterima, {s['ditolak']} ditolak, "
        f"{s['duplikat']} duplikat, {s['digantikan']} digantikan\n"
        f"  temuan        : {s['errors']} error, {s['warnings']} warning "
        f"(lihat temuan_validasi)\n"
        f"  diterbitkan   : {published}; tahun data baru: {years}\n"
        f"  baris         : {rows}\n"
        f"  Parquet       : {Path(s['out']).resolve()}/<tabel>/\n"
        f"  warehouse     : {Path(s['warehouse']).resolve()}"
    )


def _locked(args: argparse.Namespace):
    """The writer lock for the run, taken before Prefect starts (clean message on timeout)."""
    from flows.nightly import lock_path
    from transforms.lock import writer_lock

    def waiting(who: str) -> None:
        print(f"kumuh: menunggu run lain selesai ({who}) ...", file=sys.stderr, flush=True)

    return writer_lock(lock_path(args.warehouse), args.lock_timeout, waiting)


def _run(args: argparse.Namespace) -> int:
    if not args.input.is_dir():
        print(f"kumuh: folder masukan tidak ada atau bukan folder: {args.input}", file=sys.stderr)
        return 2
    from transforms.lock import LockTimeout

    try:
        with _locked(args):
            from flows.nightly import nightly_consolidation

            s = nightly_consolidation(
                input_dir=str(args.input), out=str(args.out),
                warehouse_path=str(args.warehouse), workers=args.workers, full=args.full,
                kabupaten=args.kabupaten, kecamatan=args.kecamatan, kelurahan=args.kelurahan,
                tahun=args.tahun, force=args.force, take_lock=False,
                settle_seconds=args.settle_seconds)
    except LockTimeout as exc:
        print(f"kumuh: {exc}", file=sys.stderr)
        return 3
    _print_summary(s)
    return 0


def _withdraw(args: argparse.Namespace) -> int:
    from transforms.lock import LockTimeout

    try:
        with _locked(args):
            from flows.nightly import nightly_consolidation

            s = nightly_consolidation(input_dir=str(args.input), out=str(args.out),
                                      warehouse_path=str(args.warehouse),
                                      withdraw=[(args.kelurahan, args.tahun)], take_lock=False)
    except LockTimeout as exc:
        print(f"kumuh: {exc}", file=sys.stderr)
        return 3
    print(f"Data kelurahan {args.kelurahan} tahun {args.tahun} ditarik dari terbitan "
          f"(run {s['run_id']}).")
    return 0


def _sample(args: argparse.Namespace) -> int:
    from transforms.sample import generate_sample

    made = generate_sample(args.out, config.REFERENCE_DIR, kabupaten=args.kabupaten,
                           years=args.years, kelurahan_per_kabupaten=args.kelurahan,
                           seed=args.seed, with_errors=not args.no_errors,
                           workers=args.workers or 1)
    bad = sum(1 for w in made if w.defects)
    print(f"{len(made)} workbook ditulis ke {args.out} ({bad} sengaja bermasalah)")
    return 0


def _locations(p: argparse.ArgumentParser) -> None:
    p.add_argument("--input", type=Path, default=config.DEFAULT_INPUT)
    p.add_argument("--out", type=Path, default=config.DEFAULT_OUT)
    p.add_argument("--warehouse", type=Path, default=config.DEFAULT_WAREHOUSE)
    p.add_argument("--lock-timeout", type=float, default=None,
                   help="seconds to wait for another run (default: wait)")


def parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    p = argparse.ArgumentParser(prog="kumuh", description="KOTAKU slum-indicator pipeline")
    sub = p.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="consolidate every new or changed workbook and publish")
    _locations(run)
    run.add_argument("--workers", type=int, default=None,
                     help="processes for reading (default: all cores)")
    run.add_argument("--full", action="store_true", help="re-read and republish everything")
    run.add_argument("--kabupaten", help="rerun one kabupaten/kota, e.g. 33.75")
    run.add_argument("--kecamatan", help="rerun one kecamatan, e.g. 33.75.01")
    run.add_argument("--kelurahan", help="rerun one kelurahan/desa, e.g. 33.75.01.1003")
    run.add_argument("--tahun", type=int, help="rerun one survey year")
    run.add_argument("--settle-seconds", type=float, default=0.0,
                     help="leave files modified less than this long ago for the next run")
    run.add_argument("--force", action="store_true",
                     help="with a scope: recompute and republish it even if nothing changed")
    run.set_defaults(func=_run)

    withdraw = sub.add_parser("withdraw", help="remove a kelurahan-year whose file is gone")
    _locations(withdraw)
    withdraw.add_argument("--kelurahan", required=True)
    withdraw.add_argument("--tahun", type=int, required=True)
    withdraw.set_defaults(func=_withdraw)

    sample = sub.add_parser("sample", help="generate realistic sample workbooks")
    sample.add_argument("--out", type=Path, default=config.DEFAULT_INPUT)
    sample.add_argument("--kabupaten", nargs="+", default=["33.75", "35.08"])
    sample.add_argument("--years", nargs="+", type=int, default=[2023, 2024])
    sample.add_argument("--kelurahan", type=int, default=15,
                        help="kelurahan per kabupaten")
    sample.add_argument("--seed", type=int, default=2024)
    sample.add_argument("--no-errors", action="store_true",
                        help="do not add the deliberately defective workbooks")
    sample.add_argument("--workers", type=int, default=None)
    sample.set_defaults(func=_sample)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
