# polyscan: two commands on a fresh machine.
#   make run   - virtualenv, install, migrate, start (SQLite + in-memory cache by default)
#   make test  - virtualenv, install, PostgreSQL and Redis up, ruff, mypy, tests on SQLite and PostgreSQL

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/postgres

.PHONY: run test install lint typecheck services test-sqlite test-pg fmt bench migrations clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/polyscan migrate
	exec $(BIN)/polyscan run

services:
	@bash scripts/ensure-services.sh

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

test-sqlite: $(STAMP)
	POLYSCAN_TEST_DATABASE=sqlite $(BIN)/python -m pytest

test-pg: $(STAMP) services
	POLYSCAN_TEST_DATABASE=postgres POLYSCAN_TEST_PG_URL=$(PG_TEST_URL) $(BIN)/python -m pytest

test: $(STAMP) services lint typecheck test-sqlite test-pg

fmt: $(STAMP)
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

migrations: $(STAMP)
	$(BIN)/python -m db.makemigrations

bench: $(STAMP)
	$(BIN)/python bench/feed.py

clean:
	rm -rf $(VENV) build *.egg-info
