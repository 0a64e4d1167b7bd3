from __future__ import annotations

from rag.cli import format_answer
from rag.types import Answer, Citation, Statement


def test_cli_prints_the_answer_text_and_each_numbered_passage() -> None:
    c = Citation("seeds/a.txt", 3, 20, "only 30 doctors", "Title", "2016-10-02", None)
    a = Answer(
        "q", "As of 2016-10-02: Only 30 doctors remain. [1]", (Statement("Only 30 doctors remain.", (c,)),), False
    )
    out = format_answer(a).splitlines()
    assert out[0] == "As of 2016-10-02: Only 30 doctors remain. [1]"
    assert out[2] == "[1] seeds/a.txt:3-20 (Title, 2016-10-02)"
    assert out[3] == "    “only 30 doctors”"


def test_bench_compare_tree_names_a_tree_that_cannot_run(tmp_path) -> None:
    import pytest

    from rag.bench import _run_tree

    with pytest.raises(RuntimeError, match=str(tmp_path)):
        _run_tree(tmp_path, ["How many doctors remain?"])


def test_bench_child_reports_its_own_peak_memory() -> None:
    from rag.bench import _child

    _child(["-c", "x = bytearray(300_000_000)"], {})
    out, took, rss = _child(["-c", "x = bytearray(60_000_000); print('ok')"], {})
    assert out.strip() == "ok" and took > 0
    assert 60 <= rss < 290, "the small child's peak, not the earlier, larger one's"
