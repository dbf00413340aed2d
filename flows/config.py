"""Where kumuh reads and writes and when it runs, chosen in one place.

Each setting is resolved in this order, later winning: built-in default < ``kumuh.toml``
(``--config FILE``, ``$KUMUH_CONFIG`` or ``./kumuh.toml``) < environment (``KUMUH_INPUT``,
``KUMUH_OUT`` …) < command-line flag. :func:`resolve` also says where each value came from
(``kumuh config`` prints it), and :func:`check_locations` says whether kumuh could work there.
Process set-up (environment, memory) is :mod:`flows.process`.
"""

from __future__ import annotations

import difflib
import errno
import os
import re
import tempfile
import tomllib
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import transforms

#: Repository root (kumuh is installed editable; data/ sits beside the packages).
ROOT = Path(transforms.__file__).resolve().parents[1]
REFERENCE_DIR = ROOT / "data" / "reference" / "wilayah"

DEFAULT_INPUT = Path("data/sample")
DEFAULT_OUT = Path("data/out")
DEFAULT_WAREHOUSE = Path("data/warehouse/kumuh.duckdb")

#: Files per read task, at least: large enough that task overhead vanishes, small enough that
#: the Prefect server is never flooded (a task per workbook overflows its event queue).
CHUNK_SIZE = 100
#: Files per read task, at most: a national run's 10,000 workbooks in ~30 tasks instead of
#: ~100 (each task costs the flow and the Prefect server ~35 ms of CPU beside the readers).
CHUNK_SIZE_MAX = 500
#: A read task takes at most 1 / (this × readers) of the files still to read, so chunks shrink
#: towards the end of a run and the readers finish together.
CHUNKS_LEFT_PER_WORKER = 2


def read_chunk_sizes(files: int, workers: int, smallest: int = CHUNK_SIZE) -> list[int]:
    """Files of each read task, in order, for ``files`` workbooks on ``workers`` readers: each
    chunk a share of what is left, between ``smallest`` and ``CHUNK_SIZE_MAX`` — large while
    much is left (few tasks), down to ``smallest`` at the end (no reader left waiting on
    another's last big chunk)."""
    sizes, left = [], files
    while left > 0:
        share = -(-left // (max(workers, 1) * CHUNKS_LEFT_PER_WORKER))
        sizes.append(min(left, max(smallest, min(CHUNK_SIZE_MAX, share))))
        left -= sizes[-1]
    return sizes


@dataclass(frozen=True)
class Settings:
    """One run's locations, schedule and tuning (see the module docstring for precedence)."""

    input: Path = DEFAULT_INPUT
    out: Path | str = DEFAULT_OUT  # a folder, or an fsspec URL such as s3://bucket/prefix
    warehouse: Path = DEFAULT_WAREHOUSE
    schedule: str = "0 2 * * *"
    timezone: str = "Asia/Jakarta"
    lock_timeout: float | None = None
    settle_seconds: float = 0.0
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    #: Where the read tasks run: ``local`` (a process pool on this machine) or ``dask``
    #: (prefect-dask's DaskTaskRunner: ``dask_address``'s cluster, else a LocalCluster).
    runner: str = "local"
    dask_address: str | None = None
    #: Run the GX output-contract suites before every publish (about 0.5 s a run).
    check_outputs: bool = True
    reference: Path = REFERENCE_DIR
    chunk_size: int = CHUNK_SIZE

    @property
    def report_cache(self) -> Path:
        """Drawn sections of the indicator report, reused while their rows stay the same
        (operator state beside the warehouse, never published)."""
        return self.warehouse.parent / "cache" / "laporan"


#: Task runners of ``kumuh run --runner``.
RUNNERS = ("local", "dask")

#: Settings an operator may set (file, environment, flag); the rest are internal.
CONFIGURABLE = ("input", "out", "warehouse", "schedule", "timezone", "lock_timeout",
                "settle_seconds", "workers", "runner", "dask_address", "check_outputs")


class ConfigError(ValueError):
    """A setting that cannot work, in one Indonesian line naming its source, key and value."""


def _convert(name: str, value: Any, source: str) -> Any:
    """``value`` of setting ``name`` as its type; a value that is not one raises ConfigError."""
    if value is None or value == "":
        return None
    kind = str({f.name: f.type for f in fields(Settings)}[name])
    if "bool" in kind:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE or text in _FALSE:
            return text in _TRUE
        raise ConfigError(f"{source}: {name} = {value!r} bukan ya/tidak (true/false)")
    if "Path" in kind:
        return str(value) if "://" in str(value) else Path(value)  # keep s3://… URLs
    if isinstance(value, (bool, list, dict)):
        raise ConfigError(f"{source}: {name} = {value!r} bukan nilai yang sah")
    try:
        if "float" in kind:
            return float(value)
        if "int" in kind:
            if isinstance(value, float) or not re.fullmatch(r"\s*[+-]?\d+\s*", str(value)):
                raise ValueError
            return int(value)
    except ValueError:
        what = "bilangan bulat" if "int" in kind and "float" not in kind else "bilangan"
        raise ConfigError(f"{source}: {name} = {value!r} bukan {what}") from None
    return str(value)


_TRUE, _FALSE = ("1", "true", "ya", "yes", "on"), ("0", "false", "tidak", "no", "off")


def config_file(explicit: Path | None, env: Mapping[str, str]) -> tuple[Path, str] | None:
    """(the kumuh.toml in force, where it was named): the flag, ``$KUMUH_CONFIG``, or
    ./kumuh.toml if present. A file named by the flag or the variable must exist."""
    if explicit:
        path, source = explicit, "--config"
    elif env.get("KUMUH_CONFIG"):
        path, source = Path(env["KUMUH_CONFIG"]), "$KUMUH_CONFIG"
    else:
        local = Path("kumuh.toml")
        return (local, "./kumuh.toml") if local.exists() else None
    if not path.is_file():
        raise ConfigError(f"berkas konfigurasi {path} tidak ada (dari {source})")
    return path, source


def _read_toml(path: Path) -> dict[str, Any]:
    """The ``[kumuh]`` table (or the top level) of a kumuh.toml; unknown keys are refused."""
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        at = re.search(r"line (\d+), column (\d+)", str(exc))
        where = f" pada baris {at[1]}, kolom {at[2]}" if at else ""
        raise ConfigError(f"{path}: bukan TOML yang sah{where}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: tidak dapat dibaca ({os_reason(exc)})") from None
    table = data["kumuh"] if isinstance(data.get("kumuh"), dict) else data
    unknown = [k for k in data if k != "kumuh"] if table is not data else []
    unknown += [k for k in table if k not in CONFIGURABLE]
    if unknown:
        close = difflib.get_close_matches(unknown[0], CONFIGURABLE, n=1)
        hint = (f"; maksudnya '{close[0]}'?" if close
                else f" (yang dikenal: {', '.join(CONFIGURABLE)})")
        raise ConfigError(f"{path}: kunci '{unknown[0]}' tidak dikenal{hint}")
    return table


def resolve(flags: Mapping[str, Any] | None = None, *, config: Path | None = None,
            env: Mapping[str, str] | None = None) -> tuple[Settings, dict[str, str]]:
    """(settings, source of each configurable value: default, file path, env var or flag).
    Raises ConfigError, naming file/variable/flag, key and value, for a setting that cannot
    work (missing or broken kumuh.toml, unknown key, a number that is not one, an unknown
    runner, cron expression or time zone). Locations are checked by :func:`check_locations`."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    sources = dict.fromkeys(CONFIGURABLE, "bawaan")
    found = config_file(config, env)
    if found is not None:
        path = found[0]
        for name, value in _read_toml(path).items():
            values[name], sources[name] = _convert(name, value, str(path)), str(path)
    for name in CONFIGURABLE:
        var = f"KUMUH_{name.upper()}"
        if env.get(var):
            values[name], sources[name] = _convert(name, env[var], f"${var}"), f"${var}"
    for name, value in (flags or {}).items():
        if name in CONFIGURABLE and value is not None:
            flag = "--" + name.replace("_", "-")
            values[name], sources[name] = _convert(name, value, flag), flag
    settings = Settings(**values)
    _check_values(settings, sources)
    return settings, sources


def _check_values(s: Settings, sources: Mapping[str, str]) -> None:
    def bad(name: str, why: str) -> ConfigError:
        return ConfigError(f"{sources[name]}: {name} = {getattr(s, name)!r} {why}")

    if s.runner not in RUNNERS:
        raise bad("runner", f"tidak dikenal (pilih: {', '.join(RUNNERS)})")
    if s.workers < 1:
        raise bad("workers", "harus 1 atau lebih")
    for name in ("lock_timeout", "settle_seconds"):
        if (getattr(s, name) or 0) < 0:
            raise bad(name, "tidak boleh negatif")
    if not cron_is_valid(s.schedule):
        raise bad("schedule", "bukan jadwal cron yang sah (contoh: '0 2 * * *' = pukul 02.00)")
    try:
        zoneinfo.ZoneInfo(s.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise bad("timezone", "bukan zona waktu yang dikenal (contoh: Asia/Jakarta)") from None


#: Bounds of the five cron fields (minute, hour, day of month, month, day of week).
_CRON_FIELDS = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
_CRON_NAMES = {3: ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                   "dec"), 4: ("sun", "mon", "tue", "wed", "thu", "fri", "sat")}
_CRON_MACROS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight",
                "@hourly")


def cron_is_valid(expr: str) -> bool:
    """Whether ``expr`` is a standard five-field cron expression (or @daily …), the subset
    Prefect's Cron schedule accepts; checked here without importing Prefect (fast)."""
    text = expr.strip().lower()
    if text in _CRON_MACROS:
        return True
    parts = text.split()
    return len(parts) == 5 and all(
        _cron_field(p, i) for i, p in enumerate(parts))


def _cron_field(field_text: str, i: int) -> bool:
    lo, hi = _CRON_FIELDS[i]
    names = _CRON_NAMES.get(i, ())

    def value(v: str) -> int | None:
        if v in names:
            return names.index(v) + (1 if i == 3 else 0)
        return int(v) if v.isdigit() and lo <= int(v) <= hi else None

    for item in field_text.split(","):
        rng, _, step = item.partition("/")
        if step and not (step.isdigit() and int(step) > 0):
            return False
        if rng == "*":
            continue
        a, _, b = rng.partition("-")
        first, last = value(a), value(b) if b else None
        if first is None or (b and (last is None or last < first)):
            return False
    return True


def check_locations(s: Settings, sources: Mapping[str, str], *, need_input: bool) -> None:
    """Raise ConfigError when kumuh could not do its work with these locations: the input
    folder missing (when ``need_input``), the publish folder or the warehouse's folder not
    writable, the warehouse path a folder. Nothing is created (a probe file is removed)."""
    if need_input and not Path(s.input).is_dir():
        raise ConfigError(f"folder masukan {s.input} tidak ada atau bukan folder "
                          f"(dari {sources['input']})")
    if not isinstance(s.out, str):
        _writable_folder(s.out, "folder terbit", sources["out"])
    if s.warehouse.is_dir():
        raise ConfigError(f"warehouse {s.warehouse} adalah folder, bukan berkas; tulis nama "
                          f"berkasnya, mis. {s.warehouse / 'kumuh.duckdb'} "
                          f"(dari {sources['warehouse']})")
    _writable_folder(s.warehouse.parent, "folder warehouse", sources["warehouse"])
    if s.warehouse.exists() and not os.access(s.warehouse, os.W_OK):
        raise ConfigError(f"warehouse {s.warehouse} tidak dapat ditulis "
                          f"(dari {sources['warehouse']})")


def _writable_folder(folder: Path, what: str, source: str) -> None:
    """Raise ConfigError unless ``folder`` is, or could be created as, a writable folder."""
    existing = folder.absolute()
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise ConfigError(f"{what} {folder} (dari {source}) tidak dapat dibuat: {existing} "
                          "bukan folder")
    try:
        fd, probe = tempfile.mkstemp(prefix=".kumuh-cek-", dir=existing)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ConfigError(f"{what} {folder} (dari {source}) tidak dapat ditulis "
                          f"({os_reason(exc)})") from None


#: Why the system refused, in the operator's words.
_REASONS = {errno.EACCES: "izin ditolak", errno.EPERM: "izin ditolak",
            errno.EROFS: "sistem berkas hanya-baca", errno.ENOSPC: "disk penuh",
            errno.ENOENT: "tidak dapat dibuat di sana", errno.ENOTDIR: "bukan folder"}


def os_reason(exc: OSError) -> str:
    """An OSError's cause in Bahasa Indonesia (the system's own words when unmapped)."""
    return _REASONS.get(exc.errno, exc.strerror or str(exc))
