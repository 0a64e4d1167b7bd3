"""P(yes) of the model's narrow answer question ("does the sentence give what the question asks for?")
on six probes: three sentences that answer their question, three that do not. Decides whether the
answer check is on for a model (`rag.pipeline.components.Components.answer_judge`).

    .venv/bin/python scripts/answer-probes.py default fast > docs/eval-bbc-2026-11-29/answer-probes.txt
"""

from __future__ import annotations

import sys

from rag.core.settings import Settings
from rag.pipeline import Pipeline

PROBES = [  # (question, sentence, answers it?)
    (
        "Who is the president of MSF?",
        "“Many attacks are brushed off as mistakes committed in the fog of war,” Joanne Liu, MSF’s president, "
        "told the UN Security Council on Wednesday.",
        True,
    ),
    ("Who is the president of MSF?", "MSF said 30 doctors remain in the east.", False),
    (
        "How many doctors remain in eastern Aleppo?",
        "Reuters reports 30 doctors are believed to remain in the eastern part of the city where 250,000 people "
        "remain.",
        True,
    ),
    (
        "How many doctors remain in eastern Aleppo?",
        "The largest hospital in the east of the city was hit by barrel bombs on Saturday.",
        False,
    ),
    (
        "Which member of the Bank of England's rate-setting committee wanted to lift rates to 5%?",
        "However, MPC member Paul Tucker voted for a quarter point rise in interest rates to 5%.",
        True,
    ),
    (
        "Who is the chief executive of Krispy Kreme Doughnuts?",
        "Krispy Kreme shares fell 10% after the firm said it would restate its earnings.",
        False,
    ),
]

for model in sys.argv[1:] or ["default"]:
    judge = Pipeline(Settings(llm_model=model)).generator()
    for question, sentence, answers in PROBES:
        p = judge.answers(question, sentence)  # type: ignore[attr-defined]
        print(f"{model}\t{'answers' if answers else 'other'}\t{p:.3f}\t{question}\t{sentence[:70]}")
