# The README's two commands: `make lab` and `make test`. Both build .venv when it is missing and
# reinstall only when pyproject.toml is newer than the last install.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: lab test lint data clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks

lint: $(STAMP)
	$(BIN)/ruff check labkit tests notebooks
	$(BIN)/ruff format --check labkit tests notebooks
	$(BIN)/mypy
	$(BIN)/lint-imports

# The site tests need the npm files `assets` fetches; without npm they are skipped with how to enable
# them (under CI, where .ci/run installs npm, they are required), so a machine with only Python and make
# still runs everything else.
test: lint
	@$(BIN)/python -m labkit.lab.site assets || echo "make test: no site assets (npm missing?); the site tests will be skipped"
	$(BIN)/python -m pytest

# Regenerate the golden traces in data/traces (committed: they are data, see data/README.md).
data: $(STAMP)
	$(BIN)/python -m labkit.lab.golden data/traces --rules docs/rules.md

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache

# --- rendered docs and live sessions ---
.PHONY: assets docs present

# The npm files the rendered pages load (pinned in labkit/lab/site.py), fetched once into build/site-assets.
assets: $(STAMP)
	$(BIN)/python -m labkit.lab.site assets

# Execute every notebook and render the offline site into build/site (open build/site/index.html).
docs: assets
	$(BIN)/python -m labkit.lab.site build --out build/site

# Serve notebooks/ (or NB=one.ipynb) as apps (Voila) on 127.0.0.1 with a fresh token, printed below.
present: $(STAMP)
	$(BIN)/python -m labkit.lab.present $(or $(NB),notebooks)

# --- benchmarks (bench/README.md) ---
.PHONY: bench lint-bench

# Measure every figure against its baseline (5-15 minutes); the table goes to bench/results/latest.md.
bench: $(STAMP)
	$(BIN)/python -m bench

lint: lint-bench
lint-bench: $(STAMP)
	$(BIN)/ruff check bench
	$(BIN)/ruff format --check bench
	$(BIN)/mypy --strict bench
