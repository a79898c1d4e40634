# coursebot: `make run` starts the chat UI, `make test` runs lint and the whole test suite.
# Both create .venv and install everything on first use (llama-cpp-python compiles once).

VENV     := .venv
PY       := $(VENV)/bin/python
STAMP    := $(VENV)/.installed
BROWSER  := $(VENV)/.browser
# llama.cpp is compiled for a portable AVX2/AVX-512 CPU without the AMX kernels: a
# `-march=native` build crashed in AMX code on batched prompt evaluation on our machines.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON -DGGML_AVX512=ON -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: run test lint bench setup browser format clean

run: $(STAMP)
	$(VENV)/bin/coursebot chat

test: $(STAMP) $(BROWSER)
	$(MAKE) --no-print-directory lint
	$(VENV)/bin/pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(STAMP)
	$(VENV)/bin/coursebot bench --out bench-results

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PY) -m pip install --quiet llama-cpp-python==0.3.36
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Debian's chromium for the browser tests (Playwright drives it; it never downloads one).
$(BROWSER):
	command -v chromium >/dev/null || { apt-get update -q && apt-get install -y -q chromium; }
	touch $(BROWSER)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache test-artifacts
