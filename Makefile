# Two commands for a new user: `make run` and `make test`. Nothing else is needed.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := FLASK_APP=wsgi.py $(BIN)/flask
DEV := FLASK_DEBUG=1
CATALOGS := $(wildcard booking/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)

.PHONY: run test e2e screenshots lint fuzz setup migrate translations extract-messages bench clean

run: setup
	$(DEV) $(FLASK) db upgrade
	$(DEV) $(FLASK) demo-data --if-empty
	@echo "Mutualise is starting on http://127.0.0.1:5000 (stop it with Ctrl+C)"
	$(DEV) $(FLASK) run --host 127.0.0.1 --port 5000

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Browser journeys with axe-core scans, against the app served by gunicorn with demo data.
e2e: setup tests/e2e/node_modules/axe-core/axe.min.js /usr/bin/chromium
	E2E=1 $(BIN)/python -m pytest -q tests/e2e $(PYTEST_ARGS)

# PNGs of the main pages, desktop and phone, in docs/screenshots/ (the README shows four).
screenshots: setup tests/e2e/node_modules/axe-core/axe.min.js /usr/bin/chromium
	$(BIN)/python -m tests.e2e.screenshots

tests/e2e/node_modules/axe-core/axe.min.js: tests/e2e/package.json
	@command -v npm >/dev/null || { if [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q npm; \
	else echo "Install npm first (it fetches axe-core for the browser tests): sudo apt-get install npm"; exit 1; fi; }
	cd tests/e2e && npm install --no-audit --no-fund --silent
	touch $@

/usr/bin/chromium:
	@if [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q chromium; \
	else echo "Install Chromium first: sudo apt-get install chromium"; exit 1; fi

lint: setup
	$(BIN)/ruff check .

# A longer schemathesis run of the JSON API than the suite's (which uses 8 examples each).
fuzz: setup
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-60} $(BIN)/python -m pytest -q tests/test_api_fuzz.py

setup: $(VENV)/.installed translations

# Development environment: production requirements plus tests, lint and fuzzing
# (requirements-dev.txt starts with -r requirements.txt). Reinstalls when either file changes.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

translations: $(COMPILED)

booking/translations/%/LC_MESSAGES/messages.mo: booking/translations/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile -i $< -o $@

migrate: setup
	$(DEV) $(FLASK) db upgrade

# For developers: collect new strings into the catalogs after changing code or templates.
extract-messages: setup
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 -o booking/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i booking/translations/messages.pot -d booking/translations --no-fuzzy-matching --ignore-obsolete --no-wrap
	$(BIN)/python booking/translations/fill_english.py

bench: setup
	$(BIN)/python bench/bookings.py
	$(BIN)/python bench/usage.py
	$(BIN)/python bench/ledger.py

clean:
	rm -rf $(VENV) instance/*.db
