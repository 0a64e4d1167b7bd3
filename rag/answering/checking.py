"""Checking the statements of one answer: verify, re-cite, and judge relevance, once per statement.

The streamed statements and the final parse of the whole reply meet the same statements twice,
so results are kept by text. A statement whose model-chosen ids fail verification is re-cited
from the prompt's other sentences when one of them supports it (`repair`). When no statement
states what the question asks for (the name for "which hospital", the figure for "how many"),
a prompt sentence that does and that addresses the question is quoted first (`answer_first`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from rag.answering.citations import RawStatement, SourceTexts, resolve
from rag.answering.forms import form_of
from rag.answering.premise import asked_for, bears, named, names_missing, of_kind, other_year, spaced, subject_names
from rag.answering.prompting import SourceLine
from rag.answering.relations import CAUSE_STATED, normalize
from rag.answering.verify import (
    Evidence,
    Judge,
    Verifier,
    addresses_question,
    contexts,
    lexical_support,
    numbers_in,
)
from rag.answering.voice import COMMENT, QUOTE, cites_comment, quote_speaker, voiced
from rag.core.types import Citation, Statement
from rag.index.lexical import QUESTION_FRAME, tokenize
from rag.reading.comments import asks_readers
from rag.reading.ingest import withheld_spans
from rag.reading.sentences import next_start, sentence_at
from rag.reading.speakers import attributed, without_post_nominals

# Why an answer abstains when the answer check says no to each of its statements (`all_vetoed`).
VETOED_NOTE = "the model says no statement gives what the question asks for"
# Share of the question's words a prompt sentence must hold to be quoted as the answer when the
# model's statements miss the asked-for item (measured on the eval: see `answer_first`).
SELECT_AGAIN_MIN = 0.6
# The prompt sentences put to the answer check before an item question abstains, and the P(yes)
# one needs to be quoted as the answer (`judged_line`). Of the BBC pairs of
# docs/answer-check-2026-11-29.json whose sentence holds an item of the asked kind (148 answers,
# 64 others), from 0.7 the model affirms 43% of the answers and 1 of the 64 others (0.6: 55% and 3).
JUDGED_LINES = 3
JUDGED_MIN = 0.7
WHO_SAID = re.compile(r"^\s*who\s+(?:said|says|told|warned|described|called)\b", re.I)
WHO_SAID_WORDS = 0.8  # share of a "who said …" question's words a statement holds to lead as it stands
# The least share of an unquoted "who said …" question's content words any answer holds: the
# words around what was said are paraphrased ("Who called the Mac mini Apple's bravest move yet?"
# → '"It's the bravest move they have made yet," said Jonny Evans'). The gold answers of the
# BBC eval's who-said questions hold 0.43-0.71; the other speakers' statements shown for them
# and a newcomer's wrong answer (Mark Oaten's words for a spokesman's) 0.0-0.17. At 0.8 for
# every path, 6 of the 7 BBC who-said questions were refused (full run at fa99a83).
WHO_SAID_FLOOR = 0.4
# A question that asks for a reason: its answer leads with a sentence that states a cause (`reason_first`).
_WHY = re.compile(r"^\s*why\b", re.I)
# "What did <speaker> say (about <topic>)?": the answer is the speaker's own words on the topic.
_WHAT_SAID = re.compile(r"^\s*what\s+(?:\w+\s+)?did\s+(.+?)\s+(?:say|tell|warn|write|mean|call)\b(.*)$", re.I | re.S)


def words_asked(question: str) -> tuple[str, frozenset[str]] | None:
    """For "What did <speaker> say about <topic>?": the speaker (less letters after the name) and
    the topic's (stemmed) words."""
    m = _WHAT_SAID.match(question)
    if m is None:
        return None
    speaker = without_post_nominals(m.group(1))
    if not any(w[:1].isupper() for w in speaker.split()):
        return None  # "what did they say", "what did the MP say": no one named
    return speaker, frozenset(tokenize(m.group(2))) - QUESTION_FRAME


@dataclass(frozen=True, slots=True)
class Checked:
    """A statement after checking, and whether it addresses the question."""

    statement: Statement
    relevant: bool
    follows: bool = True  # may follow the answer's first statement (see `StatementChecker.follows`)


class StatementChecker:
    """Verifies each statement of one answer once (by text) and tells whether it is relevant."""

    def __init__(
        self,
        verifier: Verifier,
        *,
        question: str,
        texts: SourceTexts,
        lines: Sequence[SourceLine],
        verify: bool = True,
        relevance_threshold: float,
        context_chars: int,
        answer_judge: Judge | None = None,
        answer_min: float,
        answer_veto: float | None = None,
    ) -> None:
        self.verifier = verifier
        self.question = question
        self.texts = texts
        self.lines = lines
        self.verify_on = verify
        self.relevance_threshold = relevance_threshold
        self.context_chars = context_chars
        self.answer_judge, self.answer_min = answer_judge, answer_min
        self.answer_veto = answer_min if answer_veto is None else answer_veto
        self.seconds = 0.0  # time spent checking, for the answer's timings
        self.asked = asked_for(question)
        self.readers = asks_readers(question)  # "What did readers say …?": their comments may answer
        self.subjects = subject_names(question)
        self.said = words_asked(question)
        self.vetoed = False  # the answer check said no to every statement (`all_vetoed`)
        self._done: dict[str, Checked] = {}
        self._p_yes: dict[str, float] = {}  # by folded text: a sentence is judged once
        self._evidence: dict[tuple[Citation, ...], str] = {}

    def leads(self, checked: Checked) -> bool:
        """Whether a checked statement may open the answer.

        It is relevant; for a question that asks for an item (who/which/how many/when/where) it
        states one, and its evidence names what the question is about.
        """
        st = checked.statement
        if st.voice == COMMENT:  # a reader's words answer a question about them alone (`rag.reading.comments`)
            return self.readers and checked.relevant  # their view on the topic: no item, no model check
        if not (checked.relevant and bears(st.text, self.asked, self.question)):
            return False
        if other_year(st.text, self.question):
            return False  # set in another year than the question's
        # "Who said <words>?": the statement must hold those words, not just any name.
        if self.asked == "name" and not holds_asked_words(self.question, st.text):
            return False
        if self.asked is not None and names_missing(self.question, f"{st.text} {self.evidence(st)}"):
            return False
        return self.answers(st) is not False  # the model, asked, may still say it gives something else

    def follows(self, checked: Checked) -> bool:
        """Whether a statement may follow the first: its article names the question's subjects and
        its evidence the question's figures (`unnamed`), it is not set in another year
        (`other_year`), and for an item question it states one (figures from the BBC hand
        labels: docs/answering-on-an-archive.md)."""
        st = checked.statement
        if unnamed(self, st) or other_year(st.text, self.question):
            return False
        return self.asked is None or self.bears(checked)

    def __call__(self, st: Statement) -> Checked:
        st = sentence_case(st, (line.text for line in self.lines))
        key = st.text.casefold()
        if key not in self._done:
            t = time.perf_counter()
            v = self.verify(st) if self.verify_on else st
            if v.verified is False:
                v = repair(v, self)
            if v.verified is not False:
                v = voiced(v, self.texts)  # whose words: a quotation shown with its speaker
            relevant = self._relevance(v) >= self.relevance_threshold or self._states_item(v)
            if not relevant and v.verified is not False:
                relevant = self.answers(v) is True  # the words differ: the model is asked
            self._done[key] = Checked(v, relevant)
            self.seconds += time.perf_counter() - t
        return self._done[key]

    def evidence(self, st: Statement) -> str:
        """The statement's citations' article titles, lead-in text and quotes (built once per citations)."""
        if st.citations not in self._evidence:
            lead_in = contexts(st.citations, self.texts.get, self.context_chars)
            parts = [*(c.title for c in st.citations), *lead_in, *(c.quote for c in st.citations)]
            self._evidence[st.citations] = " ".join(parts)
        return self._evidence[st.citations]

    def answers(self, st: Statement) -> bool | None:
        """The model's narrow judgement: does the statement give what the question asks for?

        True from P(yes) `answer_min`, False under `answer_veto`, None in between (the model is
        unsure: it neither vetoes nor affirms) and without an answer judge (`RAG_ANSWER_CHECK=false`,
        the 0.5B model, a fake model in tests). The band is measured on 448 BBC question-sentence
        pairs (docs/answer-check-2026-11-29.json): under 0.5, 34% of the sentences that hold the
        answer were vetoed (and 14% of the others passed); under 0.3, 15% (43%).
        """
        if self.answer_judge is None:
            return None
        t = time.perf_counter()
        p = self.p_yes(st.text)
        self.seconds += time.perf_counter() - t
        return True if p >= self.answer_min else False if p < self.answer_veto else None

    def p_yes(self, text: str) -> float:
        """The answer check's P(yes) for a sentence, asked once per text (an answer judge needed)."""
        assert self.answer_judge is not None
        key = text.casefold()
        if key not in self._p_yes:
            self._p_yes[key] = self.answer_judge.answers(self.question, text)
        return self._p_yes[key]

    def _states_item(self, st: Statement) -> bool:
        """Whether a statement holds the asked-for figure or date next to the question's subject (its
        evidence names every subject name of the question): it addresses the question whatever its
        wording (issue 23: "30,000 tonnes a year" for "How much feta do the Danes produce
        annually?"). Not for names: any new capitalised word passes `bears` ("Doctors Without
        Borders" for "Who is the president of MSF?"), so a name is left to the words and the model."""
        if self.asked not in ("figure", "date") or not self.subjects:
            return False
        return bears(st.text, self.asked, self.question) and not names_missing(
            self.question, f"{st.text} {self.evidence(st)}"
        )

    def _relevance(self, st: Statement) -> float:
        return addresses_question(self.question, st.text, self.evidence(st), self.verifier.embedder)

    def answer_first(
        self, checked: Sequence[Checked], *, keep: Callable[[Statement], bool]
    ) -> tuple[list[Checked], bool]:
        """The statements with the answer first, and whether one states what the question asks for.

        A prompt sentence is quoted first when no statement states it.

        For a question that asks for an item (who/which/how many/when/where), the first kept,
        relevant statement that states one moves to the front. When there is none, the prompt
        sentence that states one and shares most words with the question (at least
        `SELECT_AGAIN_MIN` of them, and relevant) is quoted at the front, instead of an answer
        beside the point or an abstention. On the eval's answerable questions this quoted the
        right sentence in 4 cases and none wrongly. "Why" and "what did X say" questions, whose
        answers have no such item, keep the model's order (a speaker's own words first, see
        `speaker_first`); they count as answered unless every statement is set in another year
        (`other_year`) or the model says no to each (`all_vetoed`).

        Args:
            checked: the checked statements, in the model's order.
            keep: whether verification keeps a statement.
        """
        if self.asked is None:
            return no_item_first(self, checked, keep)
        kept = [c for c in checked if keep(c.statement)]
        lead = next((c for c in kept if self.leads(c)), None) or fallback_lead(self, kept)
        if lead is not None and not holds_asked_words(self.question, lead.statement.text, least=WHO_SAID_FLOOR):
            lead = None  # "Who said <words>?" is answered by those words' speaker, in any fallback too
        if lead is None:
            return list(checked), False
        others = [c if self.follows(c) else replace(c, follows=False) for c in _others(lead, checked)]
        other = other_report(lead, others, self)
        return [lead, *([other] if other else []), *others], True

    def bears(self, checked: Checked) -> bool:
        """Whether a statement states an item of the kind the question asks for (`premise.bears`)."""
        return bears(checked.statement.text, self.asked, self.question)

    def quote_line(self, line: SourceLine) -> Checked | None:
        """A prompt sentence quoted as the answer, as it is shown: its words, or a quotation's words
        with their speaker (the words `attributed` gives), citing the sentence and, when the
        speaker is named in another, that one too (`shown_quote`)."""
        st = quote_of(line, self.texts)
        if st is None or (not self.readers and any(cites_comment(self.texts, c) for c in st.citations)):
            return None  # a reader's comment is quoted as the answer only to a question about readers
        return Checked(voiced(st, self.texts), True)

    def attributed(self, line: SourceLine) -> str | None:
        """The quoted sentence with its speaker named, from the article's own attribution (as
        `quote_line` shows it); the sentence as it is when it names its speaker itself; None if untold."""
        st = quote_of(line, self.texts)
        found = quote_speaker(self.texts, st.citations[0]) if st is not None else None
        if found is None:
            return None
        speaker, named = found
        return line.text if named is None else attributed(line.text, speaker)

    def verify(self, st: Statement) -> Statement:
        """The statement verified against its citations and the text around them."""
        return self.verifier.verify(st, Evidence.around(st.citations, self.texts.get, self.context_chars))


def unnamed(check: StatementChecker, st: Statement) -> list[str]:
    """What of the question a later statement's evidence lacks (`names_missing`), less the names
    its cited articles hold elsewhere: "An ex-chief financial officer at Boeing has received a
    four-month jail sentence" follows an answer about Michael Sears, whom its article names a
    sentence later. On the hand labels of the `91f7452` BBC run, this lets 13 of the 67 statements
    moved beside the answer follow it, 7 of them labelled relevant (docs/answering-on-an-archive.md, twelfth part)."""
    missing = names_missing(check.question, f"{st.text} {check.evidence(st)}")
    if not missing:
        return missing
    hay = spaced(normalize(articles_text(st, check.texts)))
    return [m for m in missing if not (m in check.subjects and named(m, hay))]


def fallback_lead(check: StatementChecker, kept: Sequence[Checked]) -> Checked | None:
    """The answer of an item question when no kept statement `leads`: a prompt sentence that
    states the item (`select_again`) or the sentence after a statement (`next_states`), unless
    the model says no to it; else, with an answer judge, the first statement holding an item of
    the asked kind that the model does not say no to; else a prompt sentence it affirms
    (`judged_line`). None: the answer abstains."""
    shown = {c.statement.text.casefold() for c in kept}
    t = time.perf_counter()
    lead = select_again(check, shown) or next_states(kept, check)
    check.seconds += time.perf_counter() - t
    if lead is not None and check.answers(lead.statement) is False:
        lead = None  # the model says it does not give what is asked: related, not an answer
    if lead is None and check.answer_judge is not None:
        # The words differ from the question's: the model is asked, statement by statement, of
        # those that hold an item of the asked kind (`of_kind`: "for an unspecified sum" gives no
        # price) in an article that names the question's subject; the first it does not say no
        # to leads ("70 … planes" for "How many jets"; unsure counts: "About 20,000 people have
        # been banned" for "Roughly how many players did Valve ban?" has P(yes) 0.44).
        items = [c for c in kept if c.relevant and of_kind(c.statement.text, check.asked, check.question)]
        items = [c for c in items if names_any(check.subjects, articles_text(c.statement, check.texts))]
        lead = next((c for c in items if check.answers(c.statement) is not False), None)
    if lead is None:
        t = time.perf_counter()
        lead = judged_line(check, shown)
        check.seconds += time.perf_counter() - t
    return lead


def no_item_first(
    check: StatementChecker, checked: Sequence[Checked], keep: Callable[[Statement], bool]
) -> tuple[list[Checked], bool]:
    """`StatementChecker.answer_first` for a question that asks for no item ("why", "what did X
    say", yes/no): the model's order, a speaker's own words first (`speaker_first`), a statement
    set in another year than the question's beside the answer (`other_year`); answered unless
    nothing is left or the model says no to every relevant statement (`all_vetoed`)."""
    ordered = [
        replace(c, follows=False) if other_year(c.statement.text, check.question) else c
        for c in reason_first(check, speaker_first(check, checked, keep), keep)
    ]
    shown = [c for c in ordered if c.follows and keep(c.statement)]
    check.vetoed = bool(shown) and all_vetoed(check, shown)
    return ordered, bool(shown) and not check.vetoed


def reason_first(
    check: StatementChecker, checked: Sequence[Checked], keep: Callable[[Statement], bool]
) -> list[Checked]:
    """For "Why …?": when the first shown statement states no cause (`CAUSE_STATED`: "because",
    "blamed … on", "after"), the sentence that states one and addresses the question best leads,
    a shown statement or a prompt sentence: it addresses the question at least as well as the
    relevance gate asks, is not set in another year, and its article names the question's subjects.
    Otherwise the order is kept.

    On the why-questions of the last full BBC run (`91f7452`; scripts/why-leads.py), this led with
    the sentence holding the answer in 3 of the 7 answerable cases the model's order had missed,
    changed no case it had answered, and no seeds case; asked again, the 35 BBC why-questions went
    from 9 to 11 of 15 answerable with every fact, none down (docs/eval-bbc-2026-12-01b/why35-*)."""
    first = next((c for c in checked if c.follows and keep(c.statement)), None)
    if not _WHY.match(check.question) or first is None or CAUSE_STATED.search(first.statement.text):
        return list(checked)
    shown = {c.statement.text.casefold(): c for c in checked if keep(c.statement)}
    best: tuple[float, Checked] | None = None
    for line in check.lines:
        if not CAUSE_STATED.search(line.text) or other_year(line.text, check.question):
            continue
        title = line.locations[0][0].title if line.locations else ""
        score = addresses_question(check.question, line.text, title, check.verifier.embedder)
        if score < check.relevance_threshold or (best is not None and score <= best[0]):
            continue
        lead = shown.get(line.text.casefold()) or check.quote_line(line)
        if lead is not None and names_any(check.subjects, articles_text(lead.statement, check.texts)):
            best = (score, lead)
    return list(checked) if best is None else [best[1], *_others(best[1], checked)]


def all_vetoed(check: StatementChecker, shown: Sequence[Checked]) -> bool:
    """Whether the model says no (under the veto) to every relevant statement of an answer to a
    question that asks for no item, a yes/no question excepted ("was not fined" answers "Was it
    fined?" with a No the model does not see as the answer): the answer then abstains with them
    as related. Measured on the answers of the last BBC run (docs/answer-veto-2026-11-30.json): 6
    of 20 answered unanswerable or false-premise questions abstain ("Why did the European
    Parliament unanimously approve …?" answered "Politicians unanimously rejected the bill"), and 1
    of 54 answerable ones (bp054); none of the seeds run's 26. A reader's comment shown for a
    question about readers is not put to the model, as in `leads` ("What did readers say about
    …?" had been refused with about 30 comments in the article: the tenth part's newcomer)."""
    if check.answer_judge is None or form_of(check.question) == "yes_no":
        return False
    relevant = [c for c in shown if c.relevant]
    if check.readers and any(c.statement.voice == COMMENT for c in relevant):
        return False
    return bool(relevant) and all(check.answers(c.statement) is False for c in relevant)


def select_again(check: StatementChecker, shown: set[str]) -> Checked | None:
    """The prompt sentence quoted as the answer when no statement states the asked-for item (see
    `StatementChecker.answer_first`); None when none qualifies."""
    best: tuple[float, float, SourceLine] | None = None
    for line in check.lines:
        lexical = lexical_support(check.question, line.text, ignore=QUESTION_FRAME)
        if lexical < SELECT_AGAIN_MIN:
            continue
        text = line.text
        if not bears(text, check.asked, check.question) and check.asked == "name":
            # "Who said …?": quoted words whose speaker is named before or after them.
            text = check.attributed(line) or text
        if text.casefold() in shown:
            continue
        score = _answers_as_worded(check, line, text)
        if score is not None and (best is None or (lexical, score) > best[:2]):
            best = (lexical, score, line)
    return check.quote_line(best[2]) if best else None


def judged_line(check: StatementChecker, shown: set[str]) -> Checked | None:
    """The prompt sentence the model affirms gives what the question asks for, when neither its
    statements nor the word-based fallbacks found one: the last step before an item question
    abstains (issue 23: a sentence that holds the answer in other words than the question's was
    shown under "Related, not an answer").

    The candidates hold an item of the asked kind (`of_kind`), are not set in another year
    (`other_year`) and stand in an article that names the question's subjects; the
    `JUDGED_LINES` that address the question best are put to the answer check, and the first with
    P(yes) of at least `JUDGED_MIN` is quoted as the answer. None without an answer judge or when
    no candidate passes.
    """
    if check.answer_judge is None or check.asked is None:
        return None
    ranked: list[tuple[float, int, Checked]] = []
    for i, line in enumerate(check.lines):
        if line.text.casefold() in shown or other_year(line.text, check.question):
            continue
        if not of_kind(line.text, check.asked, check.question):
            continue
        quoted_line = check.quote_line(line)
        if quoted_line is None or not names_any(check.subjects, articles_text(quoted_line.statement, check.texts)):
            continue
        title = line.locations[0][0].title if line.locations else ""
        ranked.append((addresses_question(check.question, line.text, title, check.verifier.embedder), -i, quoted_line))
    for _, _, candidate in sorted(ranked, key=lambda r: r[:2], reverse=True)[:JUDGED_LINES]:
        if not holds_asked_words(check.question, candidate.statement.text, least=WHO_SAID_FLOOR):
            continue
        if check.p_yes(candidate.statement.text) >= JUDGED_MIN:  # a sentence vetoed before is not asked again
            return candidate
    return None


def _answers_as_worded(check: StatementChecker, line: SourceLine, text: str) -> float | None:
    """How well a prompt sentence (worded as `text`) addresses the question, when it states an item
    of the asked kind and it or its article's title names the question's subjects; None when it
    does not, or scores under the relevance threshold."""
    if not bears(text, check.asked, check.question):
        return None
    title = line.locations[0][0].title if line.locations else ""
    if names_missing(check.question, f"{text} {title}"):
        return None
    score = addresses_question(check.question, text, title, check.verifier.embedder)
    return score if score >= check.relevance_threshold else None


def articles_text(st: Statement, texts: SourceTexts) -> str:
    """The whole text of the articles a statement cites."""
    return " ".join(dict.fromkeys(text for c in st.citations if (text := texts.get(c.source))))


def names_any(subjects: Sequence[str], text: str) -> bool:
    """Whether a text names one of the question's subjects (or the question names none): for the
    model's yes to make a sentence the answer, its article must be about the question (BBC eval: a
    Laura Ashley sentence answered "Who is the chief executive of Krispy Kreme?" by the model's word
    alone). One name, not all and not the figures: "IPO" for "initial public offering", "three
    months" for "the final quarter" are the article's other words for the same thing."""
    hay = normalize(text)
    return not subjects or any(named(n, hay) for n in subjects)


def readers_last(
    ordered: Sequence[Checked],
    answered: bool,
    *,
    keep: Callable[[Statement], bool],
    asked: str | None,
    readers: bool = False,
) -> tuple[list[Checked], bool]:
    """`StatementChecker.answer_first`'s statements with readers' comments after the article's, and
    whether one states what the question asks for: never a reader's comment, so an answer made
    only of comments, or led by one, is not one (its statements are shown as related). A question
    about what readers wrote (`readers`, `comments.asks_readers`) keeps the order and the answer."""
    if readers:
        return list(ordered), answered
    out = sorted(ordered, key=lambda c: c.statement.voice == COMMENT)  # stable: the order kept otherwise
    first = next((c for c in out if keep(c.statement)), None)
    reader_leads = bool(ordered) and asked is not None and ordered[0].statement.voice == COMMENT
    return out, answered and first is not None and first.statement.voice != COMMENT and not reader_leads


def speaker_first(
    check: StatementChecker, checked: Sequence[Checked], keep: Callable[[Statement], bool]
) -> list[Checked]:
    """For "What did X say about Y?": when a prompt sentence in X's own words (X named by the
    article's attribution) holds more of Y's words than every shown statement that names X,
    it is quoted first, with X added in code and the sentence that names X cited too. When no
    shown statement is X's own words (only lines about X: "One dissenting opinion came from
    Brian Gammage"), X's words holding as many of Y's words lead: a tie goes to what X said."""
    if check.said is None:
        return list(checked)
    speaker, topic = check.said
    surname = _fold(speaker.split()[-1])
    # Words most prompt sentences share ("Aleppo") do not tell one saying from another.
    common = {t for t in topic if sum(t in set(tokenize(line.text)) for line in check.lines) > len(check.lines) / 2}
    topic = topic - common

    def on_topic(text: str) -> float:
        words = set(tokenize(text))
        return sum(t in words for t in topic) / len(topic) if topic else 0.0

    naming = [c for c in checked if keep(c.statement) and _names(c, surname, check)]
    own = [c for c in naming if _says(c, surname)]
    # X's words shown: another line of theirs must hold more of Y; none shown: as much as any line about X.
    floor = max((on_topic(c.statement.text) for c in own), default=-1.0)
    least = max((on_topic(c.statement.text) for c in naming), default=0.0)

    def better(score: float) -> bool:
        return floor < score and least <= score

    best: tuple[float, Checked] | None = None
    for line in check.lines:
        score = on_topic(line.text)  # a prompt line anywhere: on Y's words, when the question has any
        if not better(score) or (topic and score == 0.0) or (best is not None and score <= best[0]):
            continue
        words = check.quote_line(line)
        if words is not None and _says(words, surname):
            best = (score, words)
    lead = best[1] if best else None
    if lead is None:  # the words right after a line that introduces X ("One dissenting opinion came from X.")
        after = (said_next(c, check.texts) for c in naming if c not in own)
        lead = next((c for c in after if c and _says(c, surname) and better(on_topic(c.statement.text))), None)
    if lead is None:
        return list(checked)
    return [lead, *_others(lead, checked)]


def repair(st: Statement, check: StatementChecker) -> Statement:
    """A small model often writes a right statement but cites a neighbouring sentence id.

    The model's ids are a hint; citations are resolved in code. So when the cited sentences
    fail verification, the prompt's sentences that share most words with the statement are
    tried instead: the best alone, the best with the model's own choice (a statement may
    draw on two sentences), then the next best; the first that passes verification is cited.
    """
    cited = {(c.source, c.start) for c in st.citations}
    own = [line.id for line in check.lines if any((ch.source, se.start) in cited for ch, se in line.locations)]
    ranked = [line.id for line in sorted(check.lines, key=lambda line: -lexical_support(st.text, line.text))[:3]]
    tries: list[list[int]] = []
    for i, best in enumerate(ranked):
        tries += [[best], [best, *own]] if i == 0 else [[best], [ranked[0], best]]
    for ids in tries:
        for cand in resolve([RawStatement(sources=ids, text=st.text)], check.lines, check.texts).statements:
            v = check.verify(cand)
            if v.verified:
                return v
    return st


def sentences_after(st: Statement, texts: SourceTexts) -> list[Citation]:
    """For each article a statement cites, the sentence right after its last cited one there, cited
    at its exact offsets; none at an article's end or when the file is gone. Each may have been
    withheld at indexing (`withheld`: asked last, as it parses the article)."""
    last: dict[str, Citation] = {}
    for c in st.citations:
        if c.source not in last or c.end > last[c.source].end:
            last[c.source] = c
    out = []
    for c in last.values():
        text = texts.get(c.source)
        if text is None:
            continue
        after = next_start(text, c.end)
        if after == len(text):
            continue  # the cited sentence ends its article
        s, e = sentence_at(text, after)
        if s >= c.end and e > s:  # a sentence of its own after the cited one
            out.append(
                replace(c, start=s, end=e, quote=text[s:e], verified=True, support=1.0, page=texts.page(c.source, s))
            )
    return out


def withheld(c: Citation, texts: SourceTexts) -> bool:
    """Whether a citation overlaps a sentence indexing withheld (never shown)."""
    text = texts.get(c.source) or ""
    return any(ws < c.end and c.start < we for ws, we in withheld_spans(text))


def said_next(c: Checked, texts: SourceTexts) -> Checked | None:
    """The sentence after a statement's cited one, shown with its voice (a quotation with its speaker)."""
    cite = next((x for x in sentences_after(c.statement, texts) if not withheld(x, texts)), None)
    if cite is None:
        return None
    return Checked(voiced(Statement(cite.quote, (cite,), verified=True, support=1.0), texts), True)


# "Who said <quoted words>?" with nothing else asked: those words are the question's whole object.
_QUOTATION = re.compile(r"[“\"]([^”\"]{3,})[”\"]")  # double marks: an apostrophe opens no quotation
_QUOTED = re.compile(r"^\s*who\s+(?:said|says|wrote)\s*[:,]?\s*[“\"‘']([^”\"’]{3,})[”\"’']\s*\??\s*$", re.I)


def holds_asked_words(question: str, text: str, *, least: float = WHO_SAID_WORDS) -> bool:
    """Whether a statement may answer the question as its words go: any, unless it asks "Who said
    <words>?", whose answer holds `least` of its content words, or `WHO_SAID_WORDS` of the words it
    quotes (those are what was said, as written)."""
    if not WHO_SAID.match(question):
        return True
    need = WHO_SAID_WORDS if _quoted_words(question) else least
    return _who_said_words(question, text) >= need


def _who_said_words(question: str, text: str) -> float:
    """The share of a "Who said <words>?" question's words a statement holds: of the words it
    quotes as its whole object, each word as written ('Who said "I should be knighted for this"?' is
    not answered by "… has been knighted …": a newcomer's run), else of its content words (stemmed)."""
    asked = _quoted_words(question)
    if not asked:
        return lexical_support(question, text, ignore=QUESTION_FRAME)
    have = set(re.findall(r"\w+", text.casefold()))
    return sum(w in have for w in asked) / len(asked)


def _quoted_words(question: str) -> list[str]:
    """The words a "Who said …?" question quotes, as written: its whole quoted object, or the
    quotations of at least three words inside it ('Who said Dortmund's losses were "the bill for
    their mismanagement…"?' is answered by the sentence that holds those words and names Dortmund
    only in its article: a newcomer's run); a one-word scare quote ("unworkable") is not one."""
    m = _QUOTED.match(question)
    if m is not None:
        return re.findall(r"\w+", m.group(1).casefold())
    spans = [re.findall(r"\w+", span.casefold()) for span in _QUOTATION.findall(question)]
    return [w for span in spans if len(span) >= 3 for w in span]


def _names(c: Checked, surname: str, check: StatementChecker) -> bool:
    """Whether a statement or its evidence names a speaker of this (folded) surname."""
    return surname in _fold(f"{c.statement.text} {check.evidence(c.statement)}")


def _says(c: Checked, surname: str) -> bool:
    """Whether a statement is the words of a speaker of this (folded) surname."""
    return c.statement.voice == QUOTE and surname in _fold(c.statement.speaker or "")


def next_states(kept: Sequence[Checked], check: StatementChecker) -> Checked | None:
    """The sentence after a relevant statement's cited one, when that one lacks the asked-for
    item and the next states it ("… called a whistleblower as their first witness." then "Ms
    Cooper told the jury …"): both quoted as the answer, as the article writes them, each cited at
    its exact offsets and read for its voice (a newcomer's run had a statement already shown as
    "The article quotes: …" joined to the next and shown "According to X: The article quotes: …").
    Never for "Who said <words>?": who said words is told by their attribution, and a name in the
    sentence after them is someone else (the same run: Guy Mansfield's sentence joined to Mark
    Oaten's quotation answered "Who said the bill will take a decade …?")."""
    if WHO_SAID.match(check.question):
        return None
    for c in kept:
        if not c.relevant:
            continue
        for cite in sentences_after(c.statement, check.texts):
            own = sorted((x for x in c.statement.citations if x.source == cite.source), key=lambda x: x.start)
            both = " ".join([*dict.fromkeys(x.quote for x in own), cite.quote])
            if not bears(cite.quote, check.asked, check.question) or names_missing(
                check.question, f"{both} {cite.title}"
            ):
                continue
            if withheld(cite, check.texts):
                continue
            st = Statement(both, (*own, cite), verified=True, support=1.0)
            return Checked(voiced(st, check.texts), True)  # whose words: each statement has a voice
    return None


def other_report(lead: Checked, others: Sequence[Checked], check: StatementChecker) -> Checked | None:
    """Another article's different figure for what a "how many/how much" question asks, quoted
    after the answer when no shown statement gives it: follow-up stories revise figures ("restated
    earnings by $4.4bn" in one article, "$5bn" in another), and a reader should see both.

    A prompt sentence qualifies when it cites another article than the lead, holds a figure of the
    asked kind that the lead does not, names the question's subjects (in its text, title or
    lead-in), shares at least `SELECT_AGAIN_MIN` of the question's words and addresses it.
    """
    if check.asked != "figure":
        return None
    sources = {c.source for c in lead.statement.citations}
    shown = [lead, *(c for c in others if c.follows)]
    have = set().union(*(numbers_in(c.statement.text) for c in shown))
    for line in check.lines:
        if any(ch.source in sources for ch, _ in line.locations) or not line.locations:
            continue
        figures = numbers_in(line.text) - numbers_in(check.question)
        if not figures or figures & have:
            continue
        if lexical_support(check.question, line.text, ignore=QUESTION_FRAME) < SELECT_AGAIN_MIN:
            continue
        if _answers_as_worded(check, line, line.text) is not None:
            return check.quote_line(line)
    return None


def _fold(text: str) -> str:
    return text.casefold().replace("’", "'")


def _others(lead: Checked, checked: Sequence[Checked]) -> list[Checked]:
    """The statements after `lead`: not the lead again, nor the bare words it quotes with their speaker."""
    same = {lead.statement.text, *(c.quote for c in lead.statement.citations)}
    return [c for c in checked if c is not lead and c.statement.text not in same]


_OPENERS = "“\"‘'("


def sentence_case(st: Statement, sentences: Iterable[str]) -> Statement:
    """A statement the model began in lower case where one of the prompt's sentences begins with
    the same words ("especially at night, …" for "Especially at night, …"), with its first letter
    raised; any other lower-case start stays (a fragment: "and reiterated …")."""
    text = st.text.lstrip(_OPENERS)
    if not text[:1].islower():
        return st
    head = " ".join(text.split()[:3]).casefold()
    if any(s.lstrip(_OPENERS).casefold().startswith(head) for s in sentences):
        i = st.text.index(text[0])
        return replace(st, text=st.text[:i] + text[0].upper() + st.text[i + 1 :])
    return st


RELATED_LIMIT = 2  # sentences shown as "related" beside an abstention


def quote_of(line: SourceLine, texts: SourceTexts) -> Statement | None:
    """A prompt sentence as a statement in its own words, cited at its exact offsets.

    Supported by construction (the statement is the cited text); None when the file changed. As
    shown, it is read for its voice (`shown_quote`).
    """
    found = resolve([RawStatement(sources=[line.id], text=line.text)], [line], texts).statements
    if not found:
        return None
    cites = tuple(replace(c, verified=True, support=1.0) for c in found[0].citations)
    return replace(found[0], citations=cites, verified=True, support=1.0)


def shown_quote(line: SourceLine, texts: SourceTexts) -> Statement | None:
    """A prompt sentence quoted as it is shown: with its voice, a quotation with its speaker and
    the sentence that names them cited too (`voice.voiced`); None when the file changed."""
    st = quote_of(line, texts)
    return None if st is None else voiced(st, texts)


def quoted(question: str, lines: Sequence[SourceLine], texts: SourceTexts, *, limit: int) -> list[Statement]:
    """The prompt sentences that share most words with the question, quoted, best first."""
    scored = sorted(((lexical_support(question, line.text), line) for line in lines), key=lambda x: -x[0])
    out: list[Statement] = []
    for score, line in scored:
        if len(out) == limit or score == 0:
            break
        st = shown_quote(line, texts)
        if st is not None:
            out.append(st)
    return out
