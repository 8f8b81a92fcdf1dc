# One target per habit. `make run` and `make test` do all set-up themselves on a fresh machine.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
API_PORT ?= 3000
SANDBOX_PORT ?= 3001
export PYTHONPATH := $(CURDIR)/layers/domain:$(CURDIR)

# The Lambda runtime is python3.12; use the same here. pyenv machines carry it under ~/.pyenv.
PYTHON312 := $(shell for p in $$HOME/.pyenv/versions/3.12*/bin/python3.12 /root/.pyenv/versions/3.12*/bin/python3.12 $$(command -v python3.12); do [ -x "$$p" ] && "$$p" -c "" 2>/dev/null && { echo "$$p"; break; }; done)
BOOTSTRAP := $(if $(PYTHON312),$(PYTHON312),python3)

.PHONY: install browser run test unit integration e2e lint format invoke openapi demo bench clean

# checkov has its own virtualenv: its many dependencies would otherwise pin ours.
CHECKOV_VENV := .venv-checkov
CHECKOV_VERSION := 3.3.30

# The browser test of the API page drives Debian's Chromium through Debian's ChromeDriver.
BROWSER := /usr/bin/chromedriver
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

$(VENV)/.installed: requirements-dev.txt layers/domain/requirements.txt
	@if [ -z "$(PYTHON312)" ]; then echo "WARNING: python3.12 not found; falling back to $$(python3 --version) (Lambda runs 3.12)"; fi
	@test -x $(PY) || $(BOOTSTRAP) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

install: $(VENV)/.installed

$(BROWSER):
	@command -v apt-get >/dev/null || { echo "install Chromium and ChromeDriver at /usr/bin (Debian: chromium chromium-driver)"; exit 1; }
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null

browser: $(BROWSER)

$(CHECKOV_VENV)/.installed:
	@test -x $(CHECKOV_VENV)/bin/python || $(BOOTSTRAP) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --disable-pip-version-check checkov==$(CHECKOV_VERSION)
	@touch $@

run: install
	API_PORT=$(API_PORT) SANDBOX_PORT=$(SANDBOX_PORT) $(PY) -m tools.local_stack

test: install browser
	$(PY) -m pytest

unit: install
	$(PY) -m pytest tests/unit

integration: install
	$(PY) -m pytest tests/integration

e2e: install browser
	$(PY) -m pytest tests/e2e

lint: install $(CHECKOV_VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/cfn-lint template.yaml
	$(CHECKOV_VENV)/bin/checkov --quiet --compact --skip-download --framework cloudformation -f template.yaml

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# make invoke FUNCTION=registration EVENT=events/registration_post.json  (against a running `make run`)
invoke:
	@test -n "$(FUNCTION)" -a -n "$(EVENT)" || { echo "usage: make invoke FUNCTION=<name> EVENT=events/<file>.json"; exit 2; }
	@curl -sS -X POST "http://127.0.0.1:$(API_PORT)/_local/invoke/$(FUNCTION)" -H 'Content-Type: application/json' --data-binary @$(EVENT); echo

openapi: install
	$(PY) -m tools.openapi

demo: install
	API_PORT=$(API_PORT) SANDBOX_PORT=$(SANDBOX_PORT) $(PY) -m tools.demo

bench: install
	$(PY) -m tools.bench

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
