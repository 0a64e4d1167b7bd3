"""How a change to `rag.reading.speakers` changes whose words each sentence of a corpus is, and a
blind sample of those changes to label by hand.

    # every sentence whose reading differs between COMMIT's speakers.py and today's; a seeded
    # sample of them with the two readings as A and B in random order (the key kept apart)
    .venv/bin/python scripts/speaker-changes.py sample ../shared/corpora/bbc-news --old f2721ae~1 \
        --n 80 --out /tmp/spk/todo.jsonl --key /tmp/spk/key.json
    # after a reader has written {"id", "truth_quotation", "truth_speaker", "A_ok", "B_ok", "note"}
    .venv/bin/python scripts/speaker-changes.py score /tmp/spk/todo.jsonl /tmp/spk/key.json \
        /tmp/spk/labels.jsonl > docs/speaker-changes-2026-11-29.json

A reading is what `rag.answering.voice` shows: for a quotation (a quoted sentence, or one inside a
quotation opened before it), `speaker_of`; for any other sentence, `named_speaker`, and for one
that reports what "he"/"she" said or thinks (`reported_by_pronoun`), `speaker_of`; for a reporter's sentence
quoting a phrase another sentence gives a named source (`phrase_speaker`), that source.
"""

from __future__ import annotations

import importlib.util
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any


def _old(commit: str) -> ModuleType:
    """`rag/reading/speakers.py` as it was at `commit`, loaded as a module of its own."""
    source = subprocess.run(
        ["git", "show", f"{commit}:rag/reading/speakers.py"], check=True, capture_output=True, text=True
    ).stdout
    path = Path(tempfile.mkdtemp()) / "speakers_old.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("speakers_old", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _reading(m: ModuleType, text: str, start: int, end: int) -> dict[str, Any]:
    sentence = text[start:end]
    inside = m.inside_quotation(text, start)
    if hasattr(m, "quotation_goes_on"):  # before f2721ae the count of marks needed this check too
        inside = inside and m.quotation_goes_on(text, start)
    quoted = bool(m.is_quotation(sentence) or inside)
    speaker = m.speaker_of(text, start, end) if quoted else m.named_speaker(sentence)
    # a sentence that names its own source is shown with voice "quote" (rag.answering.voice)
    quoted = quoted or speaker is not None
    # since 2026-11-30 (ninth part) "He said anyone …" is read as '"…," he said.' is
    if not quoted and speaker is None and hasattr(m, "reported_by_pronoun") and m.reported_by_pronoun(sentence):
        speaker = m.speaker_of(text, start, end)
        quoted = speaker is not None
    # since 2026-11-30 (tenth part) a phrase the reporter quotes is the speaker's whom the article
    # names for those words elsewhere ('… for "security reasons".' is Scott Stanzel's)
    phrase = m.phrase_speaker(text, start, end) if not quoted and hasattr(m, "phrase_speaker") else None
    if phrase:
        speaker, quoted = phrase[0], True
    return {"quotation": quoted, "speaker": speaker}


def sample(corpus: Path, old_commit: str, n: int, out: Path, key_path: Path, seed: int) -> None:
    import rag.reading.speakers as new
    from rag.reading.sentences import split_sentences

    old = _old(old_commit)
    rows = []
    for f in sorted(corpus.rglob("*.txt")):
        text = f.read_text(encoding="utf-8")
        for s in split_sentences(text):
            a, b = _reading(old, text, s.start, s.end), _reading(new, text, s.start, s.end)
            if a != b:
                rows.append(
                    {
                        "file": f.relative_to(corpus).as_posix(),
                        "start": s.start,
                        "end": s.end,
                        "sentence": text[s.start : s.end],
                        "context_before": text[max(0, s.start - 700) : s.start],
                        "context_after": text[s.end : s.end + 1500],
                        "old": a,
                        "new": b,
                    }
                )
    rng = random.Random(seed)
    key = {}
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as f:
        for i, r in enumerate(rng.sample(rows, min(n, len(rows)))):
            flip = rng.random() < 0.5
            r["id"] = f"s{i:02d}"
            r["A"], r["B"] = (r.pop("new"), r.pop("old")) if flip else (r.pop("old"), r.pop("new"))
            key[r["id"]] = "A=new" if flip else "A=old"
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    key_path.write_text(json.dumps({"changed": len(rows), "seed": seed, "key": key}, indent=1), encoding="utf-8")
    print(json.dumps({"sentences_changed": len(rows), "sampled": len(key)}))


def score(todo: Path, key_path: Path, labels: Path) -> None:
    key = json.loads(key_path.read_text(encoding="utf-8"))
    rows = {r["id"]: r for r in map(json.loads, todo.read_text(encoding="utf-8").splitlines())}
    old_ok = new_ok = both = neither = 0
    judged = []
    for lab in map(json.loads, labels.read_text(encoding="utf-8").splitlines()):
        a_new = key["key"][lab["id"]] == "A=new"
        o, nw = (lab["B_ok"], lab["A_ok"]) if a_new else (lab["A_ok"], lab["B_ok"])
        r = rows[lab["id"]]
        old, new = (r["B"], r["A"]) if a_new else (r["A"], r["B"])
        old_ok, new_ok = old_ok + o, new_ok + nw
        both, neither = both + (o and nw), neither + (not o and not nw)
        judged.append(
            {"id": lab["id"], "file": r["file"], "sentence": r["sentence"], "old": old, "new": new, "old_right": o}
            | {"new_right": nw, "truth_speaker": lab["truth_speaker"], "note": lab.get("note", "")}
        )
    summary = {"judge": JUDGE, "sentences_changed": key["changed"], "sampled": len(judged)}
    counts = {"old_right": old_ok, "new_right": new_ok, "both_right": both, "neither_right": neither}
    print(json.dumps(summary | counts | {"rows": judged}, indent=1, ensure_ascii=False))


JUDGE = "hand labels: a reader who saw each sentence in its article and the two readings as A and B, not which is new"


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["sample"]:
        opts = dict(zip(args[2::2], args[3::2], strict=False))
        sample(
            Path(args[1]),
            opts["--old"],
            int(opts.get("--n", "80")),
            Path(opts["--out"]),
            Path(opts["--key"]),
            int(opts.get("--seed", "7")),
        )
    elif args[:1] == ["score"] and len(args) == 4:
        score(Path(args[1]), Path(args[2]), Path(args[3]))
    else:
        sys.exit(__doc__)
