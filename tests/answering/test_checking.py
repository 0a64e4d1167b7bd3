"""StatementChecker: each statement verified once, re-cited from the prompt's sentences, judged relevant."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from fakes import FakeEmbedder

from rag.answering.checking import StatementChecker
from rag.answering.citations import SourceTexts
from rag.answering.prompting import SourceLine
from rag.answering.verify import Evidence, Judge, Thresholds, Verifier
from rag.core.types import Chunk, Citation, Sentence, Statement

TEXT = "Only 30 doctors remained in east Aleppo. A convoy was hit near the city, killing 20 people."
S1 = Sentence(0, 40, TEXT[0:40])
S2 = Sentence(41, len(TEXT), TEXT[41:])
CHUNK = Chunk("a:0", "a", "a.txt", 0, TEXT, 0, len(TEXT), (S1, S2), title="Aleppo")
LINES = (SourceLine(1, S1.text, ((CHUNK, S1),)), SourceLine(2, S2.text, ((CHUNK, S2),)))


class CountingVerifier(Verifier):
    def __init__(self) -> None:
        super().__init__(FakeEmbedder(), thresholds=Thresholds(low=0.3, high=0.6))
        self.calls = 0

    def verify(self, st: Statement, ev: Evidence) -> Statement:
        self.calls += 1
        return super().verify(st, ev)


def _make(
    tmp_path: Path,
    question: str,
    *,
    verifier: Verifier | None = None,
    lines: tuple[SourceLine, ...] = LINES,
    judge: Judge | None = None,
    relevance: float = 0.55,
    context: int = 300,
    veto: float | None = None,
) -> StatementChecker:
    """A checker over the files in `tmp_path` (the answer check's minimum 0.5)."""
    return StatementChecker(
        verifier or CountingVerifier(),
        question=question,
        texts=SourceTexts(tmp_path, {}, max_bytes=10_000),
        lines=lines,
        relevance_threshold=relevance,
        context_chars=context,
        answer_judge=judge,
        answer_min=0.5,
        answer_veto=veto,
    )


def _checker(tmp_path: Path, question: str) -> tuple[StatementChecker, CountingVerifier]:
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    verifier = CountingVerifier()
    return _make(tmp_path, question, verifier=verifier), verifier


def _cite(s: Sentence) -> Citation:
    return Citation("a.txt", s.start, s.end, s.text, "Aleppo", None, None)


def test_a_wrongly_cited_statement_is_re_cited_to_the_sentence_that_supports_it(tmp_path: Path) -> None:
    check, _ = _checker(tmp_path, "How many people were killed when the convoy was hit?")
    wrong = Statement("A convoy was hit near the city, killing 20 people.", (_cite(S1),))
    out = check(wrong)
    assert out.statement.verified is True and out.relevant
    assert [c.quote for c in out.statement.citations] == [S2.text]


def test_each_statement_is_checked_once_by_text(tmp_path: Path) -> None:
    check, verifier = _checker(tmp_path, "How many doctors remained in east Aleppo?")
    st = Statement("Only 30 doctors remained in east Aleppo.", (_cite(S1),))
    first = check(st)
    calls = verifier.calls
    assert check(Statement("only 30 doctors remained in east aleppo.", (_cite(S1),))) is first
    assert verifier.calls == calls == 1 and first.statement.verified and first.relevant
    assert check.seconds > 0


def test_a_statement_nothing_supports_stays_unsupported(tmp_path: Path) -> None:
    check, _ = _checker(tmp_path, "How many doctors remained in east Aleppo?")
    out = check(Statement("Forty nurses fled to Turkey.", (_cite(S1),)))
    # No prompt sentence holds "40": the re-citation finds nothing, the model's citation stays.
    assert out.statement.verified is False
    assert out.statement.reason == "number not in the cited text: 40"
    assert [c.quote for c in out.statement.citations] == [S1.text]


def test_a_statement_begun_in_lower_case_where_a_prompt_sentence_begins_is_raised_not_rejected() -> None:
    from rag.answering.checking import sentence_case
    from rag.core.types import Citation, Statement

    quote = "“Especially at night, the bombardment intensifies,” said Bebars Mishal."
    c = Citation("a.txt", 0, len(quote), quote, "t", None, None)
    raised = sentence_case(Statement("especially at night, the bombardment intensifies.", (c,)), [quote])
    assert raised.text == "Especially at night, the bombardment intensifies."
    fragment = Statement("and reiterated U.N. calls for a pause.", (c,))
    assert sentence_case(fragment, [quote, "And reiterated nothing."]) is fragment


def test_the_model_s_yes_does_not_make_an_answer_of_a_sentence_without_the_asked_kind_of_item(tmp_path: Path) -> None:
    from fakes import ScriptedJudge

    from rag.answering.checking import Checked

    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    judge = ScriptedJudge(answering=["doctors", "convoy"])  # says yes to both sentences

    def checker(question: str) -> StatementChecker:
        return _make(tmp_path, question, judge=judge)

    # "When" asks for a date: neither sentence gives one, whatever the model says.
    check = checker("When did the doctors leave east Aleppo?")
    stated = [Checked(Statement(S1.text, (_cite(S1),), verified=True, support=1.0), True)]
    assert check.answer_first(stated, keep=lambda st: True)[1] is False
    # "How many" asks for a figure: the sentence that gives one is the answer, and a later
    # sentence without a count of doctors may not follow it.
    check = checker("How many doctors were left in the east of the city?")
    both = [
        Checked(Statement(S2.text, (_cite(S2),), verified=True, support=1.0), True),
        Checked(Statement(S1.text, (_cite(S1),), verified=True, support=1.0), True),
    ]
    ordered, answered = check.answer_first(both, keep=lambda st: True)
    assert answered and ordered[0].statement.text == S1.text
    assert [(c.statement.text, c.follows) for c in ordered[1:]] == [(S2.text, False)]


def test_a_later_statement_whose_evidence_does_not_name_the_subject_does_not_follow(tmp_path: Path) -> None:
    from rag.answering.checking import Checked

    check, _ = _checker(tmp_path, "How many people were killed near Aleppo?")
    other = "Latest figures suggest it killed 20 people."
    (tmp_path / "b.txt").write_text(other, encoding="utf-8")
    elsewhere = Citation("b.txt", 0, len(other), other, "Idlib market", None, None, True, 1.0)
    # the same figure, from an article that never names Aleppo: not this question's answer
    assert not check.follows(Checked(Statement(other, (elsewhere,), True, 1.0), True))
    assert check.follows(Checked(Statement(S2.text, (_cite(S2),), True, 1.0), True))  # its title names Aleppo


class _FixedJudge:
    """A judge that answers every question-sentence pair with one P(yes)."""

    def __init__(self, p: float) -> None:
        self.p = p

    def entailment(self, passage: str, statement: str) -> float:
        return 1.0

    def answers(self, question: str, sentence: str) -> float:
        return self.p


def test_the_answer_check_vetoes_only_under_its_veto_and_affirms_only_from_its_minimum(tmp_path: Path) -> None:
    # Measured on BBC pairs (docs/answer-check-2026-11-29.json): a P(yes) of 0.3-0.5 was given to
    # many sentences that hold the answer ("About 20,000 people have been banned …", 0.44), so an
    # unsure model neither vetoes a lead nor makes a statement relevant.
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    st = Statement(S1.text, (_cite(S1),), verified=True, support=1.0)
    verdicts = []
    for p in (0.1, 0.3, 0.45, 0.5, 0.9):
        check = _make(tmp_path, "How many doctors remained?", judge=_FixedJudge(p), veto=0.3)
        verdicts.append(check.answers(st))
    assert verdicts == [False, None, None, True, True]


def test_the_model_s_yes_does_not_make_an_answer_of_an_article_that_never_names_the_subject(tmp_path: Path) -> None:
    from fakes import ScriptedJudge

    from rag.answering.checking import Checked

    # BBC eval: "Who is the chief executive of Krispy Kreme?" was answered by a Laura Ashley
    # sentence the model said yes to; the subject must be named in the cited article.
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    judge = ScriptedJudge(answering=["convoy"])

    def answered(question: str) -> bool:
        check = _make(tmp_path, question, judge=judge, relevance=0.0, context=0)
        stated = [Checked(Statement(S2.text, (_cite(S2),), verified=True, support=1.0), True)]
        return check.answer_first(stated, keep=lambda st: True)[1]

    assert not answered("How many people died in the Idlib raid?")  # "Idlib" is nowhere in the article
    assert answered("How many people died when the lorries near Aleppo were hit?")  # named elsewhere in it


def test_another_article_s_different_figure_follows_the_answer(tmp_path: Path) -> None:
    from rag.answering.checking import Checked

    # BBC eval (conflicting cases): one article says Freddie Mac restated earnings by $4.4bn,
    # another by $5bn; both are shown, the lead's figure first.
    a = "Mortgages\n\nFreddie Mac was forced to restate its earnings by $4.4bn last year."
    b = "Fannie Mae\n\nThe other mortgage firm Freddie Mac restated earnings by $5bn last year after a probe."
    c = "Lenders\n\nFreddie Mac hired 50 staff to restate earnings last year."
    lines = []
    for i, (name, text) in enumerate((("a.txt", a), ("b.txt", b), ("c.txt", c)), 1):
        (tmp_path / name).write_text(text, encoding="utf-8")
        start = text.index("\n\n") + 2
        sent = Sentence(start, len(text), text[start:])
        chunk = Chunk(f"{name}:0", name, name, 0, text, 0, len(text), (sent,), title=text.split("\n")[0])
        lines.append(SourceLine(i, sent.text, ((chunk, sent),)))
    question = "By how much did Freddie Mac have to restate its earnings?"
    check = _make(tmp_path, question, lines=tuple(lines), relevance=0.0)
    first = lines[0]
    lead = Statement(first.text, (Citation("a.txt", a.index("Freddie"), len(a), first.text, "Mortgages", None, None),))
    ordered, answered = check.answer_first(
        [Checked(replace(lead, verified=True, support=1.0), True)], keep=lambda st: True
    )
    assert answered
    assert [o.statement.text for o in ordered] == [first.text, lines[1].text]
    cited = ordered[1].statement.citations[0]
    assert (cited.source, b[cited.start : cited.end]) == ("b.txt", lines[1].text)


def test_an_unsure_model_does_not_keep_a_sentence_with_the_asked_item_from_leading(tmp_path: Path) -> None:
    from rag.answering.checking import Checked

    # BBC eval: "About 20,000 people have been banned …" for "Roughly how many players did Valve
    # ban?" had P(yes) 0.44; only a sure no (under the veto) makes it related, not the answer.
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")

    def answered(p: float) -> bool:
        question = "How many people died when the convoy from east Aleppo was hit?"
        check = _make(tmp_path, question, judge=_FixedJudge(p), relevance=0.0, context=0, veto=0.3)
        cite = replace(_cite(S2), title="Convoy")  # its evidence does not name Aleppo; its article does
        stated = [Checked(Statement(S2.text, (cite,), verified=True, support=1.0), True)]
        return check.answer_first(stated, keep=lambda st: True)[1]

    assert answered(0.4) and answered(0.9)
    assert not answered(0.1)


def test_a_statement_set_in_another_year_is_beside_the_answer(tmp_path: Path) -> None:
    """BBC bp018: "the May 2005 general election" is not answered by the 2001 turnout."""
    from rag.answering.checking import Checked

    text = "Turnout fell to 59% at the general election in 2001. Turnout rose to 61% at the May 2005 general election."
    first, second = Sentence(0, 52, text[0:52]), Sentence(53, len(text), text[53:])
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    check = _make(tmp_path, "What was the voter turnout at the May 2005 general election?")
    old, new = (Checked(Statement(s.text, (_cite(s),), True, 1.0), True) for s in (first, second))
    assert not check.follows(old) and check.follows(new)
    ordered, answered = check.answer_first([old, new], keep=lambda st: True)
    assert answered and [c.follows for c in ordered] == [False, True]
    _, answered = check.answer_first([old], keep=lambda st: True)
    assert not answered  # only the 2001 figure: related, not an answer


def test_an_answer_the_model_says_no_to_throughout_is_related_not_an_answer(tmp_path: Path) -> None:
    """docs/answer-veto-2026-11-30.json: "Why did the European Parliament approve the bill?" was
    answered with "Politicians rejected the bill"; the model's P(yes) for it was 0.12."""
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    why = "Why was the convoy hit near Aleppo?"
    st = Statement(S2.text, (_cite(S2),), True, 1.0)
    for p, answered in ((0.1, False), (0.4, True), (0.9, True)):
        check = _make(tmp_path, why, judge=_FixedJudge(p), veto=0.3)
        assert check.answer_first([check(st)], keep=lambda s: True)[1] is answered
        assert check.vetoed is not answered  # the abstention names this gate (VETOED_NOTE)
    # a yes/no question's "No" sentence is not judged so: the model does not see it as the answer
    check = _make(tmp_path, "Was the convoy hit near Aleppo?", judge=_FixedJudge(0.1), veto=0.3)
    assert check.answer_first([check(st)], keep=lambda s: True)[1] is True
    # without a judge (the fast model, RAG_ANSWER_CHECK=false) nothing changes
    check = _make(tmp_path, why)
    assert check.answer_first([check(st)], keep=lambda s: True)[1] is True
    # a reader's comment for a question about readers is not put to the model (as in `leads`): the
    # tenth part's newcomer had "What did readers say about …?" refused with 30 comments there
    from rag.answering.checking import Checked

    readers = "What did readers say about the convoy hit near Aleppo?"
    comment = Checked(replace(st, voice="comment"), True)
    for question, answered in ((readers, True), (why, False)):
        check = _make(tmp_path, question, judge=_FixedJudge(0.1), veto=0.3)
        assert check.answer_first([comment], keep=lambda s: True)[1] is answered


# Written for these tests, after a newcomer's run on the BBC ID-cards articles (issue 28).
BAR = (
    'He said: "This has all the signs of a rushed law." '
    "The chairman of the Bar Council, Guy Mansfield QC warned there was a real risk to the young."
)


def _bar(tmp_path: Path, question: str) -> tuple[StatementChecker, Citation]:
    (tmp_path / "a.txt").write_text(BAR, encoding="utf-8")
    end = BAR.index(" The chairman")
    return _make(tmp_path, question), Citation("a.txt", 0, end, BAR[:end], "Bill row", None, None)


def test_the_sentence_after_is_joined_to_the_article_s_words_not_to_a_shown_statement(tmp_path: Path) -> None:
    """A statement already shown as "The article quotes: …" was joined as shown and read again:
    "According to X: The article quotes: “…” The chairman …" (a newcomer's run)."""
    from rag.answering.checking import Checked, next_states

    check, quote = _bar(tmp_path, "Which lawyer warned there was a real risk to the young?")
    # its copy in another article names the speaker the first leaves unnamed
    copy_text = 'Mark Oaten said: "This has all the signs of a rushed law."'
    (tmp_path / "b.txt").write_text(copy_text, encoding="utf-8")
    copy = Citation("b.txt", 0, len(copy_text), copy_text, "ID cards", None, None)
    shown = Statement("The article quotes: “This has all the signs of a rushed law.”", (quote, copy), voice="quote")
    out = next_states([Checked(shown, True)], check)
    assert out is not None
    assert [c.quote for c in out.statement.citations] == [quote.quote, BAR[len(quote.quote) + 1 :]]
    assert out.statement.text == (
        "The article quotes: “This has all the signs of a rushed law.” "
        "The chairman of the Bar Council, Guy Mansfield QC warned there was a real risk to the young."
    )
    assert not out.statement.text.startswith("According to")


def test_who_said_is_not_answered_by_a_name_in_the_sentence_after_another_s_quotation(tmp_path: Path) -> None:
    """ "Who said <words>?" answered with a quotation that lacks the words, joined to the next
    sentence for its name, gave Guy Mansfield's sentence to Mark Oaten (a newcomer's run)."""
    from rag.answering.checking import Checked, next_states

    check, quote = _bar(tmp_path, "Who said the bill will take a decade to come into full effect?")
    said = Statement('Mark Oaten said: "This has all the signs of a rushed law."', (quote,), voice="quote")
    assert next_states([Checked(said, True)], check) is None
    # nor when the statement holds the asked words (a second newcomer's run: 'He said: "This has all
    # the signs …"' joined to the next sentence's Guy Mansfield)
    check2, _ = _bar(tmp_path, 'Who said "This has all the signs of a rushed law"?')
    assert next_states([Checked(Statement(quote.quote, (quote,)), True)], check2) is None
    # the same statement, for a question that asks for a name otherwise, is joined to it
    check3, _ = _bar(tmp_path, "Which lawyer gave a warning about the rushed law?")
    joined = next_states([Checked(Statement(quote.quote, (quote,)), True)], check3)
    assert joined is not None and joined.statement.citations[-1].quote.startswith("The chairman of the Bar Council")


def test_what_did_x_say_reads_the_speaker_without_letters_after_the_name() -> None:
    """ "What did Guy Mansfield QC say …?" had "QC" for his surname, so none of his words was
    found (a newcomer's run)."""
    from rag.answering.checking import words_asked

    assert words_asked("What did Guy Mansfield QC say would happen to young Asian men?") == (
        "Guy Mansfield",
        frozenset({"happen", "young", "asian", "men"}),
    )
    assert words_asked("What did Tony Banks MP say about the ban?") == ("Tony Banks", frozenset({"ban"}))
    assert words_asked("What did Guy Mansfield, QC, say about the ban?") == ("Guy Mansfield", frozenset({"ban"}))
    assert words_asked("What did they say about the ban?") is None
    assert words_asked("What did the MP say about the ban?") is None  # no one named: not "the"


def test_who_said_quoted_words_needs_those_words_as_written() -> None:
    """'Who said "I should be knighted for this"?' was answered with "… has been knighted …"
    (a newcomer's run): of quoted words, each word counts as written."""
    from rag.answering.checking import WHO_SAID_WORDS, _who_said_words

    check = 'Who said "I should be knighted for this"?'
    assert _who_said_words(check, "The top civil servant has been knighted in the New Year Honours.") < 0.5
    assert _who_said_words(check, '"I should be knighted for this," said Adam Curry.') == 1.0
    # a quoted word inside a longer question is not its whole object: the question's words count
    scare = 'Who called the Home Office immigration plan "unworkable"?'
    assert _who_said_words(scare, "Mr Smith said the rail strike was unworkable.") < 0.5
    # a quotation of several words is what was said: the words around it are the article's context
    dortmund = 'Who said Dortmund\'s losses were "the bill for their mismanagement…"?'
    halser = '"This is the bill for their mismanagement over the past years," said HVB analyst Peter-Thilo Halser.'
    assert _who_said_words(dortmund, halser) == 1.0
    assert _who_said_words(dortmund, "Dortmund's losses were blamed on the club's bill for wages.") < WHO_SAID_WORDS
    plain = "Who said the bill will take a decade to come into full effect?"
    assert (
        _who_said_words(
            plain, "It is important to remember that this bill will take a decade to come into full effect."
        )
        == 1.0
    )


def test_a_prompt_sentence_the_model_affirms_is_the_answer_before_an_abstention(tmp_path: Path) -> None:
    """BBC bb040: "How much feta cheese do the Danes produce annually?" was refused with "Denmark
    is … producing about 30,000 tonnes a year" shown as related (there "Danes" is not read as
    Denmark, so that case stays refused). The model wrote no statement; the
    answer check, asked of the prompt's sentences that hold a figure, gives the answer, but only
    from `JUDGED_MIN` and only in an article that names the question's subject."""
    text = "Feta\n\nDenmark makes about 30,000 tonnes a year and exports it to Greece. The Danish firm Arla is large."
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    start = text.index("Denmark")
    first = Sentence(start, text.index(" The Danish"), text[start : text.index(" The Danish")])
    second = Sentence(first.end + 1, len(text), text[first.end + 1 :])
    chunk = Chunk("a:0", "a", "a.txt", 0, text, 0, len(text), (first, second), title="Feta")
    lines = (SourceLine(1, first.text, ((chunk, first),)), SourceLine(2, second.text, ((chunk, second),)))

    def lead(question: str, p: float) -> str | None:
        check = _make(tmp_path, question, lines=lines, judge=_FixedJudge(p), relevance=0.0, veto=0.3)
        ordered, answered = check.answer_first([], keep=lambda st: True)
        return ordered[0].statement.text if answered else None

    question = "How much feta does Denmark produce annually?"
    assert lead(question, 0.8) == first.text  # the one sentence with a figure, quoted as it stands
    assert lead(question, 0.6) is None  # unsure enough to abstain: 5% of non-answers pass at 0.6
    assert lead("How much feta does Bulgaria produce annually?", 0.9) is None  # the article never names it


def test_a_later_statement_follows_when_its_article_names_the_subject_elsewhere(tmp_path: Path) -> None:
    """BBC bb032: "An ex-chief financial officer at Boeing has received a four-month jail sentence"
    was moved beside the answer about Michael Sears, whom its article names only a sentence later."""
    from rag.answering.checking import Checked

    text = (
        "Boeing jail\\n\\nAn ex-chief financial officer at Boeing has received a four-month jail sentence. "
        + "x " * 200
        + "Michael Sears admitted his guilt."
    )
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    first = text[text.index("An ex") : text.index(" x ")]
    cite = Citation("a.txt", text.index("An ex"), text.index(" x "), first, "Boeing jail", None, None)
    check = _make(tmp_path, "How long a prison sentence did Michael Sears receive?", context=0)
    assert check.follows(Checked(Statement(first, (cite,), True, 1.0), True))
    (tmp_path / "b.txt").write_text(text.replace("Michael Sears", "Mr Smith"), encoding="utf-8")
    other = replace(cite, source="b.txt")
    assert not check.follows(Checked(Statement(first, (other,), True, 1.0), True))  # no article names him


def test_a_why_question_leads_with_the_sentence_that_states_a_cause(tmp_path: Path) -> None:
    """BBC bw001: "Why has Standard Life cut the bonuses …?" was answered with background ("Profits
    made in good years are kept in reserve …"); the article's "The insurer blamed the cuts on poor
    share returns" was in the prompt. A sentence stating a cause leads; without one, or for a
    question that asks no "why", the model's order stays."""
    from rag.answering.checking import Checked

    text = (
        "Standard Life cuts bonuses\n\nStandard Life is to cut bonuses on its with-profits policies. "
        "Profits are kept in reserve in good years. The insurer blamed the cuts on poor share returns."
    )
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    sentences = [s.strip() + "." for s in text.split("\n\n")[1].split(".") if s.strip()]
    spans = [Sentence(text.index(s), text.index(s) + len(s), s) for s in sentences]
    chunk = Chunk("a:0", "a", "a.txt", 0, text, 0, len(text), tuple(spans), title="Standard Life cuts bonuses")
    lines = tuple(SourceLine(i + 1, s.text, ((chunk, s),)) for i, s in enumerate(spans))
    cite = Citation("a.txt", spans[1].start, spans[1].end, spans[1].text, chunk.title, None, None)
    background = Checked(Statement(spans[1].text, (cite,), True, 1.0), True)

    def first(question: str, checked: list[Checked]) -> str:
        check = _make(tmp_path, question, lines=lines, relevance=0.3)
        ordered, answered = check.answer_first(checked, keep=lambda st: True)
        assert answered
        return ordered[0].statement.text

    why = "Why has Standard Life cut the bonuses on its with-profits policies?"
    assert first(why, [background]) == sentences[2]  # quoted from the prompt, before the model's
    assert (
        first("What has Standard Life done to the bonuses on its with-profits policies?", [background]) == sentences[1]
    )
    # the model's first already states a cause: kept
    cause = "Standard Life cut bonuses because share returns were poor."
    assert first(why, [replace(background, statement=replace(background.statement, text=cause))]) == cause
    # an article that never names Standard Life gives no lead
    (tmp_path / "a.txt").write_text(text.replace("Standard Life", "Aviva"), encoding="utf-8")
    assert first(why, [background]) == sentences[1]


def test_who_said_answers_hold_the_asked_words_at_least_as_a_paraphrase() -> None:
    from rag.answering.checking import WHO_SAID_FLOOR, holds_asked_words

    # BBC bt021: the question paraphrases around what was said; 3 of its 7 content words are held
    q = "Who called the Mac mini Apple's bravest move yet?"
    evans = '"It\'s the bravest move they have made yet," said Jonny Evans, news editor at Macworld magazine.'
    assert not holds_asked_words(q, evans)  # not enough to lead as it stands …
    assert holds_asked_words(q, evans, least=WHO_SAID_FLOOR)  # … but a fallback may answer with it
    # another speaker's words on something else never answer (a newcomer's run)
    oaten = 'Lib Dem spokesman Mark Oaten said: "This has all the signs of a rushed bill."'
    assert not holds_asked_words(
        "Who said the bill will take a decade to come into full effect?", oaten, least=WHO_SAID_FLOOR
    )
    # quoted words are what was said, as written, on every path
    knighted = "Sir John Gieve has been knighted in the New Year Honours."
    assert not holds_asked_words('Who said "I should be knighted for this"?', knighted, least=WHO_SAID_FLOOR)
    assert holds_asked_words("How many people live in Aleppo?", oaten)  # any statement for other questions
