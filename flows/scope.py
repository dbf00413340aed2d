"""The part of the data an operator asks a rerun or a withdrawal for, checked before any work.

Produces, for ``kumuh run --kabupaten … --tahun …``, ``kumuh withdraw`` and the Prefect rerun
deployment, a :class:`~transforms.intake.inventory.Scope` whose codes are dotted (``3375`` →
``33.75``), exist in the region list and agree with each other, and whose year lies in the
survey range — or a :class:`ScopeError` whose one Indonesian line names the flag and value.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from pydantic import BeforeValidator

from flows.config import ConfigError
from transforms.spec.criteria import TAHUN_MIN

if TYPE_CHECKING:
    from transforms.intake.inventory import Scope

#: Level → (digits per dotted part, region-list file, how an operator calls it).
LEVELS = {
    "kabupaten": ((2, 2), "regencies.csv", "kabupaten/kota"),
    "kecamatan": ((2, 2, 2), "districts.csv", "kecamatan"),
    "kelurahan": ((2, 2, 2, 4), "villages.csv", "kelurahan/desa"),
}


class ScopeError(ConfigError):
    """A scope kumuh cannot run: unknown code, contradicting codes, year out of range."""


def code_text(value: object) -> object:
    """A code as text when a tool passed it as a number: Prefect's ``-p kabupaten=33.75``
    arrives as the float 33.75, ``-p kabupaten=3310`` as an int. A kabupaten code is always
    two digits, a dot and two digits, so a float is written with two decimals (33.1 →
    ``33.10``). Anything else passes unchanged (checked later)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, int):
        return str(value)
    return value


#: A region-code parameter of a Prefect flow: text, also when a tool passed a number.
Code = Annotated[str | None, BeforeValidator(code_text)]


def normalise_code(value: str, level: str, flag: str) -> str:
    """``value`` as the dotted code of ``level`` (``3375`` and ``33.75`` → ``33.75``), or
    ScopeError naming ``flag`` when it has not that shape."""
    parts, _, what = LEVELS[level]
    text = str(value).strip()
    digits = re.sub(r"[.\s]", "", text)
    dotted_ok = re.fullmatch(r"\.".join(rf"\d{{{n}}}" for n in parts), text)
    if not dotted_ok and not (digits.isdigit() and len(digits) == sum(parts) and
                              "." not in text):
        example = {"kabupaten": "33.75", "kecamatan": "33.75.01",
                   "kelurahan": "33.75.01.1003"}[level]
        raise ScopeError(f"{flag} {text!r} bukan kode {what} (bentuknya mis. {example} atau "
                         f"{example.replace('.', '')})")
    ends = [sum(parts[:k + 1]) for k in range(len(parts))]
    return ".".join(digits[end - n:end] for n, end in zip(parts, ends, strict=True))


@cache
def _codes(reference: Path, file: str) -> frozenset[str]:
    with (reference / file).open(newline="", encoding="utf-8") as fh:
        return frozenset(row["code"] for row in csv.DictReader(fh))


def checked_scope(reference: Path, *, kabupaten: object = None, kecamatan: object = None,
                  kelurahan: object = None, tahun: object = None, flag_prefix: str = "--",
                  this_year: int | None = None) -> Scope:
    """The scope of these flags, normalised and checked against the region list in
    ``reference`` (see the module docstring). ``flag_prefix`` is how messages name a flag:
    ``--`` for the command line, ``""`` for Prefect parameters."""
    from transforms.intake.inventory import Scope  # pandas: not for a refused command
    given = {"kabupaten": kabupaten, "kecamatan": kecamatan, "kelurahan": kelurahan}
    codes: dict[str, str] = {}
    for level, value in given.items():
        value = code_text(value)
        if value is None or str(value).strip() == "":
            continue
        flag = f"{flag_prefix}{level}"
        code = normalise_code(str(value), level, flag)
        if code not in _codes(reference, LEVELS[level][1]):
            raise ScopeError(f"{flag} {code}: kode {LEVELS[level][2]} ini tidak ada dalam "
                             "daftar wilayah Kemendagri")
        codes[level] = code
    order = [lv for lv in LEVELS if lv in codes]
    for wide, narrow in zip(order, order[1:], strict=False):
        if not codes[narrow].startswith(codes[wide] + "."):
            raise ScopeError(f"{flag_prefix}{narrow} {codes[narrow]} tidak berada di "
                             f"{flag_prefix}{wide} {codes[wide]}: pakai salah satu saja, "
                             "atau kode yang sejalan")
    year = None
    if tahun is not None and str(tahun).strip() != "":
        last = this_year or dt.date.today().year
        try:
            year = int(str(tahun).strip())
        except ValueError:
            year = None
        if year is None or not TAHUN_MIN <= year <= last:
            raise ScopeError(f"{flag_prefix}tahun {tahun}: di luar tahun survei "
                             f"{TAHUN_MIN}–{last}")
    return Scope(codes.get("kabupaten"), codes.get("kecamatan"), codes.get("kelurahan"), year)
