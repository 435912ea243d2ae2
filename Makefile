# Retail Pipeline Kit — `make` lists the targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help setup demo test test-all lint format lab local-start local-stop local-status bench deploy destroy clean

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-13s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP) ## create .venv and install the kit (quick when already up to date)

demo: setup ## every notebook, headless, on the local cloud (fresh stack) + the HTML report
	$(BIN)/retailkit notebooks run --fresh-stack --html

test: setup ## lint, then every test (unit, local cloud, notebooks via nbval) — what CI runs
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	@# nbval: the notebooks, serially, in kernel python3, against a local cloud of their own (free
	@# port, temporary state dir; notebook 00 starts it); the trap stops it whatever the outcome.
	@state=$$(mktemp -d) && \
	port=$$($(BIN)/python -c 'from infra_scripts.localcloud.process import free_port; print(free_port())') && \
	export RETAIL_KIT_STATE_DIR=$$state RETAIL_KIT_LOCAL_PORT=$$port JUPYTER_PREFER_ENV_PATH=1 && \
	unset RETAIL_KIT_STACK_NAME && \
	trap '$(BIN)/retailkit local stop >/dev/null; rm -rf "$$state"' EXIT && \
	echo "pytest --nbval-lax notebooks/ (local cloud on port $$port)" && \
	$(BIN)/python -m pytest --nbval-lax --nbval-kernel-name python3 notebooks/ $(PYTEST_ARGS)

lint: setup ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup ## ruff format and autofix; strip notebook outputs except nbval-checked cells
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

test-all: setup ## lint, then every test including those marked slow
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -m 'not aws' $(PYTEST_ARGS)

deploy: setup ## deploy the pipeline (local cloud by default; RETAIL_KIT_TARGET=aws for AWS)
	$(BIN)/retailkit deploy

destroy: setup ## delete every resource of the stack (asks first on AWS)
	$(BIN)/retailkit destroy

clean: ## stop the local cloud and remove .venv, caches and local state
	-test -x $(BIN)/retailkit && $(BIN)/retailkit local stop
	rm -rf $(VENV) .localcloud .pytest_cache .ruff_cache *.egg-info
