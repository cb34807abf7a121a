# Two commands on a fresh machine with python3 (3.10+) and make:
#   make lab    create .venv if missing, install the course, open JupyterLab on notebook 00
#   make test   the same set-up plus the test packages, then the whole suite
# Both are idempotent: packages are reinstalled only when pyproject.toml or requirements.txt
# change (stamp files in .venv).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
PIP    := $(PY) -m pip --disable-pip-version-check
# pytest workers: 2 by default (the CI machine has 2 cores); `make test JOBS=4` to change it
JOBS   ?= 2
# JupyterLab refuses to start as root unless told it may
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--ServerApp.allow_root=True,)

.PHONY: lab test unit notebooks lint browser screenshots bench clean help

help:
	@echo "make lab          open the course in JupyterLab (creates .venv on first use)"
	@echo "make test         unit tests + every notebook (nbval) + explorer sweeps + browser tests + lint"
	@echo "make screenshots  regenerate docs/images/ from a real JupyterLab in headless Chromium"
	@echo "make bench        run the benchmarks in benchmarks/"
	@echo "make clean        remove .venv and caches"

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.stamp-lab: pyproject.toml requirements.txt | $(PY)
	$(PIP) install --quiet -e ".[notebooks]"
	@touch $@

$(VENV)/.stamp-test: pyproject.toml requirements.txt | $(PY)
	$(PIP) install --quiet -e ".[notebooks,test,browser]"
	@touch $@ $(VENV)/.stamp-lab

# JupyterLab (and Notebook 7) read <venv>/share/jupyter/lab/settings/overrides.json: the course's
# copy turns off the "get notified about official Jupyter news?" prompt and the update check.
LAB_OVERRIDES := $(VENV)/share/jupyter/lab/settings/overrides.json

$(LAB_OVERRIDES): scripts/jupyterlab_overrides.json
	@mkdir -p $(dir $@)
	cp $< $@

lab: $(VENV)/.stamp-lab $(LAB_OVERRIDES)
	$(BIN)/jupyter lab notebooks/00_start_here.ipynb $(ROOT_FLAG)

lint: $(VENV)/.stamp-test
	$(BIN)/nbstripout --verify notebooks/*.ipynb
	$(BIN)/ruff check .

# One BLAS thread per process: pytest already runs JOBS processes side by side (and the browser
# tests a kernel besides), and idle OpenBLAS threads spinning on a 2-core machine slow all of them.
TEST_ENV := MPLBACKEND=Agg OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

# Everything, in one pytest run so that its summary line is the last thing printed.
test: lint
	$(TEST_ENV) $(BIN)/pytest -n $(JOBS) --dist loadscope -p no:cacheprovider \
	  --nbval-lax --nbval-current-env --nbval-cell-timeout=600 -rs tests notebooks

unit: $(VENV)/.stamp-test
	$(TEST_ENV) $(BIN)/pytest -n $(JOBS) -p no:cacheprovider -m "not browser and not install" tests

notebooks: $(VENV)/.stamp-test
	$(TEST_ENV) $(BIN)/pytest -n $(JOBS) --dist loadscope -p no:cacheprovider \
	  --nbval-lax --nbval-current-env --nbval-cell-timeout=600 notebooks

browser: $(VENV)/.stamp-test
	$(TEST_ENV) $(BIN)/pytest -p no:cacheprovider -m browser -rs tests/browser

# docs/images/: each explorer as a learner sees it, in real JupyterLab + headless Chromium
screenshots: $(VENV)/.stamp-test
	$(PY) scripts/screenshots.py --out docs/images

bench: $(VENV)/.stamp-test
	$(PY) benchmarks/bench_conv.py
	$(PY) benchmarks/bench_widgets.py
	$(PY) benchmarks/bench_training.py
	$(PY) benchmarks/train_digits.py
	$(PY) benchmarks/train_digits.py --workers 2

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis test-artifacts
