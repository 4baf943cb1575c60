# lexradar — set-up and checks. `make demo` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test lint install clean bench system

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet -e '.[test,spark]'
	touch $(STAMP)

install: $(STAMP)

## demo: generate a synthetic region of 100,000 persons, run every model, score against the truth
demo: $(STAMP)
	$(VENV)/bin/lexradar demo --persons 100000 --seed 1 --out demo

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
test: $(STAMP) system
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) -m pip install --quiet -e ".[test,bench]"
	$(PY) bench/synth.py

clean:
	rm -rf $(VENV) demo .pytest_cache
