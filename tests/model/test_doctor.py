"""The native-library check: load parameters, build flags, CPU facts, and a crash in a child process."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest

from rag.core.errors import ModelError
from rag.core.machine import CpuInfo, cpu_info
from rag.model import doctor
from rag.model.generation import (
    build_features,
    greedy_grammar_llama,
    load_llama,
    project_llama,
    system_info,
    use_extra_buffers,
)

ROOT = Path(__file__).resolve().parents[2]

AMX_CPUINFO = """processor\t: 0
model name\t: Intel(R) Xeon(R) Platinum 8480+
flags\t\t: fpu sse4_2 avx avx2 fma f16c bmi2 avx512f avx512bw avx512vl avx512_vnni avx512_bf16 amx_tile amx_int8 amx_bf16
processor\t: 1
"""
AMX_BUILD = "CPU : SSE3 = 1 | AVX = 1 | AVX2 = 1 | AVX512 = 1 | AVX512_VNNI = 1 | AMX_INT8 = 1 | REPACK = 1 |"
PORTABLE_BUILD = "CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | BMI2 = 1 | REPACK = 1 |"


def test_build_features_parses_the_system_info_line() -> None:
    f = build_features(AMX_BUILD)
    assert f["AMX_INT8"] is True and f["AVX512"] is True and f["REPACK"] is True
    assert build_features("CPU : AVX2 = 1 | AMX_INT8 = 0 |") == {"AVX2": True, "AMX_INT8": False}


@pytest.mark.parametrize(
    ("setting", "build", "expected"),
    [
        ("auto", AMX_BUILD, False),  # AMX code compiled in: its Q4_K matmul crashes, so no extra buffers
        ("auto", PORTABLE_BUILD, True),  # no AMX: keep the AVX2 repacking
        ("on", AMX_BUILD, True),
        ("off", PORTABLE_BUILD, False),
    ],
)
def test_extra_buffers_are_off_exactly_where_amx_is_compiled_in(setting: str, build: str, expected: bool) -> None:
    assert use_extra_buffers(setting, build_features(build)) is expected  # type: ignore[arg-type]


def _fake_llama_cpp(info: str) -> tuple[types.ModuleType, list[dict[str, object]]]:
    """A stand-in llama_cpp package whose Llama records the model params it was built from."""
    seen: list[dict[str, object]] = []
    low = types.ModuleType("llama_cpp.llama_cpp")

    def default_params() -> types.SimpleNamespace:
        return types.SimpleNamespace(use_extra_bufts=True, n_gpu_layers=0)

    low.llama_model_default_params = default_params  # type: ignore[attr-defined]
    pkg = types.ModuleType("llama_cpp")

    class Llama:
        def __init__(self, **kw: object) -> None:
            # As llama-cpp-python's Llama does: start from the library's default params.
            self.model_params = pkg.llama_cpp.llama_model_default_params()  # type: ignore[attr-defined]
            seen.append({"use_extra_bufts": self.model_params.use_extra_bufts, **kw})

    pkg.llama_cpp = low  # type: ignore[attr-defined]
    pkg.Llama = Llama  # type: ignore[attr-defined]
    pkg.llama_print_system_info = lambda: info.encode()  # type: ignore[attr-defined]
    return pkg, seen


@pytest.mark.parametrize(("info", "expected"), [(AMX_BUILD, False), (PORTABLE_BUILD, True)])
def test_load_llama_sets_the_chosen_extra_buffer_parameter(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, info: str, expected: bool
) -> None:
    pkg, seen = _fake_llama_cpp(info)
    monkeypatch.setitem(sys.modules, "llama_cpp", pkg)
    monkeypatch.setitem(sys.modules, "llama_cpp.llama_cpp", pkg.llama_cpp)  # type: ignore[attr-defined]
    original = pkg.llama_cpp.llama_model_default_params  # type: ignore[attr-defined]
    llm = load_llama(tmp_path / "m.gguf", n_ctx=512, n_threads=2, n_gpu_layers=0, seed=7)
    assert seen == [
        {
            "use_extra_bufts": expected,
            "model_path": str(tmp_path / "m.gguf"),
            "n_ctx": 512,
            "n_threads": 2,
            "n_gpu_layers": 0,
            "seed": 7,
            "flash_attn": False,
            "verbose": False,
        }
    ]
    assert llm.model_params.use_extra_bufts is expected
    # Constrained greedy sampling tests the grammar on the first choice first (the default); every
    # model neutralises its messages and keeps its system prompt (`project_llama`).
    assert type(llm) is project_llama(greedy_grammar_llama(pkg.Llama))  # type: ignore[attr-defined]
    plain = load_llama(tmp_path / "m.gguf", n_ctx=512, n_threads=2, n_gpu_layers=0, seed=7, grammar_first_choice=False)
    assert type(plain) is project_llama(pkg.Llama)  # type: ignore[attr-defined]
    # The library's own default is back in place for anyone else.
    assert pkg.llama_cpp.llama_model_default_params is original  # type: ignore[attr-defined]
    assert original().use_extra_bufts is True


def test_load_errors_name_the_fix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pkg, _ = _fake_llama_cpp(PORTABLE_BUILD)

    class Broken:
        def __init__(self, **kw: object) -> None:
            raise ValueError("Failed to load model from file")

    pkg.Llama = Broken  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "llama_cpp", pkg)
    with pytest.raises(ModelError, match="Failed to load model from file.*rag doctor"):
        load_llama(tmp_path / "m.gguf", n_ctx=512, n_threads=2, n_gpu_layers=0, seed=7)


def _levels() -> dict[str, tuple[set[str], list[str]]]:
    """scripts/llama-cmake-args as {level: (CPU flags it needs, CMake flags)}."""
    out = {}
    for line in (ROOT / "scripts" / "llama-cmake-args").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            head, flags = line.split(": ", 1)
            name, needs = head.split(" needs ")
            out[name] = (set(needs.split()), flags.split())
    return out


def test_every_build_level_is_explicit_and_has_no_amx() -> None:
    levels = _levels()
    assert list(levels) == ["avx2", "avx512"]
    for name, (needs, args) in levels.items():
        assert "-DGGML_NATIVE=OFF" in args, name
        assert {"-DGGML_AMX_TILE=OFF", "-DGGML_AMX_INT8=OFF", "-DGGML_AMX_BF16=OFF"} <= set(args), name
        assert not any("AMX" in a and a.endswith("=ON") for a in args), name
        # A level only turns on instruction sets that its "needs" list requires of the CPU.
        on = {a[len("-DGGML_") : -len("=ON")] for a in args if a.endswith("=ON") and a.startswith("-DGGML_")}
        assert {doctor.BUILD_TO_CPU[f] for f in on} <= needs, name
    assert "-DGGML_AVX512=OFF" in levels["avx2"][1] and "-DGGML_AVX512=ON" in levels["avx512"][1]


def test_the_installed_library_uses_only_instructions_this_cpu_has() -> None:
    """The library here was built by scripts/build-llama.sh for this CPU's level, with no AMX code."""
    f = build_features(system_info())
    cpu = cpu_info()
    assert f.get("AVX2") and f.get("FMA") and f.get("REPACK")
    assert not f.get("AMX_INT8") and not f.get("AMX_BF16")
    assert doctor.missing_instructions(f, cpu) == []
    record = doctor.build_record(ROOT)
    needs, args = _levels()[record["level"]]
    assert record["cmake_args"].split() == args
    assert needs <= set(cpu.flags)
    # The highest level this CPU supports was chosen.
    best = [name for name, (n, _) in _levels().items() if n <= set(_cpu_flags())][-1]
    assert record["level"] == best


def _cpu_flags() -> list[str]:
    text = Path("/proc/cpuinfo").read_text()
    return next(line for line in text.splitlines() if line.startswith("flags")).split(":", 1)[1].split()


def test_missing_instructions_names_what_would_crash() -> None:
    plain = cpu_info("model name\t: Old\nflags\t\t: avx avx2 fma f16c bmi2\n")
    assert doctor.missing_instructions(build_features(AMX_BUILD), plain) == ["AVX512", "AVX512_VNNI", "AMX_INT8"]
    assert doctor.missing_instructions(build_features(PORTABLE_BUILD), plain) == []


def test_buffer_types_are_read_from_the_load_log() -> None:
    log = textwrap.dedent(
        """\
        load_tensors: loading model tensors, this can take a while... (mmap = true)
        load_tensors:   CPU_Mapped model buffer size =   934.53 MiB
        load_tensors:   CPU_REPACK model buffer size =   657.00 MiB
        llama_context:        CPU  output buffer size =     0.58 MiB
        """
    )
    assert doctor.buffer_types(log) == {"CPU_Mapped": 934.53, "CPU_REPACK": 657.0}


def test_signal_names() -> None:
    assert doctor.signal_name(-11) == "SIGSEGV"
    assert doctor.signal_name(139) == "SIGSEGV"
    assert doctor.signal_name(-4) == "SIGILL"
    assert doctor.signal_name(0) is None and doctor.signal_name(2) is None


def _crashing_site(tmp_path: Path, how: str) -> Path:
    """A llama_cpp package that dies in native-like fashion when the model is loaded."""
    pkg = tmp_path / "site" / "llama_cpp"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text(
        textwrap.dedent(
            f"""\
            import os, signal, sys, types
            llama_cpp = types.ModuleType("llama_cpp.llama_cpp")
            llama_cpp.llama_model_default_params = lambda: types.SimpleNamespace(use_extra_bufts=True)
            sys.modules["llama_cpp.llama_cpp"] = llama_cpp
            def llama_print_system_info():
                return b"{AMX_BUILD}"
            class Llama:
                def __init__(self, **kw):
                    print("load_tensors:   AMX model buffer size =   600.00 MiB", file=sys.stderr, flush=True)
                    os.kill(os.getpid(), signal.{how})
            """
        )
    )
    return tmp_path / "site"


def test_a_native_crash_in_the_child_becomes_a_message_with_the_fix(tmp_path: Path) -> None:
    site = _crashing_site(tmp_path, "SIGSEGV")
    p = doctor.probe(tmp_path / "m.gguf", extra_buffers="on", pythonpath=str(site), timeout_s=120)
    assert not p.ok
    assert (p.signal, p.stage) == ("SIGSEGV", "start")
    assert p.system_info == AMX_BUILD and p.extra_buffers is True
    msg = doctor.crash_message(p, cpu_info(AMX_CPUINFO), "on")
    assert "SIGSEGV" in msg and "while loading the model" in msg
    assert "amx_int8" in msg and "AMX_INT8 = 1" in msg
    assert "RAG_LLAMA_EXTRA_BUFFERS=off" in msg
    assert "AMX model buffer size" in msg  # llama.cpp's last words are shown


def test_an_illegal_instruction_points_at_a_rebuild(tmp_path: Path) -> None:
    site = _crashing_site(tmp_path, "SIGILL")
    p = doctor.probe(tmp_path / "m.gguf", extra_buffers="auto", pythonpath=str(site), timeout_s=120)
    assert p.signal == "SIGILL"
    msg = doctor.crash_message(p, cpu_info(AMX_CPUINFO), "auto")
    assert "scripts/setup.sh" in msg and "RAG_LLAMA_CMAKE_ARGS" in msg


def test_ensure_runs_checks_once_then_trusts_the_stamp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF")
    calls: list[str] = []
    ok = doctor.Probe(True, "generated", 0, None, system_info=PORTABLE_BUILD, extra_buffers=True)

    def fake_check(
        path: Path, *, setting: str, n_threads: int, quick: bool, flash_attn: bool
    ) -> tuple[doctor.Probe, CpuInfo]:
        calls.append(setting + (" flash" if flash_attn else ""))
        return ok, cpu_info(AMX_CPUINFO)

    monkeypatch.setattr(doctor, "check", fake_check)
    monkeypatch.setattr("rag.model.generation.system_info", lambda: PORTABLE_BUILD)
    doctor.ensure_runs(model, setting="auto", n_threads=0, cache_dir=tmp_path)
    doctor.ensure_runs(model, setting="auto", n_threads=0, cache_dir=tmp_path)
    assert calls == ["auto"]
    stamps = list((tmp_path / "doctor").glob("*.ok"))
    assert len(stamps) == 1 and json.loads(stamps[0].read_text())["ok"] is True
    doctor.ensure_runs(model, setting="off", n_threads=0, cache_dir=tmp_path)  # another setting: checked again
    assert calls == ["auto", "off"]
    # Flash attention runs other kernels: checked with it on, once.
    for _ in range(2):
        doctor.ensure_runs(model, setting="off", n_threads=0, cache_dir=tmp_path, flash_attn=True)
    assert calls == ["auto", "off", "off flash"]


@pytest.mark.parametrize(
    ("flags", "level"),
    [
        # Sapphire Rapids: AMX and AVX-512 -> the AVX-512 level, which compiles no AMX code.
        (
            "fpu sse4_2 avx avx2 fma f16c bmi2 avx512f avx512bw avx512vl avx512vbmi avx512_vnni avx512_bf16 amx_tile amx_int8 amx_bf16",
            "avx512",
        ),
        # Skylake-X: AVX-512 without VNNI/VBMI/BF16 -> AVX2.
        ("fpu sse4_2 avx avx2 fma f16c bmi2 avx512f avx512bw avx512vl", "avx2"),
        ("fpu sse4_2 avx avx2 fma f16c bmi2", "avx2"),  # Haswell
    ],
)
def test_the_build_script_picks_the_highest_level_the_cpu_has(tmp_path: Path, flags: str, level: str) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(f"processor\t: 0\nflags\t\t: {flags}\n")
    env = {"PATH": "/usr/bin:/bin", "RAG_CPUINFO": str(cpuinfo)}
    out = subprocess.run(
        ["bash", str(ROOT / "scripts" / "build-llama.sh"), "--print"], env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    name, args = out.stdout.strip().split(": ", 1)
    assert name == level and args.split() == _levels()[level][1]
    assert "-DGGML_AMX_INT8=OFF" in args


def test_the_build_script_refuses_a_cpu_without_avx2(tmp_path: Path) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("flags\t\t: fpu sse4_2 avx\n")
    env = {"PATH": "/usr/bin:/bin", "RAG_CPUINFO": str(cpuinfo)}
    out = subprocess.run(
        ["bash", str(ROOT / "scripts" / "build-llama.sh"), "--print"], env=env, capture_output=True, text=True
    )
    assert out.returncode == 2 and "RAG_LLAMA_CMAKE_ARGS" in out.stderr


@pytest.mark.parametrize(
    "kw",
    [
        {"temp": 0.8, "grammar": "g"},  # sampling, not greedy
        {"temp": 0.0, "grammar": None},  # nothing to constrain
        {"temp": 0.0, "grammar": "g", "repeat_penalty": 1.1},
        {"temp": 0.0, "grammar": "g", "presence_penalty": 0.5},
        {"temp": 0.0, "grammar": "g", "logits_processor": [lambda ids, logits: logits]},  # logit_bias
        {"temp": 0.0, "grammar": "g", "mirostat_mode": 2},
    ],
)
def test_grammar_first_choice_leaves_other_sampling_to_the_librarys_chain(kw: dict[str, object]) -> None:
    """Only plain constrained greedy decoding, where it gives the same tokens, skips the chain."""

    class Base:
        def _init_sampler(self, **kw: object) -> str:
            return "chain"

    assert greedy_grammar_llama(Base)()._init_sampler(**kw) == "chain"
