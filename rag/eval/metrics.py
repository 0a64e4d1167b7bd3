"""Pure metric functions: an answer and a case in, a number out (NaN where nothing can be judged).

Metrics (per case, then averaged overall and per kind):
- answer_correctness: share of `answer_facts` present in the answer; for cases that should
  abstain, 1 when the answer abstains, else 0.
- citation_recall (ALCE): share of statements whose citations, taken together, support them.
- citation_precision (ALCE): share of citations that are needed: a citation is irrelevant when it
  alone does not support its statement and the statement's other citations still do without it.
- support_rate: share of shown statements the pipeline itself marked verified.
- offset_validity: share of citations with file[start:end] == quote (must be 1.0).
- gold_citation_recall: share of gold passages that some citation overlaps.
- retrieval_recall: share of gold passages that some retrieved passage overlaps (recall@k).
- abstention precision/recall (over the whole run): positives are cases that should abstain.
- first_statement_s, total_s, prompt_tokens.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from rag.answering.assemble import BESIDE, ITEM_NOTE
from rag.answering.checking import VETOED_NOTE
from rag.answering.opposite import OPPOSITE_NOTE
from rag.core.types import Answer, Citation, Passage
from rag.eval.cases import KINDS, Case
from rag.reading.ingest import resolve_source

METRICS = (
    "answer_correctness",
    "fact_order",
    "citation_recall",
    "citation_precision",
    "support_rate",
    "offset_validity",
    "gold_citation_recall",
    "retrieval_recall",
)
TIMES = ("first_statement_s", "total_s", "prompt_tokens")
NAN = float("nan")
# What `rag eval --ci` must reach (CI gate): exact offsets always; the rest leave room for a
# 1.5B model on ten cases.
DEFAULT_MINIMUMS = {
    "offset_validity": 1.0,
    "answer_correctness": 0.6,
    "citation_recall": 0.8,
    "abstention_recall": 0.5,
}

SupportFn = Callable[[str, Sequence[Citation]], bool]
Scores = dict[str, float]


def mean(values: Sequence[float]) -> float:
    vals = [v for v in values if not math.isnan(v)]
    return statistics.fmean(vals) if vals else NAN


def answer_correctness(case: Case, a: Answer) -> float:
    if case.should_abstain:
        return 1.0 if a.abstained else 0.0
    if not case.answer_facts:
        return NAN
    if a.abstained:
        return 0.0
    text = a.text.casefold().replace("’", "'")
    hits = [any(alt.casefold().replace("’", "'") in text for alt in fact) for fact in case.answer_facts]
    return sum(hits) / len(hits)


def citation_recall(a: Answer, supports: SupportFn) -> float:
    if not a.statements:
        return NAN
    return mean([1.0 if supports(st.text, st.citations) else 0.0 for st in a.statements])


def citation_precision(a: Answer, supports: SupportFn) -> float:
    flags = []
    for st in a.statements:
        for i, c in enumerate(st.citations):
            alone = supports(st.text, [c])
            rest = [x for j, x in enumerate(st.citations) if j != i]
            rest_ok = bool(rest) and supports(st.text, rest)
            flags.append(1.0 if alone or not rest_ok else 0.0)
    return mean(flags) if flags else NAN


def support_rate(a: Answer) -> float:
    if not a.statements:
        return NAN
    return mean([1.0 if st.verified else 0.0 for st in a.statements])


def offset_validity(a: Answer, root: Path) -> float:
    cites = [c for st in a.statements for c in st.citations]
    if not cites:
        return NAN
    ok = 0
    for c in cites:
        try:
            text = resolve_source(c.source, root).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        ok += text[c.start : c.end] == c.quote
    return ok / len(cites)


def _overlaps(source: str, start: int, end: int, gold: dict[str, Any], root: Path, cache: dict[str, str]) -> bool:
    if source != gold["source"]:
        return False
    if gold["source"] not in cache:
        cache[gold["source"]] = resolve_source(gold["source"], root).read_text(encoding="utf-8")
    g0 = cache[gold["source"]].find(gold["quote"])
    return g0 >= 0 and start < g0 + len(gold["quote"]) and g0 < end


def gold_recall(case: Case, spans: Sequence[tuple[str, int, int]], root: Path) -> float:
    if not case.gold_passages:
        return NAN
    cache: dict[str, str] = {}
    hit = [any(_overlaps(s, a, b, g, root, cache) for s, a, b in spans) for g in case.gold_passages]
    return sum(hit) / len(hit)


def abstention(results: Sequence[tuple[Case, Answer]]) -> dict[str, float]:
    should = [c.should_abstain for c, _ in results]
    did = [a.abstained for _, a in results]
    tp = sum(s and d for s, d in zip(should, did, strict=True))
    return {
        "abstention_precision": tp / sum(did) if sum(did) else NAN,
        "abstention_recall": tp / sum(should) if sum(should) else NAN,
    }


def agreement(a: Sequence[bool], b: Sequence[bool]) -> dict[str, float]:
    """Share of equal verdicts and Cohen's kappa between two judges."""
    n = len(a)
    if n == 0:
        return {"agreement": NAN, "kappa": NAN, "n": 0}
    po = sum(x == y for x, y in zip(a, b, strict=True)) / n
    pa, pb = sum(a) / n, sum(b) / n
    pe = pa * pb + (1 - pa) * (1 - pb)
    kappa = (po - pe) / (1 - pe) if pe < 1 else NAN
    return {"agreement": po, "kappa": kappa, "n": n}


def fact_order(case: Case, a: Answer) -> float:
    """For a case whose facts are in order (a timeline): 1.0 when the facts the answer holds appear
    in that order (each at its first place in the answer's text), else 0.0; NaN for other cases
    or fewer than two facts found."""
    if not case.ordered or a.abstained:
        return NAN
    text = a.text.casefold().replace("’", "'")
    places = []
    for fact in case.answer_facts:
        found = [i for alt in fact if (i := text.find(alt.casefold().replace("’", "'"))) >= 0]
        if found:
            places.append(min(found))
    return NAN if len(places) < 2 else float(places == sorted(places))


def passage_spans(passages: Sequence[Passage]) -> list[tuple[str, int, int]]:
    """(source, start, end) of the retrieved passages and of the wire copies folded into them:
    what `retrieval_recall` looks for the gold passages in."""
    spans = [(p.chunk.source, p.chunk.start, p.chunk.end) for p in passages]
    return spans + [(d.source, d.start, d.end) for p in passages for d in p.duplicates]


def score_case(case: Case, a: Answer, supports: SupportFn, root: Path) -> Scores:
    cites = [(c.source, c.start, c.end) for st in a.statements for c in st.citations]
    retrieved = passage_spans(a.passages)
    return {
        "answer_correctness": answer_correctness(case, a),
        "fact_order": fact_order(case, a),
        "citation_recall": citation_recall(a, supports),
        "citation_precision": citation_precision(a, supports),
        "support_rate": support_rate(a),
        "offset_validity": offset_validity(a, root),
        "gold_citation_recall": NAN if a.abstained and case.should_abstain else gold_recall(case, cites, root),
        "retrieval_recall": gold_recall(case, retrieved, root),
        "first_statement_s": a.timings.get("first_statement_s", NAN),
        "total_s": a.timings.get("total_s", NAN),
        "prompt_tokens": float(a.prompt_tokens),
    }


def aggregate(rows: Sequence[tuple[str, Scores]], groups: Sequence[str] = KINDS) -> tuple[Scores, dict[str, Scores]]:
    """Mean of every metric over (group, scores) rows: overall, and per group (a case's kind, or an
    answer's form) with its case count, in the order of `groups`."""
    keys = [*METRICS, *TIMES]
    overall = {k: mean([s[k] for _, s in rows]) for k in keys}
    per_group = {
        group: {k: mean([s[k] for g, s in rows if g == group]) for k in keys}
        | {"cases": float(sum(g == group for g, _ in rows))}
        for group in groups
        if any(g == group for g, _ in rows)
    }
    return overall, per_group


def failed_thresholds(overall: Scores, minimums: dict[str, float]) -> list[str]:
    """The metrics under their minimum (NaN counts as under), as "name = value < minimum"."""
    out = []
    for name, minimum in minimums.items():
        value = overall.get(name, NAN)
        if math.isnan(value) or value < minimum:
            out.append(f"{name} = {value:.3f} < {minimum}")
    return out


# The gates: steps that refuse (an abstention's first note names the one that did), or remove a
# statement (it is in `rejected_statements`, with its reason). Issue 23: each reports how often it
# refused or removed what the hand labels (the case's answerability and gold passages) call the answer.
REFUSALS = {
    "retrieval found nothing relevant": "relevance gate (retrieval)",
    "the question's premise is not in the articles": "premise check",
    OPPOSITE_NOTE: "opposite-premise check",
    ITEM_NOTE: "asked-for item check",
    VETOED_NOTE: "answer check (veto)",
    "the supported statements do not address the question": "relevance gate (statements)",
    "no statement the sources support": "verification (refusal)",
}
REMOVALS = {
    "does not address the question": "relevance gate (removal)",
    BESIDE: "asked-for item check (removal)",
}  # any other reason: verification
INSTRUCTION_FILTER = "instruction filter (indexing)"


def _states(case: Case, statements: Sequence[Mapping[str, Any]]) -> bool:
    """Whether these statements' texts, together, hold every answer fact of the case."""
    if not case.answer_facts:
        return False
    text = " ".join(str(st["text"]) for st in statements).casefold().replace("’", "'")
    return all(any(alt.casefold().replace("’", "'") in text for alt in fact) for fact in case.answer_facts)


def gate_table(results: Sequence[tuple[Case, Mapping[str, Any]]], root: Path) -> dict[str, dict[str, Any]]:
    """Per gate: how often it fired and how often that was wrong, by the cases' labels.

    A refusal is wrong when the case is answerable (`should_abstain` false); `answer_beside` counts
    the wrong ones whose related or rejected sentences state the answer (every answer fact). A
    removed statement is wrong when it cites a gold passage of an answerable case.

    Args:
        results: each case with its answer's JSON contract (`Answer.to_dict()`).
        root: the folder the cases' sources are relative to.

    Returns:
        {gate: {"fired", "wrong", "answer_beside", "wrong_ids"}}; every gate is listed, fired or not.
    """
    gates = [*REFUSALS.values(), *REMOVALS.values(), "verification (removal)"]
    table: dict[str, dict[str, Any]] = {g: {"fired": 0, "wrong": 0, "answer_beside": 0, "wrong_ids": []} for g in gates}
    cache: dict[str, str] = {}
    for case, a in results:
        notes = a.get("notes") or []
        gate = REFUSALS.get(notes[0]) if a["abstained"] and notes else None
        if gate is not None:
            row = table[gate]
            row["fired"] += 1
            if not case.should_abstain:
                row["wrong"] += 1
                row["wrong_ids"].append(case.id)
                row["answer_beside"] += _states(case, [*a.get("related", []), *a.get("rejected_statements", [])])
        for st in a.get("rejected_statements", []):
            row = table[REMOVALS.get(st.get("reason") or "", "verification (removal)")]
            row["fired"] += 1
            spans = [(c["source"], c["start"], c["end"]) for c in st["citations"]]
            gold = any(_overlaps(s, x, y, g, root, cache) for s, x, y in spans for g in case.gold_passages)
            if gold and not case.should_abstain:
                row["wrong"] += 1
                row["wrong_ids"].append(case.id)
    return table


def withheld_table(
    withheld: Mapping[str, Sequence[tuple[int, int]]], cases: Sequence[Case], root: Path
) -> dict[str, Any]:
    """The instruction filter's row: sentences it withheld at indexing, and those inside a gold passage.

    Args:
        withheld: {source: [(start, end) of each withheld sentence]} over the indexed corpus.
        cases: the cases, whose gold passages are the labelled answers.
        root: the folder the sources are relative to.
    """
    cache: dict[str, str] = {}
    wrong = sorted(
        {
            case.id
            for case in cases
            for g in case.gold_passages
            for s, e in withheld.get(g["source"], ())
            if _overlaps(g["source"], s, e, g, root, cache)
        }
    )
    return {
        "fired": sum(len(v) for v in withheld.values()),
        "articles": sum(1 for v in withheld.values() if v),
        "wrong": len(wrong),
        "answer_beside": 0,
        "wrong_ids": wrong,
    }
