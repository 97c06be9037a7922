# The book in two commands:  make book  (build the site)  and  make test  (check everything).
# Both create a virtual environment in .venv on first use and install what they need.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
JB     := $(BIN)/jupyter-book
# nbval and the environment runs execute two chapters at a time on two cores; numpy's
# OpenBLAS would start two threads in each, and four threads fighting over two cores made matrix
# products many times slower. One thread per kernel (set OPENBLAS_NUM_THREADS to override).
export OPENBLAS_NUM_THREADS ?= 1
# The committed outputs and figure baselines are compared digit for digit, so every machine that
# runs the chapters must take the same numerical code paths: CPUs differ in the kernels libraries
# pick for them (AVX-512 on some Intel machines, AVX2 on AMD ones), and the last bits those kernels
# round differently grow, in a chaotic run, into different printed digits. These pin the common
# AVX2 paths: OpenBLAS's Haswell kernels, numpy without its AVX-512 loops (its float64 power, exp
# and log then call the C library, as on AVX2 machines), PyTorch's and oneDNN's AVX2 code, and MKL's
# COMPATIBLE branch (the only one Intel documents as giving the same results on other vendors' CPUs).
export OPENBLAS_CORETYPE ?= Haswell
export NPY_DISABLE_CPU_FEATURES ?= X86_V4 AVX512_ICL AVX512_SPR
export ATEN_CPU_CAPABILITY ?= avx2
export MKL_CBWR ?= COMPATIBLE
export ONEDNN_MAX_CPU_ISA ?= AVX2
export OMP_NUM_THREADS ?= 1
NBVAL  := --nbval --nbval-sanitize-with tools/nbval_sanitize.cfg --nbval-current-env -n 2 --dist loadfile

.PHONY: help book pdf test unit nbval build-strict student site chromium environments notebooks figures \
	benchmarks assignments grade constraints clean

help:
	@echo "make book        build the site into _build/html"
	@echo "make pdf         the whole book as one PDF: _build/pdf/book.pdf"
	@echo "make test        unit tests (with the course kit), nbval on every chapter, figure checks,"
	@echo "                 strict build, the student edition, every page opened offline in headless"
	@echo "                 Chromium, and every chapter run in fresh Colab-like and Binder-like environments"
	@echo "make notebooks   re-execute every chapter in place (before committing)"
	@echo "make figures     regenerate the canonical figures in figures/"
	@echo "make benchmarks  time optlib's vectorised runs and the explorer"
	@echo "make constraints refresh constraints.txt (the exact versions installed) from the newest releases"
	@echo "make student     the student edition: the site without solutions, into _build/student/html"
	@echo "make assignments nbgrader notebooks to hand out and the instructor's set, in _build/course"
	@echo "make grade SUBMISSIONS=<folder>"
	@echo "                 grade <folder>/<student>/<chapter>.ipynb; scores in _build/course/grades.csv"

$(STAMP): requirements.txt requirements-book.txt requirements-test.txt constraints.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --upgrade pip
	$(BIN)/python -m pip install -qq -c constraints.txt -r requirements-test.txt
	touch $(STAMP)

# tools/build_book.py: `jupyter-book build . -W -n --keep-going` (warnings are errors).
book: $(STAMP)
	$(BIN)/python tools/build_book.py full

pdf: book chromium
	$(BIN)/python tools/print_pdf.py _build/html _build/pdf/book.pdf
	@echo "The PDF is $(CURDIR)/_build/pdf/book.pdf"

# The unit tests include tests/course: every chapter made into an nbgrader assignment, and
# fabricated submissions graded. The student edition is built before `site`, which tests it.
test: $(STAMP)
	$(BIN)/python -m pytest tests -q -n 2
	$(BIN)/python -m pytest $(NBVAL) chapters -q
	$(MAKE) --no-print-directory build-strict
	$(MAKE) --no-print-directory student
	$(MAKE) --no-print-directory site
	$(MAKE) --no-print-directory environments

unit: $(STAMP)
	$(BIN)/python -m pytest tests -q -n 2

nbval: $(STAMP)
	$(BIN)/python -m pytest $(NBVAL) chapters -q

# The strict build of `make test` uses the committed outputs, which nbval has just compared with a
# fresh execution of every chapter (`make book` executes them again).
build-strict: $(STAMP)
	$(JB) clean . --all
	$(BIN)/python tools/build_book.py full --committed-outputs

# The student edition: the same sources with BOOK_EDITION=student (_ext/student_edition.py removes
# every solution); the committed outputs are used, nothing is executed. Strict, like build-strict.
student: $(STAMP)
	$(BIN)/python tools/build_book.py student

# Every page of the built site in headless Chromium, with the network cut off, and the student
# edition checked for solutions (run `make book student` first).
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

# nbgrader assignments from the chapters' exercises (tools/assignments.py prints where they are).
assignments: $(STAMP)
	$(BIN)/python tools/assignments.py --course-dir _build/course

# Autograde a folder of submissions laid out as <folder>/<student>/<chapter>.ipynb.
grade: $(STAMP)
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=<folder of <student>/<chapter>.ipynb>"; exit 2; }
	$(BIN)/python tools/grade.py "$(SUBMISSIONS)" --course-dir _build/course

figures: $(STAMP)
	$(BIN)/python -m optlib.figures figures

benchmarks: $(STAMP)
	$(BIN)/python benchmarks/run_speed.py
	$(BIN)/python benchmarks/explorer_speed.py

# constraints.txt from the newest releases the requirement files allow, in a scratch environment.
constraints:
	rm -rf $(VENV)-constraints && $(PYTHON) -m venv $(VENV)-constraints
	$(VENV)-constraints/bin/python -m pip install -qq -r requirements-test.txt
	{ sed -n '/^#/p' constraints.txt; $(VENV)-constraints/bin/python -m pip freeze --exclude-editable | \
		grep -viE '^(torch|optlib)=='; } > constraints.new && mv constraints.new constraints.txt
	rm -rf $(VENV)-constraints

clean:
	rm -rf _build
