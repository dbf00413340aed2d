"""Great Expectations, imported once for every suite: analytics off, its logger quiet.

GX's package imports ``scipy.stats`` at start-up for distribution expectations (KL divergence,
KS tests) that kumuh's suites never use; that import alone is ~0.5 s of every run that validates.
It imports ``altair`` (~0.25 s) only to draw the KL-divergence expectation's charts, which kumuh
never renders. Both stand in ``sys.modules`` as a :class:`DeferredModule`, imported in full the
first time anything asks for an attribute, so nothing changes for code that does use them. GX's
optional SQL and S3 back-ends (SQLAlchemy, boto3), which kumuh's pandas-only suites never use,
are kept out of its import the way GX itself runs where they are not installed (~0.3 s).
GX's fingerprint of each pandas batch is switched off, and
:func:`configurations_built_once` spares a suite run GX's rebuilding of each expectation's
configuration (below).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
logging.getLogger("great_expectations").setLevel(logging.WARNING)


#: Modules GX imports at start-up for what kumuh never uses: loaded when first touched.
DEFERRED = ("scipy.stats", "altair")


class DeferredModule(types.ModuleType):
    """Stands in for a module in ``sys.modules`` until an attribute of it is first asked for;
    then the module is imported for real (it takes its own place in ``sys.modules``) and its
    attributes are copied here for those holding this stand-in.

    Not the standard :class:`importlib.util.LazyLoader`: in Python 3.11 ``import name`` reads
    the ``__spec__`` of a module found in ``sys.modules``, which loads a lazy module at once;
    a stand-in's ``__spec__`` is a plain attribute (None)."""

    def __getattr__(self, attr: str) -> object:  # only for attributes not set here
        name = self.__name__
        if sys.modules.get(name) is self:
            del sys.modules[name]
        real = importlib.import_module(name)
        self.__dict__.update(real.__dict__)
        return getattr(real, attr)


def _defer(name: str) -> None:
    """Module ``name`` replaced by a :class:`DeferredModule` until first used (nothing when
    already imported or not installed)."""
    if name in sys.modules:
        return
    try:
        spec = importlib.util.find_spec(name)  # imports the parent package of a submodule
    except ImportError:
        return
    if spec is None:
        return
    sys.modules[name] = stand_in = DeferredModule(name)
    parent, _, child = name.rpartition(".")
    if parent:  # ``from scipy import stats`` finds the attribute without the import system
        setattr(sys.modules[parent], child, stand_in)


#: GX's optional back-ends kumuh never uses: SQL databases (SQLAlchemy) and S3 (boto3). GX
#: imports each inside ``try``/``except ImportError`` and runs pandas suites without them.
UNUSED_BACKENDS = frozenset({"sqlalchemy", "boto3", "botocore"})


class _WithoutBackends:
    """Import-system finder that answers "not installed" for :data:`UNUSED_BACKENDS` while GX
    is imported (a back-end another package imported already is left as it is)."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        top = name.partition(".")[0]
        if top in UNUSED_BACKENDS and top not in sys.modules:
            raise ModuleNotFoundError(f"{name} tidak dipakai kumuh", name=name)


def _import_gx():
    """``great_expectations`` imported without :data:`UNUSED_BACKENDS`; afterwards anything
    else imports them as usual."""
    finder = _WithoutBackends()
    sys.meta_path.insert(0, finder)
    try:
        import great_expectations
    finally:
        sys.meta_path.remove(finder)
    return great_expectations


for _name in DEFERRED:
    _defer(_name)
gx = _import_gx()

from great_expectations.data_context.types.base import ProgressBarsConfig  # noqa: E402
from great_expectations.execution_engine import pandas_execution_engine  # noqa: E402
from great_expectations.expectations.expectation import Expectation  # noqa: E402

# GX fingerprints every pandas batch under 1 GB (an md5 of ``hash_pandas_object`` over the
# whole frame, ~0.17 s for a national run's RT rows) only to record it among the batch's
# metadata, which kumuh never reads: no frame is fingerprinted.
pandas_execution_engine.HASH_THRESHOLD = 0

_CONFIGURATION = Expectation.configuration


@contextmanager
def configurations_built_once() -> Iterator[None]:
    """Inside the block, each expectation's ``configuration`` is built once and reused.

    GX 1.x builds an expectation's configuration anew (a pydantic ``dict`` and a new
    ``ExpectationConfiguration``) each time any of its keyword arguments is looked up — some
    80 times per expectation in one validation, ~40 % of a suite run. Within one run the
    expectations do not change, so the first one built serves the rest. Not for threads: the
    property is swapped on GX's class for the duration (kumuh validates in one thread)."""
    built: dict[int, tuple[Expectation, object]] = {}

    def configuration(self: Expectation) -> object:
        found = built.get(id(self))
        if found is None:  # the expectation is kept too, so its id is not reused meanwhile
            found = built[id(self)] = (self, _CONFIGURATION.fget(self))
        return found[1]

    Expectation.configuration = property(configuration)
    try:
        yield
    finally:
        Expectation.configuration = _CONFIGURATION


__all__ = ["ProgressBarsConfig", "configurations_built_once", "gx"]
