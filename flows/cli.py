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


def _run(args: argparse.Namespace) -> int:
    if not args.input.is_dir():
        print(f"kumuh: folder masukan tidak ada atau bukan folder: {args.input}", file=sys.stderr)
        return 2
    from flows.nightly import nightly_consolidation

    s = nightly_consolidation(input_dir=str(args.input), out=str(args.out),
                              warehouse_path=str(args.warehouse), workers=args.workers)
    years = ", ".join(str(y) for y in s["years"]) or "-"
    print(
        f"\nkumuh run {s['run_id']} selesai dalam {s['seconds']:.1f} s\n"
        f"  workbook      : {s['workbooks']} dibaca — {s['diterima']} diterima, "
        f"{s['ditolak']} ditolak, {s['duplikat']} duplikat, {s['digantikan']} digantikan\n"
        f"  temuan        : {s['errors']} error, {s['warnings']} warning "
        f"(lihat temuan_validasi)\n"
        f"  diterbitkan   : {s['rt_published']} RT, {s['kelurahan']} kelurahan-tahun; "
        f"tahun run ini: {years}\n"
        f"  Parquet       : {Path(s['out']).resolve()}/<tabel>/\n"
        f"  warehouse     : {Path(s['warehouse']).resolve()}"
    )
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


def parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    p = argparse.ArgumentParser(prog="kumuh", description="KOTAKU slum-indicator pipeline")
    sub = p.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="consolidate every workbook in a folder and publish")
    run.add_argument("--input", type=Path, default=config.DEFAULT_INPUT)
    run.add_argument("--out", type=Path, default=config.DEFAULT_OUT)
    run.add_argument("--warehouse", type=Path, default=config.DEFAULT_WAREHOUSE)
    run.add_argument("--workers", type=int, default=None,
                     help="processes for reading (default: all cores)")
    run.set_defaults(func=_run)

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
