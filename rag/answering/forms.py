"""The form of an answer, decided from the question in one place, and the broad forms composed in code.

People ask a news archive for a fact ("How many …?"), a yes/no ("Did … ?"), a list ("Which
companies …?"), and, as often, for something broad: a summary ("Summarize …", "What do the
articles say about …?"), a timeline ("Give me a timeline of …") or a comparison ("Compare …",
"What are the differing accounts of …?"). `form_of` tells which.

A fact, a yes/no and a list are answered by the model, as before. The broad forms are composed
here, without the model, from the retrieved articles' own sentences: the sentences that best
address the question's topic, several articles' worth, none saying what another already says
(shingle containment, as syndicated copies are merged), each quoted as it stands and cited at
its exact offsets, so each is supported by construction. What connects them is composed in code
from the sentence's own text, never invented: a timeline's date (written in the sentence, else
the article's date), a comparison's side (the name of the question the sentence names) or source
(the speaker the sentence names). A quotation is used only when the sentence names its speaker
itself, and a sentence of readers' comments never, so no one's words are shown as the article's.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from rag.answering.citations import SourceTexts
from rag.answering.premise import named, names_missing, subject_names
from rag.answering.prompting import Candidate, scored_candidates
from rag.answering.relations import normalize
from rag.answering.verify import addresses_question
from rag.core.types import Chunk, Passage, Sentence, Statement
from rag.index.embeddings import Embedder
from rag.index.retrieval import containment
from rag.reading.dates import month_number
from rag.reading.speakers import is_quotation, named_speaker, speaker_at

Form = Literal["fact", "yes_no", "list", "summary", "timeline", "comparison"]
FORMS: tuple[Form, ...] = ("fact", "yes_no", "list", "summary", "timeline", "comparison")
BROAD: tuple[Form, ...] = ("summary", "timeline", "comparison")

_TIMELINE = re.compile(
    r"\b(timeline|chronolog\w*|sequence of events|in (what|which) order|step by step|how did .+ unfold"
    r"|what happened (next|after|since)|history of)\b",
    re.I,
)
_COMPARISON = re.compile(
    r"^\W*compare\b|\bcompar(e|ed|ing|ison)\b|\b(differing|different|conflicting|contradictory|competing)\s+"
    r"(accounts?|figures?|versions?|views?|claims?|estimates?|reports?|positions?|explanations?)\b"
    r"|\bhow do(es)? .+ differ\b|\bversus\b|\bvs\.?\s",
    re.I,
)
_SUMMARY = re.compile(
    r"^\W*(summari[sz]e|sum up|give (me )?(an? )?(overview|summary|recap|rundown)|overview of|recap"
    r"|what (do|did) the articles (say|report)|what is the (situation|story)|what happened (to|at|in|on|with|during)"
    r"|tell me (about|what happened)|what('s| is) (the )?(latest|background)|background (on|to)"
    r"|what('s| is| was| has been) (going on|happening)"
    r"|what (is|was) the (row|controversy|dispute|fuss|furore|debate|argument|scandal|affair|feud|battle|fight)"
    r" (over|about|around|surrounding|between|with))\b",
    re.I,
)
# A yes/no question about what is or was the case; with "will", "could" … one about what may be.
_FACTUAL_YES_NO = re.compile(r"^\W*(is|are|was|were|did|does|do|has|have|had)\b", re.I)
_YES_NO = re.compile(r"^\W*(will|would|can|could|should)\b", re.I)
_LIST = re.compile(
    r"^\W*(list\b|name (all|the|every)\b|(which|what) (\w+ )?(companies|firms|organi[sz]ations|groups|countries|"
    r"people|candidates|teams|players|members|banks|parties|games|products|cities|towns|artists|films|bands|"
    r"shows|songs|websites|sites|brands|agencies|airlines|clubs|newspapers|ministers|mps)\b)",
    re.I,
)
# The words that ask for a form, taken out of the question before its topic is scored.
_ASKING = re.compile(
    r"\b(summari[sz]e|sum up|give me|an? (overview|summary|recap|rundown|timeline)|overview|recap|timeline|"
    r"chronology|what do the articles say about|what did the articles report about|compare|comparison|"
    r"the (differing|different|conflicting|contradictory|competing) (accounts?|figures?|versions?|views?|"
    r"claims?|estimates?|reports?|positions?|explanations?) of|tell me about|what are|what is|of)\b",
    re.I,
)


# "compared" as the verb of a relative clause: what someone likened, not a request to compare
# ("Who was the reporter that Ken Livingstone compared to a concentration camp guard?": a fact).
_COMPARED_CLAUSE = re.compile(r"(?<=\w\s)(?:that|whom|who|which)\s+(?:[\w'’-]+\s+){1,4}compared\b", re.I)


def form_of(question: str) -> Form:
    """The form an answer to `question` takes; the first that matches: timeline, comparison,
    summary, yes/no ("Was it suspended or sacked?" offers answers: a fact), list, else fact."""
    if _TIMELINE.search(question):
        return "timeline"
    if _COMPARISON.search(_COMPARED_CLAUSE.sub(" ", question)):
        return "comparison"
    if _SUMMARY.search(question):
        return "summary"
    if (factual_yes_no(question) or _YES_NO.search(question)) and not re.search(r"\bor\b", question, re.I):
        return "yes_no"
    if _LIST.search(question):
        return "list"
    return "fact"


def factual_yes_no(question: str) -> bool:
    """Whether a question asks yes or no about what is or was ("Did …", "Has …", "Is …"), not about
    a forecast or an opinion ("Will …?", "Could …?"), which a sentence that reports it does not settle."""
    return _FACTUAL_YES_NO.search(question) is not None


def topic(question: str) -> str:
    """The question without the words that ask for its form: what its answer is about."""
    return " ".join(_ASKING.sub(" ", question).split()) or question


@dataclass(frozen=True, slots=True)
class Composition:
    """How many statements a broad answer has, how many from one article, and how alike two may be."""

    limit: int = 6  # statements (`RAG_BROAD_STATEMENTS`)
    per_article: int = 2
    alike: float = 0.5  # shingle containment from which two sentences say the same thing
    min_words: int = 6  # shorter sentences are headings or fragments
    relevance: float = 0.55  # `RAG_RELEVANCE_THRESHOLD`: the same gate as every statement


def compose(
    form: Form,
    question: str,
    passages: Sequence[Passage],
    texts: SourceTexts,
    *,
    embedder: Embedder,
    rules: Composition,
) -> list[Statement]:
    """The statements of a summary, timeline or comparison, in the order they are shown.

    Args:
        form: one of `BROAD`.
        question: the standalone question.
        passages: the retrieved passages (every sentence of them is a candidate).
        texts: the articles' texts, to cite each sentence at its exact offsets.
        embedder: scores each sentence against the question's topic.
        rules: the limits.

    Returns:
        Quoted, cited statements (verified by construction); a timeline's and a comparison's carry
        a `label` (the date; the side or the source). [] when no sentence addresses the topic.
    """
    about = topic(question)
    cands = scored_candidates(about, passages, embedder)
    statements = [st for st in (_quote(c, texts) for c in _choose(about, cands, texts, embedder, rules, form)) if st]
    if form == "timeline":
        # No sentence with a date: the main points in the articles' own order, unlabelled, rather
        # than dates the articles do not give.
        dated = _timeline(statements)
        if dated:
            return dated
        return [st for st in (_quote(c, texts) for c in _choose(about, cands, texts, embedder, rules, "summary")) if st]
    if form == "comparison":
        return _comparison(about, statements)
    return statements


def _choose(
    about: str,
    cands: Sequence[Candidate],
    texts: SourceTexts,
    embedder: Embedder,
    rules: Composition,
    form: Form,
) -> list[Candidate]:
    """The best candidates by score that address the topic, a few per article, none alike."""
    chosen: list[Candidate] = []
    per: dict[str, int] = {}
    subjects = subject_names(about)
    for c in sorted(cands, key=lambda c: _preference(c, form)):
        if len(chosen) == rules.limit:
            break
        chunk, sentence = c.locations[0]
        if len(c.text.split()) < rules.min_words or per.get(chunk.source, 0) >= rules.per_article:
            continue
        if any(containment(c.shingles, o.shingles) >= rules.alike for o in chosen):
            continue
        if form == "timeline" and _when(c.text, chunk.date) is None and _article_day(chunk.date) is None:
            continue
        if sentence.comment:  # a reader's words (`rag.reading.comments`) are not the article's points
            continue
        if is_quotation(c.text) and not _names_own_speaker(texts, chunk.source, sentence.start, sentence.end):
            continue
        # On the topic: its words and meaning, or, for a short topic whose other words are generic
        # ("the Yukos affair"), naming what it is about in the sentence or its article's title.
        if addresses_question(about, c.text, chunk.title, embedder) < rules.relevance and not (
            subjects and not names_missing(about, f"{c.text} {chunk.title}")
        ):
            continue
        chosen.append(c)
        per[chunk.source] = per.get(chunk.source, 0) + 1
    return sorted(chosen, key=lambda c: c.order)  # by article rank, then place in the article


def _preference(c: Candidate, form: Form) -> tuple[bool, float]:
    """The order candidates are taken in: by score, except that a timeline takes the sentences that
    write their own date first (issue 24's forms eval: "March 2011", "September 22"), then those
    dated by their article alone; and a summary takes each retrieved article's lead first, in the
    articles' rank order (its main point, as news is written). On the 25 BBC summary cases
    (`forms_bbc.jsonl`, 20 of them held out), with "What is going on with …?" read as a summary,
    coverage of the answer facts 0.307 → 0.413, 7 up and none down (docs/eval-bbc-2026-12-01c/
    summary-*); the leads' second sentences too were 4 up and 3 down on the held-out ones."""
    if form == "timeline":
        return (_when(c.text) is None, -c.score)
    if form == "summary":
        lead = _is_lead(*c.locations[0])
        return (not lead, float(c.passage_rank) if lead else -c.score)
    return (False, -c.score)


def _is_lead(chunk: Chunk, sentence: Sentence) -> bool:
    """Whether a sentence is its article's first after the headline (the lead of a news story)."""
    if chunk.ordinal != 0:
        return False
    first = next((s for s in chunk.sentences if s.text.strip() != chunk.title.strip()), None)
    return first is not None and first.start == sentence.start


def _names_own_speaker(texts: SourceTexts, source: str, start: int, end: int) -> bool:
    text = texts.get(source)
    found = speaker_at(text, start, end) if text else None
    return found is not None and start <= found[1] < end


def _quote(c: Candidate, texts: SourceTexts) -> Statement | None:
    """The candidate's sentence as it stands, cited at every place it stands (syndicated copies)."""
    cites = []
    for chunk, sentence in c.locations:
        text = texts.get(chunk.source)
        if text is None or text[sentence.start : sentence.end] != sentence.text:
            continue  # the file changed since indexing: not cited
        cited = texts.cite(chunk, sentence.start, sentence.end)
        if cited is not None:
            cites.append(cited)
    if not cites:
        return None
    cites = [replace(x, verified=True, support=1.0) for x in cites]
    return Statement(c.text, tuple(cites), verified=True, support=1.0)


_MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?"
    r"|nov(?:ember)?|dec(?:ember)?)"
)
_WHEN = re.compile(
    rf"\b(?:(\d{{1,2}})\s+{_MONTH}\.?,?\s+((?:19|20)\d\d)"  # 9 Nov 2004
    rf"|{_MONTH}\.?\s+(\d{{1,2}}),?\s+((?:19|20)\d\d)"  # November 9, 2004
    rf"|{_MONTH}\s+((?:19|20)\d\d)"  # November 2004
    r"|(?:in|since|by|until|from|of|during|early|late|mid-?)\s+((?:19|20)\d\d))\b",  # in 2003
    re.I,
)
# Dates written without a year ("21 March", "September 22", "Oct. 1", "early July"): the year is
# the article's when it has a date, else unknown (ordered after every year the text names).
# "may" alone is a verb, so a bare month needs "in", "early", "late" or "mid" before it.
_WHEN_NO_YEAR = re.compile(
    rf"\b(?:(\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH}\b(?!\.?,?\s*(?:19|20)\d\d)"  # 21 March
    rf"|{_MONTH}\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?![\d:]|,?\s*(?:19|20)\d\d)"  # September 22, Oct. 1
    rf"|(?:in|early|late|mid-?|end of)\s+{_MONTH}\b(?!\s*(?:19|20)\d\d))",  # early July
    re.I,
)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY = re.compile(r"\b(?:on|last|this)\s+(" + "|".join(_WEEKDAYS) + r")\b", re.I)
_UNKNOWN_YEAR = 9999  # sorts a date of unknown year after every year the articles name


def _when(text: str, article_date: str | None = None) -> tuple[tuple[int, int, int], str] | None:
    """The first date a sentence writes, as a sort key (year, month, day) and as written.

    A date with its year first; then one without ("21 March", "early July"), in the article's year
    when the article is dated, else of unknown year; then a weekday ("on Saturday"), which names a
    day only in a dated article: the last such day on or before the article's date, shown with it
    ("Saturday (2016-10-01)"). None when the sentence writes no date.
    """
    m = _WHEN.search(text)
    if m is not None:
        g = m.groups()
        if g[2]:
            return (int(g[2]), month_number(g[1]), int(g[0])), m.group(0)
        if g[5]:
            return (int(g[5]), month_number(g[3]), int(g[4])), m.group(0)
        if g[7]:
            return (int(g[7]), month_number(g[6]), 0), m.group(0)
        return (int(g[8]), 0, 0), g[8]
    day = _article_day(article_date)
    year = day.year if day else _UNKNOWN_YEAR
    m = _WHEN_NO_YEAR.search(text)
    if m is not None:
        g = m.groups()
        if g[0]:
            return (year, month_number(g[1]), int(g[0])), m.group(0)
        if g[2]:
            return (year, month_number(g[2]), int(g[3])), m.group(0)
        return (year, month_number(g[4]), 0), m.group(0)
    w = _WEEKDAY.search(text)
    if w is not None and day is not None:
        back = (day.weekday() - _WEEKDAYS.index(w.group(1).casefold())) % 7
        on = day - dt.timedelta(days=back)
        return (on.year, on.month, on.day), f"{w.group(1).capitalize()} ({on.isoformat()})"
    return None


def _article_day(date: str | None) -> dt.date | None:
    """The article's date as a `datetime.date`, or None (undated, or a date of unknown year)."""
    if not date or not re.fullmatch(r"\d{4}-\d\d-\d\d", date):
        return None
    try:
        return dt.date.fromisoformat(date)
    except ValueError:
        return None


def _timeline(statements: Sequence[Statement]) -> list[Statement]:
    """Dated statements in date order, each labelled with its date (the sentence's own, else its
    article's); undated ones are left out. Same dates keep the articles' order."""
    dated: list[tuple[tuple[int, int, int], Statement]] = []
    for st in statements:
        date = st.citations[0].date
        found = _when(st.text, date)
        if found is not None:
            dated.append((found[0], replace(st, label=found[1])))
        elif (day := _article_day(date)) is not None:
            dated.append(((day.year, day.month, day.day), replace(st, label=date)))
    return [st for _, st in sorted(dated, key=lambda x: x[0])]


def _comparison(about: str, statements: Sequence[Statement]) -> list[Statement]:
    """Statements grouped by side: the question's names (≥ 2) when the sentences name them, else
    each sentence's source (the speaker it names, or its article's title)."""
    sides = subject_names(about)
    if len(sides) >= 2:
        groups: dict[str, list[Statement]] = {side: [] for side in sides}
        rest: list[Statement] = []
        for st in statements:
            side = next((s for s in sides if named(s, normalize(st.text))), None)
            (groups[side] if side else rest).append(replace(st, label=side) if side else st)
        if sum(bool(g) for g in groups.values()) >= 2:
            return [st for g in groups.values() for st in g] + rest
    out = []
    for st in statements:
        speaker = named_speaker(st.text)
        out.append(replace(st, label=f"According to {speaker}" if speaker else st.citations[0].title))
    return sorted(out, key=lambda st: st.label or "")  # stable: each source's statements together
