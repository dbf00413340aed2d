"""Cell-value parsing for the RT table (spec §2 "Cell values").

Pure functions used by :mod:`transforms.read`: decide a workbook's number convention
(Indonesian ``1.234,5`` or English ``1,234.5``) and turn one cell value into a float or a problem
code. Nothing here rejects negatives or fractions — validation does that later.

Problem codes: ``kosong`` (empty cell), ``bukan_angka`` (not a number), ``ambigu`` (``1.309`` in a
ha/m column of a file whose convention is unknown), ``sel_error`` (Excel error value).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from typing import Literal, NamedTuple

Convention = Literal["id", "en"]

#: Excel error values (calamine may hand them over as text, e.g. from CSV-like sources).
EXCEL_ERRORS = frozenset(
    {
        "#DIV/0!",
        "#REF!",
        "#N/A",
        "#VALUE!",
        "#NAME?",
        "#NUM!",
        "#NULL!",
        "#SPILL!",
        "#CALC!",
        "#GETTING_DATA",
    }
)

#: Text meaning zero (nihil).
DASHES = frozenset({"-", "–", "—", "--", "−"})

#: Trailing units tolerated after a number, lower case, without a final dot.
UNITS = frozenset(
    {
        "unit",
        "units",
        "bh",
        "buah",
        "bangunan",
        "rumah",
        "ha",
        "hektar",
        "hektare",
        "m",
        "meter",
        "kk",
        "jiwa",
        "orang",
        "org",
    }
)

#: Longest cell text read as a number; longer text is not a number (and is never cached).
MAX_NUMBER_CHARS = 100

_NUMBER = re.compile(r"([+-]?)([0-9.,]+)")  # linear: a digit is checked separately
_DIGIT = re.compile(r"[0-9]")
_UNIT_TAIL = re.compile(r"^(.*?[0-9.,])\s*([A-Za-z]+)\.?$")
#: The common number text: digits and separators, maybe a space and a unit (``1.234,5 m``).
_PLAIN_NUMBER = re.compile(r"([0-9][0-9.,]*)(?: ?([A-Za-z]+))?")
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2007": " "})


class ParsedNumber(NamedTuple):
    """A parsed cell: the number (or None) and a problem code (or None)."""

    value: float | None
    problem: str | None


class _Shape(NamedTuple):
    """How a numeric text reads: its value per convention, or one value for both."""

    id_value: float | None  # value under the Indonesian convention (None: impossible there)
    en_value: float | None  # value under the English convention


def _lead_group(digits: str) -> bool:
    """True for the first group of a thousands grouping: 1-3 ASCII digits, no leading 0."""
    return 0 < len(digits) <= 3 and digits[0] != "0"


def _valid_groups(groups: list[str]) -> bool:
    """Thousands grouping: a first group of 1-3 digits (no leading 0), then groups of 3
    (``groups`` hold ASCII digits only)."""
    return _lead_group(groups[0]) and all(len(g) == 3 for g in groups[1:])


def _with_thousands(body: str, thousands: str, decimal: str) -> float | None:
    """Value of ``body`` (ASCII digits and the two separators) read with the given separators,
    or None when it does not fit them."""
    int_part, point, frac = body.partition(decimal)
    if point and not frac.isdigit():  # also a second decimal separator
        return None
    if thousands in int_part:
        if not _valid_groups(int_part.split(thousands)):
            return None
        int_part = int_part.replace(thousands, "")
    if int_part and not int_part.isdigit():
        return None
    if not int_part and not frac:
        return None
    return float(f"{int_part or '0'}.{frac or '0'}")


def _shape_of(body: str) -> _Shape:
    """Read a digits-and-separators string under both conventions."""
    if body.isdigit():
        number = float(body)
        return _Shape(number, number)
    dots, commas = body.count("."), body.count(",")
    if dots + commas == 1:  # one separator: a decimal point, or one thousands group
        head, _, tail = body.partition("." if dots else ",")
        point = float(f"{head or '0'}.{tail}") if tail else None
        grouped = float(head + tail) if len(tail) == 3 and _lead_group(head) else None
        return _Shape(grouped, point) if dots else _Shape(point, grouped)
    if dots == commas == 1:  # 1.234,5 or 1,234.5: one thousands group, then a decimal point
        thousands, point = (".", ",") if body.index(".") < body.index(",") else (",", ".")
        head, _, rest = body.partition(thousands)
        group, _, frac = rest.partition(point)
        value = (float(f"{head}{group}.{frac}") if frac and len(group) == 3 and _lead_group(head)
                 else None)
        return _Shape(value, None) if thousands == "." else _Shape(None, value)
    return _Shape(_with_thousands(body, ".", ","), _with_thousands(body, ",", "."))


_shape = lru_cache(maxsize=8192)(_shape_of)


def _numeric_body(text: str) -> tuple[str, str] | None:
    """Split a cleaned cell text into (sign, digits-and-separators), dropping a known unit."""
    m = _UNIT_TAIL.match(text)
    if m:
        if m.group(2).lower() not in UNITS:
            return None
        text = m.group(1).rstrip()
    m = _NUMBER.fullmatch(text)
    if not m or not _DIGIT.search(m.group(2)):
        return None
    return m.group(1), m.group(2)


def _clean(text: str) -> str:
    """Trim a cell text, non-breaking spaces included."""
    return text.translate(_SPACES).strip()


class _Text(NamedTuple):
    """What a cell text is, before the file's convention is known: ``kind`` is ``angka``
    (with ``sign`` and ``shape``), ``nol`` (a dash), ``kosong``, ``sel_error`` or
    ``bukan_angka``; ``vote`` is the convention the text alone proves, if any."""

    kind: str
    sign: str = ""
    shape: _Shape | None = None
    vote: Convention | None = None


@lru_cache(maxsize=65536)
def _analyse(text: str) -> _Text:
    """Read a cell text once for both convention detection and parsing (cached: survey
    files repeat the same texts). ``text`` is at most ``MAX_NUMBER_CHARS`` long."""
    text = _clean(text)
    if not text:
        return _Text("kosong")
    if text in DASHES:
        return _Text("nol")
    if text[0] == "#" and _is_error_text(text):
        return _Text("sel_error")
    parts = _numeric_body(text)
    if parts is None:
        return _Text("bukan_angka")
    shape = _shape(parts[1])
    return _Text("angka", parts[0], shape, _vote(shape))


def read_otherwise(text: str, value: float) -> bool:
    """True when ``text`` reads two ways (``1.309``: 1309 or 1,309) and ``value`` is not its
    Indonesian reading: shown the Indonesian way, the value would not look like what the clerk
    typed, so the reader keeps the text for findings (``1.214`` read as 1,214 in an
    English-style file)."""
    if len(text) > MAX_NUMBER_CHARS:
        return False
    shape = _analyse(text).shape
    if shape is None or None in shape or shape.id_value == shape.en_value:
        return False
    return abs(value) != shape.id_value


def _text_convention(text: str) -> Convention | None:
    """The convention a single text proves, if any (``0,85`` → id, ``1.309`` → None)."""
    if len(text) > MAX_NUMBER_CHARS:
        return None
    return _analyse(text).vote


def detect_convention(texts: Iterable[str]) -> Convention | None:
    """The number convention of a file, from the text cells of its numeric columns.

    Each text that reads one way only votes (``0,85``, ``1.234,5``, ``1.234.567`` → id;
    ``0.85``, ``1,234.5`` → en); ``1.309``, ``12`` and non-numbers do not vote. A file should use
    one convention; if both appear the majority wins, and a tie gives None (nothing settled).
    """
    votes: dict[Convention | None, int] = {"id": 0, "en": 0, None: 0}
    for text, count in Counter(texts).items():  # each distinct text is looked at once
        votes[_text_convention(text)] += count
    return vote_winner(votes)


def vote_winner(votes: dict[Convention | None, int]) -> Convention | None:
    """The convention of :func:`detect_convention` from its vote counts (None: a tie)."""
    if votes["id"] > votes["en"]:
        return "id"
    if votes["en"] > votes["id"]:
        return "en"
    return None


def _is_error_text(text: str) -> bool:
    """True for an Excel error value such as ``#DIV/0!``."""
    return text.upper() in EXCEL_ERRORS


def _resolve(shape: _Shape, *, is_count: bool, convention: Convention | None) -> ParsedNumber:
    """Pick the value of an ambiguous or unambiguous numeric text."""
    id_value, en_value = shape
    if id_value is None and en_value is None:
        return ParsedNumber(None, "bukan_angka")
    if id_value is None or en_value is None or id_value == en_value:
        return ParsedNumber(id_value if en_value is None else en_value, None)
    # Both readings fit and differ: a lone separator followed by exactly three digits.
    if is_count:
        return ParsedNumber(max(id_value, en_value), None)
    if convention == "id":
        return ParsedNumber(id_value, None)
    if convention == "en":
        return ParsedNumber(en_value, None)
    return ParsedNumber(None, "ambigu")


_SIMPLE = {"kosong": ParsedNumber(None, "kosong"), "nol": ParsedNumber(0.0, None),
           "sel_error": ParsedNumber(None, "sel_error"),
           "bukan_angka": ParsedNumber(None, "bukan_angka")}


def _parse_text(text: str, is_count: bool, convention: Convention | None) -> ParsedNumber:
    """Parse a text cell of at most ``MAX_NUMBER_CHARS`` characters."""
    read = _analyse(text)
    if read.shape is None:
        return _SIMPLE[read.kind]
    parsed = _resolve(read.shape, is_count=is_count, convention=convention)
    if parsed.value is not None and read.sign == "-":
        return ParsedNumber(-parsed.value, None)
    return parsed


def parse_number(value: object, *, is_count: bool, convention: Convention | None) -> ParsedNumber:
    """Parse one cell value of a numeric RT column (spec §2) for the reader.

    Numbers pass as floats; text is read in either convention with a trailing unit allowed;
    ``-`` is 0; empty is ``kosong``; Excel error text is ``sel_error``; a lone separator followed
    by three digits is a thousands separator in count columns and settled by ``convention``
    elsewhere (``ambigu`` when None). Booleans and dates are ``bukan_angka``.
    """
    if value is None:
        return ParsedNumber(None, "kosong")
    if isinstance(value, bool):
        return ParsedNumber(None, "bukan_angka")
    if isinstance(value, int | float):
        number = float(value)
        if math.isfinite(number):
            return ParsedNumber(number, None)
        return ParsedNumber(None, "bukan_angka")
    if isinstance(value, str):
        if len(value) > MAX_NUMBER_CHARS:
            return ParsedNumber(None, "bukan_angka" if value.strip() else "kosong")
        return _parse_text(value, is_count, convention)
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        return ParsedNumber(None, "bukan_angka")
    return ParsedNumber(None, "bukan_angka")


#: How a text cell reads in one context: its value when the cell needs nothing recorded, else
#: (value, NaN when unreadable; problem code or None; typed — :func:`read_otherwise` holds,
#: so a finding must show the text as typed).
Read = float | tuple[float, str | None, bool]


class Reading(NamedTuple):
    """A text cell read once for every context the table reader needs: the convention it
    votes for, and what :func:`parse_number` with :func:`read_otherwise` make of it in a count
    column (any convention) and elsewhere under each convention."""

    vote: Convention | None
    count: Read
    id: Read
    en: Read
    none: Read


class IdNumber(float):
    """The number of a text that reads one way only, the Indonesian way (``0,85``): its class
    is its convention vote, so the votes of a column are counted over its cells' classes."""

    __slots__ = ()


class EnNumber(float):
    """The number of a text that reads one way only, the English way (``0.85``)."""

    __slots__ = ()


def _read_of(parsed: ParsedNumber) -> Read:
    """A parse result that needs nothing recorded as its value, else the full triple."""
    if parsed.problem is None and parsed.value is not None:
        return parsed.value
    return (math.nan if parsed.value is None else parsed.value, parsed.problem, False)


def _vote(shape: _Shape) -> Convention | None:
    """The convention a numeric text proves: the only one it reads under, if any."""
    if shape.id_value is None:
        return None if shape.en_value is None else "en"
    return "id" if shape.en_value is None else None


def reading(text: str) -> float | Reading:
    """What :func:`parse_number` (``text``, ``is_count``=…, ``convention``=…) and
    :func:`read_otherwise` make of a cell text in every context at once, and
    :func:`detect_convention`'s vote: its number when the same in every context (an
    :class:`IdNumber` or :class:`EnNumber` when the text votes, for it reads one way only),
    else its :class:`Reading` (which never votes)."""
    plain = _PLAIN_NUMBER.fullmatch(text)
    if plain and len(text) <= MAX_NUMBER_CHARS and (
            plain[2] is None or plain[2].lower() in UNITS):
        # what _analyse finds without cleaning: no sign, the digits before the unit
        return _reading_of(_shape_of(plain[1]), "")
    if len(text) > MAX_NUMBER_CHARS:
        same = _read_of(parse_number(text, is_count=False, convention=None))
    else:
        read = _analyse(text)
        if read.shape is not None:
            return _reading_of(read.shape, read.sign)
        same = _read_of(_SIMPLE[read.kind])  # a text that is no number votes for none
    return same if type(same) is float else Reading(None, same, same, same, same)


def _reading_of(shape: _Shape, sign: str) -> float | Reading:
    """:func:`reading` of a numeric text from its shape and sign (as ``_resolve``)."""
    id_value, en_value = shape
    factor = -1.0 if sign == "-" else 1.0
    if en_value is None:  # one reading (or none): no context matters
        if id_value is None:
            same = (math.nan, "bukan_angka", False)
            return Reading(None, same, same, same, same)
        return IdNumber(factor * id_value)
    if id_value is None:
        return EnNumber(factor * en_value)
    if id_value == en_value:
        return factor * en_value
    larger = max(id_value, en_value)  # both readings fit and differ: 1.309
    count: Read = factor * larger if larger == id_value else (factor * larger, None, True)
    return Reading(None, count, factor * id_value, (factor * en_value, None, True),
                   (math.nan, "ambigu", False))
