"""RT/RW code parsing (spec §2, column ``rt``/``rw``/``rt_rw``).

Canonical code: the number zero-padded to three digits, a letter suffix kept upper-case
(``6a`` → ``006A``). Used by the workbook reader; returns None for anything it cannot read
so the reader can record a cell problem instead of guessing.
"""

from __future__ import annotations

import re
from functools import lru_cache

_CODE = r"\d{1,4}(?:\s*[A-Z])?"
_PREFIX = r"(?:NO\.?\s*|NOMOR\s*)?"
_SEP = r"\s*[-/_\\,;|]?\s*"
_SINGLE = re.compile(
    rf"^{_PREFIX}(?:R[TW]\s*[.:]?\s*)?(?:NO\.?\s*)?(?P<num>\d{{1,4}})(?:\.0+)?\s*(?P<suf>[A-Z]?)$"
)
_RT_FIRST = re.compile(
    rf"^{_PREFIX}RT\s*[.:]?\s*(?P<rt>{_CODE}){_SEP}RW\s*[.:]?\s*(?P<rw>{_CODE})$"
)
_RW_FIRST = re.compile(
    rf"^{_PREFIX}RW\s*[.:]?\s*(?P<rw>{_CODE}){_SEP}RT\s*[.:]?\s*(?P<rt>{_CODE})$"
)
_BARE_PAIR = re.compile(rf"^(?P<rt>{_CODE})\s*[-/_\\]\s*(?P<rw>{_CODE})$")
#: Longest cell text read as an RT/RW code; longer text is no code (and is never cached).
MAX_CODE_CHARS = 40


@lru_cache(maxsize=8192)
def _code_from_text(text: str) -> str | None:
    """Canonical code from a single RT or RW text (``'RT 05'`` → ``'005'``)."""
    m = _SINGLE.match(text.strip().upper())
    if not m:
        return None
    number = int(m.group("num"))
    if number > 999:
        return None
    return f"{number:03d}{m.group('suf')}"


def normalise_code(value: object) -> str | None:
    """Canonical RT or RW code of one cell (3.0 → ``'003'``, ``'6a'`` → ``'006A'``), or None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        if not 0 <= value <= 999 or value != int(value):  # also NaN and ±inf
            return None
        return f"{int(value):03d}"
    if isinstance(value, str) and len(value) <= MAX_CODE_CHARS:
        return _code_from_text(value)
    return None


@lru_cache(maxsize=8192)
def _pair_from_text(text: str) -> tuple[str | None, str | None]:
    """(rt, rw) from a combined text, or (None, None)."""
    upper = text.strip().upper()
    for pattern in (_RT_FIRST, _RW_FIRST, _BARE_PAIR):
        m = pattern.match(upper)
        if m:
            rt, rw = _code_from_text(m.group("rt")), _code_from_text(m.group("rw"))
            if rt is not None and rw is not None:
                return rt, rw
    return None, None


def parse_rt_rw(value: object) -> tuple[str | None, str | None]:
    """(rt, rw) canonical codes from a combined RT/RW cell, or (None, None) when unreadable.

    Accepts ``RT001-RW002``, ``RT 03 RW 01``, ``001/002``, ``001_002``, ``RT06A-RW002``,
    ``RT.01/RW.02``, ``1/2`` (and ``RW 02 RT 01``).
    """
    if not isinstance(value, str) or len(value) > MAX_CODE_CHARS:
        return None, None
    return _pair_from_text(value)
