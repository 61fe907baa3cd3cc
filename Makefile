# Two commands on a fresh clone: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DEMO_VAULT ?= .demo-vault

# `make install`: ctcm for daily use, in its own environment under the user's data directory,
# with a `ctcm` link in ~/.local/bin (cron and systemd call it by that absolute path).
DATA_HOME   ?= $(if $(XDG_DATA_HOME),$(XDG_DATA_HOME),$(HOME)/.local/share)
INSTALL_DIR ?= $(DATA_HOME)/ctcm/venv
BIN_DIR     ?= $(HOME)/.local/bin

.PHONY: demo demo-pg test test-deps venv test-venv bench reliability docs clean install uninstall

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

venv: $(BIN)/activate
	$(BIN)/python -m pip install --quiet -e .

test-venv: $(BIN)/activate
	$(BIN)/python -m pip install --quiet -e '.[test]'

# Builds the demo practice from examples/ into a fresh vault and prints the dashboard; then a
# consultant's portfolio of two demo practices (examples/ and examples/lakeside/) with a
# practice list of its own in $(DEMO_PORTFOLIO) (never the user's list).
DEMO_PORTFOLIO ?= .demo-portfolio
demo: venv
	rm -rf $(DEMO_VAULT) $(DEMO_PORTFOLIO)
	$(BIN)/ctcm --vault $(DEMO_VAULT) demo
	@echo
	$(BIN)/ctcm demo --portfolio $(DEMO_PORTFOLIO)

# The demo practice on a throwaway PostgreSQL server and back (ctcm migrate): needs Debian's
# postgresql package (make test-deps installs it) and the postgres extra.
demo-pg: venv test-deps
	$(BIN)/python -m pip install --quiet -e '.[postgres]'
	$(BIN)/python scripts/demo_pg.py

# What the tests need beyond Python (Debian's chromium), installed when missing and allowed
# (root or passwordless sudo); otherwise it says the one command to run. .ci/run installs
# nothing else.
test-deps:
	bash scripts/test-deps.sh

# Every test, two workers per core (pytest-xdist; each worker has its own vaults, state and
# ports): many tests wait on subprocesses, a mail server or a browser, so two per core finish
# sooner than one (on 2 cores: 2 min 8 s of tests against 2 min 24 s).
WORKERS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 2) * 2 )))
test: test-venv test-deps
	$(BIN)/python -m pytest -n $(WORKERS) --dist loadgroup

# docs/commands.md from the CLI's own help (a test checks it is current).
docs: venv
	$(BIN)/python -m ctcm.cli.reference > docs/commands.md

bench: venv
	$(BIN)/python bench/run.py

# The fault-injection suites in their long form (1,000 crash trials, the whole corruption
# sweep); writes RELIABILITY.md. `make test` runs their short form.
reliability: test-venv
	$(BIN)/python bench/reliability.py

install:
	$(PYTHON) -m venv --clear $(INSTALL_DIR)
	$(INSTALL_DIR)/bin/python -m pip install --quiet .
	mkdir -p $(BIN_DIR)
	ln -sf $(INSTALL_DIR)/bin/ctcm $(BIN_DIR)/ctcm
	@echo "Installed $(BIN_DIR)/ctcm -> $(INSTALL_DIR). Check it: $(BIN_DIR)/ctcm --version"
	@case ":$$PATH:" in *":$(BIN_DIR):"*) ;; \
	  *) echo "Note: $(BIN_DIR) is not on your PATH; add it, or call $(BIN_DIR)/ctcm in full." ;; esac

uninstall:
	rm -f $(BIN_DIR)/ctcm
	rm -rf $(INSTALL_DIR)

clean:
	rm -rf $(VENV) $(DEMO_VAULT) $(DEMO_PORTFOLIO) .demo-pg build dist .pytest_cache
