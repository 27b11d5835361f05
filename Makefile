# `make run` brings the platform up on embedded defaults; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
UV := $(BIN)/uv pip install -q --python $(BIN)/python
export DEBUG ?= 1

.PHONY: install install-dev run test lint bench browsers clean

# uv installs the pinned requirements in seconds where pip takes most of a minute; it is
# bootstrapped into the venv itself, so the machine needs nothing but Python.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(UV) -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(UV) -r requirements-dev.txt
	touch $(VENV)/.runtime $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

# The local chain node comes from the npm registry (package-lock.json pins it).
node_modules/.bin/anvil: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

run: install node_modules/.bin/anvil
	$(BIN)/python scripts/run.py

# A separate embedded Redis port, so tests never flush a running `make run`'s data; and no
# persistent connections, which threads the tests start (live server, asgiref's executor, an
# in-process Celery worker) would otherwise hold on the test database past its teardown.
test: install-dev
	CONN_MAX_AGE=$${CONN_MAX_AGE:-0} EMBEDDED_REDIS_PORT=$${EMBEDDED_REDIS_PORT:-16380} \
		$(BIN)/python scripts/with_redis.py $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: install-dev
	EMBEDDED_REDIS_PORT=$${EMBEDDED_REDIS_PORT:-16380} $(BIN)/python scripts/with_redis.py \
		$(BIN)/python -m tests.bench

# Browser tests use Debian's chromium (Playwright cannot download its own here).
browsers:
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)

clean:
	rm -rf $(VENV) var staticfiles node_modules
