# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
export PORT

.PHONY: run test check openapi bench install clean

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
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src
	$(BIN)/docload makemigrations --check --dry-run
	$(BIN)/docload openapi --check

openapi: $(STAMP)
	$(BIN)/docload openapi

test: $(STAMP) check
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/python bench/import_throughput.py

clean:
	rm -rf $(VENV) var
