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

.PHONY: install tools browser run test unit integration e2e lint format invoke openapi docs demo bench chaos build deploy clean

# checkov has its own virtualenv: its many dependencies would otherwise pin ours.
CHECKOV_VENV := .venv-checkov
CHECKOV_VERSION := 3.3.30

# The SAM CLI has its own virtualenv too, for the same reason. `sam build` needs python3.12 on PATH.
SAM_VENV := .venv-sam
SAM_VERSION := 1.170.0
SAM := SAM_CLI_TELEMETRY=0 PATH="$(dir $(PYTHON312)):$$PATH" $(SAM_VENV)/bin/sam

# The browser test of the API page drives Debian's Chromium through Debian's ChromeDriver.
BROWSER := /usr/bin/chromedriver
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

$(VENV)/.installed: requirements-dev.txt layers/domain/requirements.txt
	@if [ -z "$(PYTHON312)" ]; then echo "WARNING: python3.12 not found; falling back to $$(python3 --version) (Lambda runs 3.12)"; fi
	@test -x $(PY) || $(BOOTSTRAP) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r layers/domain/requirements.txt
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

$(SAM_VENV)/.installed:
	@test -x $(SAM_VENV)/bin/python || $(BOOTSTRAP) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet --disable-pip-version-check aws-sam-cli==$(SAM_VERSION)
	@touch $@

# The lint and build tools' own environments (checkov, the SAM CLI), which `make lint` and `make build` install.
tools: $(CHECKOV_VENV)/.installed $(SAM_VENV)/.installed

run: install
	API_PORT=$(API_PORT) SANDBOX_PORT=$(SANDBOX_PORT) $(PY) -m tools.local_stack

# The suites in parallel (tests/conftest.py groups them): the end-to-end tests on two stacks, the short chaos
# run on its own, unit and integration tests spread over what is free. Prints how long it took.
TEST_WORKERS ?= 4
test: install browser
	@start=$$(date +%s); $(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup --durations=10; status=$$?; \
	echo "make test: $$(( $$(date +%s) - start )) s"; exit $$status

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

# make invoke FUNCTION=registration EVENT=events/registration.Register.json: one invocation, with or without `make run`.
invoke: install
	@$(PY) -m tools.invoke "$(FUNCTION)" "$(EVENT)"

# The contract's generated documents: docs/openapi.json and docs/events/*.schema.json (tests fail when stale).
docs: install
	$(PY) -m tools.openapi
	$(PY) -m tools.event_schemas

openapi: docs

demo: install
	API_PORT=$(API_PORT) SANDBOX_PORT=$(SANDBOX_PORT) $(PY) -m tools.demo

bench: install
	$(PY) -m tools.bench

# CHAOS_SELLERS (default 2000) sellers through a stack failing as AWS and TikTok fail; non-zero on any violation.
chaos: install
	$(PY) -m tools.chaos

# The deployable artefacts (arm64), then every function imported from them with only what Lambda adds.
build: install $(SAM_VENV)/.installed
	$(SAM) build --parallel
	$(PY) -m tools.import_check .aws-sam/build

# A deploy with samconfig.toml's settings: `make deploy DEPLOY_ENV=default` (see the README's "Deploy").
deploy: build
	$(SAM) deploy --config-env $(or $(DEPLOY_ENV),default)

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) $(SAM_VENV) .aws-sam .pytest_cache .mypy_cache .ruff_cache .hypothesis
