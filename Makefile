# The book in two commands:  make book  (build the site)  and  make test  (check everything).
# Both create a virtual environment in .venv on first use and install what they need.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
JB     := $(BIN)/jupyter-book
NBVAL  := --nbval --nbval-sanitize-with tools/nbval_sanitize.cfg --nbval-current-env -n 2 --dist loadfile

.PHONY: help book pdf test unit nbval build-strict site chromium environments notebooks figures benchmarks clean

help:
	@echo "make book        build the site into _build/html"
	@echo "make pdf         the whole book as one PDF: _build/pdf/book.pdf"
	@echo "make test        unit tests, nbval on every chapter, figure checks, strict build,"
	@echo "                 every page opened offline in headless Chromium, and every chapter"
	@echo "                 run in fresh Colab-like and Binder-like environments"
	@echo "make notebooks   re-execute every chapter in place (before committing)"
	@echo "make figures     regenerate the canonical figures in figures/"
	@echo "make benchmarks  time optlib's vectorised runs and the explorer"

$(STAMP): requirements.txt requirements-book.txt requirements-test.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --upgrade pip
	$(BIN)/python -m pip install -qq -r requirements-test.txt
	touch $(STAMP)

book: $(STAMP)
	$(JB) build . --all
	@echo "The book is in $(CURDIR)/_build/html/index.html"

pdf: book chromium
	$(BIN)/python tools/print_pdf.py _build/html _build/pdf/book.pdf
	@echo "The PDF is $(CURDIR)/_build/pdf/book.pdf"

test: $(STAMP)
	$(BIN)/python -m pytest tests -q
	$(BIN)/python -m pytest $(NBVAL) chapters -q
	$(MAKE) --no-print-directory build-strict
	$(MAKE) --no-print-directory site
	$(MAKE) --no-print-directory environments

unit: $(STAMP)
	$(BIN)/python -m pytest tests -q

nbval: $(STAMP)
	$(BIN)/python -m pytest $(NBVAL) chapters -q

build-strict: $(STAMP)
	$(JB) clean . --all
	$(JB) build . -W -n --keep-going

# Every page of the built site in headless Chromium, with the network cut off.
site: $(STAMP) chromium
	$(BIN)/python -m pytest tests/site -q -o addopts="-p no:cacheprovider"

# Every chapter in a fresh Colab-like and a fresh Binder-like environment, built in parallel.
environments: $(STAMP)
	@$(BIN)/python -m pytest tests/environments -q -o addopts="-p no:cacheprovider" -k colab & colab=$$!; \
	$(BIN)/python -m pytest tests/environments -q -o addopts="-p no:cacheprovider" -k binder & binder=$$!; \
	wait $$colab; first=$$?; wait $$binder; second=$$?; test $$first -eq 0 -a $$second -eq 0

# Debian's Chromium (Playwright's own browser download does not work offline).
# Set CHROMIUM to use another Chromium-based browser (GitHub's runners have Google Chrome).
chromium:
	@test -x "$${CHROMIUM:-/nonexistent}" || command -v chromium >/dev/null || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
		{ echo "Chromium is needed for the site test: install Debian's 'chromium' package or set CHROMIUM"; exit 1; }

notebooks: $(STAMP)
	$(BIN)/python tools/execute_notebooks.py chapters/*.ipynb

figures: $(STAMP)
	$(BIN)/python -m optlib.figures figures

benchmarks: $(STAMP)
	$(BIN)/python benchmarks/run_speed.py
	$(BIN)/python benchmarks/explorer_speed.py

clean:
	rm -rf _build
