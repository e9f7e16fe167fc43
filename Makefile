# bcf-docgen: `make build` sets everything up and builds the example plan and the example
# scheme appendix (into $(OUT)/scheme-appendix); `make test` runs the
# suite; `make lint` runs ruff and the type checker.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PLAN ?= content/example
OUT ?= build
SIZE ?= M

.PHONY: build test check lint bench system-deps clean

build: $(VENV)/.installed
	$(BIN)/bcf-docgen build $(PLAN) --out $(OUT)
	$(BIN)/bcf-docgen build content/examples/scheme-appendix --out $(OUT)/scheme-appendix

check: $(VENV)/.installed
	$(BIN)/bcf-docgen check $(PLAN)

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n auto -q

# The benchmark (bench/RESULTS.md): SIZE=S, M or L. Its pandoc row needs pandoc
# (apt-get install pandoc, or .venv/bin/pip install pypandoc_binary); its Word
# pagination rows need LibreOffice, which `make test` installs.
bench: $(VENV)/.installed
	$(BIN)/python bench/run.py --size $(SIZE)

# What mypy checks (and every module they import): the document model, the look and the
# writers, plus the modules already typed cleanly. Add a module here once it passes.
TYPED := bcf_docgen/document/model.py $(wildcard bcf_docgen/document/look.py) bcf_docgen/render \
	bcf_docgen/content bcf_docgen/checks bcf_docgen/document/markdown_blocks.py \
	bcf_docgen/document/tables.py bcf_docgen/derived.py bcf_docgen/performance.py \
	bcf_docgen/periods.py bcf_docgen/formatting.py bcf_docgen/templating.py \
	bcf_docgen/frameworks.py bcf_docgen/scaffold.py bcf_docgen/schema.py bcf_docgen/doctor.py bcf_docgen/findings.py bench

lint: $(VENV)/.installed-test
	$(BIN)/ruff check bcf_docgen tests bench
	$(BIN)/ruff format --check bcf_docgen tests bench
	$(BIN)/mypy $(TYPED)

system-deps:
	scripts/system-deps.sh build

$(VENV)/.installed: pyproject.toml scripts/system-deps.sh
	scripts/system-deps.sh build
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	scripts/system-deps.sh test
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

clean:
	rm -rf $(OUT) .pytest_cache .mypy_cache
