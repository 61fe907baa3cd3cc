# Two commands on a fresh clone: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DEMO_VAULT ?= .demo-vault

.PHONY: demo test venv test-venv bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

venv: $(BIN)/activate
	$(BIN)/python -m pip install --quiet -e .

test-venv: $(BIN)/activate
	$(BIN)/python -m pip install --quiet -e '.[test]'

# Builds the demo practice from examples/ into a fresh vault and prints the dashboard.
demo: venv
	rm -rf $(DEMO_VAULT)
	$(BIN)/ctcm --vault $(DEMO_VAULT) demo

test: test-venv
	$(BIN)/python -m pytest

bench: venv
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) $(DEMO_VAULT) build dist .pytest_cache
