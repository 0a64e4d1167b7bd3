"""The name decisions of the answering gates on two eval runs' retrieved text, to compare a change.

For every case of the BBC and seeds reports named below: the premise check of the question
against its retrieved passages joined by article (with the corpus's words as the index
vocabulary), and `names_missing` of the question against each shown or related statement with
its citations' titles and quotes. Writes {key: decision} as JSON to OUT; run it before and after
a change to the name rules and diff the two files.

    PYTHONPATH=$PWD .venv/bin/python scripts/name-decisions.py OUT

Used on 2026-12-01 for the demonyms (docs/demonym-changes-2026-12-01.json).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rag.answering.premise import check_premise, names_missing
from rag.index.lexical import tokenize

RUNS = (
    ("bbc", "docs/eval-bbc-2026-11-30f/91f7452/report.json", "../shared/corpora/bbc-news"),
    ("seeds", "docs/eval-seeds-2026-11-30c/ed1535a/report.json", "seeds"),
)


def main(out_path: str) -> None:
    out: dict[str, object] = {}
    for tag, report, corpus in RUNS:
        vocabulary: set[str] = set()
        for p in Path(corpus).rglob("*.txt"):
            vocabulary.update(tokenize(p.read_text(encoding="utf-8", errors="replace")))
        for row in json.loads(Path(report).read_text(encoding="utf-8"))["rows"]:
            answer = row["answer"]
            by_article: dict[str, list[str]] = {}
            for p in answer["passages"]:
                by_article.setdefault(p["source"], []).append(p["text"])
            texts = [" ".join(v) for v in by_article.values()]
            pc = check_premise(row["question"], texts, vocabulary)
            out[f"{tag}:{row['id']}:premise"] = [list(pc.missing), list(pc.apart), list(pc.unfound)]
            for i, st in enumerate(answer["statements"] + answer.get("related", [])):
                cites = st["citations"]
                evidence = " ".join([st["text"], *(c.get("title") or "" for c in cites), *(c["quote"] for c in cites)])
                out[f"{tag}:{row['id']}:st{i}"] = names_missing(row["question"], evidence)
    Path(out_path).write_text(json.dumps(out, indent=0), encoding="utf-8")
    print(len(out), "decisions")


if __name__ == "__main__":
    main(sys.argv[1])
