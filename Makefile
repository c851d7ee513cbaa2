# fieldapp: `make run` to try it, `make test` to test it.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := fieldapp

.PHONY: run test lint bench translations clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

# Compile every catalog domain (messages: UI, console: manager pages, sms: texts to people).
translations: $(STAMP)
	@for domain in messages console sms; do \
	  if ls fieldapp/translations/*/LC_MESSAGES/$$domain.po >/dev/null 2>&1; then \
	    $(BIN)/pybabel compile -f -D $$domain -d fieldapp/translations >/dev/null || exit 1; \
	  fi; \
	done

# The periodic jobs (reminders, escalation) run in their own process beside the server,
# never inside a user's request; it stops with the server.
run: $(STAMP) translations
	$(BIN)/flask db upgrade
	$(BIN)/flask demo-data --if-empty
	$(BIN)/flask cron & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
	$(BIN)/flask run --host 127.0.0.1 --port 5000

test: $(STAMP) translations
	$(BIN)/python -m tests.run

lint: $(STAMP)
	$(BIN)/ruff check fieldapp workers tests
	$(BIN)/ruff format --check fieldapp workers tests
	$(BIN)/mypy

# Options after ARGS=, e.g. make bench ARGS="--residents 3000000 --only postgresql --scale"
bench: $(STAMP)
	$(BIN)/python -m bench.run $(ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache
