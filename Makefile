# B2B Portal. `make run` serves the back office; `make test` runs every check.
PYTHON ?= python3.12
UV := UV_PYTHON_DOWNLOADS=never $(PYTHON) -m uv
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
PORT ?= 8000
export PORT
# `make test` runs the suite on this many processes, each with its own test database
# (pytest-xdist); a file's tests stay on one process, so its servers start once.
TEST_WORKERS ?= 2

.PHONY: run test checks install format clean

# The browser tests (tests/browser/) drive the system's Chromium; without one they are
# skipped, and said so loudly.
define BROWSER_CHECK
if [ -z "$${CHROMIUM:-}" ] && ! command -v chromium >/dev/null 2>&1 \
	&& ! command -v chromium-browser >/dev/null 2>&1; then \
	echo "***********************************************************************"; \
	echo "*** BROWSER TESTS WILL BE SKIPPED: no Chromium on this machine.     ***"; \
	echo "*** Install it with: apt-get install -y chromium                    ***"; \
	echo "***********************************************************************"; \
fi
endef

# Compiled once, not at each import: where PYTHONDONTWRITEBYTECODE is set, Python never
# writes the .pyc files it compiles, so every process (the server, the worker, each test
# server) would compile every module it imports from source again: seconds per process.
# The dependencies are compiled at install, the project's own modules (those changed
# since the last time only) before each run and test run.
PACKAGES := $(patsubst %/__init__.py,%,$(wildcard */__init__.py))

$(VENV)/.installed-compiled: pyproject.toml uv.lock
	@$(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet --disable-pip-version-check uv
	$(UV) sync --frozen --python $(PYTHON) --compile-bytecode
	@touch $@

# A module that does not compile is left to say so where it is imported (or to ruff).
install: $(VENV)/.installed-compiled
	@$(PY) -m compileall -q $(PACKAGES) bench manage.py >/dev/null || true

## Serve the back office, the worker (and the sandbox) at http://127.0.0.1:$(PORT)/
run: install
	DEBUG=1 $(PY) -m b2bportal.stack

## Every check and the whole test suite, against a real PostgreSQL.
test: install
	$(PY) -m b2bportal.localdb $(MAKE) --no-print-directory checks

# The system checks, no model change without its migration, and a valid OpenAPI schema:
# run in one Django process, as each start costs seconds. Any failure exits non-zero.
DJANGO_CHECKS := from django.core.management import call_command as run; \
	run("check"); \
	run("makemigrations", check=True, dry_run=True); \
	run("spectacular", validate=True, fail_on_warn=True, file="/dev/null")

checks: export B2BPORTAL_TESTING = 1
checks:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(MANAGE) shell --no-imports -c '$(DJANGO_CHECKS)'
	@$(BROWSER_CHECK)
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadfile

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) .data staticfiles
