# Two commands on a fresh machine with python3 (3.11+) and make:
#   make lab    create .venv if missing, install the course, open JupyterLab on notebook 00
#   make test   the same set-up plus the test packages and PyTorch (CPU), then the whole suite
#   make torch  add PyTorch's CPU build (notebook 08); make lab never installs it
# All are idempotent: packages are reinstalled only when pyproject.toml or requirements.txt
# change (torch: when this Makefile changes; stamp files in .venv).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
PIP    := $(PY) -m pip --disable-pip-version-check
# pytest workers: 2 by default (the CI machine has 2 cores); `make test JOBS=4` to change it
JOBS   ?= 2
# JupyterLab refuses to start as root unless told it may
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--ServerApp.allow_root=True,)

.PHONY: lab torch test unit notebooks lint browser site screenshots bench clean help

help:
	@echo "make lab          open the course in JupyterLab (creates .venv on first use)"
	@echo "make torch        add PyTorch (CPU build) for notebook 08"
	@echo "make test         unit tests + every notebook (nbval) + explorer sweeps + browser tests + lint"
	@echo "make site         build the executed course as a static website in build/site/"
	@echo "make screenshots  regenerate docs/images/ from a real JupyterLab in headless Chromium"
	@echo "make bench        run the benchmarks in benchmarks/"
	@echo "make clean        remove .venv and caches"

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.stamp-lab: pyproject.toml requirements.txt | $(PY)
	$(PIP) install --quiet -e ".[notebooks]"
	@touch $@

$(VENV)/.stamp-site: pyproject.toml requirements.txt | $(PY)
	$(PIP) install --quiet -e ".[notebooks,site]"
	@touch $@ $(VENV)/.stamp-lab

$(VENV)/.stamp-test: pyproject.toml requirements.txt | $(PY)
	$(PIP) install --quiet -e ".[notebooks,test,browser,site]"
	@touch $@ $(VENV)/.stamp-lab $(VENV)/.stamp-site

# PyTorch for notebook 08, the gold-model tests (tests/test_vs_torch.py) and bench_training.py:
# the CPU-only build (~200 MB; the default Linux wheel on PyPI pulls GBs of CUDA libraries).
# First torch alone, from PyTorch's CPU index (and any --find-links of pip's own config), so that
# a CUDA build cannot slip in; then its dependencies from the usual index. Override TORCH for
# another version; without access to that index, `make torch TORCH_INDEX=` takes PyPI's build.
TORCH       ?= torch==2.13.0
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu

$(VENV)/.stamp-torch: Makefile | $(PY)
	$(PIP) install --quiet --no-deps $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX)) "$(TORCH)"
	$(PIP) install --quiet "$(TORCH)"
	@touch $@

torch: $(VENV)/.stamp-lab $(VENV)/.stamp-torch

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
test: lint $(VENV)/.stamp-torch
	$(TEST_ENV) $(BIN)/pytest -n $(JOBS) --dist loadscope -p no:cacheprovider \
	  --nbval-lax --nbval-current-env --nbval-cell-timeout=600 -rs tests notebooks

unit: $(VENV)/.stamp-test $(VENV)/.stamp-torch
	$(TEST_ENV) $(BIN)/pytest -n $(JOBS) -p no:cacheprovider -m "not browser and not install" tests

notebooks: $(VENV)/.stamp-test $(VENV)/.stamp-torch
	$(TEST_ENV) $(BIN)/pytest -n $(JOBS) --dist loadscope -p no:cacheprovider \
	  --nbval-lax --nbval-current-env --nbval-cell-timeout=600 notebooks

browser: $(VENV)/.stamp-test $(VENV)/.stamp-torch
	$(TEST_ENV) $(BIN)/pytest -p no:cacheprovider -m browser -rs tests/browser

# build/site/: every notebook executed afresh and exported as a static website (website/build.py).
# Offline: MathJax, styles and pictures are served from the site itself. SITE_JOBS=N notebooks
# run side by side (default 2).
site: $(VENV)/.stamp-site
	$(PY) website/build.py --out build/site

# docs/images/: each explorer as a learner sees it, in real JupyterLab + headless Chromium
screenshots: $(VENV)/.stamp-test
	$(PY) scripts/screenshots.py --out docs/images

bench: $(VENV)/.stamp-test $(VENV)/.stamp-torch
	$(PY) benchmarks/bench_conv.py
	$(PY) benchmarks/bench_widgets.py
	$(PY) benchmarks/bench_training.py
	$(PY) benchmarks/train_digits.py
	$(PY) benchmarks/train_digits.py --workers 2

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis test-artifacts
