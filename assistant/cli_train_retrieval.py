"""`assistant train reranker` and `assistant train embedder`: fine-tune retrieval models on question-passage pairs.

Training data: the train halves of public datasets (``--data-root``, the ``../shared/data`` folder)
or a team's own CSV of ``question,passage`` rows (``--pairs``). The test halves are never trained on;
``assistant eval retrieval --split test`` reports on them. Each model is saved as a self-describing
folder (weights, tokenizer, JSON manifest) under ``data/models/`` by default.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from assistant.cli_common import err, fail, out, run_guarded, settings_from, stopped_note
from assistant.cli_train import train_app, transformers_bars_off
from assistant.wording import counted
from assistant.output_folder import OutputFolder

EMBEDDER_MANIFEST = "embedder.json"  # beside a fine-tuned embedder's weights


def _examples(
    settings, embedder, data_root: Optional[Path], datasets: str, pairs: Optional[Path], per_dataset: int, negatives: int, skip: int = 0
):
    """Training examples and their description; ``skip`` train-half rows per dataset are left for tuning."""
    from retrieval.train_data import load_pair_file, public_examples

    if pairs is not None:
        examples = run_guarded(lambda: load_pair_file(pairs, negatives))
        return examples, {"pairs_file": str(pairs), "examples": len(examples)}
    if data_root is None:
        fail("give --data-root (the public datasets' folder) or --pairs (a question,passage CSV)")
    names = [n.strip() for n in datasets.split(",") if n.strip()]
    cache = settings.data_dir / "cache" / "embeddings"
    examples, counts = run_guarded(lambda: public_examples(data_root, names, embedder, per_dataset, negatives, cache, skip))
    split = "train half of each dataset's queries (evaluation.query_split)"
    return examples, {"datasets": counts, "split": split + (f", after the {skip} rows kept for tuning" if skip else "")}


def _choose_blend(settings, embedder, model, tokenizer, data_root, datasets, count, max_length):
    """The reranker/first-stage blend with the best mean MRR@10 over the datasets' unused train queries."""
    from retrieval.evaluation import EvalConfig, evaluate
    from retrieval.reranker import CrossEncoderReranker
    from retrieval.train_data import tuning_sets
    from retrieval.training import best_blend

    class InMemory(CrossEncoderReranker):  # the model just trained, not yet saved
        def __init__(self) -> None:
            self._model, self._tokenizer, self.device, self.batch_size, self.max_length = model, tokenizer, "cpu", 32, max_length
            self._lock, self.blend = __import__("threading").Lock(), 1.0

    names = [n.strip() for n in datasets.split(",") if n.strip()]
    sets = [s for s in tuning_sets(data_root, names, count) if s.queries]
    reranker = InMemory()
    cache = settings.data_dir / "cache" / "embeddings"
    scored: dict[float, float] = {}
    memo: dict[tuple[str, str], float] = {}
    original = reranker.score_pairs

    def remembered(pairs, show_progress=False):
        missing = [p for p in dict.fromkeys(pairs) if p not in memo]
        memo.update(zip(missing, original(missing, show_progress)))
        return [memo[p] for p in pairs]

    reranker.score_pairs = remembered  # each candidate pair is scored once across the blends tried
    for blend in (0.0, 0.3, 0.5, 0.7, 0.85, 1.0):
        reranker.blend = blend
        config = EvalConfig(
            fusion_weights=tuple(settings.fusion_weights), coverage_power=settings.fusion_coverage_power,
            faq_weight=settings.fusion_faq_weight, faq_coverage_power=settings.fusion_faq_coverage_power,
            reranker=reranker, rerank_top=settings.rerank_top, cache_dir=cache,
        )
        values = [evaluate(s, embedder, ["rerank"], config=config)["rerank"]["mrr@10"] for s in sets]
        scored[blend] = round(sum(values) / len(values), 4)
    return best_blend(scored), scored


@train_app.command("reranker")
def train_reranker(
    ctx: typer.Context,
    data_root: Annotated[Optional[Path], typer.Option(help="Folder holding the public datasets (stackfaq/, squad_v2_dev_cs224n/, dstc11_track5/), e.g. ../shared/data; or give --pairs.")] = None,
    datasets: Annotated[str, typer.Option(help="Comma-separated datasets whose train halves are used.")] = "stackfaq,squad2,dstc11",
    pairs: Annotated[Optional[Path], typer.Option(help="Instead: a CSV with question,passage columns.")] = None,
    per_dataset: Annotated[int, typer.Option(min=1, help="Training questions taken from each dataset (the run's length: 4 per step).")] = 400,
    negatives: Annotated[int, typer.Option(min=1, help="Hard negatives per question.")] = 3,
    epochs: Annotated[int, typer.Option(min=1, help="Passes over the training questions.")] = 1,
    max_length: Annotated[int, typer.Option(min=16, help="Tokens of question + passage.")] = 192,
    learning_rate: Annotated[float, typer.Option(help="Peak learning rate (linear warm-up over 10 %, then linear decay).")] = 1e-4,
    tune_queries: Annotated[int, typer.Option(help="Unused train-half queries per dataset on which the blend with the first stage is chosen (0: pure reranker).")] = 100,
    output: Annotated[Optional[Path], typer.Option("--output", "--out", help="Model folder; default: the reranker_path setting.")] = None,
) -> None:
    """Fine-tune a cross-encoder reranker from the packaged MiniLM (listwise loss over hard negatives)."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from assistant.app import Assistant, embedder_identity
    from dialog.nlu.modeling import quiet_load_report
    from retrieval.reranker import MANIFEST
    from retrieval.training import train_cross_encoder, write_manifest

    settings = settings_from(ctx)
    target = Path(output or settings.reranker_path)
    folder = OutputFolder(target, MANIFEST, "reranker")
    run_guarded(folder.check)  # before any training time is spent
    with stopped_note(target, "reranker"), transformers_bars_off():
        assistant = Assistant(settings)
        embedder = run_guarded(lambda: assistant.embedder)
        base = run_guarded(lambda: assistant.embedder_path)
        tune = tune_queries if pairs is None else 0
        examples, described = _examples(settings, embedder, data_root, datasets, pairs, per_dataset, negatives, skip=tune)
        err.print(f"{counted(len(examples), 'training question')}, {counted(negatives, 'hard negative')} each; base model {base}", highlight=False)
        torch.set_num_threads(max(1, torch.get_num_threads()))
        tokenizer = AutoTokenizer.from_pretrained(str(base), local_files_only=True)
        with quiet_load_report():  # the scoring head is new
            model = AutoModelForSequenceClassification.from_pretrained(str(base), num_labels=1, local_files_only=True)
        result = train_cross_encoder(
            model, tokenizer, examples, epochs=epochs, max_length=max_length, learning_rate=learning_rate, show_progress=True
        )
        blend, tuning = 1.0, {}
        if tune:
            blend, tuning = _choose_blend(settings, embedder, model, tokenizer, data_root, datasets, tune, max_length)
            err.print(f"blend chosen on the first {tune} train-half queries of each dataset (not trained on): {blend} ({tuning})")
            if blend == 0.0:
                err.print("note: the reranker did not beat the first stage on those queries, so it will not change the ranking "
                          "(blend 0) but still costs time per query: train on more questions, or set rerank = \"off\"", highlight=False)
        base_name, base_sha256 = embedder_identity(settings)

        def save(staging: Path) -> None:
            model.save_pretrained(staging)
            tokenizer.save_pretrained(staging)
            write_manifest(staging, MANIFEST, {
                "kind": "cross-encoder reranker",
                "base_model": base_name, "base_sha256": base_sha256,
                "training_data": described, "examples": len(examples), "negatives": negatives, "epochs": epochs,
                "max_length": max_length, "learning_rate": learning_rate, "loss": "softmax cross-entropy over (gold + hard negatives)",
                "loss_first_10pct": result.first_loss, "loss_last_10pct": result.last_loss,
                "steps": result.steps, "train_seconds": round(result.seconds, 1), "blend": blend,
                "blend_tuning_mrr@10": tuning, "tune_queries_per_dataset": tune,
            })

        run_guarded(lambda: folder.write(save))
        out.print(
            f"Reranker saved to {target}: {counted(result.steps, 'step')} in {result.seconds:.0f} s, "
            f"loss {result.first_loss:.3f} -> {result.last_loss:.3f}. Search uses it while the rerank "
            f"setting is auto (the default: when reranker_path holds a reranker) or on.", highlight=False,
        )


@train_app.command("embedder")
def train_embedder(
    ctx: typer.Context,
    data_root: Annotated[Optional[Path], typer.Option(help="Folder holding the public datasets, e.g. ../shared/data; or give --pairs.")] = None,
    datasets: Annotated[str, typer.Option(help="Comma-separated datasets whose train halves are used.")] = "stackfaq,squad2,dstc11",
    pairs: Annotated[Optional[Path], typer.Option(help="Instead: a CSV with question,passage columns.")] = None,
    per_dataset: Annotated[int, typer.Option(min=1, help="Training questions taken from each dataset (the run's length).")] = 600,
    epochs: Annotated[int, typer.Option(min=1, help="Passes over the training questions.")] = 1,
    batch_size: Annotated[int, typer.Option(min=2, help="Questions per step; each is scored against the batch's other passages.")] = 32,
    evaluate_on: Annotated[str, typer.Option(help="Datasets reported before and after, on their test halves ('' for none).")] = "stackfaq",
    output: Annotated[Optional[Path], typer.Option("--output", "--out", help="Model folder; default: data_dir/models/embedder-finetuned.")] = None,
) -> None:
    """Fine-tune the sentence embedder with in-batch negatives; reports dense metrics before and after."""
    from sentence_transformers import SentenceTransformer

    from assistant.app import Assistant, embedder_identity
    from retrieval.embedders import SentenceTransformerEmbedder
    from retrieval.evaluation import EvalConfig, evaluate, load_dataset, query_split
    from retrieval.train_data import DEFAULT_DATASETS
    from retrieval.training import train_bi_encoder, write_manifest

    settings = settings_from(ctx)
    target = Path(output or settings.data_dir / "models" / "embedder-finetuned")
    folder = OutputFolder(target, EMBEDDER_MANIFEST, "fine-tuned embedder")
    run_guarded(folder.check)  # before any training time is spent
    with stopped_note(target, "fine-tuned embedder"), transformers_bars_off():
        reports = [n.strip() for n in evaluate_on.split(",") if n.strip()] if data_root else []
        unknown = [name for name in reports if name not in DEFAULT_DATASETS]
        if unknown:
            fail(f"--evaluate-on: unknown dataset(s) {', '.join(unknown)}; choose from: {', '.join(DEFAULT_DATASETS)}")
        assistant = Assistant(settings)
        embedder = run_guarded(lambda: assistant.embedder)
        base = run_guarded(lambda: assistant.embedder_path)
        examples, described = _examples(settings, embedder, data_root, datasets, pairs, per_dataset, 1)
        err.print(f"{len(examples)} training questions, one hard negative each; base model {base}", highlight=False)
        cache = settings.data_dir / "cache" / "embeddings"

        def measure(model_embedder) -> dict[str, dict[str, float]]:
            return {
                name: evaluate(query_split(load_dataset(name, data_root / DEFAULT_DATASETS[name]), "test"), model_embedder, ["dense"],
                               config=EvalConfig(cache_dir=cache))["dense"]
                for name in reports
            }

        if reports:  # embedding the test halves takes a while before the first step: say what is happening
            err.print(f"measuring the base embedder on the test half of {', '.join(reports)} (again after training)", highlight=False)
        before = measure(embedder)
        model = SentenceTransformer(str(base), device="cpu", local_files_only=True)
        result = train_bi_encoder(model, examples, epochs=epochs, batch_size=batch_size, show_progress=True)
        base_name, base_sha256 = embedder_identity(settings)
        after: dict[str, dict[str, float]] = {}

        def save(staging: Path) -> None:
            import hashlib

            model.save(str(staging))
            weights = staging / "model.safetensors"
            sha = hashlib.sha256(weights.read_bytes()).hexdigest() if weights.is_file() else ""
            after.update(measure(SentenceTransformerEmbedder(f"{Path(base_name).name}-finetuned", staging, sha)))
            write_manifest(staging, EMBEDDER_MANIFEST, {
                "kind": "sentence embedder (fine-tuned)", "base_model": base_name, "base_sha256": base_sha256, "sha256": sha,
                "training_data": described, "examples": len(examples), "epochs": epochs, "batch_size": batch_size,
                "loss": "in-batch negatives + one hard negative (cosine * 20, cross-entropy)",
                "loss_first_10pct": result.first_loss, "loss_last_10pct": result.last_loss, "steps": result.steps,
                "train_seconds": round(result.seconds, 1), "metrics_test_half": {"before": before, "after": after},
            })

        run_guarded(lambda: folder.write(save))
        out.print(f"Embedder saved to {target}: {counted(result.steps, 'step')} in {result.seconds:.0f} s, loss {result.first_loss:.3f} -> {result.last_loss:.3f}. "
                  f"Select it with ASSISTANT_EMBEDDER={target} (or embedder in assistant.toml), then rebuild the index with it: "
                  "assistant ingest --rebuild PATH...", highlight=False, soft_wrap=True)
        for name in reports:
            out.print(f"  {name} test half, dense: before {json.dumps({k: round(v, 3) for k, v in before[name].items()})}", highlight=False)
            out.print(f"  {name} test half, dense: after  {json.dumps({k: round(v, 3) for k, v in after[name].items()})}", highlight=False)
