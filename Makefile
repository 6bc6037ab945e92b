# Bazaar: `make run` serves the demo, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test lint format serve-prod migrate seed venv browser-deps clean bench bench-cluster messages i18n-deps

# Fresh machine: make the virtualenv and install pinned requirements (re-run when they change).
$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(shell command -v $(PYTHON) || echo python3) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

venv: $(STAMP)

migrate: $(STAMP)
	DEBUG=1 $(BIN)/python manage.py migrate --noinput

seed: migrate
	DEBUG=1 $(BIN)/python manage.py seed_demo

# Development server with demo data; emails (wallet confirmation, password reset) print here.
run: seed
	@echo ""
	@echo "  Bazaar on http://127.0.0.1:$(PORT)/"
	@echo "  DEMO-ONLY logins (never use these passwords anywhere real):"
	@echo "    shopper  shopper@example.com / demo-shopper-pass"
	@echo "    support  support@example.com / demo-support-pass   (admin at /admin/)"
	@echo ""
	DEBUG=1 CAPTCHA_TEST_MODE=$${CAPTCHA_TEST_MODE:-0} SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)} \
	  $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The suite runs in TEST_WORKERS processes (pytest-xdist; each has its own test database and
# live server); TEST_WORKERS=0 runs it in this process alone.
TEST_WORKERS ?= 2
test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Production-like server for benchmarks: gunicorn + WhiteNoise, DEBUG off.
# DEVELOPMENT-ONLY secret below; a real deployment sets its own SECRET_KEY.
serve-prod: $(STAMP)
	DEBUG=0 SECRET_KEY=$${SECRET_KEY:-bench-only-not-a-secret} ALLOWED_HOSTS=127.0.0.1,localhost \
	  SECURE_SSL_REDIRECT=0 SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0 \
	  $(BIN)/python manage.py collectstatic --noinput -v0
	DEBUG=0 SECRET_KEY=$${SECRET_KEY:-bench-only-not-a-secret} ALLOWED_HOSTS=127.0.0.1,localhost \
	  SECURE_SSL_REDIRECT=0 SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0 \
	  $(BIN)/python manage.py migrate --noinput -v0
	DEBUG=0 SECRET_KEY=$${SECRET_KEY:-bench-only-not-a-secret} ALLOWED_HOSTS=127.0.0.1,localhost \
	  SECURE_SSL_REDIRECT=0 SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0 \
	  $(BIN)/gunicorn config.wsgi --bind 127.0.0.1:$(PORT) --workers $${WEB_CONCURRENCY:-2}

# Debian's Chromium for the browser tests (Playwright cannot download browsers here).
browser-deps:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)
	@command -v flite >/dev/null || apt-get install -y -qq flite sox

# gettext's tools, for `make messages` and the catalogue test's fresh extraction (it skips
# without them, and CI installs them and requires it).
i18n-deps:
	@command -v xgettext >/dev/null || (apt-get update -qq && apt-get install -y -qq gettext)

# Translations: refresh locale/ru/LC_MESSAGES/django.po from the code, templates/admin/ included
# (support/ keeps its own catalogue in support/locale), then compile it. The .mo is committed, so `make run` and
# `make test` need no gettext tools; `make messages` (and CI's completeness test) does.
MAKEMESSAGES_IGNORE := --ignore='support/*' --ignore='.venv/*' \
  --ignore='tests/*' --ignore='bench/*' --ignore='staticfiles/*' --ignore='media/*'
messages: $(STAMP)
	DEBUG=1 $(BIN)/python manage.py makemessages -l ru $(MAKEMESSAGES_IGNORE) --add-location=file
	msgfmt --check --statistics -o locale/ru/LC_MESSAGES/django.mo locale/ru/LC_MESSAGES/django.po

clean:
	rm -rf $(VENV) staticfiles .pytest_cache

# The benchmark (bench/run.py, README "Performance"): Bazaar against a floor project (stock
# Django) and django-oscar in the same run, ratios to the floor. Under 10 minutes
# (BENCH_QUICK=1: about 3); loopback only; stops every process it starts. On PostgreSQL
# when DATABASE_URL points at one (it makes and drops its own databases bazaar_bench,
# _floor and _oscar on that server; BENCH_DB_PREFIX renames them), else SQLite files.
bench: $(STAMP)
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python bench/run.py

# Two app servers behind nginx, PostgreSQL, Redis (cache, sessions, broker), a Celery worker
# and beat, on ports 8500-8504; drives purchases and two-tab races through nginx, then checks
# money, stock and letters. Loopback only, bounded, stops what it started. Needs nginx,
# redis-server and a PostgreSQL server (CLUSTER_POSTGRES, default postgres@127.0.0.1:5432).
bench-cluster: $(STAMP)
	$(BIN)/python bench/cluster/cluster.py $(CLUSTER_ARGS)
