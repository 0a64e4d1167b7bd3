"""`rag doctor`: what llama.cpp sees on this machine, and a real generation in a child process.

The native library can crash (SIGSEGV in AMX code, SIGILL from a wheel built for another CPU).
A crash inside the chat's process would take the whole server down with a bare "Segmentation
fault", so the check loads the model and writes a few tokens in a child process: if the child
dies, the parent names the signal, the stage, the CPU's features and the settings to change.
The same probe measures reading (prompt) and writing (generation) speed in tokens/s.

`python -m rag.model.doctor --child ...` is the child; it prints one JSON line per stage on stdout and
llama.cpp's load log on stderr, which the parent reads for the buffer types in use.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, cast, get_args

from rag.core.errors import NativeCrashError
from rag.core.machine import CpuInfo, cpu_info
from rag.core.settings import ExtraBuffers
from rag.model.generation import build_features, use_extra_buffers

# llama.cpp's name for a compiled-in instruction set -> the /proc/cpuinfo flag a CPU needs for it.
BUILD_TO_CPU = {
    "AVX": "avx",
    "AVX2": "avx2",
    "FMA": "fma",
    "F16C": "f16c",
    "BMI2": "bmi2",
    "AVX512": "avx512f",
    "AVX512_VBMI": "avx512vbmi",
    "AVX512_VNNI": "avx512_vnni",
    "AVX512_BF16": "avx512_bf16",
    "AMX_INT8": "amx_int8",
    "AMX_BF16": "amx_bf16",
}
_BUFFER = re.compile(r"\b([A-Za-z0-9_]+) model buffer size\s*=\s*([\d.]+) MiB")
BUILD_MARKER = ".venv/llama-build.json"


def missing_instructions(features: Mapping[str, bool], cpu: CpuInfo) -> list[str]:
    """Instruction sets compiled into the library that this CPU lacks (each one means SIGILL)."""
    return [name for name, on in features.items() if on and BUILD_TO_CPU.get(name, "") not in ("", *cpu.flags)]


def buffer_types(log: str) -> dict[str, float]:
    """{buffer type: MiB} from llama.cpp's load log ("CPU_REPACK model buffer size = 516.0 MiB")."""
    out: dict[str, float] = {}
    for name, mib in _BUFFER.findall(log):
        out[name] = out.get(name, 0.0) + float(mib)
    return out


@dataclass(frozen=True, slots=True)
class Probe:
    """One child run: the model loaded, read a prompt and wrote tokens (or died trying)."""

    ok: bool
    stage: str  # the last stage the child reached: "start", "loaded", "generated"
    returncode: int
    signal: str | None
    system_info: str = ""
    buffers: dict[str, float] = field(default_factory=dict)
    extra_buffers: bool | None = None
    flash_attn: bool = False
    load_s: float = 0.0
    prompt_tokens: int = 0
    prompt_tok_s: float = 0.0
    gen_tokens: int = 0
    gen_tok_s: float = 0.0
    stderr_tail: str = ""


def signal_name(returncode: int) -> str | None:
    """'SIGSEGV' for a child killed by signal 11 (returncode -11, or 128+11 through a shell)."""
    num = -returncode if returncode < 0 else returncode - 128 if 128 < returncode < 160 else 0
    if not num:
        return None
    try:
        return signal.Signals(num).name
    except ValueError:
        return f"signal {num}"


def probe(
    model_path: Path,
    *,
    extra_buffers: ExtraBuffers,
    flash_attn: bool = False,
    n_threads: int = 0,
    prompt_tokens: int = 64,
    gen_tokens: int = 8,
    timeout_s: float = 600.0,
    pythonpath: str | None = None,
) -> Probe:
    """Load `model_path` and generate in a child process; a crash comes back as `ok=False`."""
    env = dict(os.environ)
    if pythonpath:
        # Another llama-cpp-python build first on the path, this project after it.
        env["PYTHONPATH"] = os.pathsep.join([pythonpath, str(Path(__file__).resolve().parents[2])])
    cmd = [
        sys.executable,
        "-m",
        "rag.model.doctor",
        "--child",
        str(model_path),
        extra_buffers,
        str(n_threads),
        str(prompt_tokens),
        str(gen_tokens),
        *(["--flash-attn"] if flash_attn else []),
    ]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired as exc:
        err = exc.stderr.decode("utf-8", "replace") if isinstance(exc.stderr, bytes) else exc.stderr or ""
        return Probe(False, "timeout", -1, None, stderr_tail=err[-2000:])
    report: dict[str, Any] = {"stage": "start"}
    for line in proc.stdout.splitlines():
        if line.startswith("{"):
            try:
                report.update(json.loads(line))
            except ValueError:
                continue
    ok = proc.returncode == 0 and report.get("stage") == "generated"
    return Probe(
        ok=ok,
        stage=str(report.get("stage")),
        returncode=proc.returncode,
        signal=signal_name(proc.returncode),
        system_info=str(report.get("system_info", "")),
        buffers=buffer_types(proc.stderr),
        extra_buffers=report.get("extra_buffers"),
        flash_attn=flash_attn,
        load_s=float(report.get("load_s", 0.0)),
        prompt_tokens=int(report.get("prompt_tokens", 0)),
        prompt_tok_s=float(report.get("prompt_tok_s", 0.0)),
        gen_tokens=int(report.get("gen_tokens", 0)),
        gen_tok_s=float(report.get("gen_tok_s", 0.0)),
        stderr_tail="" if ok else proc.stderr[-2000:],
    )


def crash_message(p: Probe, cpu: CpuInfo, setting: ExtraBuffers) -> str:
    """What a user reads when the native library failed in the child: the facts and the fix."""
    what = p.signal or f"exit status {p.returncode}"
    where = {"start": "while loading the model", "loaded": "while generating"}.get(p.stage, f"at stage {p.stage}")
    lines = [
        f"llama.cpp failed ({what}) {where} in a test process, so the chat and `rag ask` would fail too.",
        f"CPU: {cpu.describe()}.",
        f"llama.cpp build: {p.system_info or 'unknown (the library did not load)'}.",
        f"Extra buffer types (weight repacking): RAG_LLAMA_EXTRA_BUFFERS={setting}.",
    ]
    if p.signal == "SIGILL":
        lines.append(
            "Fix: the library uses instructions this CPU lacks (a wheel built on another machine). Rebuild the "
            "portable build: unset RAG_LLAMA_CMAKE_ARGS, `rm .venv/llama-build.json`, run `scripts/setup.sh`."
        )
    elif setting != "off":
        lines.append(
            "Fix: set RAG_LLAMA_EXTRA_BUFFERS=off (no weight repacking; llama.cpp's AMX repacking crashes on "
            "Q4_K models, llama.cpp #20824), or rebuild without AMX: unset RAG_LLAMA_CMAKE_ARGS, "
            "`rm .venv/llama-build.json`, run `scripts/setup.sh`."
        )
    else:
        lines.append(
            "Fix: rebuild the portable library (unset RAG_LLAMA_CMAKE_ARGS, `rm .venv/llama-build.json`, "
            "`scripts/setup.sh`) or try RAG_N_THREADS=1 and report `rag doctor --json` with this message."
        )
    if p.stderr_tail:
        lines.append("Last lines from llama.cpp:\n" + p.stderr_tail.strip()[-800:])
    return "\n".join(lines)


def build_record(root: Path) -> dict[str, Any]:
    """The flags the installed llama-cpp-python was built with (written by scripts/build-llama.sh)."""
    path = root / BUILD_MARKER
    try:
        out = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return out if isinstance(out, dict) else {}


def speed_line(p: Probe) -> str:
    return (
        f"reading {p.prompt_tok_s:.1f} tokens/s ({p.prompt_tokens} tokens), "
        f"writing {p.gen_tok_s:.1f} tokens/s ({p.gen_tokens} tokens), load {p.load_s:.1f} s"
    )


def check(
    model_path: Path, *, setting: ExtraBuffers, n_threads: int, quick: bool, flash_attn: bool = False
) -> tuple[Probe, CpuInfo]:
    """Run the probe; raises NativeCrashError with the message a user needs if the child died."""
    cpu = cpu_info()
    p = probe(
        model_path,
        extra_buffers=setting,
        flash_attn=flash_attn,
        n_threads=n_threads,
        prompt_tokens=64 if quick else 256,
        gen_tokens=8 if quick else 32,
    )
    if not p.ok:
        raise NativeCrashError(crash_message(p, cpu, setting))
    return p, cpu


def ensure_runs(
    model_path: Path, *, setting: ExtraBuffers, n_threads: int, cache_dir: Path, flash_attn: bool = False
) -> None:
    """Run the quick child check once per (library build, CPU, model, settings); raises if it crashed.

    Called before a model is loaded in-process, so that a library that crashes on this machine
    is reported with its fix instead of killing the chat or `rag ask` with a bare segfault. The
    stamp makes later starts free.
    """
    from rag.model.generation import system_info

    stat = model_path.stat()
    cpu = cpu_info()
    key = hashlib.sha256(
        json.dumps(
            [system_info(), cpu.model, cpu.flags, str(model_path), stat.st_size, stat.st_mtime, setting]
            + (["flash_attn"] if flash_attn else [])
        ).encode()
    ).hexdigest()[:20]
    stamp = cache_dir / "doctor" / f"{key}.ok"
    if stamp.exists():
        return
    p, _ = check(model_path, setting=setting, n_threads=n_threads, quick=True, flash_attn=flash_attn)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(json.dumps(asdict(p)) + "\n", encoding="utf-8")


def report_lines(p: Probe, cpu: CpuInfo, setting: ExtraBuffers, build: Mapping[str, Any], model: Path) -> list[str]:
    features = build_features(p.system_info)
    compiled = " ".join(k for k, v in features.items() if v)
    return [
        f"cpu: {cpu.describe()}",
        f"llama.cpp compiled with: {compiled}",
        f"build: level {build.get('level', '?')}, flags {build.get('cmake_args', 'unknown')}",
        "instructions the CPU lacks: " + (" ".join(missing_instructions(features, cpu)) or "none"),
        f"extra buffer types: {'on' if p.extra_buffers else 'off'} (RAG_LLAMA_EXTRA_BUFFERS={setting})",
        f"flash attention: {'on' if p.flash_attn else 'off'} (RAG_LLAMA_FLASH_ATTN)",
        "buffers in use: " + ", ".join(f"{k} {v:.0f} MiB" for k, v in p.buffers.items()),
        f"speed ({model.name}, {cpu.cores} cores): {speed_line(p)}",
    ]


def compare(
    model_path: Path,
    *,
    other_sites: Sequence[str] = (),
    rounds: int,
    n_threads: int,
    prompt_tokens: int = 256,
    gen_tokens: int = 64,
) -> dict[str, Any]:
    """Speed of the installed build with and without extra buffers, and of other builds, in one run.

    The variants alternate round by round, so a slow minute of the machine falls on all of them.
    """
    variants: list[tuple[str, ExtraBuffers, str | None]] = [
        ("installed", "on", None),
        ("installed, extra buffers off", "off", None),
    ]
    variants += [(f"build in {site}", "on", site) for site in other_sites]
    runs: dict[str, list[Probe]] = {name: [] for name, _, _ in variants}
    for _ in range(rounds):
        for name, setting, site in variants:
            runs[name].append(
                probe(
                    model_path,
                    extra_buffers=setting,
                    n_threads=n_threads,
                    prompt_tokens=prompt_tokens,
                    gen_tokens=gen_tokens,
                    pythonpath=site,
                )
            )
    out: dict[str, Any] = {
        "cpu": asdict(cpu_info()),
        "model": model_path.name,
        "rounds": rounds,
        "prompt_tokens": prompt_tokens,
        "gen_tokens": gen_tokens,
        "variants": {},
    }
    for name, probes in runs.items():
        good = [p for p in probes if p.ok]
        out["variants"][name] = {
            "ok": len(good),
            "system_info": good[0].system_info if good else "",
            "buffers": good[0].buffers if good else {},
            "prompt_tok_s": [round(p.prompt_tok_s, 2) for p in good],
            "gen_tok_s": [round(p.gen_tok_s, 2) for p in good],
            "prompt_tok_s_median": round(statistics.median(p.prompt_tok_s for p in good), 2) if good else None,
            "gen_tok_s_median": round(statistics.median(p.gen_tok_s for p in good), 2) if good else None,
            "failures": [p.signal or p.returncode for p in probes if not p.ok],
        }
    # Ratios to the installed build, paired round by round (both ran within seconds of each
    # other), then the median: the machine's speed drifts more between rounds than within one.
    for name, probes in runs.items():
        if name == "installed":
            continue
        pairs = [(p, b) for p, b in zip(probes, runs["installed"], strict=True) if p.ok and b.ok]
        v = out["variants"][name]
        v["prompt_ratio_vs_installed"] = _median_ratio([(p.prompt_tok_s, b.prompt_tok_s) for p, b in pairs])
        v["gen_ratio_vs_installed"] = _median_ratio([(p.gen_tok_s, b.gen_tok_s) for p, b in pairs])
    return out


def _median_ratio(pairs: Sequence[tuple[float, float]]) -> float | None:
    ratios = [a / b for a, b in pairs if b > 0]
    return round(statistics.median(ratios), 3) if ratios else None


# --- the child -------------------------------------------------------------------------------
_PROBE_TEXT = (
    "ALEPPO, Syria — Doctors in the besieged eastern districts of the city said on Saturday that "
    "the last hospitals were running out of fuel and medicine, as air strikes continued for a fifth "
    "day and aid convoys waited at the edge of the city for permission to enter. "
)


def _child(
    model_path: str, setting: str, n_threads: int, prompt_tokens: int, gen_tokens: int, flash_attn: bool = False
) -> int:
    from rag.model.generation import load_llama, system_info

    def emit(**kv: Any) -> None:
        print(json.dumps(kv), flush=True)

    if setting not in get_args(ExtraBuffers):
        raise SystemExit(f"extra buffers must be auto, on or off, not {setting!r}")
    mode = cast(ExtraBuffers, setting)
    info = system_info()
    extra = use_extra_buffers(mode, build_features(info))
    emit(stage="start", system_info=info, extra_buffers=extra)
    t0 = time.perf_counter()
    llm = load_llama(
        Path(model_path),
        n_ctx=max(512, prompt_tokens + gen_tokens + 16),
        n_threads=n_threads,
        n_gpu_layers=0,
        seed=1234,
        extra_buffers=mode,
        flash_attn=flash_attn,
        verbose=True,  # the load log on stderr names the buffer types
    )
    emit(stage="loaded", load_s=round(time.perf_counter() - t0, 3))
    tokens = llm.tokenize((_PROBE_TEXT * (prompt_tokens // 40 + 2)).encode("utf-8"), add_bos=True)[:prompt_tokens]
    t1 = time.perf_counter()
    first = 0.0
    n = 0
    # Banning end-of-text makes every run write exactly `gen_tokens` tokens.
    for chunk in llm.create_completion(
        tokens, max_tokens=gen_tokens, temperature=0.0, stream=True, logit_bias={llm.token_eos(): -1e9}
    ):
        if chunk["choices"][0].get("finish_reason"):
            continue  # the closing chunk carries no token
        n += 1
        if n == 1:
            first = time.perf_counter() - t1
    total = time.perf_counter() - t1
    emit(
        stage="generated",
        prompt_tokens=len(tokens),
        prompt_tok_s=len(tokens) / first if first else 0.0,
        gen_tokens=n,
        gen_tok_s=(n - 1) / (total - first) if n > 1 and total > first else 0.0,
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m rag.model.doctor")
    ap.add_argument("--child", nargs=5, metavar=("MODEL", "EXTRA", "THREADS", "PROMPT", "GEN"), required=True)
    ap.add_argument("--flash-attn", action="store_true")
    args = ap.parse_args(argv)
    model, setting, threads, prompt, gen = args.child
    return _child(model, setting, int(threads), int(prompt), int(gen), args.flash_attn)


if __name__ == "__main__":
    sys.exit(main())
