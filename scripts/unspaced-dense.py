"""What the bundled English embedder (all-MiniLM-L6-v2) makes of Chinese and Japanese: the cosine
of each probe question with the probe sentences of tests/system/test_reading.py and two English ones.

    PYTHONPATH=$PWD .venv/bin/python scripts/unspaced-dense.py

Prints one line per question: the sentences by cosine, best first. The README ("Articles in other
scripts") quotes its output.
"""

from __future__ import annotations

from rag.core.settings import Settings
from rag.pipeline.components import Components

SENTENCES = {
    "zh answer": "馆长李华表示，图书馆每天上午八点开门，晚上九点闭馆。",
    "zh other": "青石镇新图书馆于周六正式向公众开放。",
    "ja answer": "会場は港公園で、午後七時半に始まります。",
    "ja other": "打ち上げられる花火は約八千発です。",
    "en other": "Engineers repaired the Suleiman al-Halabi pumps on Monday.",
    "en other 2": "The foreign ministers held discussions by phone on Oct. 1.",
}
QUESTIONS = {
    "zh": "图书馆每天几点开门？",
    "ja": "花火大会の会場はどこですか？",
    "en (of the zh answer)": "When does the library open each day?",
}


def main() -> None:
    embedder = Components(Settings()).embedder
    names = list(SENTENCES)
    vectors = embedder.embed([SENTENCES[n] for n in names])
    for q, v in zip(QUESTIONS, embedder.embed(list(QUESTIONS.values())), strict=True):
        ranked = sorted(((float(v @ vectors[i]), n) for i, n in enumerate(names)), reverse=True)
        print(f"{q}: " + ", ".join(f"{n} {x:.2f}" for x, n in ranked))


if __name__ == "__main__":
    main()
