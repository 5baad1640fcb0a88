# Set-up and everyday commands. Two of them are all a newcomer needs: `make demo`, `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/postgres
DEMO_DIR := var/demo
DEMO_RECORDS ?= 20000

BROWSER_STAMP := node_modules/.installed

.PHONY: demo test test-sqlite test-pg lint bench install browser-deps serve clean bytecode

$(STAMP): pyproject.toml setup.py jiandu/ledger/_hashes.c
	@command -v $(PYTHON) >/dev/null || { echo "需要 Python 3.11 (Python 3.11 is required)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The project's own modules compiled once, as pip compiles what it installs: a command started
# where bytecode is never written (PYTHONDONTWRITEBYTECODE) would otherwise compile a hundred
# modules from source each time, 0.15 s of every `jiandu` command. Stale files are recompiled in
# memory, so this is only ever a saving.
bytecode: $(STAMP)
	$(BIN)/python -m compileall -q jiandu

# Browser tests drive Debian's chromium with playwright-core from npm (never a downloaded browser).
$(BROWSER_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { apt-get update -qq && apt-get install -y -qq nodejs npm; }
	@test -x /usr/bin/chromium || { apt-get update -qq && apt-get install -y -qq chromium; }
	@# Without a CJK font the screenshots show boxes instead of Chinese.
	@dpkg -s fonts-noto-cjk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq fonts-noto-cjk; }
	npm ci --no-audit --no-fund --silent
	touch $(BROWSER_STAMP)

browser-deps: $(BROWSER_STAMP)

lint: $(STAMP)
	$(BIN)/ruff check jiandu bench tests

test: $(STAMP) $(BROWSER_STAMP) lint test-sqlite test-pg

test-sqlite: $(STAMP)
	$(BIN)/pytest -p no:cacheprovider -n 2

# PostgreSQL runs when one answers on 127.0.0.1:5432; each run gets a database of its own.
test-pg: $(STAMP)
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_URL)', connect_timeout=3).close()" 2>/dev/null; then \
		echo "== PostgreSQL =="; \
		DATABASE_URL=$(PG_URL) JIANDU_TEST_DB_NAME=test_jiandu_$$(date +%s)_$$$$ \
		$(BIN)/pytest -p no:cacheprovider -n 2 --create-db; \
	else echo "PostgreSQL 未运行，跳过 (no PostgreSQL on 127.0.0.1:5432, skipped)"; fi

# The demo notary's witness runs as its own process beside the site, as a notary office's would.
demo: $(STAMP) bytecode
	$(BIN)/jiandu demo --records $(DEMO_RECORDS) --dir $(DEMO_DIR)
	$(BIN)/jiandu witness serve --key var/notary/witness.key --state var/notary/state.json \
		--origin 'jiandu.local/ledger/*' --log-key var/notary/log.vkey --port 8099 & \
	trap 'kill $$!' EXIT; $(BIN)/jiandu serve

serve: $(STAMP) bytecode
	$(BIN)/jiandu serve

bench: $(STAMP) bytecode
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) var node_modules test-artifacts build
	find jiandu -name '*.so' -delete
