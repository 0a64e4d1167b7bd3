"""From checked statements to the `Answer`: what is shown while streaming, answer or abstain.

Pure functions and one small object, so the decisions are unit-tested without any model:
- `Reveal` holds streamed statements back until one may open the answer (it addresses the
  question and states what it asks for), then shows them in order (a true but beside-the-point
  first statement must not be shown before we know the answer is an answer at all);
- `assemble` decides between an answer and an abstention, and adds "As of <date>" to answers
  about the present (news goes stale).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from rag.answering.checking import Checked
from rag.answering.citations import answer_text
from rag.answering.direct import cited_number, direct_answer, yes_no_answer
from rag.answering.relations import quotes_of
from rag.core.days import DayRange, day_number, show_date
from rag.core.types import Answer, DateScope, Passage, Statement

ABSTAIN_TEXT = "The indexed articles do not answer this question."
# The same, for a yes/no question: "Yes", "No" or "The articles do not say" (issue 24).
YES_NO_ABSTAIN_TEXT = "The articles do not say."
# The first line of a yes/no answer that shows sentences none of which settles it (`yes_no_answer`
# found no "Yes" or "No"): without it the reader was left to guess why no Yes or No was given
# (the eleventh newcomer).
YES_NO_UNSETTLED_TEXT = "The articles do not say yes or no outright. What they report:"
# Words that ask about the present. Not "remain": "How many doctors remain?" is asked of the
# articles, and an "As of" on every such answer is noise.
_ABOUT_NOW = re.compile(r"\b(now|currently|current|today|still|at present|latest|these days|any ?more)\b", re.I)
# Why an answer abstains when no statement states what the question asks for.
ITEM_NOTE = "no statement states what the question asks for"
# Why a later statement is left out: it states no item of the kind the question asks for.
BESIDE = "does not state what the question asks for"
UNDATED_NOTE = "the question asks about the present, and the cited articles carry no date"


def removed(st: Statement, *, remove_unverified: bool) -> bool:
    """Whether verification takes this statement out of the answer (`RAG_VERIFY_MODE=remove`)."""
    return st.verified is False and remove_unverified


class Reveal:
    """Statements to show while the answer streams: held until one is relevant, never twice."""

    def __init__(
        self,
        *,
        remove_unverified: bool,
        leads: Callable[[Checked], bool] = lambda c: c.relevant,
        follows: Callable[[Checked], bool] = lambda c: True,
    ) -> None:
        """Statements are offered as they are checked.

        Args:
            remove_unverified: `RAG_VERIFY_MODE=remove`.
            leads: whether a statement may open the answer (default: it is relevant).
            follows: whether a statement may follow the one that opens it (default: any).
        """
        self.remove_unverified = remove_unverified
        self.leads, self.follows = leads, follows
        self.shown: list[Statement] = []
        self._held: list[Checked] = []

    def offer(self, checked: Checked) -> Iterator[Statement]:
        """The statements that may be shown now that `checked` is known."""
        st = checked.statement
        if removed(st, remove_unverified=self.remove_unverified):
            return
        if not (self.shown or self.leads(checked)):
            self._held.append(checked)
            return
        if self.shown and not self.follows(checked):
            return
        # The statement that opens the answer goes first, then those held back that may follow it, in order.
        for h in [st, *(c.statement for c in self._held if self.follows(c))]:
            if all(h.text.casefold() != x.text.casefold() for x in self.shown):
                self.shown.append(h)
                yield h
        self._held.clear()


def about_now(question: str) -> bool:
    """Whether the question asks about the present ("now", "still", "latest", ...), outside the
    words it quotes ('Who said "… free speech anymore"?' quotes someone's "now", `quotes_of`)."""
    for quoted in quotes_of(question):
        question = question.replace(quoted, " ")
    return _ABOUT_NOW.search(question) is not None


def as_of(question: str, statements: Sequence[Statement]) -> str | None:
    """For a question about the present, the date of the newest cited article; else None."""
    if not about_now(question):
        return None
    dates = {c.date for st in statements for c in st.citations if c.date}
    # A full date beats one without a year ("--10-01"): newest full date, else newest partial.
    full = sorted(d for d in dates if not d.startswith("--"))
    partial = sorted(d for d in dates if d.startswith("--"))
    newest = full or partial
    return newest[-1] if newest else None


@dataclass(frozen=True, slots=True)
class Draft:
    """What the pipeline knows when the reply is complete."""

    question: str  # as the user asked it
    standalone: str | None  # the rewritten follow-up, if any
    passages: tuple[Passage, ...]
    model: str
    timings: Mapping[str, float]
    prompt_tokens: int = 0
    notes: tuple[str, ...] = ()
    form: str = "fact"  # `rag.answering.forms.form_of` of the question


def _answer(
    draft: Draft, text: str, statements: tuple[Statement, ...], rejected: Sequence[Statement], **kw: Any
) -> Answer:
    return Answer(
        question=draft.question,
        standalone_question=draft.standalone,
        text=text,
        statements=statements,
        abstained=not statements,
        passages=draft.passages,
        model=draft.model,
        timings=dict(draft.timings),
        prompt_tokens=draft.prompt_tokens,
        rejected_statements=tuple(rejected),
        form=draft.form,
        **kw,
    )


def abstain(
    draft: Draft,
    why: str,
    rejected: Sequence[Statement] = (),
    *,
    text: str = ABSTAIN_TEXT,
    related: Sequence[Statement] = (),
) -> Answer:
    """The abstention: no statements, the reason first among the notes.

    Args:
        draft: what the pipeline knows.
        why: the reason, for the notes.
        rejected: statements verification removed.
        text: what the user reads (a false premise names what the articles do not report); the
            default reads `YES_NO_ABSTAIN_TEXT` for a yes/no question.
        related: what the articles do say on the subject, shown as related, never as the answer.
    """
    if text == ABSTAIN_TEXT and draft.form == "yes_no":
        text = YES_NO_ABSTAIN_TEXT
    return _answer(draft, text, (), rejected, notes=(why, *draft.notes), related=tuple(related))


def capped_note(cap: int) -> str:
    """What an answer says when the model wrote as many statements as one answer holds (the reply
    schema's `maxItems`, `RAG_MAX_STATEMENTS`): a list it shows may be partial. Not a yes/no
    answer's, which lists nothing; every answer at the cap carries `capped`."""
    return (
        f"The answer stops at {cap} statements, the most one answer holds (RAG_MAX_STATEMENTS={cap}): "
        "the articles may list more."
    )


def assemble(
    draft: Draft,
    checked: Sequence[Checked],
    *,
    remove_unverified: bool,
    answered: bool = True,
    short: str | None = None,
    capped_at: int | None = None,
    unanswered: str = ITEM_NOTE,
) -> Answer:
    """Answer with the kept statements, or abstain when none is supported, relevant, or an answer.

    Args:
        draft: what the pipeline knows.
        checked: the checked statements, the answer first.
        remove_unverified: `RAG_VERIFY_MODE=remove`.
        answered: whether a statement states what the question asks for (the figure for "how
            many", ...); when none does, the supported statements are shown as related, not as
            the answer ("How many MSF doctors were killed?" is not answered by the hospitals'
            death toll).
        short: the model's short answer: shown as the answer's first line ("30 doctors [1]")
            when the first statement's cited sentence holds it (`direct_answer`); for a yes/no
            question the line is "Yes" or "No" when a shown sentence settles it (`yes_no_answer`).
        capped_at: the statement cap when the model's reply reached it (`hit_cap`); an answer
            other than yes/no then says that the list may be partial (`capped_note`).
        unanswered: the abstention's note when not `answered` (the gate that decided, for the eval).
    """
    kept = [c for c in checked if not removed(c.statement, remove_unverified=remove_unverified)]
    rejected = [c.statement for c in checked if removed(c.statement, remove_unverified=remove_unverified)]
    if not kept:
        return abstain(draft, "no statement the sources support", rejected)
    if not any(c.relevant for c in kept):
        beside = [replace(c.statement, reason=c.statement.reason or "does not address the question") for c in kept]
        return abstain(draft, "the supported statements do not address the question", [*rejected, *beside])
    if not answered:
        related = [c.statement for c in kept if c.relevant]
        return abstain(draft, unanswered, rejected, related=related)
    beside = [replace(c.statement, reason=BESIDE) for c in kept if not c.follows]
    statements = tuple(c.statement for c in kept if c.follows)
    rejected = [*rejected, *beside]
    text, numbers = answer_text(statements)
    settle = yes_no_answer if draft.form == "yes_no" else direct_answer
    direct = settle(short, statements, draft.standalone or draft.question)
    if direct is not None:
        text = f"{direct.text} [{cited_number(direct, numbers)}]\n\n{text}"
    elif draft.form == "yes_no":
        text = f"{YES_NO_UNSETTLED_TEXT}\n\n{text}"
    question = draft.standalone or draft.question
    date = as_of(question, statements)
    notes = draft.notes
    if date is not None:
        text = f"As of {show_date(date)}: {text}"
    elif about_now(question):
        notes = (UNDATED_NOTE, *notes)
    if capped_at is not None and draft.form != "yes_no":
        text = f"{text} ({capped_note(capped_at)})"
        notes = (capped_note(capped_at), *notes)
    return _answer(draft, text, statements, rejected, as_of=date, notes=notes, capped=capped_at, direct=direct)


# How a user includes undated articles, in each face's words (CLI, API and `rag serve`, chat).
INCLUDE_UNDATED = "--include-undated (`include_undated` in Python and `rag serve`, “Include undated” in the chat)"


def date_scope(dates: Iterable[str | None], days: DayRange, *, since: str | None, until: str | None) -> DateScope:
    """Count what the date filter lets through and leaves out of the articles with these stored
    dates (one per indexed article in scope)."""
    searched = undated = outside = 0
    for date in dates:
        if days.admits(date):
            searched += 1
        elif day_number(date) == 0:
            undated += 1
        else:
            outside += 1
    return DateScope(since, until, days.undated, searched, undated, outside)


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def scope_sentence(scope: DateScope) -> str:
    """What a date filter left out, in a sentence: "Searched 11 articles dated from 2005-01-01;
    left out 854 undated articles (include them with --include-undated …) and 3 dated outside
    that range."."""
    head = f"Searched {_plural(scope.searched, 'article')} {_describe(scope)}"
    head += " or undated" if scope.include_undated else ""
    gone = []
    if scope.undated_left_out:
        gone.append(f"{_plural(scope.undated_left_out, 'undated article')} (include them with {INCLUDE_UNDATED})")
    if scope.outside_left_out:
        gone.append(f"{scope.outside_left_out:,} dated outside that range")
    return head + (f"; left out {' and '.join(gone)}." if gone else ".")


def _describe(scope: DateScope) -> str:
    if scope.since and scope.until:
        return f"dated {scope.since} to {scope.until}"
    return f"dated from {scope.since}" if scope.since else f"dated until {scope.until}"


def with_scope(answer: Answer, scope: DateScope) -> Answer:
    """The answer with what its date filter left out: in `notes` and `date_filter` always, and in
    the text of an abstention, which then says the filter emptied it rather than that the articles
    do not answer."""
    sentence = scope_sentence(scope)
    text = answer.text
    if answer.abstained and scope.searched == 0:
        text = f"No indexed article is {_describe(scope)}" + (" or undated" if scope.include_undated else "")
        text += f", so nothing was searched. {sentence}"
    elif answer.abstained and (scope.undated_left_out or scope.outside_left_out):
        text = f"{text} {sentence}"
    return replace(answer, text=text, notes=(*answer.notes, sentence), date_filter=scope)
