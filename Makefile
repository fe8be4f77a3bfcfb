# Khunatham: the two commands of the README are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

# `make run` is the embedded default: SQLite in the project folder and tasks in-process, unless
# DATABASE_URL / REDIS_URL are set. DEBUG is on for this local run only; production sets it off.
# Demo emails go to files under var/mail rather than flooding the terminal.
RUN_ENV := DEBUG=$${DEBUG:-true} EMAIL_BACKEND=$${EMAIL_BACKEND:-django.core.mail.backends.filebased.EmailBackend}

# `make test` runs against the local PostgreSQL and Redis (overridable).
TEST_ENV := DATABASE_URL=$${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/khunatham} \
	REDIS_URL=$${TEST_REDIS_URL:-redis://127.0.0.1:6379/0} \
	SECRET_KEY=test-secret-key-not-for-production-$$(hostname) DEBUG=false \
	SECURE_SSL_REDIRECT=false SESSION_COOKIE_SECURE=false CSRF_COOKIE_SECURE=false

.PHONY: install run test lint messages browser-deps clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

messages: install
	$(RUN_ENV) $(PY) manage.py compilemessages --ignore=.venv -v 0

run: install messages
	$(RUN_ENV) $(PY) manage.py migrate --no-input -v 1
	$(RUN_ENV) $(PY) manage.py load_sample_agency
	$(RUN_ENV) $(PY) manage.py play_sample_year
	@if [ -n "$$REDIS_URL" ]; then \
		echo "REDIS_URL is set: starting a Celery worker and beat beside the web app"; \
		$(RUN_ENV) $(VENV)/bin/celery -A config worker -l info & \
		$(RUN_ENV) $(VENV)/bin/celery -A config beat -l info & \
	fi; \
	$(RUN_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

browser-deps:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@command -v pdftotext >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null; }
# LibreOffice's Writer and Calc (without a desktop) open the DOCX and XLSX reports in the report tests.
	@test -e /usr/lib/libreoffice/program/libswlo.so -a -e /usr/lib/libreoffice/program/libsclo.so || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-writer-nogui libreoffice-calc-nogui >/dev/null; }

lint: install
	$(VENV)/bin/ruff check .
	DEBUG=true DATABASE_URL=sqlite://:memory: $(PY) manage.py makemigrations --check --dry-run

test: install messages browser-deps lint
	$(TEST_ENV) $(PY) -m pytest

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles
