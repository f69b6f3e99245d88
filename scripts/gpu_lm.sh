#!/usr/bin/env bash
# The GPU run for the language model; see scripts/gpu_lm.py (it does the work, each step time-bounded).
#   scripts/gpu_lm.sh MODEL_DIR OUT_DIR [options of gpu_lm.py]
cd "$(dirname "$0")/.." || exit 1
if [ -z "${PYTHON:-}" ]; then
  if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi
exec "$PYTHON" scripts/gpu_lm.py "$@"
