"""Answer or abstain, 'As of', and what is revealed while streaming: pure, no model."""

from __future__ import annotations

from dataclasses import replace

from rag.answering.assemble import (
    ABSTAIN_TEXT,
    YES_NO_ABSTAIN_TEXT,
    YES_NO_UNSETTLED_TEXT,
    Draft,
    Reveal,
    abstain,
    as_of,
    assemble,
    capped_note,
)
from rag.answering.checking import Checked
from rag.core.types import Citation, Statement

C_OLD = Citation("seeds/a.txt", 0, 10, "30 doctors", "A", "2016-10-01", None)
C_NEW = Citation("seeds/b.txt", 5, 9, "M10 hit", "B", "2016-10-03", None)
C_UNDATED = Citation("seeds/c.txt", 0, 4, "calm", "C", None, None)
GOOD = Statement("Only 30 doctors remain.", (C_OLD,), verified=True, support=0.9)
ALSO = Statement("The M10 hospital was hit.", (C_NEW,), verified=True, support=0.8)
BAD = Statement("45 nurses remain.", (C_OLD,), verified=False, support=0.0, reason="number not in the cited text: 45")
DRAFT = Draft("How many doctors were in Aleppo?", None, (), "m", {"total_s": 1.0}, 100, ("dropped id 9",))


def test_answer_keeps_supported_statements_and_rejects_the_rest() -> None:
    a = assemble(DRAFT, [Checked(GOOD, True), Checked(BAD, True), Checked(ALSO, False)], remove_unverified=True)
    assert not a.abstained
    assert a.statements == (GOOD, ALSO) and a.rejected_statements == (BAD,)
    assert a.text == "Only 30 doctors remain. [1] The M10 hospital was hit. [2]"
    assert a.as_of is None and a.notes == ("dropped id 9",) and a.prompt_tokens == 100


def test_flag_mode_keeps_unsupported_statements() -> None:
    a = assemble(DRAFT, [Checked(GOOD, True), Checked(BAD, False)], remove_unverified=False)
    assert a.statements == (GOOD, BAD) and a.rejected_statements == ()


def test_abstains_when_nothing_is_supported() -> None:
    a = assemble(DRAFT, [Checked(BAD, True)], remove_unverified=True)
    assert a.abstained and a.text == ABSTAIN_TEXT and a.statements == ()
    assert a.notes == ("no statement the sources support", "dropped id 9")
    assert a.rejected_statements == (BAD,)


def test_abstains_when_no_supported_statement_addresses_the_question() -> None:
    a = assemble(DRAFT, [Checked(ALSO, False)], remove_unverified=True)
    assert a.abstained and a.notes[0] == "the supported statements do not address the question"
    assert a.rejected_statements[0].text == ALSO.text
    assert a.rejected_statements[0].reason == "does not address the question"


def test_as_of_only_for_questions_about_the_present() -> None:
    assert as_of("How many doctors are there now?", [GOOD, ALSO]) == "2016-10-03"  # the newest cited date
    assert as_of("How many doctors are still there?", [Statement("x", (C_UNDATED,))]) is None
    assert as_of("How many doctors were there?", [GOOD]) is None
    assert as_of("How many doctors remain in Aleppo?", [GOOD]) is None  # asked of the articles
    now = Draft("How many doctors are there now?", None, (), "m", {})
    a = assemble(now, [Checked(GOOD, True), Checked(ALSO, True)], remove_unverified=True)
    assert a.text.startswith("As of 2016-10-03: Only 30 doctors remain. [1]") and a.as_of == "2016-10-03"


def test_an_undated_answer_about_now_gets_a_note_not_a_prefix() -> None:
    now = Draft("Is the M10 hospital still open?", None, (), "m", {})
    undated = Statement("The hospital was hit.", (C_UNDATED,), verified=True)
    a = assemble(now, [Checked(undated, True)], remove_unverified=True)
    assert a.text == "The hospital was hit. [1]" and a.as_of is None
    assert a.notes == ("the question asks about the present, and the cited articles carry no date",)


def test_as_of_reads_the_standalone_question() -> None:
    follow = Draft("And now?", "How many doctors remain in Aleppo now?", (), "m", {})
    a = assemble(follow, [Checked(GOOD, True)], remove_unverified=True)
    assert a.as_of == "2016-10-01" and a.standalone_question == "How many doctors remain in Aleppo now?"


def test_abstain_puts_the_reason_first() -> None:
    a = abstain(DRAFT, "retrieval found nothing relevant")
    assert a.notes == ("retrieval found nothing relevant", "dropped id 9") and a.timings == {"total_s": 1.0}


def test_reveal_holds_statements_until_one_is_relevant() -> None:
    r = Reveal(remove_unverified=True)
    assert list(r.offer(Checked(ALSO, False))) == []  # beside the point so far: held
    assert list(r.offer(Checked(BAD, True))) == []  # unsupported: never shown
    assert list(r.offer(Checked(GOOD, True))) == [GOOD, ALSO]  # the answer first, then the held one
    assert list(r.offer(Checked(GOOD, True))) == []  # never twice
    late = Statement("Late.", (C_NEW,), verified=True)
    assert list(r.offer(Checked(late, False))) == [late]  # once something is shown, the rest follow
    assert r.shown == [GOOD, ALSO, late]


def test_an_answer_at_the_statement_cap_says_the_list_may_be_partial_and_a_yes_no_answer_does_not() -> None:
    a = assemble(DRAFT, [Checked(GOOD, True), Checked(ALSO, True)], remove_unverified=True, capped_at=2)
    note = "The answer stops at 2 statements, the most one answer holds (RAG_MAX_STATEMENTS=2): the articles may list more."
    assert capped_note(2) == note
    assert a.text == f"Only 30 doctors remain. [1] The M10 hospital was hit. [2] ({note})"
    assert a.capped == 2 and a.notes == (note, "dropped id 9") and a.to_dict()["capped"] == 2
    yes_no = replace(DRAFT, question="Did the M10 hospital close?", form="yes_no")
    one = assemble(yes_no, [Checked(GOOD, True), Checked(ALSO, True)], remove_unverified=True, capped_at=2)
    assert one.capped == 2 and "may list more" not in one.text and note not in one.notes  # it lists nothing
    plain = assemble(DRAFT, [Checked(GOOD, True)], remove_unverified=True)
    assert plain.capped is None and "RAG_MAX_STATEMENTS" not in plain.text


def test_a_yes_no_question_opens_with_yes_or_no_or_says_the_articles_do_not_say() -> None:
    hit = Citation("seeds/b.txt", 5, 29, "The M10 hospital was hit", "B", "2016-10-03", None)
    draft = Draft("Was the M10 hospital hit?", None, (), "m", {}, form="yes_no")
    lead = Statement("The M10 hospital was hit", (hit,), verified=True, support=0.9)
    a = assemble(draft, [Checked(lead, True)], remove_unverified=True, short="M10")
    assert a.direct is not None and a.text.startswith("Yes [1]\n\nThe M10 hospital was hit")
    # the same question, nothing shown: the yes/no wording of an abstention
    none = assemble(draft, [Checked(BAD, True)], remove_unverified=True)
    assert none.abstained and none.text == YES_NO_ABSTAIN_TEXT
    assert abstain(DRAFT, "why").text == ABSTAIN_TEXT
    # a shown sentence that settles nothing ("Was it closed?"): the answer says so before it
    unsettled = assemble(
        replace(draft, question="Was the M10 hospital closed?"), [Checked(lead, True)], remove_unverified=True
    )
    assert unsettled.direct is None and not unsettled.abstained
    assert unsettled.text == f"{YES_NO_UNSETTLED_TEXT}\n\nThe M10 hospital was hit [1]"
    assert YES_NO_UNSETTLED_TEXT not in assemble(DRAFT, [Checked(GOOD, True)], remove_unverified=True).text


def test_words_the_question_quotes_do_not_make_it_about_now() -> None:
    """'Who said "… free speech anymore"?' got "the question asks about the present" (a newcomer's run)."""
    from rag.answering.assemble import about_now

    assert not about_now('Who said "you don\'t have total free speech anymore"?')
    assert not about_now("Who said “the hospital is still open”?")
    assert about_now('Is the hospital that staff called "the last refuge" still open?')
