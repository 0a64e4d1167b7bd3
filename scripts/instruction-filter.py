"""Measures the instruction filter (`rag.reading.instructions`) through indexing's own path.

Each labelled text of `tests/data/injections.jsonl` is a paragraph of an article
("Probe headline", a lead sentence, then the text): flagged when the filter flags one of its
sentences, withheld when indexing (`make_document`) leaves its paragraph out for that, kept out of
the index when none of its sentences is indexed (withheld, or dropped as a heading by reading).
Every article of a real archive is read as indexing reads it (`read_text`, `withheld_spans`);
every sentence it would withhold is listed with the rule that fired. Writes JSON:

    .venv/bin/python scripts/instruction-filter.py ../shared/corpora/bbc-news > docs/instruction-filter.json
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from rag.reading.ingest import make_document, parse_article, read_text, sentences_of, withheld_spans
from rag.reading.instructions import instruction_rule
from rag.reading.sentences import split_sentences

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "tests" / "data" / "injections.jsonl"
LEAD = "The council met on Monday to discuss the plan."


def as_article(text: str) -> str:
    """A labelled text as the third paragraph of an article, the way a page would carry it."""
    return f"Probe headline\n\n{LEAD}\n\n{text}\n"


def probe(text: str) -> tuple[str | None, bool, bool]:
    """(the rule the filter flags one of the text's sentences by, or None; whether indexing withholds
    its paragraph; whether any of its sentences reaches the index) for a labelled text."""
    article = as_article(text)
    at = article.index(text)
    sentences = split_sentences(article, at, at + len(text))
    rule = next((r for x in sentences if (r := instruction_rule(x.text))), None)
    doc = make_document("probe.txt", article)
    indexed = any(s.end > at and s.start < at + len(text) for s in doc.sentences)
    return rule, doc.withheld > 0, indexed


def labelled() -> dict[str, object]:
    """The labelled set's report: injected and negatives overall, then counted per split (`dev` is
    the set the rules were written against; `holdout`, `holdout2` were written later and measured
    once before any rule was changed for them: see `rag.reading.instructions`)."""
    rows = [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines() if line.strip()]
    probes = {r["text"]: probe(r["text"]) for r in rows}
    out: dict[str, object] = {"set": LABELS.relative_to(ROOT).as_posix()}
    for injected, key in ((True, "injected"), (False, "negatives")):
        out[key] = group_report([(r["text"], *probes[r["text"]]) for r in rows if r["injected"] is injected], injected)
    by_split: dict[str, dict[str, dict[str, int]]] = {}
    for r in rows:
        rule, held, indexed = probes[r["text"]]
        key = "injected" if r["injected"] else "negatives"
        counts = by_split.setdefault(r.get("split", "dev"), {}).setdefault(key, dict.fromkeys(_COUNTS, 0))
        for name, hit in zip(_COUNTS, (True, bool(rule), held, not indexed), strict=True):
            counts[name] += hit
    out["by_split"] = by_split
    return out


_COUNTS = ("n", "flagged", "withheld", "kept_out_of_index")


def group_report(group: list[tuple[str, str | None, bool, bool]], injected: bool) -> dict[str, object]:
    """Counts, shares, rules and exceptions of one group of (text, rule, withheld, indexed)."""
    n = len(group)
    flagged = sum(1 for g in group if g[1])
    kept_out = sum(1 for g in group if not g[3])
    by_rule: dict[str, int] = {}
    for _, rule, _, _ in group:
        if rule:
            by_rule[rule] = by_rule.get(rule, 0) + 1
    return {
        "n": n,
        "flagged": flagged,
        "withheld": sum(1 for g in group if g[2]),
        "kept_out_of_index": kept_out,
        "share_flagged": round(flagged / n, 4) if n else None,
        "share_kept_out_of_index": round(kept_out / n, 4) if n else None,
        "by_rule": dict(sorted(by_rule.items())),
        # injected: what the filter misses or what reaches the index; negatives: what is flagged or withheld
        "exceptions": [
            {"text": t, "rule": rule, "withheld": held, "indexed": indexed}
            for t, rule, held, indexed in group
            if (injected and (not rule or indexed)) or (not injected and (rule or held))
        ],
    }


def archive(corpus: Path) -> dict[str, object]:
    files = sorted(p for p in corpus.rglob("*") if p.suffix in (".txt", ".md") and p.name != "README.md")
    sentences = 0
    listed = []
    for path in files:
        res = read_text(path, max_bytes=10_000_000)
        if res.text is None:
            continue
        kept, held = sentences_of(res.text, parse_article(res.text).spans)
        sentences += len(kept) + held
        for s, e in withheld_spans(res.text):
            quote = res.text[s:e]
            listed.append(
                {"source": path.relative_to(corpus).as_posix(), "start": s, "end": e, "text": quote,
                 "rule": instruction_rule(quote)}
            )  # fmt: skip
    return {
        "corpus": corpus.name,
        "articles": len(files),
        "sentences": sentences,
        "withheld": len(listed),
        "withheld_sentences": listed,
    }


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python scripts/instruction-filter.py CORPUS_DIR > docs/instruction-filter.json", file=sys.stderr)
        return 2
    corpus = Path(argv[0])
    if not corpus.is_dir():
        print(f"{corpus}: not a folder; give the archive's folder (e.g. ../shared/corpora/bbc-news)", file=sys.stderr)
        return 2
    t = time.perf_counter()
    report = {
        "command": "python scripts/instruction-filter.py " + argv[0],
        **labelled(),
        "archive": archive(corpus),
        "seconds": round(time.perf_counter() - t, 2),
    }
    json.dump(report, sys.stdout, indent=2, ensure_ascii=False)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
