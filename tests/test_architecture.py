"""The shape of the tree (ARCHITECTURE.md): wings that say what they own, short functions and classes,
tests that mirror the source, and a layer contract that fails on a forbidden import.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WINGS = ("core", "reading", "index", "model", "answering", "pipeline", "eval", "faces")
MAX_FUNCTION_LINES = 80  # issue 22: no function in rag/ or ui/ longer than this
MAX_CLASS_LINES = 200


def _sources() -> list[Path]:
    return sorted([*(ROOT / "rag").rglob("*.py"), *(ROOT / "ui").rglob("*.py")])


def test_every_module_lives_in_a_wing() -> None:
    loose = sorted(p.name for p in (ROOT / "rag").glob("*.py") if p.name != "__init__.py")
    assert loose == []
    assert sorted(p.name for p in (ROOT / "rag").iterdir() if (p / "__init__.py").exists()) == sorted(WINGS)


@pytest.mark.parametrize("wing", WINGS)
def test_every_wing_says_what_it_owns_and_may_import(wing: str) -> None:
    doc = ast.get_docstring(ast.parse((ROOT / "rag" / wing / "__init__.py").read_text(encoding="utf-8")))
    assert doc, f"rag/{wing}/__init__.py has no docstring"
    assert "import" in doc.lower(), f"rag/{wing}/__init__.py does not say what it may import"


def test_no_long_functions_or_classes() -> None:
    long = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                limit = MAX_CLASS_LINES if isinstance(node, ast.ClassDef) else MAX_FUNCTION_LINES
                if lines > limit:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({lines} lines)")
    assert long == []


# Tests of a whole wing or of the product rather than of one module, each with what it covers.
WHOLE = {
    "tests/eval/test_eval.py": "the eval suite, rag/eval",
    "tests/index/test_chroma_server.py": "the index served by `chroma run`",
    "tests/chat/test_browser.py": "the chat in headless Chromium",
}


def test_tests_mirror_the_tree() -> None:
    """tests/<wing>/test_<module>.py beside rag/<wing>/<module>.py, tests/chat/ beside ui/ (a folder
    named ui or prompts under tests/ would shadow those packages wherever tests/ is on sys.path);
    tests/system holds the whole product's tests; the rest are the named whole-wing tests."""
    strays = []
    for test in sorted((ROOT / "tests").glob("*/test_*.py")):
        name, wing = str(test.relative_to(ROOT)), test.parent.name
        source = ROOT / ("ui" if wing == "chat" else f"rag/{wing}") / test.name.removeprefix("test_")
        if wing != "system" and name not in WHOLE and not source.exists():
            strays.append(name)
    assert strays == []
    # pytest imports test files by their name: two of one name in different folders break collection
    names = [p.name for p in (ROOT / "tests").rglob("test_*.py")]
    assert sorted({n for n in names if names.count(n) > 1}) == []
    assert sorted(p.name for p in (ROOT / "tests").glob("test_*.py")) == ["test_architecture.py", "test_prompts.py"]
    assert not (ROOT / "tests" / "ui").exists() and not (ROOT / "tests" / "prompts").exists()


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("lint-imports")
    if not exe.exists():
        pytest.skip("import-linter is not installed: run scripts/setup.sh --test")
    return subprocess.run(
        [str(exe), "--config", str(root / "pyproject.toml")],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_layer_contract_is_kept() -> None:
    done = _lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 kept, 0 broken" in done.stdout


def test_layer_contract_fails_on_an_import_from_a_wing_above(tmp_path: Path) -> None:
    """The contract bites: reading (low) importing the index (above it) breaks it."""
    for name in ("rag", "ui", "pyproject.toml"):
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(src, tmp_path / name)
    chunking = tmp_path / "rag" / "reading" / "chunking.py"
    chunking.write_text(chunking.read_text(encoding="utf-8") + "\nfrom rag.index import store  # noqa\n")
    done = _lint_imports(tmp_path)
    assert done.returncode != 0
    assert "rag.reading is not allowed to import rag.index" in done.stdout
    assert "rag.reading.chunking -> rag.index.store" in done.stdout
