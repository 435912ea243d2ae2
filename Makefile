# Retail Pipeline Kit — `make` lists the targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PYTEST_ARGS ?=
# uv, pinned and hash-checked in requirements-tools.txt, lives in its own folder: nothing is
# installed by hand. It never downloads a Python: every environment uses $(PYTHON).
TOOLS    := .venv-tools
UV_STAMP := $(TOOLS)/.installed-stamp
UV       := UV_PYTHON_DOWNLOADS=never $(TOOLS)/bin/uv
PY_EXE   := $$($(PYTHON) -c 'import sys; print(sys.executable)')
# requirements.lock is this export of uv.lock (with hashes, for pip and conda users).
UV_EXPORT := $(UV) export --frozen --extra dev --no-emit-project --quiet
# `make lock` upgrades every package; `make lock LOCK_ARGS=` only re-resolves what
# pyproject.toml changed, `LOCK_ARGS='--upgrade-package boto3'` moves one package.
LOCK_ARGS ?= --upgrade

.DEFAULT_GOAL := help
.PHONY: help setup lock demo test test-all test-latest test-clients lint format lab local-start local-stop local-status bench deploy destroy clean

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-13s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# pip's -qq: the install is hash-checked; it keeps machine-level pip notes (such as an extra
# index without uv) out of the output, and errors still show.
$(UV_STAMP): requirements-tools.txt
	@echo "setup: uv into $(TOOLS)/ (requirements-tools.txt, hash-checked)"
	@rm -rf $(TOOLS) && $(PYTHON) -m venv $(TOOLS)
	@$(TOOLS)/bin/python -m pip install -qq --disable-pip-version-check --root-user-action=ignore \
		--no-deps --require-hashes -r requirements-tools.txt
	@touch $(UV_STAMP)

# --compile-bytecode: every module is compiled once, at install (~15 s), so that no start of
# the local cloud, a Lambda worker or a Glue script compiles moto, pandas or sqlglot again —
# which it would on each start where PYTHONDONTWRITEBYTECODE is set (restoring the saved state
# took 1.1 s instead of 0.5 s there).
$(STAMP): $(UV_STAMP) uv.lock pyproject.toml
	@echo "setup: $(VENV)/ exactly as uv.lock says (uv sync --frozen --extra dev, $(PYTHON))"
	@$(UV) sync --quiet --frozen --extra dev --compile-bytecode --python "$(PY_EXE)"
	@touch $(STAMP)
	@echo "setup: $(VENV)/ ready ($$($(UV) pip list --quiet --format freeze --python $(BIN)/python | wc -l) packages)"

# Notebooks commit stripped whatever JupyterLab saved in them: .gitattributes names a git
# clean filter (python -m infra_scripts.notebooks clean), configured here in .git/config.
setup: $(STAMP) ## create .venv from uv.lock and install the kit (quick when already up to date)
	@$(BIN)/python -m infra_scripts.notebooks install-git-filter --python $(BIN)/python

lock: $(UV_STAMP) ## refresh uv.lock (newest versions the ranges allow) and requirements.lock
	@echo "lock: uv lock $(LOCK_ARGS)"
	@$(UV) lock $(LOCK_ARGS) --python "$(PY_EXE)"
	@echo "lock: requirements.lock (uv export, with hashes)"
	@$(UV_EXPORT) > requirements.lock.tmp && mv requirements.lock.tmp requirements.lock || \
		{ rm -f requirements.lock.tmp; exit 1; }

demo: setup ## every notebook, headless, on the local cloud (fresh stack) + the HTML report
	$(BIN)/retailkit notebooks run --fresh-stack --html

test: lint ## lint, then every test (unit, local cloud, notebooks via nbval) — what CI runs
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	@$(call nbval,$(BIN))

# nbval: the notebooks, serially, in kernel python3 of the environment whose bin/ is $(1),
# against a local cloud of their own (free port, temporary state dir; notebook 00 starts it);
# the trap stops it whatever the outcome. A subshell, so that the trap is its own.
nbval = ( state=$$(mktemp -d) && \
	port=$$($(1)/python -c 'from infra_scripts.localcloud.process import free_port; print(free_port())') && \
	export RETAIL_KIT_STATE_DIR=$$state RETAIL_KIT_LOCAL_PORT=$$port JUPYTER_PREFER_ENV_PATH=1 && \
	unset RETAIL_KIT_STACK_NAME && \
	trap '$(1)/retailkit local stop >/dev/null; rm -rf "$$state"' EXIT && \
	echo "pytest --nbval-lax notebooks/ (local cloud on port $$port)" && \
	$(1)/python -m pytest --nbval-lax --nbval-kernel-name python3 notebooks/ $(PYTEST_ARGS) )

# The drift canary: what will break when the lock is refreshed. A throw-away environment
# with the newest versions pyproject.toml's ranges allow, the local-cloud and notebook tiers
# against it, then the packages that differ from uv.lock; fails when a test fails.
test-latest: $(UV_STAMP) ## drift canary: local-cloud + notebook tests on the newest allowed versions
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	echo "test-latest: newest versions the ranges allow, into $$tmp/venv" && \
	$(UV) venv --quiet --python "$(PY_EXE)" "$$tmp/venv" && \
	$(UV) pip install --quiet --python "$$tmp/venv/bin/python" --upgrade -e '.[dev]' && \
	$(UV) pip freeze --quiet --python "$$tmp/venv/bin/python" > "$$tmp/freeze.txt" || exit 1; \
	rc=0; \
	echo "test-latest: pytest tests/localcloud"; \
	$$tmp/venv/bin/python -m pytest tests/localcloud $(PYTEST_ARGS) || rc=1; \
	$(call nbval,$$tmp/venv/bin) || rc=1; \
	$$tmp/venv/bin/python -m infra_scripts.devtools.lock_drift uv.lock "$$tmp/freeze.txt" || rc=1; \
	if [ $$rc -eq 0 ]; then echo "test-latest: passed on the newest versions"; \
	else echo "test-latest: FAILED on the newest versions (the packages that moved are above)"; fi; \
	exit $$rc

# The third-party client tier (tests/clients/, pytest -m clients): PyAthena, SQLAlchemy, dbt-athena
# and the AWS CLI from uv.lock's clients extra, in an environment of their own (.venv stays as
# `make setup` made it); the AWS SDK for JavaScript v3 from tests/clients/js/package-lock.json
# when node is there. RETAIL_KIT_REQUIRE_CLIENTS=1: a client that is missing fails, not skips.
CLIENTS_VENV := .venv-clients
test-clients: $(UV_STAMP) ## third-party clients (PyAthena, SQLAlchemy, dbt, AWS CLI, JS SDK) vs the local cloud
	@echo "test-clients: $(CLIENTS_VENV)/ exactly as uv.lock says (--extra dev --extra clients)"
	@UV_PROJECT_ENVIRONMENT=$(CLIENTS_VENV) $(UV) sync --quiet --frozen --extra dev --extra clients \
		--python "$(PY_EXE)"
	@if command -v node >/dev/null 2>&1; then \
		echo "test-clients: npm ci in tests/clients/js (package-lock.json)"; \
		npm ci --prefix tests/clients/js --no-audit --no-fund --silent || exit 1; \
	else echo "test-clients: no node on the PATH: the JavaScript SDK test will skip"; fi
	RETAIL_KIT_REQUIRE_CLIENTS=1 $(CLIENTS_VENV)/bin/python -m pytest -m clients tests/clients $(PYTEST_ARGS)

lint: setup ## ruff lint and format check, deptry, and uv.lock / requirements.lock up to date
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/deptry --no-ansi .
	@echo "uv lock --check; requirements.lock is uv.lock's export"
	@$(UV) lock --check --quiet --python "$(PY_EXE)" || \
		{ echo "uv.lock is behind pyproject.toml: run make lock (LOCK_ARGS= moves only what changed)"; exit 1; }
	@$(UV_EXPORT) | diff -u requirements.lock - || \
		{ echo "requirements.lock is not uv.lock's export: run make lock (LOCK_ARGS= moves nothing else)"; exit 1; }

format: setup ## ruff format and autofix; strip notebook outputs (git strips them on commit too)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
	$(BIN)/retailkit notebooks strip

lab: setup ## JupyterLab on the notebooks, kernel python3 of .venv (starts the local cloud)
	$(BIN)/retailkit local start
	@# --allow-root only when run as root (containers, CI boxes): Jupyter refuses otherwise
	JUPYTER_PREFER_ENV_PATH=1 $(BIN)/jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root)

local-start: setup ## start the local cloud in the background (port 4566)
	$(BIN)/retailkit local start

local-stop: setup ## stop the local cloud
	$(BIN)/retailkit local stop

local-status: setup ## is the local cloud running? (health, port, moto version)
	$(BIN)/retailkit local status

bench: setup ## every benchmark (bench/run_all.py), then the summary table of figures vs targets
	$(BIN)/python bench/run_all.py

test-all: lint ## lint, then pytest (unit, local cloud, notebook runner): make test without nbval
	$(BIN)/python -m pytest $(PYTEST_ARGS)

deploy: setup ## deploy the pipeline (local cloud by default; RETAIL_KIT_TARGET=aws for AWS)
	$(BIN)/retailkit deploy

destroy: setup ## delete every resource of the stack (asks first on AWS)
	$(BIN)/retailkit destroy

clean: ## stop the local cloud and remove .venv, .venv-tools, .venv-clients, caches and local state
	-test -x $(BIN)/retailkit && $(BIN)/retailkit local stop
	rm -rf $(VENV) $(TOOLS) $(CLIENTS_VENV) tests/clients/js/node_modules .localcloud .pytest_cache .ruff_cache *.egg-info
