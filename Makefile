# Two commands do all the set-up on a fresh machine:
#   make run    install, migrate, seed the demo, serve http://127.0.0.1:5000 (PORT overrides)
#   make test   install, run every test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := LMS_ENV=$${LMS_ENV:-development} $(BIN)/flask --app wsgi
PORT   ?= 5000
PACKAGES := lms courses certificates accelerator analytics

.PHONY: run test install install-dev system-deps sandbox-deps translations messages db worker lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev system-deps

system-deps: install
	@scripts/install-system-deps

# `make run` needs only the code sandbox's packages (bubblewrap, Debian's python3, numpy, pandas).
sandbox-deps: install
	@scripts/install-system-deps --sandbox-only

# Compiled catalogues (.mo) are built, not committed.
translations: install
	@$(BIN)/pybabel -q compile -d lms/translations

# For maintainers: refresh the catalogues after changing texts, then translate the new entries.
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 --no-location --sort-output \
		--project "AI Skills LMS" -o lms/translations/messages.pot $(PACKAGES)
	$(BIN)/pybabel update -i lms/translations/messages.pot -d lms/translations --no-fuzzy-matching --ignore-obsolete

db: install
	$(FLASK) db upgrade

run: install sandbox-deps translations db
	$(FLASK) certificates init-keys
	$(FLASK) lms seed-demo
	PORT=$(PORT) BIN=$(BIN) scripts/dev-server

worker: install
	LMS_ENV=$${LMS_ENV:-development} $(BIN)/huey_consumer wsgi.huey --workers 2 --worker-type thread

test: install-dev translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy $(PACKAGES) wsgi.py

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install-dev translations
	benchmarks/http_throughput.sh

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache
	find lms -name '*.mo' -delete
