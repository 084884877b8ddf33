# K-Data Catalog. Two commands matter: `make demo` and `make test`. Both build .venv from uv.lock first.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .tools/uv/bin/uv
VENV := .venv
BIN := $(VENV)/bin
export KDATA_HOME ?= $(CURDIR)/.kdata
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)
export GX_ANALYTICS_ENABLED := False

.PHONY: install demo test lint typecheck unit bench airflow clean browser

$(UV):
	$(PYTHON) -m venv .tools/uv
	.tools/uv/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --compile-bytecode --python $$(command -v $(PYTHON))
	$(BIN)/python -m compileall -q -j 0 kdata ingest quality catalog storage schemas kcore >/dev/null
	touch $@

install: $(VENV)/.installed ## .venv from the lockfile

demo: install ## sample datasets → real Airflow DAG (dag.test) → catalog summary
	$(BIN)/python -m kdata.demo

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports  # the layers of ARCHITECTURE.md (pyproject.toml [tool.importlinter])

typecheck: install
	$(BIN)/mypy

browser: ## Debian's Chromium and a Korean font for browser tests (Playwright drives /usr/bin/chromium)
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi nanum; then \
		echo "installing chromium and fonts-nanum (apt-get)"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-nanum >/dev/null) \
		|| { echo "could not install chromium: browser tests will fail"; exit 1; }; \
	fi

unit: install browser
	$(BIN)/python -m pytest -n 2 --dist loadfile

test: lint typecheck unit ## the whole suite (CI runs exactly this)

bench: install
	$(BIN)/python -m benchmarks

airflow: install ## a local Airflow (standalone) on the embedded defaults, loopback only
	$(BIN)/python -m kdata.airflow_local

clean:
	rm -rf $(VENV) .tools .kdata
