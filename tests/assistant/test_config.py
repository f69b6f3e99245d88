"""Settings: defaults derived from the data folder; TOML < environment < CLI overrides."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from assistant.config import Settings, load_settings
from assistant.models import get_spec


def test_paths_and_database_default_to_the_data_folder(isolated: Path) -> None:
    settings = load_settings()

    assert settings.data_dir == isolated
    assert settings.index_dir == isolated / "index"
    assert settings.model_cache_dir == isolated / "models"
    assert settings.database_url == f"sqlite:///{isolated / 'assistant.db'}"


def test_built_in_defaults_without_any_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ASSISTANT_DATA_DIR")

    settings = load_settings()

    assert settings.data_dir == Path("data")
    assert settings.database_url == "sqlite:///data/assistant.db"
    assert get_spec(settings.embedder).role == "embedder"  # the defaults name packaged models of the right role
    assert get_spec(settings.generator).role == "generator"
    assert settings.device == "auto"
    assert (settings.top_k, settings.min_retrieval_score, settings.max_message_chars) == (3, 0.45, 4000)


def test_answer_mode_auto_quotes_passages_on_a_cpu_and_generates_on_a_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    import assistant.models

    assert load_settings().answer_mode == "auto"
    assert load_settings(device="cpu").answers_extractively()
    assert not load_settings(device="cpu", generator_backend="openai").answers_extractively()  # a remote server generates
    assert not load_settings(device="cpu", generator_path="data/models/tuned").answers_extractively()  # a chosen model
    assert not load_settings(device="cpu", answer_mode="generative").answers_extractively()
    monkeypatch.setattr(assistant.models, "resolve_device", lambda setting: "cuda")
    assert not load_settings().answers_extractively()
    assert load_settings(answer_mode="extractive").answers_extractively()


def test_explicit_paths_are_not_overwritten_by_derived_ones(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "d", index_dir=tmp_path / "elsewhere", database_url="sqlite:///x.db")

    assert settings.index_dir == tmp_path / "elsewhere"
    assert settings.model_cache_dir == tmp_path / "d" / "models"
    assert settings.database_url == "sqlite:///x.db"


def test_environment_variables_override_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_TOP_K", "5")
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", "postgresql+psycopg://u:p@db/assistant")
    monkeypatch.setenv("ASSISTANT_DEVICE", "cpu")

    settings = load_settings()

    assert settings.top_k == 5
    assert settings.database_url == "postgresql+psycopg://u:p@db/assistant"
    assert settings.device == "cpu"


def test_toml_file_in_working_folder_is_read(tmp_path: Path) -> None:
    (tmp_path / "assistant.toml").write_text('top_k = 7\ngenerator = "qwen2.5-coder-0.5b"\ndata_dir = "store"\n')

    settings = load_settings()

    assert settings.top_k == 7
    assert settings.generator == "qwen2.5-coder-0.5b"
    # ASSISTANT_DATA_DIR (set by the isolation fixture) beats the file
    assert settings.data_dir == tmp_path / "data"


def test_priority_is_cli_then_environment_then_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "assistant.toml").write_text("top_k = 7\nport = 8000\nmax_new_tokens = 64\n")
    monkeypatch.setenv("ASSISTANT_TOP_K", "5")
    monkeypatch.setenv("ASSISTANT_PORT", "9000")

    settings = load_settings(top_k=9, port=None)  # None means "flag not given"

    assert settings.top_k == 9
    assert settings.port == 9000
    assert settings.max_new_tokens == 64


def test_config_file_named_by_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "conf" / "prod.toml"
    config.parent.mkdir()
    config.write_text("top_k = 4\n")
    monkeypatch.setenv("ASSISTANT_CONFIG", str(config))

    assert load_settings().top_k == 4

    monkeypatch.setenv("ASSISTANT_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(FileNotFoundError, match="missing.toml"):
        load_settings()


@pytest.mark.parametrize(
    "overrides",
    [{"top_k": 0}, {"top_k": 21}, {"device": "gpu"}, {"port": 70000}, {"max_new_tokens": 4}, {"colour": "blue"}],
)
def test_invalid_values_are_rejected(overrides: dict) -> None:
    with pytest.raises(ValidationError):
        load_settings(**overrides)


def test_invalid_environment_value_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_PORT", "not-a-number")

    with pytest.raises(ValidationError, match="port"):
        Settings()


def test_unknown_key_in_toml_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "assistant.toml").write_text("topk = 3\n")

    with pytest.raises(ValidationError, match="topk"):
        load_settings()


@pytest.mark.parametrize("name", ["generator_url", "handoff_webhook_url", "public_url"])
def test_urls_without_http_are_refused_at_start_up(name: str) -> None:
    """Found out at start-up, not as a warning at every answer (the extractive fallback) or handoff."""
    with pytest.raises(ValidationError, match="not an http:// or https:// URL"):
        load_settings(**{name: "gpu-box:8000/v1"})
    assert getattr(load_settings(**{name: " https://gpu-box:8000/v1 "}), name) == "https://gpu-box:8000/v1"
    assert load_settings(handoff_webhook_url="").handoff_webhook_url == ""  # empty: off
