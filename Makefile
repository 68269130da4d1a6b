# A newcomer needs only `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test demo bench lint install clean postgres

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check warclaw tests bench
	$(BIN)/lint-imports

# The tests start a throwaway PostgreSQL server of their own (tests/pgserver.py); they need only its
# binaries, installed here from the system's packages when missing (as root, e.g. on CI).
postgres:
	@ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || command -v postgres >/dev/null || \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing PostgreSQL (apt-get install postgresql) for the tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	  else \
	    echo "the tests need PostgreSQL's server binaries: apt-get install postgresql (as root)"; exit 1; \
	  fi

test: lint postgres
	$(BIN)/pytest

demo: $(STAMP)
	$(BIN)/warclaw demo

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) build *.egg-info
