# Two commands for a new user: `make run` and `make test`. Both install what they need first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export HOST PORT

.PHONY: run test lint messages bench clean cluster cluster-stop

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

# Korean interface text: the catalogue is compiled from webapp/translations/ko/LC_MESSAGES/messages.po.
MO := webapp/translations/ko/LC_MESSAGES/messages.mo
$(MO): webapp/translations/ko/LC_MESSAGES/messages.po $(VENV)/.runtime
	$(BIN)/pybabel -q compile -d webapp/translations

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

run: $(VENV)/.runtime node_modules/.installed $(MO)
	$(BIN)/python serve.py

# Two pytest workers (pytest-xdist), each test file kept on one worker so its module's server and browser
# start once: about 26 minutes on two cores instead of 40. PYTEST_WORKERS=0 runs the suite in one process.
PYTEST_WORKERS ?= 2
test: $(VENV)/.dev node_modules/.installed $(MO)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile

lint: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Refresh the catalogue after adding interface text; then translate the new entries in the .po file.
messages: $(VENV)/.runtime
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -o var/messages.pot .
	$(BIN)/pybabel -q update -i var/messages.pot -d webapp/translations -l ko --no-fuzzy-matching

bench: $(VENV)/.dev node_modules/.installed $(MO)
	$(BIN)/python bench/page_weight.py

# Production on this machine: nginx on :8080 in front of three gunicorn processes (one gevent worker
# each), PostgreSQL (database venue_live, created when missing) and Redis. deploy/README.md says more.
cluster: $(VENV)/.runtime node_modules/.installed $(MO)
	$(BIN)/python deploy/cluster.py start

cluster-stop:
	$(BIN)/python deploy/cluster.py stop

clean:
	rm -rf $(VENV) node_modules var .pytest_cache .ruff_cache

# Known vulnerabilities in the pinned dependencies (needs PyPI's JSON API and npm's audit endpoint;
# --strict fails when a dependency could not be checked, rather than reporting "none found").
.PHONY: audit
audit: $(VENV)/.dev
	$(BIN)/pip-audit --strict --progress-spinner off -r requirements.txt
	npm audit --package-lock-only

# Mutation check over the modules where a bug loses or leaks data (tools/mutate.py, cosmic-ray), each with
# its own tests. Not in CI: hours on two cores. Resumable; MODULES="replay rooms" for some of them.
# Survivors and what became of each: tests/README.md.
.PHONY: mutate
mutate: $(VENV)/.dev node_modules/.installed $(MO)
	nice $(BIN)/python tools/mutate.py $(MODULES)
	$(BIN)/python tools/mutate.py --report $(MODULES)
