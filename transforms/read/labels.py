"""Column labels: which canonical column a header cell's text names (spec §2)."""

from __future__ import annotations

import re
from functools import lru_cache

from transforms.read.cells import norm_label
from transforms.spec import criteria

#: Longest text looked at as a column, identity or total-row label (longer is never one).
MAX_LABEL_CHARS = 120

#: Normalised labels of the optional stored-result columns (not in the spec CSVs: they are
#: read only to reconcile, never published).
STORED_TOTAL_LABELS = frozenset({"totalnilai", "totalskor", "nilaitotal", "skortotal"})
STORED_TINGKAT_LABELS = frozenset({"tingkat", "tingkatkekumuhan", "klasifikasikekumuhan"})

_CODES = frozenset(c.kode for c in criteria.criteria())
_CODE_LABEL = re.compile(
    r"^\s*(?:(?P<pre>%|persen(?:tase)?|nilai|skor)\s*[.:]?\s*)?"
    r"(?:vol(?:ume)?\s*[.:]?\s*)?"
    r"(?P<num>[0-9])\.?(?P<letter>[a-z])(?![0-9a-z])(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL,
)
_STORED_REST = re.compile(r"%|\bpersen|\bnilai|\bskor", re.IGNORECASE)


def _stored_kind(marker: str) -> str:
    """``persen`` or ``nilai`` for a stored-result marker (``%``, ``Persen``, ``Skor`` …)."""
    return "persen" if marker.lower() in ("%", "persen", "persentase") else "nilai"


@lru_cache(maxsize=65536)  # labels and data texts repeat across a run's workbooks
def match_column_label(label: str) -> str | None:
    """Canonical column of a header label (``'Vol. 2b'`` → ``vol_2b``, ``'% 1a'`` →
    ``stored_persen_1a``, ``'JUMLAH KK'`` → ``jumlah_kk``), or None when unknown."""
    if len(label) > MAX_LABEL_CHARS:
        return None
    norm = norm_label(label)
    if not norm:
        return None
    base = criteria.column_label_index().get(norm)
    if base is not None:
        return base
    if norm in STORED_TOTAL_LABELS:
        return "stored_total_nilai"
    if norm in STORED_TINGKAT_LABELS:
        return "stored_tingkat_kekumuhan"
    m = _CODE_LABEL.match(label)
    kode = f"{m.group('num')}{m.group('letter').lower()}" if m else ""
    if m is None or kode not in _CODES:
        return None
    if m.group("pre"):
        return f"stored_{_stored_kind(m.group('pre'))}_{kode}"
    marker = _STORED_REST.search(m.group("rest"))
    if marker:
        return f"stored_{_stored_kind(marker.group(0).strip())}_{kode}"
    return f"vol_{kode}"
