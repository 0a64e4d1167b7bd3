"""The steps of one answer, each a function, in the order `Pipeline.stream` runs them: the search,
the relevance and premise gates, the prompt, then the model's reply read as it streams, each
statement resolved to its citations and checked before it is shown.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from rag.answering.assemble import ITEM_NOTE, Draft, Reveal, about_now, abstain, assemble, removed
from rag.answering.checking import (
    RELATED_LIMIT,
    VETOED_NOTE,
    Checked,
    StatementChecker,
    quoted,
    readers_last,
    shown_quote,
)
from rag.answering.citations import (
    SourceTexts,
    StatementStream,
    hit_cap,
    output_schema,
    parse_output,
    resolve,
    short_answer,
)
from rag.answering.forms import Composition, Form, compose
from rag.answering.opposite import OPPOSITE_NOTE, opposite
from rag.answering.premise import PremiseCheck, check_premise
from rag.answering.prompting import BuiltPrompt, build_prompt
from rag.answering.verify import Judge, Verifier
from rag.answering.voice import voiced
from rag.core.days import DayRange
from rag.core.errors import IndexMissingError, UnknownSourceError
from rag.core.settings import Settings
from rag.core.types import Answer, Statement
from rag.index.embeddings import Embedder
from rag.index.retrieval import Retrieval
from rag.index.store import Manifest, index_lock
from rag.index.texts import TextLayer
from rag.model.generation import Generator
from rag.pipeline.components import Components
from rag.pipeline.events import WRITING_EVERY_S, Done, Event, StatementReady, Writing
from rag.pipeline.validation import validate_sources


@dataclass(slots=True)
class Question:
    """One question on its way through `stream`: what was asked, what is searched, and the clock."""

    original: str
    searched: str
    form: Form = "fact"
    t0: float = field(default_factory=time.perf_counter)
    timings: dict[str, float] = field(default_factory=dict)

    def mark(self, name: str) -> None:
        self.timings[name] = time.perf_counter() - self.t0

    def draft(self, found: Retrieval, model: str, *, prompt_tokens: int = 0, notes: Sequence[str] = ()) -> Draft:
        """What is known when the answer is complete; stops the clock (`total_s`)."""
        self.mark("total_s")
        standalone = self.searched if self.searched != self.original else None
        return Draft(
            self.original, standalone, found.passages, model, self.timings, prompt_tokens, tuple(notes), self.form
        )


def search(
    components: Components,
    question: str,
    *,
    top: int,
    sources: Sequence[str] | None,
    days: DayRange | None = None,
) -> tuple[Retrieval, Manifest]:
    """The passages for a standalone question and the manifest they were found with, under the
    index's shared lock.

    Raises:
        IndexMissingError, IndexCorruptError, IndexBusyError; UnknownSourceError for a source.
    """
    s = components.settings
    with index_lock(s.index_path, exclusive=False, timeout=s.lock_timeout_s):
        if not components.manifests().exists():
            raise IndexMissingError("No index yet: run `rag index` (or `rag ask`, which builds it).")
        retriever, manifest = components.open()
        chosen = validate_sources(sources, manifest.documents, root=s.root) if sources else None
        found = retriever.retrieve(
            question,
            top=top,
            dense_k=s.dense_k,
            lexical_k=s.lexical_k,
            rrf_k=s.rrf_k,
            duplicate_threshold=s.duplicate_threshold,
            sources=chosen,
            days=days,
            prefer_recent=about_now(question),
        )
    return found, manifest


def relevant(found: Retrieval, *, settings: Settings) -> bool:
    """Whether retrieval found anything to answer from: a passage close enough in meaning
    (`RAG_MIN_RELEVANCE`) or one that shares a word with the question."""
    return bool(found.passages) and (found.best_dense >= settings.min_relevance or found.lexical_hits > 0)


def source_texts(manifest: Manifest, *, settings: Settings, layer: TextLayer | None = None) -> SourceTexts:
    """The indexed articles' texts, read on demand and checked against their indexed content hashes
    (`layer`: the index's text layer, for articles that are not plain text files)."""
    hashes = {source: doc.content_hash for source, doc in manifest.documents.items()}
    return SourceTexts(settings.root, hashes, max_bytes=settings.max_file_bytes, layer=layer)


def source_of(components: Components, asked: str) -> tuple[str, str, SourceTexts]:
    """(name as indexed, text its offsets index, the texts) of one indexed article: a file, a
    file's path as given, or `FILE#ID` for an export's record.

    Raises:
        UnknownSourceError: not an indexed article, a whole export (name a record), or changed
            since it was indexed (run `rag index`).
    """
    manifest = components.open()[1]
    found = validate_sources([asked], manifest.documents, root=components.settings.root)
    if len(found) != 1:
        raise UnknownSourceError(
            f"{asked} is an export of {len(found)} articles: name one record (`rag text FILE --record ID`)"
        )
    texts = source_texts(manifest, settings=components.settings, layer=components.texts())
    text = texts.get(found[0])
    if text is None:
        raise UnknownSourceError(f"{found[0]} changed since it was indexed, or its text is gone: run `rag index`")
    return found[0], text, texts


def articles_of(found: Retrieval) -> list[str]:
    """The retrieved passages' texts joined by article (in text order): names the question puts
    together must be named together in one article (issue 23), not only within one passage."""
    by_source: dict[str, list[tuple[int, str]]] = {}
    for p in found.passages:
        by_source.setdefault(p.chunk.source, []).append((p.chunk.start, p.chunk.text))
    return [" ".join(text for _, text in sorted(chunks)) for chunks in by_source.values()]


def premise_of(question: str, found: Retrieval, texts: SourceTexts) -> PremiseCheck:
    """The premise check of `question` on the retrieved passages, joined by article. Names the
    passages hold apart may stand together elsewhere in one of their articles ("Paion" in one
    passage, "Frankfurt" in a passage of the same article that was not retrieved: a newcomer's
    run, issue 23), so "apart" is judged again on the whole retrieved articles before it refuses."""
    premise = check_premise(question, articles_of(found), found.vocabulary)
    if premise.apart:
        sources = dict.fromkeys(p.chunk.source for p in found.passages)
        whole = [text for source in sources if (text := texts.get(source))]
        if whole:
            premise = check_premise(question, whole, found.vocabulary)
    return premise


def premise_refusal(
    q: Question, found: Retrieval, prompt: Callable[[], BuiltPrompt], texts: SourceTexts, *, model: str
) -> Answer | None:
    """The abstention when the question's premise (its names, figures, events) is not in the
    passages, with the prompt's related sentences; None when the premise holds. `prompt` builds
    the prompt (once) only when a refusal needs its sentences: a summary, timeline or comparison
    is composed without it (`compose_broad`)."""
    premise = premise_of(q.searched, found, texts)
    if premise.holds:
        return _opposite_refusal(q, found, prompt, texts, model=model)
    draft = q.draft(found, model)
    related = quoted(q.searched, prompt().lines, texts, limit=RELATED_LIMIT)
    return abstain(draft, "the question's premise is not in the articles", text=premise.message(), related=related)


def _opposite_refusal(
    q: Question, found: Retrieval, prompt: Callable[[], BuiltPrompt], texts: SourceTexts, *, model: str
) -> Answer | None:
    """The abstention when the passages report the opposite of the event the question presupposes
    (`opposite.opposite`), with the sentence that does shown as related; None otherwise."""
    passages = [[p.chunk.title or "", *(s.text for s in p.chunk.sentences)] for p in found.passages]
    found_opposite = opposite(q.searched, passages)
    if found_opposite is None:
        return None
    lines = [line for line in prompt().lines if line.text == found_opposite.sentence]
    related = [st for line in lines[:1] if (st := shown_quote(line, texts)) is not None]
    related = related or quoted(q.searched, prompt().lines, texts, limit=RELATED_LIMIT)
    return abstain(q.draft(found, model), OPPOSITE_NOTE, text=found_opposite.message(), related=related)


def compose_broad(
    q: Question, found: Retrieval, texts: SourceTexts, *, settings: Settings, embedder: Embedder, model: str
) -> Iterator[Event] | None:
    """A summary, timeline or comparison composed from the articles' own sentences (no model call);
    None when no sentence addresses the question's topic (the model is asked instead)."""
    t = time.perf_counter()
    rules = Composition(limit=settings.broad_statements, relevance=settings.relevance_threshold)
    statements = [
        voiced(st, texts) for st in compose(q.form, q.searched, found.passages, texts, embedder=embedder, rules=rules)
    ]
    q.timings["compose_s"] = time.perf_counter() - t
    if not statements:
        return None

    def events() -> Iterator[Event]:
        for st in statements:
            q.timings.setdefault("first_statement_s", time.perf_counter() - q.t0)
            yield StatementReady(st)
        checked = [Checked(st, True) for st in statements]
        yield Done(assemble(q.draft(found, model), checked, remove_unverified=False))

    return events()


def make_prompt(q: Question, found: Retrieval, *, settings: Settings, embedder: Embedder) -> BuiltPrompt:
    """The prompt: the question and the passages' sentences that fit the budget."""
    s = settings
    t1 = time.perf_counter()
    prompt = build_prompt(
        q.searched,
        found.passages,
        embedder=embedder,
        budget=s.prompt_budget_tokens,
        max_statements=s.max_statements,
        style=s.answer_style,
    )
    q.timings["prompt_s"] = time.perf_counter() - t1
    return prompt


def generate(
    q: Question,
    found: Retrieval,
    prompt: BuiltPrompt,
    texts: SourceTexts,
    *,
    settings: Settings,
    generator: Generator,
    verifier: Verifier,
    answer_judge: Judge | None = None,
) -> Iterator[Event]:
    """Stream the model's reply; show each statement once it is resolved and checked; then `Done`."""
    s, gen = settings, generator
    t2 = time.perf_counter()
    check = StatementChecker(
        verifier,
        question=q.searched,
        texts=texts,
        lines=prompt.lines,
        verify=s.verify_mode != "off",
        relevance_threshold=s.relevance_threshold,
        context_chars=s.context_chars,
        answer_judge=answer_judge,
        answer_min=s.answer_check_min,
        answer_veto=s.answer_check_veto,
    )
    remove = s.verify_mode == "remove"
    reveal = Reveal(remove_unverified=remove, leads=check.leads, follows=check.follows)
    parser = StatementStream(s.answer_style, prompt.lines)
    ticked = time.perf_counter()
    schema = output_schema(s.max_statements, s.answer_style)
    for pieces, piece in enumerate(gen.stream(prompt.messages(), schema=schema, max_tokens=s.max_answer_tokens), 1):
        if time.perf_counter() - ticked >= WRITING_EVERY_S:
            ticked = time.perf_counter()
            yield Writing(pieces)
        for raw in parser.feed(piece):
            for st in resolve([raw], prompt.lines, texts).statements:
                for shown in reveal.offer(check(st)):
                    q.timings.setdefault("first_statement_s", time.perf_counter() - q.t0)
                    yield StatementReady(shown)
    q.timings["generate_s"] = time.perf_counter() - t2 - check.seconds
    q.timings["verify_s"] = check.seconds
    usage = gen.last_usage
    q.timings["first_token_s"] = (t2 - q.t0) + usage.first_token_s
    # Parse the whole reply once more: the authoritative result, in order.
    final = resolve(parse_output(parser.text, s.answer_style, prompt.lines), prompt.lines, texts)

    def keep(st: Statement) -> bool:
        return not removed(st, remove_unverified=remove)

    checked, answered = readers_last(
        *check.answer_first([check(st) for st in final.statements], keep=keep),
        keep=keep,
        asked=check.asked,
        readers=check.readers,
    )
    draft = q.draft(found, gen.name, prompt_tokens=usage.prompt_tokens, notes=final.dropped)
    short = short_answer(parser.text, s.answer_style)
    cap = s.max_statements if hit_cap(parser.text, s.answer_style, s.max_statements) else None
    why = VETOED_NOTE if check.vetoed else ITEM_NOTE
    yield Done(
        assemble(
            draft, checked, remove_unverified=remove, answered=answered, short=short, capped_at=cap, unanswered=why
        )
    )
