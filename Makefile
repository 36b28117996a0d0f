# Kontor — two commands: `make run` (start the platform) and `make test` (run every check).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
VENDOR := src/kontor/web/static/vendor
SWAGGER_UI_FILES := swagger-ui-bundle.js swagger-ui.css favicon-32x32.png LICENSE
HTMX_FILES := dist/htmx.min.js LICENSE
BPMN_JS_FILES := dist/bpmn-navigated-viewer.production.min.js dist/assets/bpmn-js.css \
	dist/assets/diagram-js.css LICENSE
DMN_JS_FILES := dist/dmn-viewer.production.min.js dist/assets/dmn-js-shared.css \
	dist/assets/dmn-js-drd.css dist/assets/dmn-js-decision-table.css \
	dist/assets/dmn-js-literal-expression.css dist/assets/diagram-js.css LICENSE
CHART_FILES := dist/chart.umd.min.js LICENSE.md
FORM_JS_FILES := dist/form-viewer.umd.js dist/assets/form-js.css LICENSE

.PHONY: run test lint format typecheck contracts pytest bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Kontor needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml setup.py src/kontor/exchange/gdv/_fields.pyx
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

$(VENV)/.installed-bench: $(VENV)/.installed-dev
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	@touch $@

# Front-end libraries from npm (package-lock.json), copied where Kontor serves them (/static).
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

$(VENDOR)/.installed: node_modules/.package-lock.json
	rm -rf $(VENDOR)
	mkdir -p $(VENDOR)/swagger-ui
	for file in $(SWAGGER_UI_FILES); do cp node_modules/swagger-ui-dist/$$file $(VENDOR)/swagger-ui/; done
	mkdir -p $(VENDOR)/htmx
	for file in $(HTMX_FILES); do cp node_modules/htmx.org/$$file $(VENDOR)/htmx/; done
	mkdir -p $(VENDOR)/bpmn-js
	for file in $(BPMN_JS_FILES); do cp node_modules/bpmn-js/$$file $(VENDOR)/bpmn-js/; done
	cp -r node_modules/bpmn-js/dist/assets/bpmn-font $(VENDOR)/bpmn-js/
	mkdir -p $(VENDOR)/dmn-js
	for file in $(DMN_JS_FILES); do cp node_modules/dmn-js/$$file $(VENDOR)/dmn-js/; done
	cp -r node_modules/dmn-js/dist/assets/dmn-font $(VENDOR)/dmn-js/
	mkdir -p $(VENDOR)/chart.js
	for file in $(CHART_FILES); do cp node_modules/chart.js/$$file $(VENDOR)/chart.js/; done
	mkdir -p $(VENDOR)/form-js
	for file in $(FORM_JS_FILES); do cp node_modules/@bpmn-io/form-js/$$file $(VENDOR)/form-js/; done
	cp -r node_modules/@bpmn-io/form-js/dist/assets/flatpickr $(VENDOR)/form-js/
	@touch $@

## run: set up, migrate the embedded SQLite database under ./var/ and serve on 127.0.0.1:8000
run: $(VENV)/.installed $(VENDOR)/.installed
	$(BIN)/kontor db upgrade
	$(BIN)/kontor serve

## test: set up the dev environment and run every gate and test tier
test: lint typecheck contracts pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

contracts: $(VENV)/.installed-dev
	$(BIN)/lint-imports

## pytest: every test tier on PYTEST_WORKERS processes (CI's two cores); docs/testing.md
PYTEST_WORKERS ?= 2
pytest: $(VENV)/.installed-dev $(VENDOR)/.installed
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist worksteal

## bench: install the peers (zen-engine, SpiffWorkflow) and run the benchmarks
bench: $(VENV)/.installed-bench
	$(BIN)/python benchmarks/messaging.py
	$(BIN)/python benchmarks/auth.py

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache node_modules $(VENDOR)
