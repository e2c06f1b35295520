# Crewbase. `make run` serves the demo; `make test` runs the suite. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Two test workers; the test database is built from the models (migrations are exercised by
# CI's PostgreSQL run and `makemigrations --check`).
PYTEST_ARGS ?= -n 2 --nomigrations
export PORT

.PHONY: install run test lint format bench check vendor clean

install: $(VENV)/.installed .env data

$(VENV)/.installed: requirements.txt requirements-dev.txt constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

# A local .env with fresh random keys, created once (never overwritten).
.env:
	@$(PYTHON) -c "import secrets,base64,re; \
	s=open('.env.example').read(); \
	s=re.sub(r'(?m)^SECRET_KEY=.*$$','SECRET_KEY='+secrets.token_urlsafe(50),s); \
	s=re.sub(r'(?m)^FIELD_ENCRYPTION_KEY=.*$$','FIELD_ENCRYPTION_KEY='+base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),s); \
	open('.env','w').write(s)"
	@echo "Created .env with fresh random keys (DEBUG=true for local use)."

data:
	mkdir -p data/broker/queue data/broker/processed data/media

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py setup_periodic_tasks
	$(BIN)/python manage.py load_demo_data
	bin/serve

# pytest exits 5 when no test ran: that is a failure too.
test: install
	$(BIN)/python manage.py makemigrations --check --dry-run
	@$(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "No tests ran: failing."; exit 1; fi; exit $$rc

# Lint: ruff (rules + formatting), import contracts and cycles, bandit. CI fails on any finding.
LINT_PACKAGES := project volunteers scheduling oncall expenses integrations
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python bin/check-imports
	$(BIN)/bandit -r $(LINT_PACKAGES) -ll -q

# Apply ruff's safe fixes and formatting.
format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check: install
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null

bench: install
	bench/run

# Refresh vendored front-end libraries from npm (needs Node.js; the result is committed): the site's
# (static/vendor/) and the browser tests' accessibility checker (tests/e2e/vendor/).
vendor:
	rm -rf node_modules && npm install --no-audit --no-fund
	cp node_modules/chart.js/dist/chart.umd.min.js node_modules/chart.js/dist/chart.umd.min.js.map node_modules/chart.js/LICENSE.md static/vendor/chartjs/
	cp node_modules/axe-core/axe.min.js node_modules/axe-core/LICENSE node_modules/axe-core/LICENSE-3RD-PARTY.txt tests/e2e/vendor/axe-core/

clean:
	rm -rf $(VENV) data staticfiles .pytest_cache
