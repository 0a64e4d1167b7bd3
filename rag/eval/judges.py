"""Judges for the eval: who decides whether a statement's citations support it.

Each is a `SupportFn` (statement, citations) -> bool. The default is the project's own verifier,
which also filtered the statements: its verdicts on its own survivors are no independent evidence,
so the report names the judge of each figure, and a second judge can be compared with it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from rag.answering.verify import Judge
from rag.core.types import Citation
from rag.eval.metrics import SupportFn
from rag.pipeline import Pipeline


def verifier_support(pipe: Pipeline) -> SupportFn:
    """The project's verifier, as the pipeline builds it, as the eval's judge (context read from the files)."""
    from rag.answering.citations import SourceTexts
    from rag.answering.verify import Evidence

    verifier = pipe.verifier()
    s = pipe.settings
    texts = SourceTexts(s.root, {}, max_bytes=s.max_file_bytes)  # each file read once per run

    def supports(statement: str, cites: Sequence[Citation]) -> bool:
        return verifier.check(statement, Evidence.around(cites, texts.get, s.context_chars)).supported

    return supports


def verifier_on_hand_labels(pipe: Pipeline, path: Path | None = None) -> dict[str, object]:
    """The verifier's support check, as the pipeline runs it, against the hand labels of real statements.

    Precision/recall/accuracy of "supported" by the verifier, judged by the people's labels, with
    the statements it gets wrong and the error pattern of each. No answer is generated: the
    labelled statements are checked against their own citations.
    """
    from rag.answering.calibrate import metrics
    from rag.eval.labels import LABELS_FILE, labelled_rows

    titles = {source: doc.title for source, doc in pipe.documents().items()}
    supports = verifier_support(pipe)
    pred: list[bool] = []
    gold: list[bool] = []
    wrong: list[dict[str, object]] = []
    for r in labelled_rows(path or LABELS_FILE):
        cites = [
            Citation(c["source"], c["start"], c["end"], c["quote"], titles.get(c["source"], ""), None, None)
            for c in r["citations"]
        ]
        verdict = supports(r["statement"], cites)
        label = r["label"] == "supported"
        pred.append(verdict)
        gold.append(label)
        if verdict != label:
            wrong.append({"id": r["id"], "statement": r["statement"], "label": r["label"], "pattern": r["pattern"]})
    return {
        "judge of the figures": "hand labels (tests/eval/answer_labels.jsonl)",
        "checked": "the verifier's support check (exact checks, similarity, model judge), without the relevance gate",
        **metrics(pred, gold),
        "disagreements": wrong,
    }


def llm_support(judge: Judge, threshold: float = 0.5) -> SupportFn:
    """The local model alone as a judge."""
    return lambda statement, cites: judge.entailment(" ".join(c.quote for c in cites), statement) >= threshold


def endpoint_support(url: str, model: str = "judge", timeout: float = 60.0) -> SupportFn:
    """Any OpenAI-compatible chat endpoint as a judge (asked for a one-word yes/no)."""
    import urllib.request

    import prompts

    def supports(statement: str, cites: Sequence[Citation]) -> bool:
        body = json.dumps(
            {
                "model": model,
                "temperature": 0,
                "max_tokens": 3,
                "messages": [
                    {
                        "role": "user",
                        "content": prompts.render("judge", passage=" ".join(c.quote for c in cites), claim=statement),
                    }
                ],
            }
        ).encode()
        req = urllib.request.Request(url.rstrip("/") + "/chat/completions", body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout) as r:
            reply = json.loads(r.read())["choices"][0]["message"]["content"]
        return reply.strip().lower().startswith("yes")

    return supports
