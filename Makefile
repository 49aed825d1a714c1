# One command to learn, one to test. Both set up .venv on first use (idempotent).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# CPU-only PyTorch. On a laptop without a local wheel, add the CPU index:
#   make lab TORCH_PIP_ARGS="--index-url https://download.pytorch.org/whl/cpu --extra-index-url https://pypi.org/simple"
TORCH_SPEC ?= torch==2.13.0
TORCH_PIP_ARGS ?=
NOTEBOOK ?= notebooks/00_welcome.ipynb

.PHONY: setup lab test lint format benchmark clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(TORCH_PIP_ARGS) "$(TORCH_SPEC)"
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

setup: $(BIN)/.installed  ## create .venv with CPU-only torch and the package

# Jupyter refuses to run as root unless told; containers often are root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: setup  ## open JupyterLab on the first notebook
	$(BIN)/jupyter lab $(ROOT_FLAG) $(NOTEBOOK)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint  ## ruff, unit tests, and every notebook under nbval
	$(BIN)/python -m pytest tests notebooks --nbval --nbval-sanitize-with notebooks/nbval_sanitize.cfg -p no:cacheprovider

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

benchmark: setup  ## time generation and every notebook on one core
	$(BIN)/python benchmarks/bench_generate.py
	$(BIN)/python benchmarks/bench_notebooks.py

clean:
	rm -rf $(VENV) build *.egg-info
