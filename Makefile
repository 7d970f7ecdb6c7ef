# Two commands on a fresh machine: `make demo` builds the sample outputs, `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Every Python package, with its exact version and hashes: a fresh clone installs what was tested.
LOCK := requirements.lock
# The tool that writes the lock, itself pinned so that `make lock` is repeatable.
UV := uv==0.13.8

.PHONY: setup demo test check lint docs lock upgrade bench clean

setup: $(STAMP)
	@sh scripts/system-deps.sh

$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --require-hashes -r $(LOCK)
	$(BIN)/pip install -q --no-deps -e .
	@touch $(STAMP)

demo: setup
	$(BIN)/assess check
	$(BIN)/assess build
	$(BIN)/assess verify

# Everything CI runs: static checks, the documentation site, every test (browser, OCR, slow ones).
test: setup lint
	$(BIN)/pytest

# The inner loop: static checks and the tests not marked slow.
check: setup lint
	$(BIN)/pytest -m "not slow"

lint: setup
	$(BIN)/ruff check assess bench tests scripts
	$(BIN)/mypy assess

docs: setup
	$(BIN)/mkdocs build --strict

# After editing pyproject.toml's dependencies: rewrite the lock, keeping every pin that still fits.
lock:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q $(UV)
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes $(UV_EXTRA) -o $(LOCK)

# Deliberate upgrade: the newest versions pyproject.toml allows, then `make test` before committing.
upgrade:
	$(MAKE) lock UV_EXTRA=--upgrade

# Not part of `make test`: generates a ~1 GB synthetic district under output/bench/ and measures
# assess against raw tools in the same run. Pass options with BENCH_ARGS="--scale 0.1 --runs 1".
bench: setup
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) output
