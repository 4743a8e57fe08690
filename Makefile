# The README's two commands: `make lab` and `make test`. Both build .venv when it is missing and
# reinstall only when pyproject.toml (or the store's C reader, built by the install) is newer than the last.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup git-filter lab test lint data clean

$(STAMP): pyproject.toml labkit/store/_canonical.c
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# Install only: .venv with labkit and its tools, and the git filter that keeps notebooks' outputs out of commits.
setup: $(STAMP) git-filter

# .gitattributes sends every .ipynb through this filter: git stores it without outputs or widget state, while
# the working copy keeps what JupyterLab saved. (Git runs it from the top of the working tree.)
git-filter:
	@if git rev-parse --git-dir >/dev/null 2>&1; then \
		git config filter.labkit-notebook.clean "$(BIN)/python -m labkit.lab.notebooks clean" && \
		git config filter.labkit-notebook.smudge cat && \
		echo "git filter labkit-notebook: notebooks are committed without outputs"; fi

lab: setup
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
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache labkit/store/_canonical.*.so

# --- rendered docs and live sessions ---
.PHONY: assets docs present

# The npm files the rendered pages load (pinned in labkit/lab/site.py), fetched once into build/site-assets.
assets: $(STAMP)
	$(BIN)/python -m labkit.lab.site assets

# Render the offline site into build/site (open build/site/index.html): every notebook, or NB="a.ipynb b.ipynb"
# (links to the others become text). Notebooks run again only when they, labkit or data/ changed
# (build/site-cache). Exercise solutions are left out unless SOLUTIONS=1.
docs: assets
	$(BIN)/python -m labkit.lab.site build --out build/site $(if $(SOLUTIONS),--solutions) $(NB)

# Serve notebooks/ (or NB=notebooks/one.ipynb, opened first; its Next/contents links work) as apps (Voila) on
# 127.0.0.1 with a fresh token, printed below. For a bookmark: PORT=8900 and TOKEN_FILE=~/.labkit-token (a
# token kept between runs) or TOKEN=<16+ URL-safe characters>. Whoever has the address and token can run the
# notebooks' code as you while the server runs (see labkit/lab/present.py).
present: $(STAMP)
	$(BIN)/python -m labkit.lab.present $(or $(NB),notebooks) $(if $(PORT),--port $(PORT)) \
		$(if $(TOKEN),--token $(TOKEN)) $(if $(TOKEN_FILE),--token-file $(TOKEN_FILE))

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
