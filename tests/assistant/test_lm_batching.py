"""The batching scheduler: concurrent requests share forward passes and give the same tokens as
one-at-a-time greedy ``model.generate`` (a tiny random Llama, float64 so that no near-tie can flip)."""

from __future__ import annotations

import inspect
import threading

import pytest

torch = pytest.importorskip("torch")
from transformers import LlamaConfig, LlamaForCausalLM  # noqa: E402

from assistant.lm.batching import BatchScheduler, cache_keyword  # noqa: E402
from tests.conftest import prepared_model  # noqa: E402

EOS, PAD = 1, 2


@pytest.fixture(scope="module")
def tiny_model():
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=120, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, max_position_embeddings=256, bos_token_id=0, eos_token_id=EOS, pad_token_id=PAD,
    )
    model = LlamaForCausalLM(config).to(torch.float64).eval()
    with torch.no_grad():  # sharper logits than the default init, so that some rows stop at EOS early
        model.lm_head.weight.mul_(40)
    return model


PROMPTS = [[5, 6, 7, 8], list(range(10, 31)), [40, 41], [50, 51, 52, 53, 54, 55, 56], [3], list(range(60, 100))]


def reference(model, prompt: list[int], max_new_tokens: int, penalty: float) -> list[int]:
    with torch.no_grad():
        out = model.generate(
            torch.tensor([prompt]), max_new_tokens=max_new_tokens, do_sample=False, repetition_penalty=penalty,
            eos_token_id=EOS, pad_token_id=PAD,
        )[0, len(prompt):].tolist()
    return out[: out.index(EOS)] if EOS in out else out


@pytest.mark.parametrize("penalty", [1.0, 1.3])
def test_concurrent_requests_equal_one_at_a_time_greedy(tiny_model, penalty: float) -> None:
    lengths = [12, 20, 5, 16, 9, 14]
    expected = [reference(tiny_model, p, n, penalty) for p, n in zip(PROMPTS, lengths)]
    scheduler = BatchScheduler(tiny_model, [EOS], PAD, max_batch_size=8, repetition_penalty=penalty)
    results: dict[int, list[int]] = {}
    start = threading.Barrier(len(PROMPTS))

    def client(i: int) -> None:
        start.wait()
        results[i] = list(scheduler.submit(PROMPTS[i], lengths[i]))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(PROMPTS))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    scheduler.close()

    assert [results[i] for i in range(len(PROMPTS))] == expected
    assert scheduler.max_rows_seen > 1  # forward passes were really shared
    assert scheduler.steps < sum(len(e) for e in expected)


def test_requests_joining_a_running_batch_get_the_same_tokens(tiny_model) -> None:
    scheduler = BatchScheduler(tiny_model, [EOS], PAD, max_batch_size=4)
    first = scheduler.submit(PROMPTS[1], 30)
    head = [next(first), next(first), next(first)]  # the first request is decoding when the others arrive
    later = [scheduler.submit(p, 10) for p in PROMPTS[2:6]]  # more than fit: one waits for a free row
    got_later = [list(stream) for stream in later]
    got_first = head + list(first)
    scheduler.close()

    assert got_first == reference(tiny_model, PROMPTS[1], 30, 1.0)
    assert got_later == [reference(tiny_model, p, 10, 1.0) for p in PROMPTS[2:6]]
    assert scheduler.max_rows_seen <= 4


def test_a_reader_that_stops_early_frees_its_row(tiny_model) -> None:
    scheduler = BatchScheduler(tiny_model, [EOS], PAD, max_batch_size=2)
    stream = scheduler.submit(PROMPTS[0], 200)
    next(stream)
    stream.close()  # the client went away
    assert list(scheduler.submit(PROMPTS[2], 6)) == reference(tiny_model, PROMPTS[2], 6, 1.0)
    scheduler.close()


def test_a_failing_model_raises_in_every_reader_instead_of_hanging(tiny_model) -> None:
    class Broken:
        device = torch.device("cpu")

        def __call__(self, **kwargs):
            raise RuntimeError("CUDA out of memory (simulated)")

    scheduler = BatchScheduler(Broken(), [EOS], PAD)
    with pytest.raises(Exception, match="out of memory"):
        list(scheduler.submit([5, 6], 4))
    with pytest.raises(Exception, match="out of memory"):  # the loop still serves (and fails) the next one
        list(scheduler.submit([7], 4))
    scheduler.model = tiny_model  # and recovers when the model works again
    assert list(scheduler.submit(PROMPTS[2], 5)) == reference(tiny_model, PROMPTS[2], 5, 1.0)
    scheduler.close()


class Recording:
    """The tiny model, recording each forward pass as (rows, input length, prefill?); a gate can hold a pass."""

    def __init__(self, model) -> None:
        self.model = model
        self.device = model.device
        self.forward = model.forward  # the scheduler reads which argument takes the cache from it
        self.calls: list[tuple[int, int, bool]] = []
        self.gate = threading.Event()
        self.gate.set()

    def __call__(self, **kwargs):
        self.gate.wait(timeout=60)
        rows, length = kwargs["input_ids"].shape
        self.calls.append((rows, length, kwargs[cache_keyword(self.model)].get_seq_length() == 0))
        return self.model(**kwargs)


def test_requests_arriving_together_are_prefilled_in_budgeted_passes_before_any_decode_step(tiny_model) -> None:
    recording = Recording(tiny_model)
    recording.gate.clear()  # hold the first forward pass until every request has arrived
    budget = 50  # padded prompt tokens per pass: the six prompts (4, 21, 2, 7, 1, 40 tokens) need several passes
    lengths = [12, 20, 5, 16, 9, 14]
    scheduler = BatchScheduler(recording, [EOS], PAD, max_batch_size=8, repetition_penalty=1.3, max_prefill_tokens=budget)
    streams = [scheduler.submit(p, n) for p, n in zip(PROMPTS, lengths)]
    recording.gate.set()
    got = [list(stream) for stream in streams]
    scheduler.close()

    assert got == [reference(tiny_model, p, n, 1.3) for p, n in zip(PROMPTS, lengths)]
    prefills = [(rows, length) for rows, length, prefill in recording.calls if prefill]
    assert len(prefills) == scheduler.prefills >= 3 and scheduler.prefill_rows == len(PROMPTS)
    assert all(rows * length <= budget or rows == 1 for rows, length in prefills)
    assert any(rows > 1 for rows, _ in prefills)  # prompts of different lengths shared a padded pass
    first_decode = next(i for i, (_, _, prefill) in enumerate(recording.calls) if not prefill)
    assert first_decode == len(prefills)  # every request had its first token before the first decode step


def test_running_rows_get_a_decode_step_between_prefill_passes(tiny_model) -> None:
    recording = Recording(tiny_model)
    scheduler = BatchScheduler(recording, [EOS], PAD, max_batch_size=8, max_prefill_tokens=30)
    first = scheduler.submit(PROMPTS[1], 30)
    head = [next(first), next(first), next(first)]  # decoding now
    recording.gate.clear()  # hold the next forward pass while the others arrive together
    later = [scheduler.submit(p, 8) for p in PROMPTS[2:6]]  # 2, 7, 1, 40 tokens: two passes of at most 30
    recording.gate.set()
    got_later = [list(stream) for stream in later]
    got_first = head + list(first)
    scheduler.close()

    assert got_first == reference(tiny_model, PROMPTS[1], 30, 1.0)
    assert got_later == [reference(tiny_model, p, 8, 1.0) for p in PROMPTS[2:6]]
    kinds = [prefill for _, _, prefill in recording.calls]
    assert kinds.count(True) == 3  # the first request's pass, then two passes for the four others
    later_passes = [i for i, prefill in enumerate(kinds) if prefill][1:]
    assert later_passes[1] - later_passes[0] > 1  # a decode step for the running row between them


@pytest.mark.slow  # SmolLM2's tokenizer: the packaged model is prepared on first use
def test_generator_streams_concurrent_answers_through_budgeted_prefill_passes(tmp_path) -> None:
    from transformers import AutoTokenizer

    from assistant.lm.local import TransformersGenerator

    tokenizer = AutoTokenizer.from_pretrained(prepared_model("smollm2-135m"))
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, max_position_embeddings=512, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    LlamaForCausalLM(config).save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    generator = TransformersGenerator("tiny", tmp_path, max_batch_size=8, max_prefill_tokens=64)
    questions = [[{"role": "user", "content": "Where is my parcel? " * (i + 1)}] for i in range(4)]
    alone = ["".join(generator.stream(q, max_new_tokens=6)) for q in questions]
    prefills_alone = generator._scheduler.prefills
    together: dict[int, list[str]] = {}
    start = threading.Barrier(len(questions))

    def ask(i: int) -> None:
        start.wait()
        together[i] = list(generator.stream(questions[i], max_new_tokens=6))

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(questions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    generator._scheduler.close()

    assert ["".join(together[i]) for i in range(len(questions))] == alone
    assert all(len(pieces) > 1 for pieces in together.values())  # streamed piece by piece
    assert generator._scheduler.prefills - prefills_alone >= 2  # prompts of 30+ tokens: at most 2 per pass


def test_the_cache_goes_in_under_the_name_the_model_takes(tiny_model) -> None:
    class OlderModel:
        def forward(self, input_ids=None, past_key_values=None, use_cache=None):
            return None

    # a name the forward signature lists, not one caught by **kwargs and warned about as deprecated
    assert cache_keyword(tiny_model) in inspect.signature(tiny_model.forward).parameters
    assert cache_keyword(OlderModel()) == "past_key_values"


def test_turning_off_cudnn_attention_leaves_the_other_kernels_on() -> None:
    from assistant.lm.local import turn_off_cudnn_attention

    was = torch.backends.cuda.cudnn_sdp_enabled()
    try:
        torch.backends.cuda.enable_cudnn_sdp(True)
        turn_off_cudnn_attention()
        assert not torch.backends.cuda.cudnn_sdp_enabled()
        assert torch.backends.cuda.mem_efficient_sdp_enabled() and torch.backends.cuda.flash_sdp_enabled()
    finally:
        torch.backends.cuda.enable_cudnn_sdp(was)


@pytest.mark.slow  # SmolLM2's tokenizer: the packaged model is prepared on first use
def test_generation_benchmark_runs_each_budget_with_random_weights_to_the_token_limit(tmp_path) -> None:
    import json
    import subprocess
    import sys
    from pathlib import Path

    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(prepared_model("smollm2-135m"))
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, max_position_embeddings=2048, eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
    )
    folder = tmp_path / "tiny"
    LlamaForCausalLM(config).save_pretrained(folder)  # config and weights; only the config is used below
    tokenizer.save_pretrained(folder)
    script = Path(__file__).resolve().parents[2] / "benchmarks" / "generation.py"
    out = tmp_path / "g.json"

    run = subprocess.run(
        [sys.executable, str(script), "--model-dir", str(folder), "--device", "cpu", "--random-weights", "--ignore-eos",
         "--prefill-tokens", "700,8192", "--sessions", "1,2", "--max-new-tokens", "3", "--baseline-requests", "1", "--out", str(out)],
        capture_output=True, text=True, timeout=600,
    )

    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(out.read_text())
    runs = result["results"][0]["scheduler"]
    assert result["meta"]["random_weights"] and result["results"][0]["model"] == "tiny (random weights)"
    assert [(r["max_prefill_tokens"], r["sessions"]) for r in runs] == [(700, 1), (700, 2), (8192, 1), (8192, 2)]
    assert [r["tokens"] for r in runs] == [3, 6, 3, 6]  # every answer ran to the limit: no stop token ended one
    passes = [r["prefill_passes"] for r in runs]
    assert passes[:3] == [1, 2, 1]  # two ~450-token prompts never fit one pass of 700
    # of 8192 they do, when both are waiting as the pass starts: the benchmark's threads start together, but on a loaded
    # machine the second can miss the scheduler's gathering of the first (2 passes, seen in a full run at load 12)
    assert passes[3] in (1, 2)
    bad = subprocess.run([sys.executable, str(script), "--prefill-tokens", "8k"], capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "--prefill-tokens takes whole numbers" in bad.stderr
