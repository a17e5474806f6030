# bayflow: `make run` starts a node with demo data, `make test` runs every test,
# `make test-fast` the in-process ones (no browser, no server processes).
VENV    ?= .venv
PYTHON  ?= python3
BIN      = $(VENV)/bin
# Debian packages the tests use: zbar for pyzbar, Chromium for the browser
# tests, a CJK font for printed labels, poppler (and its CJK maps, poppler-data,
# to read the Chinese back) to look at rendered PDFs,
# PostgreSQL for the hub's tests (they start their own server from it),
# iproute2 for the discovery tests across network namespaces, faketime for
# kiosks whose clocks are wrong in the sync tests.
DEBS     = libzbar0 chromium fonts-noto-cjk poppler-utils poppler-data postgresql iproute2 faketime
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test test-fast system-deps messages translations bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

run: $(BIN)/.installed
	$(BIN)/bayflow serve

system-deps:
	@missing=""; for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# Both run on every core (pytest-xdist, one worker a core); tests that share something
# heavy or must not overlap carry an xdist_group and run on one worker (--dist loadgroup).
PARALLEL = -n auto --dist loadgroup
test: $(BIN)/.installed system-deps
	$(BIN)/python -m pytest $(PARALLEL)

# The in-process tests: services, pages, the API, the sync engine, hardware with
# recorded frames. tests/browser (real Chromium) and tests/system (real server
# processes, several nodes, PostgreSQL hubs) are left to `make test`.
FAST = tests/services tests/pages tests/api tests/sync tests/hardware
# Random tests try fewer examples here than under `make test` (tests/conftest.py).
test-fast: $(BIN)/.installed system-deps
	$(BIN)/python -m pytest $(PARALLEL) --hypothesis-profile=fast $(FAST)

# Translators: refresh the catalogues from the code, then compile them.
messages: $(BIN)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o kiosk/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i kiosk/translations/messages.pot -d kiosk/translations --no-fuzzy-matching

translations: $(BIN)/.installed
	$(BIN)/pybabel compile -d kiosk/translations --statistics

bench: $(BIN)/.installed
	$(BIN)/python benchmarks/reception_load.py
bench-decode: $(BIN)/.installed ; $(BIN)/python benchmarks/decode_bench.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
