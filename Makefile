# lexradar — set-up and checks. `make demo` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
APP    := $(VENV)/.installed-app

.PHONY: demo test lint install clean bench system assets

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

## the product alone (what `make demo` needs), and with the test and Spark extras (`make test`)
$(APP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet -e .
	touch $(APP)

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet -e '.[test,spark]'
	touch $(STAMP) $(APP)

## assets: the workbench's front-end files from the npm registry (frontend/package-lock.json),
## copied into the package so that the app serves them itself
VENDOR := src/lexradar/web/static/vendor
assets: $(VENDOR)/.installed

$(VENDOR)/.installed: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --silent
	mkdir -p $(VENDOR)
	cp frontend/node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx.min.js
	cp frontend/node_modules/chart.js/dist/chart.umd.min.js $(VENDOR)/chart.umd.min.js
	cp frontend/node_modules/@picocss/pico/css/pico.min.css $(VENDOR)/pico.min.css
	cp frontend/node_modules/swagger-ui-dist/swagger-ui-bundle.js $(VENDOR)/swagger-ui-bundle.js
	cp frontend/node_modules/swagger-ui-dist/swagger-ui.css $(VENDOR)/swagger-ui.css
	touch $@

install: $(STAMP)

## demo: generate a synthetic region of 100,000 persons, run every model, score against the truth,
## print the demo users and serve the workbench on http://127.0.0.1:8000 (Ctrl-C ends it)
demo: $(APP) assets
	$(VENV)/bin/lexradar demo --persons 100000 --seed 1 --out demo --serve

## system: Debian packages the tests use — Java for Spark, Chromium for the browser tests,
## poppler-utils (pdftoppm) to read PDF reports back, a CJK font for PDF and charts
system:
	@missing=""; \
	command -v java >/dev/null 2>&1 || missing="$$missing openjdk-17-jre-headless"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v pdftoppm >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	[ -e /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || missing="$$missing fonts-wqy-zenhei"; \
	if [ -n "$$missing" ]; then apt-get update -q && apt-get install -y -q $$missing; fi

## test: ruff, then the whole test suite (no tests collected counts as failure)
test: $(STAMP) assets system
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) -m pip install --quiet -e ".[test,bench]"
	$(PY) bench/synth.py

clean:
	rm -rf $(VENV) demo .pytest_cache
