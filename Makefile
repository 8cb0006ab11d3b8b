# The two commands every newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
export HOST PORT

.PHONY: run test install install-test messages catalogs lint bench clean

# Reinstall only when the project's declared dependencies change.
$(BIN)/gandan: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.test-extras: $(BIN)/gandan
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

$(VENV)/.bench-extras: $(VENV)/.test-extras
	$(BIN)/python -m pip install --quiet -e ".[test,bench]"
	touch $@

install: $(BIN)/gandan catalogs
install-test: $(VENV)/.test-extras catalogs

catalogs: $(BIN)/gandan
	$(BIN)/pybabel compile --domain=messages --directory=app/platform/locale --use-fuzzy --statistics

run: install
	$(BIN)/gandan migrate
	$(BIN)/gandan import-units --if-empty
	$(BIN)/gandan seed-demo --if-empty
	$(BIN)/gandan serve --host $(HOST) --port $(PORT)

test: install-test
	$(BIN)/ruff check app notifications tests bench
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Extract UI strings into the template and merge them into both catalogs.
messages: $(BIN)/gandan
	$(BIN)/pybabel extract --mapping=babel.cfg --output=app/platform/locale/messages.pot \
		--project="Gần Dân" --no-location --sort-output --keywords=_ --keywords=gettext --keywords=N_ .
	$(BIN)/pybabel update --input-file=app/platform/locale/messages.pot --output-dir=app/platform/locale \
		--domain=messages --no-fuzzy-matching --ignore-obsolete

lint: install-test
	$(BIN)/ruff check app notifications tests bench

# Load generator and image tool come from Debian: `apt-get install wrk imagemagick`.
# BENCH_ARGS picks suites and options, e.g. BENCH_ARGS="bbox --reports 200000 --workers 1".
bench: $(VENV)/.bench-extras catalogs
	@command -v wrk >/dev/null || { echo "make bench needs wrk: apt-get install wrk imagemagick"; exit 1; }
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache
