# kumuh — make run (nightly consolidation on data/sample) and make test, on a fresh machine.
# Needs Python 3.11 and make. The exact versions come from uv.lock (the set the tests passed
# with), installed by uv, which the Makefile fetches itself into .venv-tools/ the first time.
PYTHON     ?= python3
VENV       ?= .venv
BIN         = $(VENV)/bin
UV_VERSION  = 0.13.9
UV          = .venv-tools/uv-$(UV_VERSION)/bin/uv
# reinstall whenever the lock or the project's metadata changes (content, not mtime)
STAMP       = $(VENV)/.installed-$(shell cat pyproject.toml uv.lock | cksum | cut -d' ' -f1)

INPUT     ?= data/sample
OUT       ?= data/out
WAREHOUSE ?= data/warehouse/kumuh.duckdb
N         ?= 11000
N2        ?=
# make bench DASK=1: also cold runs on an external Dask cluster of 1 and 2 workers;
# make bench CLONE=1: also make run and make test in a fresh clone of HEAD
DASK      ?=
CLONE     ?=
# make test: pytest-xdist workers, each taking whole test modules (module-scoped flow runs
# happen once) in file order, process tests first, so the long kill test starts early.
# TEST_WORKERS=0 runs the suite in one process.
TEST_WORKERS ?= 2

export PREFECT_SERVER_ANALYTICS_ENABLED = false
export DO_NOT_TRACK = 1
export GX_ANALYTICS_ENABLED = false

.PHONY: install bytecode check-python lock run test test-fast lint sample bench clean docs

install: $(STAMP)

# uv uses this Python only (never downloads one) and installs into $(VENV)
export UV_PROJECT_ENVIRONMENT = $(VENV)
export UV_PYTHON_DOWNLOADS = never

check-python:
	@v=$$($(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null); \
	[ "$$v" = 3.11 ] || { echo "kumuh butuh Python 3.11, tetapi $(PYTHON) \
	$${v:+adalah Python }$${v:-tidak ditemukan}: pasang Python 3.11 lalu jalankan \
	make PYTHON=python3.11" >&2; exit 1; }

$(UV): | check-python
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
	  --target .venv-tools/uv-$(UV_VERSION) uv==$(UV_VERSION)

# --compile-bytecode, as pip does: no run or test process compiles its imports again
$(STAMP): pyproject.toml uv.lock | check-python $(UV)
	$(UV) sync --locked --extra dev --compile-bytecode --python $(PYTHON)
	rm -f $(VENV)/.installed-* && touch $@

# kumuh's own modules byte-compiled too (the editable install leaves them as source): where
# PYTHONDONTWRITEBYTECODE is set (containers often set it), every kumuh process, reader and
# checks process would otherwise compile its ~55 modules again (~0.15 s each); only changed
# files are compiled again, and a stale file is never used (Python checks the source's time)
bytecode: $(STAMP)
	$(BIN)/python -m compileall -q flows transforms expectations

# after editing dependencies in pyproject.toml: re-resolve uv.lock (then make install)
lock: | check-python $(UV)
	$(UV) lock --python $(PYTHON)

run: bytecode
	$(BIN)/kumuh run --input $(INPUT) --out $(OUT) --warehouse $(WAREHOUSE)

test: bytecode
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder \
		tests/process tests/flow tests/unit

# make test-fast: the unit tests only (no flow run, no subprocess), well under a minute.
test-fast: bytecode
	$(BIN)/python -m pytest -q tests/unit

lint: $(STAMP)
	$(BIN)/ruff check .

sample: $(STAMP)
	$(BIN)/kumuh sample --out $(INPUT)

docs: $(STAMP)
	$(BIN)/python -m transforms.reports.dictionary > docs/data-dictionary.md

bench: bytecode
	$(BIN)/python bench/run_bench.py --n $(N) $(if $(N2),--n2 $(N2)) $(if $(DASK),--dask) $(if $(CLONE),--fresh-clone)

clean:
	rm -rf $(OUT) data/warehouse .pytest_cache
