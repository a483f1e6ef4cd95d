# Two commands: `make run` (embedded: SQLite + in-process tasks, or PostgreSQL
# + Redis + Celery when DATABASE_URL / REDIS_URL are set) and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PORTAL ?= 0.0.0.0:8000
COLLECTOR ?= 0.0.0.0:5514

.PHONY: run test lint venv messages bench clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q ".[dev]"
	touch $@

# Static files are collected with hashed names and pre-compressed (gzip, and
# brotli when installed): WhiteNoise serves them compressed with a one-year
# cache, and the portal runs under gunicorn rather than runserver. DEBUG is
# off by default because Django writes unhashed static URLs under DEBUG (so
# nothing could be cached); `make run DEBUG=1` brings tracebacks back.
DEBUG ?= 0
STATIC_ENV := STATICFILES_BACKEND=whitenoise.storage.CompressedManifestStaticFilesStorage \
	WHITENOISE_USE_FINDERS=0 WHITENOISE_AUTOREFRESH=0

run: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --if-empty
	$(STATIC_ENV) $(PY) manage.py collectstatic --noinput -v0
	DEBUG=$(DEBUG) $(STATIC_ENV) PORTAL=$(PORTAL) COLLECTOR=$(COLLECTOR) PY=$(PY) bin/run-all

# Two test processes (pytest-xdist), each with its own test database and
# Redis database (tests/conftest.py): most tests wait on real servers,
# workers and browsers, so two processes finish the suite in about 60 % of
# the time even on two cores. `make test XDIST=` runs it in one process.
XDIST ?= -n 2
test: venv
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run >/dev/null
	$(PY) -m pytest $(XDIST) $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .

# Compiles every app's catalogue (an app without locale/ is skipped) and the
# project-wide overrides in locale/.
messages: venv
	for dir in */locale; do (cd $$(dirname $$dir) && ../$(PY) ../manage.py compilemessages); done
	msgfmt --check -o locale/ja/LC_MESSAGES/django.mo locale/ja/LC_MESSAGES/django.po

clean:
	rm -rf $(VENV) staticfiles var db.sqlite3*
