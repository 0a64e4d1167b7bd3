"""The processor as /proc/cpuinfo reports it (rag/core/machine.py)."""

from rag.core.machine import CPU_FLAGS, cpu_info

AMX_CPUINFO = """processor\t: 0
model name\t: Intel(R) Xeon(R) Platinum 8480+
flags\t\t: fpu sse4_2 avx avx2 fma f16c bmi2 avx512f avx512bw avx512vl avx512_vnni avx512_bf16 amx_tile amx_int8 amx_bf16
processor\t: 1
"""


def test_cpu_info_reads_model_and_flags() -> None:
    cpu = cpu_info(AMX_CPUINFO)
    assert cpu.model == "Intel(R) Xeon(R) Platinum 8480+"
    assert "avx512vbmi" not in AMX_CPUINFO  # every flag that matters but this one is listed
    assert cpu.flags == tuple(f for f in CPU_FLAGS if f != "avx512vbmi")
    assert "lacks" not in cpu.describe()
    plain = cpu_info("model name\t: Old\nflags\t\t: sse4_2 avx avx2\n")
    assert plain.flags == ("avx", "avx2") and plain.describe().endswith("lacks avx512f amx_int8")
