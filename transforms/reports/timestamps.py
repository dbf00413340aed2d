"""Dates and times as people in Indonesia read them, in the configured timezone.

The reports for clerks and managers never show UTC: a run that finished at 01:30 UTC is
``3 Desember 2026 pukul 08.30 WIB`` under the default ``Asia/Jakarta``. Indonesian zones get
their own abbreviations (WIB, WITA, WIT); any other zone shows its offset.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd

#: The timezone of reports when none is configured (kumuh.toml ``timezone``).
DEFAULT_TIMEZONE = "Asia/Jakarta"

BULAN = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
         "September", "Oktober", "November", "Desember")
#: Indonesia's three zones by their IANA names.
ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA",
              "Asia/Jayapura": "WIT"}


def run_started(run_id: str) -> dt.datetime | None:
    """When a run started, from its id (``20261203T013000123-9f0c1a`` is UTC time)."""
    try:
        stamp = dt.datetime.strptime(run_id.split("-", 1)[0], "%Y%m%dT%H%M%S%f")
    except (ValueError, AttributeError):
        return None
    return stamp.replace(tzinfo=dt.UTC)


def local(moment: object, timezone: str = DEFAULT_TIMEZONE) -> dt.datetime | None:
    """``moment`` (a datetime or timestamp; naive means UTC) in ``timezone``; None if empty."""
    if moment is None or (not isinstance(moment, dt.datetime) and pd.isna(moment)):
        return None
    stamp = pd.Timestamp(moment)
    if pd.isna(stamp):
        return None
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    return stamp.to_pydatetime().astimezone(ZoneInfo(timezone))


def zone_name(moment: dt.datetime, timezone: str) -> str:
    """``WIB``/``WITA``/``WIT`` for Indonesia's zones, else ``UTC+07:00``-style."""
    if timezone in ZONE_NAMES:
        return ZONE_NAMES[timezone]
    offset = moment.utcoffset() or dt.timedelta()
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def tanggal(moment: object, timezone: str = DEFAULT_TIMEZONE) -> str:
    """The date in ``timezone``: ``3 Desember 2026`` ('' if empty)."""
    when = local(moment, timezone)
    return "" if when is None else f"{when.day} {BULAN[when.month - 1]} {when.year}"


def waktu(moment: object, timezone: str = DEFAULT_TIMEZONE) -> str:
    """Date and time in ``timezone``: ``3 Desember 2026 pukul 08.30 WIB`` ('' if empty)."""
    when = local(moment, timezone)
    if when is None:
        return ""
    return f"{tanggal(when, timezone)} pukul {when:%H.%M} {zone_name(when, timezone)}"
