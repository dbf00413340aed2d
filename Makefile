# kumuh — make run (nightly consolidation on data/sample) and make test, on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

INPUT     ?= data/sample
OUT       ?= data/out
WAREHOUSE ?= data/warehouse/kumuh.duckdb
N         ?= 11000
N2        ?=
# make test: pytest-xdist workers, each taking whole test modules (module-scoped flow runs
# happen once) in file order, so the long kill test starts early instead of last.
# TEST_WORKERS=0 runs the suite in one process.
TEST_WORKERS ?= 2

export PREFECT_SERVER_ANALYTICS_ENABLED = false
export DO_NOT_TRACK = 1
export GX_ANALYTICS_ENABLED = false

.PHONY: install run test lint sample bench clean docs

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

run: $(STAMP)
	$(BIN)/kumuh run --input $(INPUT) --out $(OUT) --warehouse $(WAREHOUSE)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

lint: $(STAMP)
	$(BIN)/ruff check .

sample: $(STAMP)
	$(BIN)/kumuh sample --out $(INPUT)

docs: $(STAMP)
	$(BIN)/python -m transforms.reports.dictionary > docs/data-dictionary.md

bench: $(STAMP)
	$(BIN)/python bench/run_bench.py --n $(N) $(if $(N2),--n2 $(N2))

clean:
	rm -rf $(OUT) data/warehouse .pytest_cache
