"""The processor as the kernel reports it: its model name, cores and the instruction sets that decide
which llama.cpp kernels can run (`rag doctor`) and how the embedder computes (`rag.index.embeddings`).
"""

from __future__ import annotations

import os
import platform
import re
from dataclasses import dataclass
from pathlib import Path

# The instruction sets that decide which llama.cpp kernels can run (names as in /proc/cpuinfo).
CPU_FLAGS = (
    "avx",
    "avx2",
    "fma",
    "f16c",
    "bmi2",
    "avx512f",
    "avx512bw",
    "avx512vl",
    "avx512_vnni",
    "avx512_bf16",
    "avx512vbmi",
    "amx_tile",
    "amx_int8",
    "amx_bf16",
)


@dataclass(frozen=True, slots=True)
class CpuInfo:
    """The processor as the kernel reports it."""

    model: str
    cores: int
    flags: tuple[str, ...]  # the CPU_FLAGS it has, in CPU_FLAGS order

    def describe(self) -> str:
        missing = [f for f in ("avx2", "avx512f", "amx_int8") if f not in self.flags]
        return f"{self.model} ({self.cores} cores); has {' '.join(self.flags) or 'none of ' + ', '.join(CPU_FLAGS)}" + (
            f"; lacks {' '.join(missing)}" if missing else ""
        )


def cpu_info(cpuinfo: str | None = None) -> CpuInfo:
    """Parse /proc/cpuinfo (or the given text) for the model name and the flags that matter."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
        except OSError:
            cpuinfo = ""
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    flags = re.search(r"^flags\s*:\s*(.+)$", cpuinfo, re.M)
    have = set(flags.group(1).split()) if flags else set()
    return CpuInfo(
        model=model.group(1).strip() if model else platform.processor() or platform.machine(),
        cores=os.cpu_count() or 1,
        flags=tuple(f for f in CPU_FLAGS if f in have),
    )
