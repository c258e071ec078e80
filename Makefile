# literacy: the two commands.
#
#   make run    create .venv if missing, install, simulate the default data when data/raw/ has
#               no round (`literacy simulate --if-missing`: a <round>/responses file in any format
#               the ingest reads counts as a round), then run the assessment (`literacy run`);
#               tables in data/processed/
#   make test   create .venv if missing, install, run the whole test suite
#
# Prefect runs with its ephemeral API (PREFECT_API_URL unset): no server to start, nothing sent
# over the network. Its state lives in .prefect/ (gitignored) for `make run` and in a temporary
# folder for `make test`.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

# Prefect: ephemeral API, patient startup on slow machines, no analytics, telemetry or UI.
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS := 600
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PREFECT_SERVER_UI_ENABLED := false
export PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT := false
export PREFECT_CLOUD_ENABLE_ORCHESTRATION_TELEMETRY := false
export PREFECT_TELEMETRY_ENABLE_RESOURCE_METRICS := false
unexport PREFECT_API_URL
NO_API := env -u PREFECT_API_URL -u PREFECT_API_KEY

# pip's own chatter (and the machine-wide "Location ... is ignored" notices) is filtered;
# errors still show and fail the build.
PIP_FILTER := grep -v -E '^(WARNING: )?Location .* is ignored' || true

.PHONY: help run test install clean

help:
	@echo "make run    simulate the default data if data/raw/ is empty, then run the assessment"
	@echo "make test   run the whole test suite"
	@echo "(both create .venv and install the package with its dev extras first)"

$(BIN)/python:
	@echo "creating $(VENV) with $(PYTHON)"
	@$(PYTHON) -m venv $(VENV)

# Reinstall only when pyproject.toml is newer than the stamp.
$(STAMP): pyproject.toml | $(BIN)/python
	@echo "installing literacy and its dev extras into $(VENV)"
	@$(BIN)/python -m pip install -q --disable-pip-version-check -e ".[dev]" 2>&1 | { $(PIP_FILTER); }
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	@mkdir -p .prefect/home
	@$(NO_API) PREFECT_HOME="$(CURDIR)/.prefect/home" $(BIN)/literacy simulate --if-missing
	@$(NO_API) PREFECT_HOME="$(CURDIR)/.prefect/home" $(BIN)/literacy run

test: $(STAMP)
	@home=$$(mktemp -d "$${TMPDIR:-/tmp}/literacy-prefect.XXXXXX"); \
	  trap 'rm -rf "$$home"' EXIT; \
	  $(NO_API) PREFECT_HOME="$$home" $(BIN)/python -m pytest -q

clean:
	rm -rf .prefect build
