"""Which sentences of an archive `voice.opening_sentences` shows from their quotation's opening mark on.

Usage: PYTHONPATH=. .venv/bin/python scripts/quotation-openings.py DIR > out.json

Every sentence that names its own speaker ('…," replied Mr Sullivan.') and closes a quotation
opened in an earlier sentence of its paragraph is listed with the sentences added before it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rag.answering.voice import opening_sentences
from rag.core.types import Citation
from rag.reading.sentences import split_sentences
from rag.reading.speakers import speaker_at


def main(root: Path) -> None:
    changed = []
    for f in sorted(root.rglob("*.txt")):
        text = f.read_text(encoding="utf-8")
        for s in split_sentences(text):
            found = speaker_at(text, s.start, s.end)
            if not found or not s.start <= found[1] < s.end:
                continue  # only a sentence that names its speaker itself
            c = Citation(str(f.relative_to(root)), s.start, s.end, text[s.start : s.end], "", None, None)
            opening = opening_sentences(c, text)
            if opening:
                changed.append({"file": c.source, "shown": " || ".join([*(x.quote for x in opening), c.quote])})
    json.dump({"changed": len(changed), "sentences": changed}, sys.stdout, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
