# The two set-up commands (see README): `make run` and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-pg test-on evidence install lock clean browser faketime pdf

# Python keeps its compiled modules (__pycache__, ignored by git) even where the machine's environment says not to
# (PYTHONDONTWRITEBYTECODE): every test process, server and CLI run the tests start would otherwise compile the
# project's modules again, and pytest rewrite the assertions of every test module again (15 s of CPU per test
# process; 7.7 s with the cache).
unexport PYTHONDONTWRITEBYTECODE

# The packages at the versions in constraints.txt (the ones the whole suite last passed with): a release on the
# registry changes nothing here until `make lock` and a green run say so.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# constraints.txt anew: the newest versions pyproject.toml allows, resolved in a throw-away venv. Then run the
# whole suite (`make test`, `.ci/run`) before committing it.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet -e '.[dev]'
	{ sed -n '1,/^[^#]/{/^#/p}' constraints.txt; .lock-venv/bin/pip freeze --exclude-editable | grep -iv '^meldpunt'; } \
	  > constraints.new && mv constraints.new constraints.txt
	rm -rf .lock-venv

# Front-end packages (htmx, bpmn-js, NL Design System CSS, axe-core) from the npm registry, served as static files.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# Chromium for the browser tests comes from the OS packages (never `playwright install`).
browser: node_modules/.package-lock.json
	test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium)

# LibreOffice (letters to PDF: preview and the layout tests) and pdftotext, from the OS packages.
pdf:
	command -v soffice >/dev/null && command -v pdftotext >/dev/null || (apt-get update -qq && \
	  apt-get install -y -qq --no-install-recommends libreoffice-writer-nogui poppler-utils fonts-liberation)

## Run the product on the embedded SQLite database with demo data on http://127.0.0.1:8000
run: $(STAMP) node_modules/.package-lock.json
	$(BIN)/meldpunt demo

## Run the whole test suite (SQLite; set MELDPUNT_TEST_DATABASE_URL for PostgreSQL)
# Two workers that steal each other's remaining tests at the end (pytest-xdist's worksteal): a long test late in one
# worker's share no longer leaves the other core idle until it ends.
test: $(STAMP) browser pdf
	$(BIN)/python -m pytest -n 2 --dist worksteal -q

## The database tests again on PostgreSQL (127.0.0.1:5432, user postgres)
PG_TEST_ENV := MELDPUNT_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test

## PG_TESTS= replaces the selection, e.g. only what needs PostgreSQL itself: make test-pg PG_TESTS="-m postgres_only"
PG_TESTS ?= -m "db or postgres_only"
test-pg: $(STAMP) browser pdf
	$(PG_TEST_ENV) $(BIN)/python -m pytest -n 2 --dist worksteal -q $(PG_TESTS)

# libfaketime from the OS packages, to move the machine's date for `make test-on`.
faketime:
	test -x /usr/bin/faketime || (apt-get update -qq && apt-get install -y -qq faketime)

## The whole SQLite suite with the machine's date moved by libfaketime: make test-on DATE=2028-02-29
## (every process the tests start sees the same moved clock, running from DATE 09:00 UTC).
## TESTS= passes pytest arguments, e.g. a part of the suite: make test-on DATE=2028-02-29 TESTS="tests/engine"
## DB=pg runs the database tests on PostgreSQL instead (as make test-pg): make test-on DATE=2028-02-29 DB=pg
## PG_MARK= replaces DB=pg's selection (the database tests); empty runs every test, those without a database too:
## make test-on DATE=2028-02-29 DB=pg PG_MARK= (what needs PostgreSQL's timed waits skips itself under libfaketime)
PG_MARK ?= -m "db or postgres_only"
test-on: $(STAMP) browser pdf faketime
	@test -n "$(DATE)" || (echo "Geef een datum: make test-on DATE=JJJJ-MM-DD" >&2; exit 2)
	faketime -f "+$$(( $$(date -u -d '$(DATE) 09:00' +%s) - $$(date -u +%s) ))s" \
	  sh -c 'echo "Datum van de machine: $$(date -u)"; exec $(if $(filter pg,$(DB)),env $(PG_TEST_ENV) ,)$(BIN)/python -m pytest -n 2 --dist worksteal -q $(if $(filter pg,$(DB)),$(PG_MARK) ,)$(TESTS)'

## The compliance scenarios with the evidence report per law article in test-artifacts/bewijsrapport
## (rapport.html, rapport.json, the letters); DATE= runs them with the machine's date moved, as test-on does;
## DB=pg runs them on PostgreSQL (as make test-pg).
evidence: $(STAMP) faketime
	faketime -f "+$$(( $$(date -u -d '$(or $(DATE),today) 09:00' +%s) - $$(date -u +%s) ))s" \
	  $(if $(filter pg,$(DB)),env $(PG_TEST_ENV) ,)$(BIN)/meldpunt scenarios --rapport test-artifacts/bewijsrapport

clean:
	rm -rf $(VENV) meldpunt.db node_modules test-artifacts
