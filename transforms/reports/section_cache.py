"""Rendered kabupaten/kota sections of the indicator report, kept between runs.

A nightly run usually changes a few kabupaten/kota; drawing every section again (tables and
SVG charts, ~3 ms each, ~0.5 s for the whole country) is wasted. A section is a pure function of
that kabupaten's rows and of the code that draws it, so :class:`SectionCache` keeps each one in
a file (``<folder>/<kode>.html``) whose first line is a digest of exactly those: the rows of
every table the section uses, the link it carries and the source of the report modules. Any
difference in them draws the section anew; a missing, unreadable or foreign file is ignored.
The cache is operator state beside the warehouse, never published.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from transforms.publish.parquet import write_text_atomic

#: Modules whose source decides how a section looks (their text is part of every digest).
_DRAWN_BY = ("indicators.py", "progress.py", "formatting.py")


def _code_digest() -> bytes:
    """Digest of the report modules' source: a changed drawing never reuses an old section."""
    h = hashlib.blake2b(digest_size=16)
    for name in _DRAWN_BY:
        h.update((Path(__file__).with_name(name)).read_bytes())
    return h.digest()


class SectionCache:
    """Sections by kabupaten code in ``folder``; see the module docstring."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.salt = _code_digest()
        self.drawn = 0  # sections drawn (not reused) by this cache, for tests and logs

    def digests(self, tables: Mapping[str, pd.DataFrame], by: str) -> dict[str, str]:
        """Per value of column ``by`` (a kabupaten code), a digest of its rows in every table:
        each table's rows are hashed once, then their hashes gathered per code."""
        per_code: dict[str, hashlib.blake2b] = {}
        for name in sorted(tables):
            df = tables[name]
            if df.empty:
                continue
            rows = pd.util.hash_pandas_object(df, index=False).to_numpy()
            shape = f"{name}\0{list(df.columns)}\0{list(df.dtypes.astype(str))}\0".encode()
            for code, at in df.groupby(by, sort=False).indices.items():
                h = per_code.setdefault(str(code), hashlib.blake2b(self.salt, digest_size=20))
                h.update(shape)
                h.update(rows[at].tobytes())
        return {code: h.hexdigest() for code, h in per_code.items()}

    def kept(self, kode: str, digest: str) -> str | None:
        """The kept section of ``kode`` if its first line is ``digest`` (drawn from the same
        rows), else None."""
        try:
            first, _, body = (self.folder / f"{kode}.html").read_text(
                encoding="utf-8").partition("\n")
        except (OSError, UnicodeDecodeError):
            return None
        return body if first == digest else None

    def keep(self, kode: str, digest: str, body: str) -> None:
        """Keep the section ``body`` of ``kode``, just drawn from rows of ``digest``, for the
        next run."""
        self.drawn += 1
        with contextlib.suppress(OSError):  # a cache that cannot be written only costs time
            write_text_atomic(self.folder / f"{kode}.html", f"{digest}\n{body}")
