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

run: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --if-empty
	DEBUG=1 PORTAL=$(PORTAL) COLLECTOR=$(COLLECTOR) PY=$(PY) bin/run-all

test: venv
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run >/dev/null
	$(PY) -m pytest $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .

messages: venv
	cd accounts && ../$(PY) ../manage.py compilemessages
	for app in portal audit provisioning ingest loginmethods; do (cd $$app && ../$(PY) ../manage.py compilemessages); done

clean:
	rm -rf $(VENV) staticfiles var db.sqlite3*
