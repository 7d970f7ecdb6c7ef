# Two commands on a fresh machine: `make demo` builds the sample outputs, `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test bench clean

setup: $(STAMP)
	@sh scripts/system-deps.sh

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@touch $(STAMP)

demo: setup
	$(BIN)/assess check
	$(BIN)/assess build
	$(BIN)/assess verify

test: setup
	$(BIN)/pytest

# Not part of `make test`: generates a ~1 GB synthetic district under output/bench/ and measures
# assess against raw tools in the same run. Pass options with BENCH_ARGS="--scale 0.1 --runs 1".
bench: setup
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) output
