"""Retrieval benchmark: ingestion throughput against the raw encoder, and query latency by index size and type.

Not a test. Prints tables and writes JSON (default benchmarks/results/retrieval_bench.json).

1. Ingestion: ``retrieval.ingest.ingest`` on a folder of real articles (SQuAD v2 paragraphs written as
   Markdown files), in chunks/s, against ``SentenceTransformer.encode`` on the very same texts with the
   same batch size, in one run (ratio = ingest / raw). Ingest embeds each chunk and, by default, each
   of its sentences (``retrieval.sentences``): ``ratio`` compares it with encoding all those texts,
   ``ratio_without_sentences`` compares ``sentence_vectors=False`` with encoding the chunk texts.
2. Search at 10k, 100k and 1M chunks for exact (flat), HNSW and IVF: p50/p95 of one query's
   embed + vector search + BM25 + score fusion, recall@10 of each index type against exact search,
   bytes per vector and build time. The vectors are real MiniLM embeddings of the public datasets'
   passages (cached under data/cache/embeddings), grown to the target size by perturbing them
   (Gaussian noise of ``--noise`` per dimension, renormalised): uniformly random vectors are almost
   equidistant and make approximate search look far worse than it is. Queries are real SQuAD questions.
   BM25 runs over copies of the real passage texts (each copy a distinct document). Up to
   ``--bm25-max`` chunks, each chunk also gets ``--sentences-per-chunk`` perturbed sentence vectors and
   the 50 dense candidates are re-scored with them, as search does (``sentence_ms``, in the total).

Timings depend on what else runs on the machine: the load average is recorded with each figure.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import faiss
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from assistant.app import build_embedder  # noqa: E402
from assistant.config import Settings  # noqa: E402
from retrieval.evaluation import embed_cached, load_dataset  # noqa: E402
from retrieval.fusion import score_fusion  # noqa: E402
from retrieval.index import build_ann  # noqa: E402
from retrieval.keyword import KeywordIndex  # noqa: E402
from retrieval.sentences import DEFAULT_SENTENCE_WEIGHT, best_sentence_scores, rescore, sentence_ids  # noqa: E402

DATA = {"squad2": "squad_v2_dev_cs224n", "stackfaq": "stackfaq", "dstc11": "dstc11_track5"}


def load() -> str:
    return "%.2f %.2f %.2f" % os.getloadavg()


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def bench_ingest(embedder, data_root: Path, articles: int, rounds: int = 2) -> dict:
    """Ingest throughput vs raw encode of the same texts, in one run, with and without sentence vectors."""
    from retrieval.chunking import chunk_document
    from retrieval.ingest import ingest
    from retrieval.loaders import load_paths
    from retrieval.sentences import chunk_sentence_texts

    dataset = load_dataset("squad2", data_root / DATA["squad2"])
    folder = Path(tempfile.mkdtemp(prefix="bench-kb-"))
    try:
        for number, (pid, text) in enumerate(list(zip(dataset.passage_ids, dataset.passages))[:articles]):
            (folder / f"p{number:04d}.md").write_text(f"# {pid.split('#')[0]} {number}\n\n{text}\n", encoding="utf-8")
        embedder.warm_up()
        embedder.embed(["warm up"])
        docs = load_paths([folder]).documents
        chunks = [c for d in docs for c in chunk_document(d, 256, 32, embedder.count_tokens)]
        texts = [c.embedding_text for c in chunks]
        everything = texts + [t for c in chunks for t in chunk_sentence_texts(c)]
        index_dir = folder.parent / f"{folder.name}-index"
        times: dict[str, list[float]] = {"raw_all": [], "ingest": [], "raw_chunks": [], "ingest_without_sentences": []}

        def timed(name, run):
            started = time.perf_counter()
            result = run()
            times[name].append(time.perf_counter() - started)
            return result

        def encode(batch):
            return embedder._model.encode(batch, batch_size=embedder.batch_size, normalize_embeddings=True, convert_to_numpy=True)

        for _ in range(rounds):  # alternated, best of each: the load of a shared machine drifts during a run
            timed("raw_all", lambda: encode(everything))
            report = timed("ingest", lambda: ingest([folder], embedder, index_dir, rebuild=True))
            timed("raw_chunks", lambda: encode(texts))
            timed("ingest_without_sentences", lambda: ingest([folder], embedder, index_dir, rebuild=True, sentence_vectors=False))
        best = {name: min(values) for name, values in times.items()}
        shutil.rmtree(index_dir, ignore_errors=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    chunks_embedded = report.chunks_embedded
    return {
        "documents": len(docs), "chunks": chunks_embedded, "texts_with_sentences": len(everything),
        "raw_encode_chunks_per_s": chunks_embedded / best["raw_all"], "ingest_chunks_per_s": chunks_embedded / best["ingest"],
        "ratio": best["raw_all"] / best["ingest"],
        "raw_encode_chunk_texts_per_s": chunks_embedded / best["raw_chunks"],
        "ingest_without_sentences_chunks_per_s": chunks_embedded / best["ingest_without_sentences"],
        "ratio_without_sentences": best["raw_chunks"] / best["ingest_without_sentences"],
        "seconds_each": times, "load_avg": load(),
    }


def base_corpus(embedder, data_root: Path, cache: Path) -> tuple[np.ndarray, list[str], np.ndarray, list[str]]:
    """Real passage vectors and texts of the public datasets, and real query vectors and texts."""
    vectors, texts = [], []
    for name in ("squad2", "stackfaq", "dstc11"):
        dataset = load_dataset(name, data_root / DATA[name])
        vectors.append(embed_cached(embedder, dataset.passages, cache))
        texts.extend(dataset.passages)
        if name == "squad2":
            queries = embed_cached(embedder, dataset.queries, cache, queries=True)
            query_texts = dataset.queries
    return np.concatenate(vectors).astype(np.float32), texts, queries.astype(np.float32), query_texts


def grow(base: np.ndarray, size: int, noise: float, seed: int = 0) -> np.ndarray:
    """``size`` vectors: the real ones first, then perturbed copies of them (renormalised)."""
    rng = np.random.default_rng(seed)
    out = np.empty((size, base.shape[1]), dtype=np.float32)
    for start in range(0, size, 65536):
        stop = min(size, start + 65536)
        rows = np.arange(start, stop) % len(base)
        block = base[rows].copy()
        copies = np.arange(start, stop) >= len(base)
        block[copies] += rng.normal(0.0, noise, size=(int(copies.sum()), base.shape[1])).astype(np.float32)
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        out[start:stop] = block
    return out


def index_bytes(index: faiss.Index) -> int:
    return len(faiss.serialize_index(index))


def sentence_store(vectors: np.ndarray, per_chunk: int, noise: float) -> faiss.Index:
    """Sentence vectors as ingest stores them: ``per_chunk`` perturbed copies of each chunk vector."""
    store = faiss.IndexIDMap2(faiss.IndexFlatIP(vectors.shape[1]))
    rng = np.random.default_rng(1)
    ids_by_chunk = np.stack([sentence_ids(chunk, per_chunk) for chunk in range(len(vectors))])  # chunk ids are 0..n-1 here
    for n in range(per_chunk):
        ids = np.ascontiguousarray(ids_by_chunk[:, n])
        copies = vectors + rng.normal(0.0, noise, size=vectors.shape).astype(np.float32)
        store.add_with_ids(copies / np.linalg.norm(copies, axis=1, keepdims=True), ids)
    return store


def rescore_with(store: faiss.Index, per_chunk: int, hits: np.ndarray, scores: np.ndarray, query: np.ndarray) -> list:
    """Search's sentence step (``VectorIndex.search``): read the candidates' sentence vectors, re-score."""
    candidates = [(int(i), float(s)) for i, s in zip(hits, scores) if i >= 0]
    counts = {i: per_chunk for i, _ in candidates}
    best = best_sentence_scores(store, counts, [i for i, _ in candidates], query)
    return rescore(candidates, best, DEFAULT_SENTENCE_WEIGHT)


def bench_size(size: int, base_vectors: np.ndarray, texts: list[str], queries: np.ndarray, query_texts: list[str],
               embed_ms: list[float], args) -> list[dict]:
    vectors = grow(base_vectors, size, args.noise)
    ids = np.arange(size, dtype=np.int64)
    q = queries[: args.queries]
    rows = []
    keyword = None
    if size <= args.bm25_max:
        started = time.perf_counter()
        keyword = KeywordIndex(ids, [texts[i % len(texts)] + f" doc{i}" for i in range(size)], tokenizer="english")
        bm25_build = time.perf_counter() - started
    sentences = sentence_store(vectors, args.sentences_per_chunk, args.noise) if keyword is not None else None
    exact_ids = None
    for kind in args.types:
        started = time.perf_counter()
        if kind == "flat":
            index = faiss.IndexIDMap2(faiss.IndexFlatIP(vectors.shape[1]))
            index.add_with_ids(vectors, ids)
            params = None
        else:
            index = build_ann(vectors, ids, kind)
            params = faiss.SearchParametersHNSW(efSearch=args.ef_search) if kind == "hnsw" else faiss.SearchParametersIVF(nprobe=args.nprobe)
        build = time.perf_counter() - started
        inner = faiss.downcast_index(index.index)
        search_ms, sentence_ms, bm25_ms, fuse_ms, found = [], [], [], [], []
        for row in range(len(q)):
            started = time.perf_counter()
            scores, hits = inner.search(q[row : row + 1], 50, params=params) if params else inner.search(q[row : row + 1], 50)
            search_ms.append((time.perf_counter() - started) * 1000)
            found.append(hits[0][:10])
            if sentences is not None:
                started = time.perf_counter()
                rescore_with(sentences, args.sentences_per_chunk, hits[0], scores[0], q[row])
                sentence_ms.append((time.perf_counter() - started) * 1000)
            if keyword is not None:
                started = time.perf_counter()
                kw = keyword.search(query_texts[row], 50)
                bm25_ms.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                score_fusion([list(zip(hits[0].tolist(), scores[0].tolist())), kw])
                fuse_ms.append((time.perf_counter() - started) * 1000)
        found = np.array(found)
        if kind == "flat":
            exact_ids = found
        recall = source_recall = None
        if exact_ids is not None:
            recall = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, exact_ids)]))
            # copies of one real passage are near-ties whose order is noise: also count which real
            # passages (id modulo the base size) the top 10 holds, against exact search's
            base = len(base_vectors)
            source_recall = float(np.mean([
                len({i % base for i in a} & {i % base for i in b}) / max(len({i % base for i in b}), 1)
                for a, b in zip(found, exact_ids)
            ]))
        zeros = [0.0] * len(q)
        total = [e + s + t + b + f for e, s, t, b, f in zip(
            embed_ms * (len(q) // len(embed_ms) + 1), search_ms, sentence_ms or zeros, bm25_ms or zeros, fuse_ms or zeros)]
        rows.append({
            "size": size, "index": kind, "build_s": build, "bytes_per_vector": index_bytes(inner) / size,
            "recall@10_vs_exact": recall, "source_recall@10_vs_exact": source_recall, "search_p50_ms": percentile(search_ms, 50), "search_p95_ms": percentile(search_ms, 95),
            "sentence_p50_ms": percentile(sentence_ms, 50) if sentence_ms else None,
            "sentence_bytes_per_chunk": index_bytes(sentences) / size if sentences is not None else None,
            "bm25_p50_ms": percentile(bm25_ms, 50) if bm25_ms else None, "fusion_p50_ms": percentile(fuse_ms, 50) if fuse_ms else None,
            "total_p50_ms": percentile(total, 50), "total_p95_ms": percentile(total, 95),
            "bm25_included": bool(bm25_ms), "bm25_build_s": bm25_build if keyword is not None else None,
            "queries": len(q), "load_avg": load(),
        })
        print(json.dumps(rows[-1]), flush=True)
        if kind != "flat" and exact_ids is not None:  # the accuracy/speed knob of each type, on the same index
            knob, values = ("efSearch", args.ef_sweep) if kind == "hnsw" else ("nprobe", args.nprobe_sweep)
            sweep = []
            for value in values:
                sweep_params = faiss.SearchParametersHNSW(efSearch=value) if kind == "hnsw" else faiss.SearchParametersIVF(nprobe=value)
                times, hits = [], []
                for row in range(len(q)):
                    started = time.perf_counter()
                    _, found_ids = inner.search(q[row : row + 1], 10, params=sweep_params)
                    times.append((time.perf_counter() - started) * 1000)
                    hits.append(len(set(found_ids[0]) & set(exact_ids[row])) / 10)
                sweep.append({knob: value, "recall@10_vs_exact": float(np.mean(hits)), "search_p50_ms": percentile(times, 50)})
            rows[-1]["sweep"] = sweep
            print(json.dumps({"size": size, "index": kind, "sweep": sweep}), flush=True)
        del index, inner
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-root", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--types", default="flat,hnsw,ivf")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--noise", type=float, default=0.02, help="Gaussian noise per dimension for the perturbed copies")
    parser.add_argument("--ef-search", type=int, default=256, help="as the hnsw_ef_search setting")
    parser.add_argument("--nprobe", type=int, default=64, help="as the ivf_nprobe setting")
    parser.add_argument("--ef-sweep", type=lambda v: [int(x) for x in v.split(",")], default=[32, 64, 128, 256])
    parser.add_argument("--nprobe-sweep", type=lambda v: [int(x) for x in v.split(",")], default=[8, 16, 64])
    parser.add_argument("--bm25-max", type=int, default=100_000, help="largest size at which BM25 (and fusion) is included")
    parser.add_argument("--sentences-per-chunk", type=int, default=6, help="sentence vectors per chunk (SQuAD paragraphs: 5.6)")
    parser.add_argument("--ingest-articles", type=int, default=300, help="0: skip the ingestion benchmark")
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "results" / "retrieval_bench.json")
    args = parser.parse_args()
    args.types = [t for t in args.types.split(",") if t]
    if "flat" in args.types:
        args.types.remove("flat")
    args.types.insert(0, "flat")  # exact first: the others' recall is measured against it

    settings = Settings(data_dir=ROOT / "data")
    embedder = build_embedder(settings)
    cache = settings.data_dir / "cache" / "embeddings"
    result: dict = {"load_avg_start": load(), "cpu_count": os.cpu_count(), "faiss_threads": faiss.omp_get_max_threads(),
                    "noise": args.noise, "ef_search": args.ef_search, "nprobe": args.nprobe}
    if args.ingest_articles:
        result["ingest"] = bench_ingest(embedder, args.data_root, args.ingest_articles)
        print(json.dumps(result["ingest"]), flush=True)
    base, texts, queries, query_texts = base_corpus(embedder, args.data_root, cache)
    embed_ms = []
    for text in query_texts[: min(args.queries, 100)]:
        started = time.perf_counter()
        embedder.embed([text])
        embed_ms.append((time.perf_counter() - started) * 1000)
    result["embed_query_p50_ms"] = percentile(embed_ms, 50)
    result["embed_query_p95_ms"] = percentile(embed_ms, 95)
    result["base_vectors"] = len(base)
    result["search"] = []
    for size in [int(s) for s in args.sizes.split(",") if s]:
        result["search"].extend(bench_size(size, base, texts, queries, query_texts, embed_ms, args))
    result["load_avg_end"] = load()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2))
    print_tables(result)


def print_tables(result: dict) -> None:
    if "ingest" in result:
        i = result["ingest"]
        print(f"\ningest: {i['chunks']} chunks ({i['texts_with_sentences']} texts with sentences); ingest "
              f"{i['ingest_chunks_per_s']:.1f} chunks/s, raw encode of the same texts {i['raw_encode_chunks_per_s']:.1f} "
              f"chunks/s, ratio {i['ratio']:.2f}; without sentence vectors {i['ingest_without_sentences_chunks_per_s']:.1f} "
              f"vs {i['raw_encode_chunk_texts_per_s']:.1f} chunks/s, ratio {i['ratio_without_sentences']:.2f} (load {i['load_avg']})")
    print(f"query embedding: p50 {result['embed_query_p50_ms']:.1f} ms, p95 {result['embed_query_p95_ms']:.1f} ms")
    print(f"{'size':>8} {'index':>5} {'build s':>8} {'B/vec':>6} {'R@10':>6} {'search p50':>10} {'p95':>7} {'bm25 p50':>8} {'total p50':>9} {'p95':>7}  load")
    for r in result["search"]:
        recall = "-" if r["recall@10_vs_exact"] is None else f"{r['recall@10_vs_exact']:.3f}"
        bm25 = "-" if r["bm25_p50_ms"] is None else f"{r['bm25_p50_ms']:.1f}"
        print(f"{r['size']:>8} {r['index']:>5} {r['build_s']:>8.1f} {r['bytes_per_vector']:>6.0f} {recall:>6} "
              f"{r['search_p50_ms']:>10.2f} {r['search_p95_ms']:>7.2f} {bm25:>8} {r['total_p50_ms']:>9.1f} {r['total_p95_ms']:>7.1f}  {r['load_avg']}")
        for point in r.get("sweep", []):
            knob = next(k for k in point if k in ("efSearch", "nprobe"))
            print(f"{'':>8} {'':>5}   {knob}={point[knob]}: recall@10 {point['recall@10_vs_exact']:.3f}, search p50 {point['search_p50_ms']:.2f} ms")


if __name__ == "__main__":
    main()
