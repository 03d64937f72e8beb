# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
export PORT

.PHONY: run test test-scale check openapi bench install clean browser

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/docload migrate --no-input
	$(BIN)/docload devsetup
	$(BIN)/docload serve --port $(PORT)

check: $(STAMP)
	$(BIN)/ruff check src tests bench examples scripts
	$(BIN)/ruff format --check src tests bench examples scripts
	$(BIN)/mypy src
	$(BIN)/docload makemigrations --check --dry-run
	$(BIN)/docload openapi --check

openapi: $(STAMP)
	$(BIN)/docload openapi

test: $(STAMP) check browser
	$(BIN)/pytest -q

# Debian's chromium for the imports page's browser test (playwright drives it, never downloads
# one); where apt is absent the test skips and says why.
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else echo "no apt-get: the browser test (tests/e2e/test_imports_page_e2e.py) will skip"; fi

# The suite on PostgreSQL + S3 (moto_server), both started and stopped by the script;
# PostgreSQL is installed with apt when missing. TESTS=... picks pytest arguments.
test-scale: $(STAMP) browser
	$(BIN)/python scripts/test_scale.py $(TESTS)

bench: $(STAMP)
	$(BIN)/python bench/import_throughput.py

clean:
	rm -rf $(VENV) var
