"""Search features on the fake embedder: weighted fusion, metadata filters, the reranker stage, Chinese
keyword tokens, language and tags from the loaders, and the evaluation's splits and extra methods."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval.documents import detect_language
from retrieval.embedders import HashEmbedder
from retrieval.evaluation import EvalConfig, EvalSet, evaluate, load_dataset, query_split
from retrieval.fusion import score_fusion
from retrieval.ingest import ingest
from retrieval.keyword import KeywordIndex, cjk_tokens
from retrieval.loaders import load_paths
from retrieval.reranker import OverlapReranker, blend_scores
from retrieval.retriever import Retriever, SearchOptions


@pytest.fixture
def index_dir(kb_dir: Path, tmp_path: Path) -> Path:
    (kb_dir / "zh").mkdir()
    (kb_dir / "zh" / "tuikuan.md").write_text("# 退款\n\n退款会在五个工作日内退回到您的银行卡。\n", encoding="utf-8")
    folder = tmp_path / "index"
    ingest([kb_dir], HashEmbedder(), folder)
    return folder


def test_score_fusion_weights_decide_between_the_lists() -> None:
    dense, keyword = [(1, 0.9), (2, 0.5), (3, 0.1)], [(3, 12.0), (2, 6.0)]
    assert [i for i, _ in score_fusion([dense, keyword], (1.0, 0.1))][0] == 1
    assert [i for i, _ in score_fusion([dense, keyword], (0.1, 1.0))][0] == 3
    fused = dict(score_fusion([dense, keyword], (1.0, 1.0)))
    assert fused[2] == pytest.approx(0.5) and fused[1] == pytest.approx(1.0) and fused[3] == pytest.approx(1.0)
    assert score_fusion([[], [(5, 1.0)]]) == [(5, 1.0)]


@pytest.mark.parametrize("method", ["dense", "bm25", "hybrid", "rrf"])
def test_filters_restrict_every_method(index_dir: Path, method: str) -> None:
    retriever = Retriever(HashEmbedder(), index_dir, method=method)
    question = "How long does a refund or shipping take? 退款"

    assert {p.chunk.doc_id for p in retriever.search(question, k=5, filters={"language": "zh"})} == {"zh/tuikuan"}
    found = retriever.search(question, k=5, filters={"doc_id": "shipping"})
    assert found and all(p.chunk.doc_id.startswith("shipping/") for p in found)
    assert retriever.search(question, k=5, filters={"doc_id": "shipping/"}) == found  # a folder with its slash: it found nothing
    assert all(p.chunk.doc_id.startswith("zh/") for p in retriever.search(question, k=5, filters={"tag": "zh"}))
    assert retriever.search(question, k=5, filters={"language": "fr"}) == []
    source = next(p.chunk.source for p in retriever.search(question, k=1))
    assert {p.chunk.source for p in retriever.search(question, k=5, filters={"source": source})} == {source}


def test_filters_in_the_options_apply_to_every_search(index_dir: Path) -> None:
    retriever = Retriever(HashEmbedder(), index_dir, method="hybrid", options=SearchOptions(filters={"language": "zh"}))

    assert {p.chunk.doc_id for p in retriever.search("How long does a refund take?", k=5)} == {"zh/tuikuan"}
    assert retriever.search("refund", k=5, filters={"doc_id": "shipping"}) == []  # both filters apply


def test_a_search_filter_on_the_deployments_key_narrows_it_and_never_lifts_it(index_dir: Path) -> None:
    """Brand A's server (search_filters doc_id=accounts): the answer's search for an article a passage links to
    (filters doc_id=<that article>) replaced the deployment's doc_id filter, so another brand's article came back."""
    retriever = Retriever(HashEmbedder(), index_dir, method="hybrid", options=SearchOptions(filters={"doc_id": "accounts"}))

    assert retriever.search("How long does shipping take?", k=5, filters={"doc_id": "shipping"}) == []
    assert retriever.search("shipping", k=5, filters={"tag": ["shipping", "zh"]}) == []


@pytest.mark.parametrize(
    ("filters", "said"),
    [
        ({"brand": "brand-a"}, "no document has the metadata key 'brand' (keys: doc_id, kind, language, source, tag)"),
        ({"tag": "shiping"}, "no document has tag 'shiping' (tag values: "),
        ({"language": ["zh", "EN"]}, "no document has language 'EN' (language values: en, zh)"),
        ({"language": "zh", "doc_id": "shipping"}, "no document passes all of them together"),
        ({"tag": []}, "tag = [] lists no value, so no document passes it"),
    ],
)
def test_search_filters_that_match_no_document_are_logged_with_what_there_is(
    index_dir: Path, filters: dict, said: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A brand's server whose filter has a typo or a key no document has declined every question without a word."""
    retriever = Retriever(HashEmbedder(), index_dir, method="hybrid", options=SearchOptions(filters=filters))

    retriever.search("How long does shipping take?", k=3)

    assert said in caplog.text and "search_filters" in caplog.text


def test_search_filters_that_all_match_are_not_logged(index_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    retriever = Retriever(HashEmbedder(), index_dir, method="hybrid", options=SearchOptions(filters={"tag": ["zh", "shipping"]}))

    assert retriever.search("How long does shipping take?", k=3)
    assert "search_filters" not in caplog.text


def test_reranker_reorders_the_candidates(index_dir: Path) -> None:
    plain = Retriever(HashEmbedder(), index_dir, method="hybrid")
    reranked = Retriever(HashEmbedder(), index_dir, method="hybrid", options=SearchOptions(rerank_top=10), reranker=OverlapReranker())
    question = "express shipping cost"
    candidates = plain.search(question, k=10)
    overlap = OverlapReranker().score_pairs([(question, p.chunk.embedding_text) for p in candidates])
    best = candidates[max(range(len(candidates)), key=lambda i: overlap[i])].chunk.chunk_id

    assert reranked.search(question, k=1)[0].chunk.chunk_id == best


def test_blend_mixes_reranker_and_first_stage() -> None:
    reranked, first = [(1, 0.0), (2, 5.0)], [(1, 9.0), (2, 1.0)]
    assert [i for i, _ in blend_scores(reranked, first, 1.0)] == [2, 1]
    assert [i for i, _ in blend_scores(reranked, first, 0.2)] == [1, 2]


def test_chinese_keyword_search_uses_character_bigrams() -> None:
    assert cjk_tokens("退款要多久 refund") == ["refund", "退款", "款要", "要多", "多久"]
    index = KeywordIndex([1, 2], ["退款会在五个工作日内退回", "发货需要一周"], tokenizer="auto")
    assert index.tokenizer == "cjk"
    assert [i for i, _ in index.search("退款多久到账", 2)] == [1]
    assert KeywordIndex([1], ["plain english"], tokenizer="auto").tokenizer == "english"
    with pytest.raises(ValueError, match="unknown keyword tokenizer"):
        KeywordIndex([1], ["x"], tokenizer="jieba")


def test_loaders_set_language_tags_and_faq_columns(tmp_path: Path) -> None:
    (tmp_path / "kb" / "billing").mkdir(parents=True)
    (tmp_path / "kb" / "billing" / "refunds.md").write_text("---\ntags: [money, returns]\n---\n# Refunds\n\nFive days.\n")
    (tmp_path / "kb" / "zh.txt").write_text("退款会在五个工作日内退回到您的银行卡。\n", encoding="utf-8")
    (tmp_path / "kb" / "faq.csv").write_text("Frage,Antwort,tags\nWie lange?,Fünf Tage.,geld\n")
    loaded = load_paths([tmp_path / "kb"], faq_columns=("Frage", "Antwort"))
    by_id = {d.doc_id: d for d in loaded.documents}

    assert by_id["billing/refunds"].tags == ("billing", "money", "returns")
    assert by_id["zh"].language == "zh" and by_id["billing/refunds"].language == "en"
    assert by_id["faq#wie-lange"].text == "Fünf Tage." and by_id["faq#wie-lange"].tags == ("geld",)
    assert detect_language("こんにちは、返品について") == "ja"


def _tiny_set() -> EvalSet:
    dataset = EvalSet("tiny")
    for number, text in enumerate(["refunds reach your card in five days", "express shipping costs ten dollars", "reset links expire"]):
        dataset.add_passage(f"p{number}", text)
    for number, (query, gold) in enumerate([("when do refunds reach my card", "p0"), ("express shipping price", "p1"), ("reset link expiry", "p2")] * 4):
        dataset.add_query(query, {gold}, group=f"article-{number}")
    return dataset


def test_splits_are_disjoint_fixed_and_cover_everything() -> None:
    dataset = _tiny_set()
    train, test = query_split(dataset, "train"), query_split(dataset, "test")
    assert set(train.groups).isdisjoint(test.groups)
    assert len(train.queries) + len(test.queries) == len(dataset.queries)
    assert query_split(dataset, "train").groups == train.groups and train.passages == dataset.passages
    with pytest.raises(ValueError, match="unknown split"):
        query_split(dataset, "dev")


def test_evaluate_reports_rerank_and_caches_embeddings(tmp_path: Path) -> None:
    config = EvalConfig(reranker=OverlapReranker(), cache_dir=tmp_path / "cache")
    results = evaluate(_tiny_set(), HashEmbedder(), ["dense", "bm25", "rrf", "hybrid", "rerank"], config=config)

    assert set(results) == {"dense", "bm25", "rrf", "hybrid", "rerank"}
    assert results["rerank"]["recall@1"] == 1.0
    assert len(list((tmp_path / "cache").glob("*.npy"))) == 2  # passages and queries, reused next time
    with pytest.raises(ValueError, match="assistant train reranker"):
        evaluate(_tiny_set(), HashEmbedder(), ["rerank"])


def test_cmrc2018_loader(tmp_path: Path) -> None:
    data = {"version": "v1.0", "data": [{"id": "DEV_0", "title": "t", "paragraphs": [
        {"id": "DEV_0", "context": "《战国无双3》是由光荣和ω-force开发的。", "qas": [{"question": "谁开发的？", "id": "q", "answers": []}]}]}]}
    (tmp_path / "cmrc2018_dev.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    dataset = load_dataset("cmrc2018", tmp_path)
    assert dataset.language == "zh" and dataset.passage_ids == ["DEV_0#0"] and dataset.gold == [{"DEV_0#0"}]


def test_hybrid_uses_the_faq_keyword_weight_after_an_faq_match(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "faq.csv").write_text("question,answer\nWhat is the zorblax charge?,Five dollars.\n")
    (kb / "fees.md").write_text("# Zorblax fee\n\nEvery zorblax order pays the zorblax fee; the fee is per order.\n")
    (kb / "returns.md").write_text("# Returns\n\nReturns are free of charge.\n")
    ingest([kb], HashEmbedder(), tmp_path / "index")
    question = "What is the zorblax fee?"

    def first(method: str = "hybrid", **options: float) -> str:
        retriever = Retriever(HashEmbedder(), tmp_path / "index", method=method, options=SearchOptions(**options))
        return retriever.search(question, k=1)[0].chunk.doc_id

    assert first("dense").startswith("faq") and first("bm25") == "fees"
    assert first(faq_weight=0.0).startswith("faq")  # dense found the FAQ question: keywords weigh nothing here
    assert first(faq_weight=100.0, faq_coverage_power=0.0) == "fees"  # unless that weight is raised


def test_german_french_and_spanish_text_without_a_language_is_not_taken_for_english(tmp_path: Path) -> None:
    """A German article without `language: de` was labelled `en`: with the documented
    `search_filters = {language = "de"}` it was never searched, and its questions were declined."""
    (tmp_path / "kb").mkdir()
    (tmp_path / "kb" / "filiale.md").write_text(
        "# Öffnungszeiten der Filiale\n\nUnsere Filiale in Köln ist montags bis samstags von 10 bis 19 Uhr geöffnet.\n", encoding="utf-8"
    )
    (tmp_path / "kb" / "faq.csv").write_text(
        'question,answer\nWie lange dauert die Bearbeitung?,"Die Bearbeitung dauert zwei Werktage."\n', encoding="utf-8"
    )
    by_id = {d.doc_id: d for d in load_paths([tmp_path / "kb"]).documents}

    assert by_id["filiale"].language == "de"
    assert by_id["faq#wie-lange-dauert-die-bearbeitung"].language == "de"
    assert detect_language("Vous pouvez retourner un article dans les 30 jours avec votre bon de retour.") == "fr"
    assert detect_language("Puede devolver un artículo en un plazo de 30 días con su etiqueta de devolución.") == "es"
    # English stays English, German words in it or not; too few words to tell: the default
    assert detect_language("Returns are free for 30 days. Our Kundenservice team in Berlin will help you with it.") == "en"
    assert detect_language("Five days.") == "en"
    assert detect_language("Die Filiale", default="en") == "en"
