# Meaning Flow Network — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run dev test test-sqlite test-postgres bench lint format messages install lock demo clean

install: $(STAMP)

# Exactly the versions and files in requirements.lock (every file's sha256 checked), then
# the project itself without touching those.
$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# Re-resolve requirements.lock after changing a pin in pyproject.toml (pip-tools, in its own
# throwaway environment so it never mixes with the project's).
lock:
	$(PYTHON) -m venv var/lock-venv
	var/lock-venv/bin/pip install --quiet pip-tools==7.5.2
	var/lock-venv/bin/pip-compile --quiet --extra dev --generate-hashes --strip-extras \
		--no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml

# Set up everything and serve on SQLite with bilingual demo data (gunicorn, WSGI).
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py load_demo
	bash scripts/serve.sh

# Django's auto-reloading development server, for working on templates and code.
dev: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py load_demo
	DJANGO_DEBUG=1 $(PY) manage.py runserver

# Every test: all of them on SQLite, then the correctness tests again on a throwaway PostgreSQL.
test: install test-sqlite test-postgres

test-sqlite: install
	$(PY) -m pytest

test-postgres: install
	MF_TEST_DB=postgres $(PY) -m pytest -m postgres

bench: install
	$(PY) bench/run.py

# Style, formatting, the apps' dependency direction (import-linter) and types of the
# services and selectors (mypy, strict there).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff format .

# Regenerate the message catalogues after changing strings, then compile them.
messages: install
	$(PY) manage.py makemessages --locale zh_Hans --locale en --ignore '.venv/*' --ignore 'var/*' --no-obsolete
	$(PY) manage.py makemessages -d djangojs --locale zh_Hans --locale en --ignore '.venv/*' --ignore 'var/*' --ignore 'meaningflow/static/js/vendor/*' --no-obsolete || true
	$(PY) scripts/compile_messages.py

clean:
	rm -rf $(VENV) var/staticfiles .pytest_cache
