# The two README commands. Everything they need is installed from the project's own files.
VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3

.PHONY: run test install system-deps lint

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

install: $(BIN)/.installed

system-deps:
	bash deploy/install-system-deps.sh

run: install
	$(BIN)/pcgd run

test: install system-deps
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check .
