# The README's two commands: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha256sum | cut -c1-12)
DEMO_DIR := build/demo
DEMO_CUSTOMERS ?= 5000

export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

.PHONY: install demo test lint clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed: set PYTHON=python3.11")'
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

demo: install
	$(BIN)/loader demo-data --out $(DEMO_DIR)/extracts --customers $(DEMO_CUSTOMERS) --seed 42
	$(BIN)/loader land $(DEMO_DIR)/extracts
	$(BIN)/dbt build --project-dir . --profiles-dir .

test: install
	$(BIN)/ruff check loader tests
	$(BIN)/ruff format --check loader tests
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check loader tests
	$(BIN)/ruff format --check loader tests

clean:
	rm -rf build target logs migration.duckdb migration.duckdb.wal
