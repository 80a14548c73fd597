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

.PHONY: install demo test lint clean bench test-spark azurite

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed: set PYTHON=python3.11")'
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

# The main job end to end on a generated sample: land, dbt build, export, then verify.
demo: install
	$(BIN)/loader demo-data --out $(DEMO_DIR)/extracts --customers $(DEMO_CUSTOMERS) --seed 42
	$(BIN)/loader run $(DEMO_DIR)/extracts --out $(DEMO_DIR)/packages
	$(BIN)/loader verify $(DEMO_DIR)/packages/*.zip

test: install lint browser azurite test-spark
	$(BIN)/python -m pytest -m "not spark"

# The lint and convention gates (scripts/lint.py): ruff, mypy, dbt parse with deprecations as
# errors, dbt-score, sqlfluff. Each runs even when another fails; dbt compiles against a
# scratch database in build/lint/, so no landed data is needed.
lint: install
	$(BIN)/python scripts/lint.py

clean:
	rm -rf build target logs migration.duckdb migration.duckdb.wal

# Performance benchmark (docs/benchmarks.md): BENCH_CUSTOMERS (default 1000000), BENCH_REPEAT (3).
# The bench extra (pandas, matplotlib) is installed once, again only when pyproject.toml changes.
bench: install
	@test $(VENV)/.bench-extra -nt pyproject.toml || \
		{ $(BIN)/python -m pip install --quiet -e '.[dev,bench]' && touch $(VENV)/.bench-extra; }
	$(BIN)/python -m benchmarks

# The reviewers' docs (docs/docs-site.md): dbt's static site, manifest and catalog inlined in one
# file that opens from disk. The catalog needs a built database: without migration.duckdb
# (or $MIGRATION_DB) the demo sample is generated, landed and built first, as `make demo` does.
.PHONY: docs browser
DOCS_DIR := build/docs

docs: install
	@test -f "$${MIGRATION_DB:-migration.duckdb}" || { \
		set -x && \
		$(BIN)/loader demo-data --out $(DEMO_DIR)/extracts --customers $(DEMO_CUSTOMERS) --seed 42 && \
		$(BIN)/loader land $(DEMO_DIR)/extracts && \
		$(BIN)/dbt build --project-dir . --profiles-dir .; }
	$(BIN)/dbt docs generate --static --project-dir . --profiles-dir .
	mkdir -p $(DOCS_DIR)
	cp "$${DBT_TARGET_PATH:-target}/static_index.html" $(DOCS_DIR)/index.html
	@echo "docs: $(DOCS_DIR)/index.html"

# Headless Chromium for the docs-site test (tests/test_docs_site.py), from Debian's packages;
# Playwright drives it and never downloads a browser of its own.
browser:
	command -v chromium >/dev/null || \
		{ apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver; }

# The dbt project on Apache Spark (docs/scaling.md): the demo sample landed as Parquet, built by
# a local PySpark session (profiles.yml target `spark`) and exported; the packages must be
# byte-identical to DuckDB's (tests/test_spark.py). The spark extra is installed into .venv
# once, again only when pyproject.toml changes. PySpark runs on Java 17 (or 21).
JAVA := $(if $(JAVA_HOME),$(JAVA_HOME)/bin/java,java)
test-spark: install
	@version=$$($(JAVA) -version 2>&1 | sed -n 's/.*version "\(1\.\)\{0,1\}\([0-9]*\).*/\2/p' | head -n 1); \
	if [ "$$version" != 17 ] && [ "$$version" != 21 ]; then \
		echo "test-spark: Spark needs Java 17, and $(JAVA) is $${version:+Java $$version}$${version:-not there}." >&2; \
		echo "  Debian/Ubuntu: sudo apt-get install openjdk-17-jre-headless" >&2; \
		echo "  macOS: brew install openjdk@17, then export JAVA_HOME=\$$(brew --prefix openjdk@17)" >&2; \
		echo "  Elsewhere: install a Java 17 runtime and set JAVA_HOME to it (or put its java on PATH)." >&2; \
		exit 1; \
	fi
	@test $(VENV)/.spark-extra -nt pyproject.toml || \
		{ $(BIN)/python -m pip install --quiet -e '.[dev,spark]' && touch $(VENV)/.spark-extra; }
	$(BIN)/python -m pytest -m spark

# Azurite, the Azure Storage emulator that the import tests upload to (tests/test_import.py),
# from the npm registry into build/azurite; Node.js and npm from Debian's packages when missing.
# 3.36 and later need Node.js 22, newer than Debian 13's.
AZURITE_VERSION := 3.35.0
AZURITE_STAMP := build/azurite/.installed-$(AZURITE_VERSION)
azurite: $(AZURITE_STAMP)

$(AZURITE_STAMP):
	command -v node >/dev/null && command -v npm >/dev/null || \
		{ apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y nodejs npm; }
	mkdir -p build/azurite
	NPM_CONFIG_UPDATE_NOTIFIER=false npm install --prefix build/azurite --no-audit --no-fund \
		azurite@$(AZURITE_VERSION)
	rm -f build/azurite/.installed-* && touch $@
