"""The ``kumuh`` command: run, withdraw, status, config, serve and sample.

Settings come from :func:`flows.config.resolve` (default < kumuh.toml < ``KUMUH_*`` < flag)
and are checked, with the scope flags, before any workbook is read and before Prefect starts.
Everything a person reads is in Bahasa Indonesia; Prefect's and GX's own log lines go to the
log file (:mod:`flows.runlog`). Exit codes:

- 0 the command completed (a run with rejected workbooks completed too: they are reported);
- 1 an unexpected failure: one line on the terminal, the traceback in the log file;
- 2 a setting, flag or code that cannot work (one line naming it);
- 3 the lock was not free within ``--lock-timeout`` (another run, or the warehouse held open
  by another program);
- 130 / 143 stopped by Ctrl-C / SIGTERM (published data and warehouse intact).
"""

# ruff: noqa: E402  (the clock starts before the imports)
from __future__ import annotations

import time

STARTED = time.monotonic()  # the command's wall time includes Prefect's start-up

import argparse
import atexit
import contextlib
import logging
import os
import sys
import tempfile
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path

from flows import checks_process, config, prefect_server, process, runlog
from flows.config import ConfigError

process.set_up()

EXIT_FAILED, EXIT_USAGE, EXIT_LOCKED = 1, 2, 3


class UsageError(ValueError):
    """The command cannot do what was asked (one line for the operator; exit 2)."""


def _where(location: Path | str) -> str:
    return location if isinstance(location, str) else str(Path(location).resolve())


def _listed(files: list[str], most: int = 5) -> str:
    shown = ", ".join(files[:most])
    return shown + (f" … dan {len(files) - most} lainnya" if len(files) > most else "")


def summary_text(s: dict, seconds: float) -> str:
    """The run summary an operator reads after ``kumuh run`` (``seconds``: wall time)."""
    out = _where(s["out"])
    read = f"{s['files_read']} dibaca" + (" (semua dibaca ulang)" if s.get("full") else "")
    lines = [
        f"kumuh run {s['run_id']} ({s['scope']}) selesai dalam {seconds:.1f} s",
        f"  berkas        : {s['files_present']} workbook — {s['new']} baru, {s['changed']} "
        f"berubah, {s['unchanged']} tidak berubah, {s['vanished']} hilang; {read}"]
    skipped = []
    if s.get("copying"):
        skipped.append(f"{len(s['copying'])} sedang disalin, dibaca run berikutnya "
                       f"({_listed(s['copying'])})")
    if s.get("lock_files"):
        skipped.append(f"{len(s['lock_files'])} berkas kunci Excel (~$…) diabaikan")
    if skipped:
        lines.append(f"  dilewati      : {'; '.join(skipped)}")
    if s.get("other_files"):
        lines.append(f"  bukan workbook: {len(s['other_files'])} berkas baru diabaikan: "
                     f"{_listed(s['other_files'])}")
    if s["groups_published"]:
        years = ", ".join(str(y) for y in s["years"])
        published = (f"{s['groups_published']} kelompok kabupaten-tahun diperbarui "
                     f"(tahun {years})")
    else:
        published = "tidak ada kelompok kabupaten-tahun yang berubah; " + (
            "temuan dan pengiriman diperbarui" if s["published"] else "Parquet tidak disentuh")
    lines += [
        f"  workbook      : {s['diterima']} diterima, {s['ditolak']} ditolak, "
        f"{s['duplikat']} duplikat, {s['digantikan']} digantikan (dari yang dibaca run ini)",
        f"  ditahan       : {s.get('held_back', s['ditolak'])} workbook ditolak menunggu "
        f"perbaikan (lihat {out}/temuan/index.html)",
        f"  temuan        : {s['errors']} error, {s['warnings']} warning saat ini "
        "(tabel temuan_validasi)",
        f"  diterbitkan   : {published}"]
    if s["rows"]:
        lines.append("  baris         : " + ", ".join(f"{k} {v}" for k, v in s["rows"].items()))
    lines += [f"  Parquet       : {out}/<tabel>/",
              f"  laporan       : {out}/laporan/index.html",
              f"  warehouse     : {Path(s['warehouse']).resolve()}"]
    return "\n".join(lines)


def _settings(args: argparse.Namespace, *, need_input: bool = False,
              writes: bool = True) -> config.Settings:
    """The resolved settings, checked (ConfigError otherwise); with ``writes`` the locations
    must be writable."""
    flags = {name: getattr(args, name, None) for name in config.CONFIGURABLE}
    settings, sources = config.resolve(flags, config=args.config)
    if writes:
        config.check_locations(settings, sources, need_input=need_input)
    return settings


def _log_beside(settings: config.Settings) -> None:
    """From here on, the detailed log goes to the log folder beside the warehouse."""
    runlog.use_folder(settings.warehouse.parent / "log")


def _say(text: str) -> None:
    print(f"kumuh: {text}", file=sys.stderr, flush=True)


@contextmanager
def _exclusive(settings: config.Settings) -> Iterator[prefect_server.Api]:
    """The writer lock, then the warehouse free of other programs — both waited for up to
    ``lock_timeout`` before Prefect starts (LockTimeout otherwise). Yields the run's Prefect
    API, chosen (a temporary server started) as soon as the lock is held, before the
    warehouse check imports DuckDB and pandas."""
    from transforms.store.lock import beside, writer_lock

    def waiting(who: str) -> None:
        _say(f"menunggu run lain selesai ({who}) ...")

    def busy(what: str) -> None:
        _say(f"menunggu: {what}; analis sebaiknya membuka {_where(settings.out)}/kumuh.duckdb "
             "atau Parquet-nya, yang tidak pernah menahan run ...")

    _log_beside(settings)
    with writer_lock(beside(settings.warehouse), settings.lock_timeout, waiting):
        api = prefect_server.start()
        held = contextlib.nullcontext()
        if settings.warehouse.exists():  # (a new one is nobody else's)
            from transforms.store import warehouse

            # held open from here to the command's end: the flow's steps take cursors of it
            held = warehouse.held_open(settings.warehouse, wait=settings.lock_timeout,
                                       on_wait=busy)
        with held:
            yield api


@contextmanager
def _checks_ahead() -> Iterator[None]:
    """With a Prefect API already running there is no server start to load GX behind: the
    suites load in a process of their own from here on (:mod:`flows.checks_process`),
    stopped when the block ends."""
    if prefect_server.reuses_running():
        checks_process.start()
    try:
        yield
    finally:
        checks_process.stop()


def _consolidate(settings: config.Settings, api: prefect_server.Api, **params) -> dict:
    """One flow run (the caller holds the writer lock) reporting to ``api``, chosen before
    Prefect, pandas and the flow are imported, so they load while a temporary server starts,
    and so do the GX suites and the region list when the run will probably need them and
    Prefect's flow-run engines, while the files it will read first are already being read
    (:func:`flows.tasks.read_ahead`). With a server already running, the region list is read
    in a thread while the flow run starts."""
    from flows import nightly, process, tasks

    process.settle_imports()
    try:
        if api.starting:  # while the server starts: the first reads, GX, Prefect's engines
            ahead = nightly.outlook(settings, params, keep_listing=True)
            tasks.read_ahead(settings, ahead.first_read)
            if ahead.changes:
                nightly.load_checks()
                nightly.load_reference(settings)
            process.load_run_engine()
            process.settle_imports()
        else:  # no start to fill: the region list is read beside Prefect's start of the run
            threading.Thread(target=nightly.load_reference, args=(settings,), daemon=True,
                             name="kumuh-wilayah").start()
        api.ready()
        run = nightly.with_runner(settings.runner, settings.dask_address, settings.workers)
        with run_settings(temporary_server=api.starting):
            return run(input_dir=str(settings.input), out=_where(settings.out),
                       warehouse_path=str(settings.warehouse), workers=settings.workers,
                       settle_seconds=settings.settle_seconds, take_lock=False,
                       lock_timeout=settings.lock_timeout, runner=settings.runner,
                       check_outputs=settings.check_outputs, timezone=settings.timezone,
                       **params)
    finally:
        tasks.end_reads_ahead()  # a run that failed before reading: its reads cancelled


@contextmanager
def run_settings(temporary_server: bool) -> Iterator[None]:
    """Prefect settings for a flow run that ends with this command's process.

    - No heartbeat: Prefect's heartbeat thread (an event every 180 s, for automations that mark
      silent runs crashed) sleeps in 1-second steps and is joined when the flow ends, which held
      the end of every ``kumuh run`` back by up to a second. A command's end is seen by whoever
      started it (exit code, log); the runs of ``kumuh serve`` keep their heartbeats.
    - With a temporary server, no log lines sent to it: its history goes with it when the run
      ends (the log file keeps every line), and shipping them cost a national run ~2 s of CPU
      on the two processes. A lasting server gets them, for its UI."""
    from prefect.settings import temporary_settings

    updates: dict[str, object] = {"flows.heartbeat_frequency": None}
    if temporary_server:
        updates["logging.to_api.enabled"] = False
    with temporary_settings(updates=updates):
        yield


def _run(args: argparse.Namespace) -> int:
    from flows.scope import checked_scope

    settings = _settings(args, need_input=True)
    with _checks_ahead():
        scope = checked_scope(settings.reference, kabupaten=args.kabupaten,
                              kecamatan=args.kecamatan, kelurahan=args.kelurahan,
                              tahun=args.tahun)
        with _exclusive(settings) as api:
            s = _consolidate(settings, api, full=args.full, kabupaten=scope.kabupaten,
                             kecamatan=scope.kecamatan, kelurahan=scope.kelurahan,
                             tahun=scope.tahun, force=args.force)
    if s.get("empty_input"):
        _say(f"PERHATIAN: folder masukan {Path(settings.input).resolve()} tidak berisi "
             "workbook satu pun — tidak ada yang diubah, data terbit tetap; bila ini folder "
             "jaringan, periksa apakah sudah terpasang")
        return 0
    print("\n" + summary_text(s, time.monotonic() - STARTED))
    return 0


def _withdraw(args: argparse.Namespace) -> int:
    from flows.scope import checked_scope
    from transforms.store import history

    settings = _settings(args, need_input=True)
    scope = checked_scope(settings.reference, kelurahan=args.kelurahan, tahun=args.tahun)
    with _checks_ahead(), _exclusive(settings) as api:
        if not history.publishes(settings.warehouse, scope.kelurahan, scope.tahun):
            raise UsageError(f"kelurahan {scope.kelurahan} tahun {scope.tahun} tidak ada dalam "
                             "data terbit; tidak ada yang ditarik")
        s = _consolidate(settings, api, withdraw=[(scope.kelurahan, scope.tahun)])
    if s.get("empty_input"):
        raise UsageError(f"folder masukan {settings.input} tidak berisi workbook satu pun; "
                         "penarikan tidak dijalankan (periksa folder itu dulu)")
    print(f"Data kelurahan {scope.kelurahan} tahun {scope.tahun} ditarik dari terbitan "
          f"(run {s['run_id']}).")
    return 0


def _status(args: argparse.Namespace) -> int:
    from flows.status import status_text

    print(status_text(_settings(args, writes=False), last=args.last))
    return 0


def _config(args: argparse.Namespace) -> int:
    flags = {name: getattr(args, name, None) for name in config.CONFIGURABLE}
    settings, sources = config.resolve(flags, config=args.config)
    for name in config.CONFIGURABLE:
        print(f"{name:<15} = {getattr(settings, name)!s:<40} ({sources[name]})")
    config.check_locations(settings, sources, need_input=True)
    return 0


def _serve(args: argparse.Namespace) -> int:
    settings = _settings(args, need_input=True)
    _log_beside(settings)
    from flows.serve import NoServer, prefect_server, serve_forever

    try:
        url = prefect_server()
    except NoServer as exc:
        raise UsageError(str(exc)) from None
    print(f"kumuh serve: deployment nightly-consolidation/nightly-consolidation (cron "
          f"'{settings.schedule}', {settings.timezone}) dan nightly-consolidation/rerun "
          f"dilayani di {url}; log: {runlog.today_file()}; hentikan dengan Ctrl-C", flush=True)
    serve_forever(settings)
    return 0


def _sample(args: argparse.Namespace) -> int:
    if args.forms:
        return _sample_forms(args)
    from transforms.sample.generate import generate_sample

    made = generate_sample(args.out, config.REFERENCE_DIR, kabupaten=args.kabupaten,
                           years=args.years, kelurahan_per_kabupaten=args.kelurahan,
                           seed=args.seed, with_errors=not args.no_errors,
                           workers=args.workers or 1, coverage=args.coverage)
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


# --- the parser, in Bahasa Indonesia ---------------------------------------------------------

#: argparse's own words, as kumuh's users read them.
_ARGPARSE_WORDS = {
    "usage: ": "pemakaian: ",
    "options": "opsi",
    "positional arguments": "perintah",
    "show this help message and exit": "tampilkan bantuan ini lalu keluar",
    "the following arguments are required: %s": "argumen wajib belum diisi: %s",
    "invalid choice: %(value)r (choose from %(choices)s)":
        "pilihan %(value)r tidak dikenal (pilih: %(choices)s)",
    "invalid %(type)s value: %(value)r": "%(value)r bukan %(type)s",
    "unrecognized arguments: %s": "argumen tidak dikenal: %s",
    "expected one argument": "perlu satu nilai",
    "expected at least one argument": "perlu paling sedikit satu nilai",
    "argument %(argument_name)s: %(message)s": "%(argument_name)s: %(message)s",
    "ambiguous option: %(option)s could match %(matches)s":
        "opsi %(option)s ambigu: bisa %(matches)s",
    "not allowed with argument %s": "tidak boleh bersama %s",
}


def _number(kind: type, name: str):
    def convert(text: str):
        return kind(text)
    convert.__name__ = name  # argparse names the expected type by it
    return convert


WHOLE, NUMBER = _number(int, "bilangan bulat"), _number(float, "bilangan")


class _Parser(argparse.ArgumentParser):
    """argparse with one-line Indonesian errors (exit 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        _say(f"{message} (lihat {self.prog} --help)")
        raise SystemExit(EXIT_USAGE)


def _common(p: argparse.ArgumentParser, *, schedule: bool = False) -> None:
    """Flags of the configurable settings (None = not given, so lower layers apply)."""
    p.add_argument("--config", type=Path, default=None,
                   help="berkas kumuh.toml (bawaan: $KUMUH_CONFIG atau ./kumuh.toml)")
    p.add_argument("--input", default=None,
                   help="folder workbook kiriman (bawaan data/sample)")
    p.add_argument("--out", default=None,
                   help="folder terbit, atau s3://bucket/awalan (bawaan data/out)")
    p.add_argument("--warehouse", default=None,
                   help="berkas warehouse DuckDB (bawaan data/warehouse/kumuh.duckdb)")
    p.add_argument("--lock-timeout", type=NUMBER, default=None, metavar="DETIK",
                   help="batas tunggu run lain / warehouse yang sedang dibuka program lain "
                        "(bawaan: tunggu sampai bebas; habis → keluar dengan kode 3)")
    p.add_argument("--settle-seconds", type=NUMBER, default=None, metavar="DETIK",
                   help="berkas yang diubah kurang dari DETIK lalu dianggap masih disalin "
                        "dan dibaca run berikutnya")
    p.add_argument("--workers", type=WHOLE, default=None, metavar="N",
                   help="jumlah proses pembaca (bawaan: semua inti)")
    if schedule:
        p.add_argument("--schedule", default=None, metavar="CRON",
                       help="jadwal konsolidasi malam (bawaan '0 2 * * *')")
        p.add_argument("--timezone", default=None, metavar="ZONA",
                       help="zona waktu jadwal (bawaan Asia/Jakarta)")


def parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    argparse._ = lambda text: _ARGPARSE_WORDS.get(text, text)  # argparse's gettext hook
    p = _Parser(prog="kumuh", description="Konsolidasi workbook survei kumuh KOTAKU menjadi "
                "indikator Permen PUPR 14/2018 (Parquet, warehouse DuckDB, laporan).",
                epilog="Kode keluar: 0 selesai; 1 galat tak terduga (rincian di berkas log); "
                "2 pengaturan/argumen/kode salah; 3 batas tunggu habis; 130 Ctrl-C; 143 SIGTERM.")
    p.add_argument("--version", action="version", version=f"kumuh {version('kumuh')}",
                   help="tampilkan versi kumuh lalu keluar")
    sub = p.add_subparsers(dest="command", required=True, metavar="PERINTAH",
                           parser_class=_Parser)

    run = sub.add_parser("run", help="konsolidasi semua workbook baru atau berubah, lalu terbitkan")
    _common(run)
    run.add_argument("--full", action="store_true",
                     help="baca ulang dan terbitkan ulang semuanya")
    run.add_argument("--kabupaten", metavar="KODE",
                     help="jalankan ulang satu kabupaten/kota, mis. 33.75 atau 3375")
    run.add_argument("--kecamatan", metavar="KODE",
                     help="jalankan ulang satu kecamatan, mis. 33.75.01")
    run.add_argument("--kelurahan", metavar="KODE",
                     help="jalankan ulang satu kelurahan/desa, mis. 33.75.01.1003")
    run.add_argument("--tahun", type=WHOLE, metavar="TAHUN",
                     help="jalankan ulang satu tahun survei")
    run.add_argument("--force", action="store_true",
                     help="bersama lingkup di atas: hitung dan terbitkan ulang walau tidak "
                          "ada yang berubah")
    run.add_argument("--runner", choices=config.RUNNERS, default=None,
                     help="tempat tugas membaca berjalan: local (bawaan) atau dask")
    run.add_argument("--dask-address", default=None, metavar="ALAMAT",
                     help="scheduler Dask, mis. tcp://host:8786 (bawaan: LocalCluster)")
    run.set_defaults(func=_run)

    withdraw = sub.add_parser("withdraw",
                              help="tarik data satu kelurahan-tahun yang berkasnya dihapus")
    _common(withdraw)
    withdraw.add_argument("--kelurahan", required=True, metavar="KODE")
    withdraw.add_argument("--tahun", type=WHOLE, required=True, metavar="TAHUN")
    withdraw.set_defaults(func=_withdraw)

    status = sub.add_parser("status", help="run terakhir, run yang gagal/terputus, penarikan "
                            "dan workbook yang ditolak")
    _common(status)
    status.add_argument("--last", type=WHOLE, default=10, metavar="N",
                        help="jumlah run yang ditampilkan (bawaan 10)")
    status.set_defaults(func=_status)

    cfg = sub.add_parser("config", help="pengaturan yang berlaku dan asal masing-masing")
    _common(cfg, schedule=True)
    cfg.set_defaults(func=_config)

    serve = sub.add_parser("serve", help="layani deployment Prefect malam dan rerun")
    _common(serve, schedule=True)
    serve.set_defaults(func=_serve)

    sample = sub.add_parser("sample", help="buat contoh workbook survei yang realistis")
    sample.add_argument("--out", type=Path, default=config.DEFAULT_INPUT,
                        help="folder tujuan (bawaan data/sample)")
    sample.add_argument("--kabupaten", nargs="+", default=["33.75", "35.08"], metavar="KODE")
    sample.add_argument("--years", nargs="+", type=WHOLE, default=[2022, 2023, 2024],
                        metavar="TAHUN")
    sample.add_argument("--kelurahan", type=WHOLE, default=12, metavar="N",
                        help="jumlah kelurahan per kabupaten")
    sample.add_argument("--coverage", type=NUMBER, default=0.6, metavar="F",
                        help="bagian kelurahan yang melapor sejak tahun pertama (sisanya "
                             "menyusul pada tahun berikutnya)")
    sample.add_argument("--seed", type=WHOLE, default=2024)
    sample.add_argument("--no-errors", action="store_true",
                        help="tanpa workbook yang sengaja bermasalah")
    sample.add_argument("--workers", type=WHOLE, default=None, metavar="N")
    sample.add_argument("--forms", action="store_true",
                        help="tulis Form Data RT resmi (satu berkas per RT, satu folder per "
                             "kelurahan-tahun, sebagian sengaja bermasalah), bukan workbook "
                             "kelurahan")
    sample.set_defaults(func=_sample)
    return p


def _log_failure(exc: BaseException) -> Path:
    """Write the traceback to the log file (or a temporary one); returns its path."""
    path = runlog.today_file() or Path(tempfile.gettempdir()) / "kumuh-galat.log"
    text = "".join(traceback.format_exception(exc))
    try:
        with path.open("a", encoding="utf-8") as fh:
            fh.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} | galat tak terduga\n{text}\n")
    except OSError:
        path = Path(tempfile.mkstemp(prefix="kumuh-galat-", suffix=".log")[1])
        path.write_text(text, encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script (exit codes: see the module docstring)."""
    from flows.stop import exit_on_signal
    from transforms.store.lock import LockTimeout

    args = parser().parse_args(argv)
    try:
        with exit_on_signal("data terbit dan warehouse tetap utuh; run berikutnya "
                            "menyelesaikan pekerjaan ini"):
            return args.func(args)
    except (ConfigError, UsageError) as exc:  # scope errors are ConfigErrors
        _say(str(exc))
        return EXIT_USAGE
    except LockTimeout as exc:
        _say(str(exc))
        return EXIT_LOCKED
    except Exception as exc:
        first = (str(exc).strip().splitlines() or [""])[0][:200]
        _say(f"galat tak terduga ({type(exc).__name__}: {first}); rincian di "
             f"{_log_failure(exc)}")
        return EXIT_FAILED


def console() -> None:
    """Entry point of the ``kumuh`` console script: :func:`main`, then exit without tearing
    the interpreter down. Every exit handler still runs (Prefect sends its last logs, the
    temporary server stops, temporary folders are removed); only the freeing of the ~3,000
    imported modules, object by object, is skipped: 1–6 s after a finished run."""
    status = [1]  # an uncaught exception exits 1, as Python would
    atexit.register(_exit_now, status)  # registered first, so it runs after every other
    try:
        status[0] = main()
    except SystemExit as exc:  # argparse: --help, usage errors
        status[0] = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
        raise
    sys.exit(status[0])


def _exit_now(status: list[int]) -> None:
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(status[0])


if __name__ == "__main__":
    console()
