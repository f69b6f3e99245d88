#!/usr/bin/env bash
# One bounded GPU run (about 8 minutes on an H100) for the language-model work, offline:
#   (a) generation benchmark: batching scheduler vs plain model.generate, 1/8/32/64 sessions;
#   (b) SQuAD v2 (cs224n half) EM/F1 + abstention of the base model on the held-out "report" articles;
#   (c) fine-tuning on the "train" articles (full fine-tuning of the small model; LoRA with LM_METHOD=lora);
#   (d) the same evaluation of the fine-tuned model, and DSTC11 response quality if its data is there.
#
#   scripts/gpu_lm.sh MODEL_DIR OUT_DIR [SQUAD_DIR] [DSTC11_DIR]
#
# MODEL_DIR: a prepared transformers folder (e.g. data/models/smollm2-135m/transformers).
# OUT_DIR:   every JSON result, logs, and the fine-tuned model (OUT_DIR/model) go here.
# Knobs (environment): PYTHON, DEVICE (cuda), EVAL_LIMIT (1200), TRAIN_MINUTES (3), EPOCHS (2),
#   LM_METHOD (full|lora), BENCH_SESSIONS (1,8,32,64), BENCH_TOKENS (64), BENCH_BASELINE (8), MAX_STEPS,
#   TRAIN_LIMIT (unset: all ~3,100 train-article questions), KEEP_MODEL (0: the tuned weights are deleted at the end).
set -uo pipefail
MODEL_DIR=${1:?usage: gpu_lm.sh MODEL_DIR OUT_DIR [SQUAD_DIR] [DSTC11_DIR]}
OUT=${2:?usage: gpu_lm.sh MODEL_DIR OUT_DIR [SQUAD_DIR] [DSTC11_DIR]}
SQUAD=${3:-../shared/data/squad_v2_dev_cs224n}
DSTC=${4:-../shared/data/dstc11_track5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${PYTHON:-}" ]; then
  if [ -x "$ROOT/.venv/bin/python" ]; then PYTHON="$ROOT/.venv/bin/python"; else PYTHON=python3; fi
fi
DEVICE=${DEVICE:-cuda}
EVAL_LIMIT=${EVAL_LIMIT:-1200}
TRAIN_MINUTES=${TRAIN_MINUTES:-3}
EPOCHS=${EPOCHS:-2}
LM_METHOD=${LM_METHOD:-full}
BENCH_SESSIONS=${BENCH_SESSIONS:-1,8,32,64}
BENCH_TOKENS=${BENCH_TOKENS:-64}
mkdir -p "$OUT"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 ASSISTANT_DATA_DIR="$OUT/data" ASSISTANT_DEVICE="$DEVICE" PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
cd "$ROOT"
assistant() { "$PYTHON" -c 'import sys; from assistant.cli import app; sys.argv[0] = "assistant"; app()' "$@"; }
step() { echo "== $(date +%T) $*" | tee -a "$OUT/steps.log"; }
started=$(date +%s)

step "environment"
"$PYTHON" -c 'import torch, transformers, peft; print("torch", torch.__version__, "transformers", transformers.__version__, "peft", peft.__version__, "cuda", torch.cuda.is_available())' | tee "$OUT/env.txt"

step "(a) generation benchmark"
timeout 150 "$PYTHON" benchmarks/generation.py --model-dir "$MODEL_DIR" --device "$DEVICE" --sessions "$BENCH_SESSIONS" \
  --max-new-tokens "$BENCH_TOKENS" --baseline-requests "${BENCH_BASELINE:-8}" --out "$OUT/generation.json" 2>&1 | tee "$OUT/generation.log" | grep -v Loading
echo "   exit ${PIPESTATUS[0]}" | tee -a "$OUT/steps.log"

step "(b) SQuAD v2 report articles, base model"
timeout 100 bash -c "$(declare -f assistant); assistant eval answers --dataset squad2 --data '$SQUAD' --split report --limit $EVAL_LIMIT \
  --model-dir '$MODEL_DIR' --out '$OUT/squad2_before.json' --json" > "$OUT/squad2_before.summary.json" 2> "$OUT/squad2_before.log"
echo "   exit $?" | tee -a "$OUT/steps.log"; cat "$OUT/squad2_before.summary.json"

step "(c) fine-tuning ($LM_METHOD) on the SQuAD train articles"
assistant train lm-data --squad "$SQUAD" --split train --out "$OUT/train.jsonl" 2>&1 | tee -a "$OUT/steps.log"
FULL_FLAG=""; LR=2e-4; [ "$LM_METHOD" = "full" ] && { FULL_FLAG="--full"; LR=5e-5; }
timeout $(( TRAIN_MINUTES * 60 + 90 )) bash -c "$(declare -f assistant); assistant train lm --data '$OUT/train.jsonl' --base-dir '$MODEL_DIR' \
  --out '$OUT/model' $FULL_FLAG --epochs $EPOCHS ${MAX_STEPS:+--max-steps $MAX_STEPS} --max-minutes $TRAIN_MINUTES \
  --batch-size 16 --learning-rate $LR --eval-every 50 ${TRAIN_LIMIT:+--limit $TRAIN_LIMIT}" 2>&1 | tee "$OUT/train.log" | grep -v Loading
echo "   exit ${PIPESTATUS[0]}" | tee -a "$OUT/steps.log"
[ -f "$OUT/model/assistant_manifest.json" ] && cp "$OUT/model/assistant_manifest.json" "$OUT/train_manifest.json"

step "(d) SQuAD v2 report articles, fine-tuned model"
timeout 100 bash -c "$(declare -f assistant); assistant eval answers --dataset squad2 --data '$SQUAD' --split report --limit $EVAL_LIMIT \
  --model-dir '$OUT/model' --out '$OUT/squad2_after.json' --json" > "$OUT/squad2_after.summary.json" 2> "$OUT/squad2_after.log"
echo "   exit $?" | tee -a "$OUT/steps.log"; cat "$OUT/squad2_after.summary.json"

if [ -d "$DSTC" ] && [ $(( $(date +%s) - started )) -lt 450 ]; then
  step "(e) DSTC11 val, base model (the fine-tuned one answers in spans), 300 knowledge-seeking turns"
  timeout 60 bash -c "$(declare -f assistant); assistant eval answers --dataset dstc11 --data '$DSTC' --limit 300 \
    --model-dir '$MODEL_DIR' --out '$OUT/dstc11.json' --json" > "$OUT/dstc11.summary.json" 2> "$OUT/dstc11.log"
  echo "   exit $?" | tee -a "$OUT/steps.log"; cat "$OUT/dstc11.summary.json"
fi
[ "${KEEP_MODEL:-0}" = 1 ] || rm -f "$OUT/model/model.safetensors"  # weights are large; KEEP_MODEL=1 keeps them
step "done in $(( $(date +%s) - started )) s; results in $OUT"
