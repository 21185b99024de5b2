# The two commands a new user types (README.md): `make demo` and `make test`.
# Everything installs into .venv from this repository's own files; `make help` lists targets.

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The whole test run may not hang: CI has 90 minutes, we give pytest 70.
SUITE_TIMEOUT ?= 70m

.DEFAULT_GOAL := help
.PHONY: help demo test lint typecheck prereqs prometheus system-packages clean demo-stop

help:  ## Show this help.
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

demo: $(STAMP) prometheus  ## Set up, then run the local demo of the whole flow on the project's own Kafka.
	$(BIN)/hub demo

test: $(STAMP) system-packages  ## Set up, then lint, type-check and run every test (unit + real-broker integration).
	$(BIN)/ruff check .
	$(BIN)/mypy
	timeout --kill-after=60s $(SUITE_TIMEOUT) $(BIN)/pytest

lint: $(STAMP)  ## ruff only.
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)  ## mypy only.
	$(BIN)/mypy

demo-stop: $(STAMP)  ## Stop what the demo left running (hub services, then Kafka).
	$(BIN)/hub demo stop

prereqs:  ## Check Python 3.11, Java 17+ and Maven are on PATH.
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found (Python 3.11 is required)"; exit 1; }
	@command -v java >/dev/null || { echo "error: java not found (Java 17+ runs the Kafka broker)"; exit 1; }
	@java -version 2>&1 | awk -F'"' '/version/ {split($$2, v, "."); if (v[1] < 17) {print "error: Java " $$2 " is too old; Java 17+ is required"; exit 1}}'
	@command -v mvn >/dev/null || { echo "error: mvn not found (Maven resolves the Kafka jars)"; exit 1; }

prometheus:  ## Install Prometheus and promtool (Debian's package) when missing.
	@bash deploy/setup-prometheus.sh

system-packages: prometheus  ## Also chromium, chromium-driver, postgresql: what the tests run.
	@sh deploy/setup-inbox-tests.sh

$(STAMP): pyproject.toml constraints.txt | prereqs
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $@

clean:  ## Remove the virtualenv and local state (.hub: demo broker data, outboxes).
	-$(BIN)/hub demo stop 2>/dev/null
	rm -rf $(VENV) .hub .pytest_cache .mypy_cache .ruff_cache
