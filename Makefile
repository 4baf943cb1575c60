# lexradar — set-up and checks. `make demo` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test lint install clean bench java

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

## java: Spark needs a Java runtime; install Debian's when the machine has none
java:
	@command -v java >/dev/null 2>&1 || (apt-get update -q && apt-get install -y -q openjdk-17-jre-headless)

## test: ruff, then the whole test suite (no tests collected counts as failure)
test: $(STAMP) java
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) -m pip install --quiet -e ".[test,bench]"
	$(PY) bench/synth.py

clean:
	rm -rf $(VENV) demo .pytest_cache
