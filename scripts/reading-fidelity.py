"""How much of an archive's article text reaches the index, and how many article dates are invented.

    PYTHONPATH=$PWD .venv/bin/python scripts/reading-fidelity.py /work/shared/corpora/bbc-news \\
        --out docs/reading-fidelity.json

Reads every article as `rag index` does (`load_document`), without indexing anything, and reports:

- the share of body characters (all text after the headline, the first line; whitespace not
  counted) that lie inside an indexed sentence, with every line kept out and its reason
  (`rag.reading.ingest.explain`), and any character kept out without a reason (there should be none);
- the articles given a date. On an archive without dates (the BBC archive's README: "no date
  lines") every date is invented: the target is 0.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rag.reading.ingest import discover, explain, load_document

TARGET = 0.995  # issue 26: at least 99.5% of the body's characters reach an indexed sentence


def _article(path: Path, root: Path) -> dict[str, Any]:
    """One article's counts: body characters, those indexed, the lines kept out, its date."""
    doc, warning = load_document(path, root=root, max_bytes=10**8)
    if doc is None:
        return {"source": path.relative_to(root).as_posix(), "skipped": warning}
    text = doc.text
    body_from = text.find("\n") + 1 if "\n" in text else len(text)
    inside = bytearray(len(text))
    for s in doc.sentences:
        inside[s.start : s.end] = b"\x01" * (s.end - s.start)
    explained = bytearray(len(text))
    left_out = []
    for x in explain(text):
        explained[x.start : x.end] = b"\x01" * (x.end - x.start)
        if x.end > body_from and text[max(x.start, body_from) : x.end].strip():
            left_out.append({"start": x.start, "end": x.end, "reason": x.reason, "text": text[x.start : x.end]})
    body = indexed = unexplained = 0
    for i in range(body_from, len(text)):
        if not text[i].isspace():
            body += 1
            indexed += inside[i]
            unexplained += not (inside[i] or explained[i])
    date = {"date": doc.date, "first_sentence": doc.sentences[0].text} if doc.date else None
    return {
        "source": doc.source,
        "body_chars": body,
        "indexed_chars": indexed,
        "unexplained_chars": unexplained,
        "left_out": left_out,
        "date": date,
    }


def measure(root: Path) -> dict[str, Any]:
    """The report for every article under `root` (see the module docstring)."""
    paths = [p for p in discover([root]) if p.parent != root or p.name.lower() != "readme.md"]  # the archive's README
    rows = [_article(p, root) for p in paths]
    read = [r for r in rows if "skipped" not in r]
    body = sum(int(r["body_chars"]) for r in read)
    indexed = sum(int(r["indexed_chars"]) for r in read)
    exceptions = [{"source": r["source"], **x} for r in read for x in r["left_out"]]
    dated = [{"source": r["source"], **r["date"]} for r in read if r["date"]]
    share = indexed / body if body else float("nan")
    return {
        "corpus": str(root),
        "command": "PYTHONPATH=$PWD .venv/bin/python scripts/reading-fidelity.py " + str(root),
        "articles": len(rows),
        "skipped": [{"source": r["source"], "warning": r["skipped"]} for r in rows if "skipped" in r],
        "body_chars": body,
        "indexed_chars": indexed,
        "indexed_share": round(share, 6),
        "target": TARGET,
        "meets_target": share >= TARGET,
        "unexplained_chars": sum(int(r["unexplained_chars"]) for r in read),
        "kept_out_lines": len(exceptions),
        "kept_out_by_reason": _by_reason(exceptions),
        "kept_out": exceptions,
        "articles_dated": len(dated),
        "dates_invented": len(dated),  # the archive has no dates: every one is invented
        "dated": dated,
    }


def _by_reason(exceptions: list[dict[str, Any]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for x in exceptions:
        out[str(x["reason"])] = out.get(str(x["reason"]), 0) + 1
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("corpus", type=Path, help="the folder of articles (read in place, never written)")
    ap.add_argument("--out", type=Path, help="write the JSON report here (default: print it)")
    args = ap.parse_args(argv)
    report = measure(args.corpus)
    text = json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    summary = {k: report[k] for k in ("articles", "indexed_share", "kept_out_lines", "dates_invented")}
    print(json.dumps(summary), file=sys.stderr)
    return 0 if report["meets_target"] and report["dates_invented"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
