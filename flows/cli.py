"""The ``kumuh`` command: run, withdraw, status, config, serve and sample.

Locations and schedule come from :func:`flows.config.resolve` (default < kumuh.toml <
``KUMUH_*`` < flag). ``kumuh run`` exits 0 when the run completed, even if workbooks were
rejected (they are reported); 2 for a bad input folder, 3 when another run held the lock past
``--lock-timeout``; other non-zero codes only when the run itself failed.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from flows import config, process

process.set_up()

EXIT_BAD_INPUT, EXIT_LOCKED = 2, 3


def _where(location: str) -> str:
    return location if "://" in location else str(Path(location).resolve())


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
        f"(lihat temuan_validasi dan {_where(s['out'])}/temuan/index.html)\n"
        f"  diterbitkan   : {published}; tahun data baru: {years}\n"
        f"  baris         : {rows}\n"
        f"  Parquet       : {_where(s['out'])}/<tabel>/\n"
        f"  laporan       : {_where(s['out'])}/laporan/index.html\n"
        f"  warehouse     : {Path(s['warehouse']).resolve()}"
    )


def _settings(args: argparse.Namespace) -> config.Settings:
    flags = {name: getattr(args, name, None) for name in config.CONFIGURABLE}
    settings, _ = config.resolve(flags, config=args.config)
    return settings


def _locked(settings: config.Settings) -> AbstractContextManager:
    """The writer lock, taken before Prefect starts (a clean message, no traceback)."""
    from flows.nightly import lock_path
    from transforms.store.lock import writer_lock

    def waiting(who: str) -> None:
        print(f"kumuh: menunggu run lain selesai ({who}) ...", file=sys.stderr, flush=True)

    return writer_lock(lock_path(settings.warehouse), settings.lock_timeout, waiting)


def _consolidate(settings: config.Settings, **params) -> dict | int:
    from transforms.store.lock import LockTimeout

    try:
        with _locked(settings), _prefect_api(settings):
            from flows.nightly import with_runner

            run = with_runner(settings.runner, settings.dask_address, settings.workers)
            return run(input_dir=str(settings.input), out=str(settings.out),
                       warehouse_path=str(settings.warehouse), workers=settings.workers,
                       settle_seconds=settings.settle_seconds, take_lock=False,
                       runner=settings.runner, check_outputs=settings.check_outputs,
                       **params)
    except LockTimeout as exc:
        print(f"kumuh: {exc}", file=sys.stderr)
        return EXIT_LOCKED


@contextmanager
def _prefect_api(settings: config.Settings) -> Iterator[None]:
    """With ``--runner dask`` and no ``PREFECT_API_URL``: a temporary local Prefect server
    whose address the Dask workers inherit (each would otherwise start its own)."""
    if settings.runner != "dask" or os.environ.get("PREFECT_API_URL"):
        yield
        return
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()  # the instance Prefect itself uses; stopped at exit
    server.start()
    os.environ["PREFECT_API_URL"] = server.api_url
    try:
        yield
    finally:
        os.environ.pop("PREFECT_API_URL", None)


def _run(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if not settings.input.is_dir():
        print(f"kumuh: folder masukan tidak ada atau bukan folder: {settings.input}",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    s = _consolidate(settings, full=args.full, kabupaten=args.kabupaten,
                     kecamatan=args.kecamatan, kelurahan=args.kelurahan, tahun=args.tahun,
                     force=args.force)
    if isinstance(s, int):
        return s
    _print_summary(s)
    return 0


def _withdraw(args: argparse.Namespace) -> int:
    settings = _settings(args)
    s = _consolidate(settings, withdraw=[(args.kelurahan, args.tahun)])
    if isinstance(s, int):
        return s
    print(f"Data kelurahan {args.kelurahan} tahun {args.tahun} ditarik dari terbitan "
          f"(run {s['run_id']}).")
    return 0


def _status(args: argparse.Namespace) -> int:
    from flows.status import status_text

    print(status_text(_settings(args), last=args.last))
    return 0


def _config(args: argparse.Namespace) -> int:
    flags = {name: getattr(args, name, None) for name in config.CONFIGURABLE}
    settings, sources = config.resolve(flags, config=args.config)
    for name in config.CONFIGURABLE:
        print(f"{name:<15} = {getattr(settings, name)!s:<40} ({sources[name]})")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from flows.serve import serve_forever

    serve_forever(_settings(args))
    return 0


def _sample(args: argparse.Namespace) -> int:
    if args.forms:
        return _sample_forms(args)
    from transforms.sample.generate import generate_sample

    made = generate_sample(args.out, config.REFERENCE_DIR, kabupaten=args.kabupaten,
                           years=args.years, kelurahan_per_kabupaten=args.kelurahan,
                           seed=args.seed, with_errors=not args.no_errors,
                           workers=args.workers or 1)
    bad = sum(1 for w in made if w.defects)
    print(f"{len(made)} workbook ditulis ke {args.out} ({bad} sengaja bermasalah)")
    return 0


def _sample_forms(args: argparse.Namespace) -> int:
    from transforms.sample.rt_forms import generate_form_sample

    made = generate_form_sample(args.out, config.REFERENCE_DIR, kabupaten=args.kabupaten,
                                years=args.years, kelurahan_per_kabupaten=args.kelurahan,
                                seed=args.seed, with_errors=not args.no_errors)
    held = {f.path.parent for f in made if f.defects}
    print(f"{len(made)} Form Data RT ditulis ke {args.out}, satu folder per kelurahan-tahun "
          f"({len(held)} folder berisi form yang sengaja bermasalah)")
    return 0


def _common(p: argparse.ArgumentParser, *, schedule: bool = False) -> None:
    """Flags of the configurable settings (None = not given, so lower layers apply)."""
    p.add_argument("--config", type=Path, default=None, help="kumuh.toml to use")
    p.add_argument("--input", default=None, help="folder of workbooks (default data/sample)")
    p.add_argument("--out", default=None, help="publish root (default data/out)")
    p.add_argument("--warehouse", default=None,
                   help="DuckDB warehouse file (default data/warehouse/kumuh.duckdb)")
    p.add_argument("--lock-timeout", type=float, default=None,
                   help="seconds to wait for another run (default: wait)")
    p.add_argument("--settle-seconds", type=float, default=None,
                   help="leave files modified less than this long ago for the next run")
    p.add_argument("--workers", type=int, default=None,
                   help="processes for reading (default: all cores)")
    if schedule:
        p.add_argument("--schedule", default=None, help="cron (default '0 2 * * *')")
        p.add_argument("--timezone", default=None, help="default Asia/Jakarta")


def parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    p = argparse.ArgumentParser(prog="kumuh", description="KOTAKU slum-indicator pipeline")
    sub = p.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="consolidate every new or changed workbook and publish")
    _common(run)
    run.add_argument("--full", action="store_true", help="re-read and republish everything")
    run.add_argument("--kabupaten", help="rerun one kabupaten/kota, e.g. 33.75")
    run.add_argument("--kecamatan", help="rerun one kecamatan, e.g. 33.75.01")
    run.add_argument("--kelurahan", help="rerun one kelurahan/desa, e.g. 33.75.01.1003")
    run.add_argument("--tahun", type=int, help="rerun one survey year")
    run.add_argument("--force", action="store_true",
                     help="with a scope: recompute and republish it even if nothing changed")
    run.add_argument("--runner", choices=config.RUNNERS, default=None,
                     help="where the read tasks run: local process pool (default) or dask")
    run.add_argument("--dask-address", default=None,
                     help="Dask scheduler, e.g. tcp://host:8786 (default: a LocalCluster)")
    run.set_defaults(func=_run)

    withdraw = sub.add_parser("withdraw", help="remove a kelurahan-year whose file is gone")
    _common(withdraw)
    withdraw.add_argument("--kelurahan", required=True)
    withdraw.add_argument("--tahun", type=int, required=True)
    withdraw.set_defaults(func=_withdraw)

    status = sub.add_parser("status", help="last runs and open problems")
    _common(status)
    status.add_argument("--last", type=int, default=10)
    status.set_defaults(func=_status)

    cfg = sub.add_parser("config", help="effective settings and where each comes from")
    _common(cfg, schedule=True)
    cfg.set_defaults(func=_config)

    serve = sub.add_parser("serve", help="serve the nightly and rerun Prefect deployments")
    _common(serve, schedule=True)
    serve.set_defaults(func=_serve)

    sample = sub.add_parser("sample", help="generate realistic sample workbooks")
    sample.add_argument("--out", type=Path, default=config.DEFAULT_INPUT)
    sample.add_argument("--kabupaten", nargs="+", default=["33.75", "35.08"])
    sample.add_argument("--years", nargs="+", type=int, default=[2023, 2024])
    sample.add_argument("--kelurahan", type=int, default=15, help="kelurahan per kabupaten")
    sample.add_argument("--seed", type=int, default=2024)
    sample.add_argument("--no-errors", action="store_true",
                        help="do not add the deliberately defective workbooks")
    sample.add_argument("--workers", type=int, default=None)
    sample.add_argument("--forms", action="store_true",
                        help="write official Form Data RT files (one per RT, a folder per "
                             "kelurahan-year, some defective) instead of kelurahan workbooks")
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
