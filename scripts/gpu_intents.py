"""One intent-classifier run for a GPU host with only torch, transformers and numpy (no web app, no CLI).

    python scripts/gpu_intents.py DATASET DATA OUT_DIR [--base ENCODER] [--epochs 20] [--lr 5e-5] ...

Trains on the dataset's train split exactly as ``assistant eval intents`` does (validation: the
dataset's own split, or one carved from train), evaluates on the full test split, and writes
``OUT_DIR/result.json`` (manifest, validation and test metrics). With ``--dump``, also
``OUT_DIR/scores_train.npz`` (sentence embeddings of the training texts) and ``OUT_DIR/scores_eval.npz``
(logits and embeddings of the validation and test texts, with their labels), so that other
out-of-scope scores can be compared afterwards without the GPU. An encoder stored as float16
(``model.fp16.safetensors``, smaller to carry) is widened to float32 first.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def widen_fp16(folder: Path) -> Path:
    """A float32 ``model.safetensors`` beside a ``model.fp16.safetensors`` (once)."""
    half = folder / "model.fp16.safetensors"
    full = folder / "model.safetensors"
    if half.is_file() and not full.is_file():
        from safetensors.torch import load_file, save_file

        save_file({k: v.float() for k, v in load_file(half).items()}, full)
    return folder


def embeddings_and_logits(classifier, texts: list[str]):  # noqa: ANN001, ANN201
    """(embeddings (N, H) float16, logits (N, L) float32) of ``texts`` with a trained classifier."""
    import numpy as np
    import torch

    classifier.warm_up()
    model, tokenizer = classifier._model, classifier._tokenizer  # noqa: SLF001
    device = next(model.parameters()).device
    embeddings, logits = [], []
    with torch.no_grad():
        for start in range(0, len(texts), 256):
            batch = tokenizer(texts[start : start + 256], padding=True, truncation=True, max_length=classifier.max_length, return_tensors="pt")
            batch = {k: v.to(device) for k, v in batch.items()}
            embeddings.append(model.sentence_embeddings(batch["input_ids"], batch["attention_mask"]).float().cpu().numpy())
            logits.append(model(**batch).logits.float().cpu().numpy())
    return np.concatenate(embeddings).astype(np.float16), np.concatenate(logits)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dataset", choices=["banking77", "clinc150", "banking77-oos"])
    parser.add_argument("data", type=Path)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--base", type=Path, default=None, help="encoder folder (default: the packaged MiniLM)")
    parser.add_argument("--epochs", type=float, default=5.0)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--label-smoothing", type=float, default=0.1)
    parser.add_argument("--patience", type=int, default=2)
    parser.add_argument("--val-fraction", type=float, default=0.1)
    parser.add_argument("--oos-objective", default="auto")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--dump", action="store_true", help="also write embeddings and logits (npz) for offline analysis")
    args = parser.parse_args()

    import numpy as np

    from dialog.nlu.classifier import IntentClassifier
    from dialog.nlu.data import load_public
    from dialog.nlu.evaluation import evaluate_classifier
    from dialog.nlu.training import TrainSettings, train_intents

    out = args.out_dir
    out.mkdir(parents=True, exist_ok=True)
    base = widen_fp16(args.base) if args.base else None
    settings = TrainSettings(
        epochs=args.epochs, learning_rate=args.lr, batch_size=args.batch_size, label_smoothing=args.label_smoothing,
        patience=args.patience, val_fraction=args.val_fraction, oos_objective=args.oos_objective, seed=args.seed, device=args.device,
    )
    data = load_public(args.dataset, args.data)
    started = time.perf_counter()
    trained = train_intents(data.train, out / "model", base=base, settings=settings, valid=data.valid, progress=False,
                            on_epoch=lambda e: print(json.dumps(e), flush=True))
    classifier = IntentClassifier(trained.folder, device=args.device)
    report = evaluate_classifier(classifier, data.test)
    result = {
        "dataset": args.dataset, "settings": vars(args) | {"data": str(args.data), "out_dir": str(out), "base": str(args.base)},
        "manifest": {k: v for k, v in trained.manifest.items() if k != "history"},
        "test": {k: v for k, v in report.items() if k not in ("confusion", "per_intent")},
        "seconds": round(time.perf_counter() - started, 1),
    }
    for name, examples in (data.extra_tests or {}).items():
        extra = evaluate_classifier(classifier, examples)
        result[f"test_{name}"] = {"n": extra["n"], "with_threshold": extra["with_threshold"]}
    (out / "result.json").write_text(json.dumps(result, indent=1))
    print(json.dumps({"dataset": args.dataset, "test_accuracy": report["accuracy"], "with_threshold": report["with_threshold"],
                      "validation": trained.manifest["validation"].get("accuracy"), "seconds": result["seconds"]}), flush=True)
    if args.dump:
        valid = list(data.valid or [])
        train_emb, _ = embeddings_and_logits(classifier, [e.text for e in data.train])
        np.savez_compressed(out / "scores_train.npz", embeddings=train_emb, labels=np.array([e.label for e in data.train]))
        valid_emb, valid_logits = embeddings_and_logits(classifier, [e.text for e in valid])
        test_emb, test_logits = embeddings_and_logits(classifier, [e.text for e in data.test])
        np.savez_compressed(
            out / "scores_eval.npz", classes=np.array(classifier.labels),
            valid_embeddings=valid_emb, valid_logits=valid_logits, valid_labels=np.array([e.label for e in valid]),
            test_embeddings=test_emb, test_logits=test_logits, test_labels=np.array([e.label for e in data.test]),
        )


if __name__ == "__main__":
    main()
