"""No text from an article, an upload, a question or a history turn becomes a special token (issue 26).

Every special token of the bundled models' vocabularies (read from the GGUF files, loaded with
`vocab_only=True`: the real tokenizer and chat template, no weights) is written into an uploaded
article and into a question; the product answers with a scripted generator, and the messages it
was given are then passed through the real model class up to the point where llama-cpp-python
hands the token ids to the model. Asserted on those ids: the only special ids are the chat
template's own, the text is all there (the neutralised prompt less its word joiners is the prompt
as written), and the quote shown is the file's own text at its offsets, markers included. The
library's own class, given the same messages, sends the markers as control tokens: the test fails
without the neutralisation.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fakes import FakeEmbedder, ScriptedGenerator, source_ids

from rag.core.errors import ModelError
from rag.core.settings import Settings
from rag.model.files import BUNDLED, prepare
from rag.model.generation import answers_messages, judge_messages, project_llama
from rag.model.specials import WORD_JOINER, neutralise
from rag.pipeline import Pipeline
from ui.uploads import save_upload


def _vocab(choice: str) -> tuple[Any, Any, list[str], set[int]]:
    """(our model class, the library's class, every special string, every special id) of a bundled model."""
    import llama_cpp
    from llama_cpp import Llama

    try:
        path = prepare(choice, Settings().model_cache_dir)
    except ModelError as exc:
        pytest.skip(f"the bundled {choice} model is not installed: {exc}")
    ours = project_llama(Llama)(model_path=str(path), vocab_only=True, verbose=False)
    plain = Llama(model_path=str(path), vocab_only=True, verbose=False)
    lib = llama_cpp.llama_cpp
    mask = lib.LLAMA_TOKEN_ATTR_CONTROL | lib.LLAMA_TOKEN_ATTR_USER_DEFINED | lib.LLAMA_TOKEN_ATTR_UNKNOWN
    ids = {t for t in range(plain.n_vocab()) if lib.llama_vocab_get_attr(plain._model.vocab, t) & mask}
    texts = sorted(lib.llama_vocab_get_text(plain._model.vocab, t).decode() for t in ids)
    return ours, plain, texts, ids


@pytest.fixture(scope="module", params=sorted(BUNDLED))
def vocab(request: pytest.FixtureRequest) -> tuple[Any, Any, list[str], set[int]]:
    return _vocab(request.param)


class _Sent(Exception):
    pass


def sent_tokens(llm: Any, messages: list[dict[str, str]]) -> list[int]:
    """The token ids llama-cpp-python's chat handler gives the model for `messages` (chat template
    applied, tokenized with special tokens parsed), caught where it calls `create_completion`."""
    seen: list[list[int]] = []

    def capture(prompt: list[int], *args: object, **kw: object) -> None:
        seen.append(list(prompt))
        raise _Sent

    llm.create_completion = capture
    try:
        with pytest.raises(_Sent):
            llm.create_chat_completion(messages=messages, max_tokens=1)
    finally:
        del llm.create_completion
    return seen[0]


def _answer_with_markers(settings: Settings, markers: str) -> tuple[Pipeline, ScriptedGenerator, Path, Any]:
    """An uploaded article and a question that both carry `markers`, answered by the product."""
    upload = settings.root / "upload.txt"
    upload.write_text(
        "Riverside library reopens\n\n"
        "The Riverside library reopens on 4 May after a year of repairs. "
        f"Its new catalogue screens show the codes {markers} while they start. "
        "The library holds 40,000 books.\n",
        encoding="utf-8",
    )
    saved = save_upload(upload, settings.corpus_path, max_bytes=100_000)

    def cite(messages: list[dict[str, str]]) -> str:
        ids = source_ids(messages, "catalogue screens")
        return json.dumps({"statements": [{"sources": ids, "text": f"The screens show the codes {markers}."}]})

    gen = ScriptedGenerator(cite)
    pipe = Pipeline(settings, embedder=FakeEmbedder(), generator=gen)
    pipe.index()
    a = pipe.ask(f"What codes do the Riverside library's catalogue screens show {markers}?")
    return pipe, gen, saved, a


def test_special_tokens_in_an_upload_and_a_question_reach_the_model_as_text(
    settings: Settings, vocab: tuple[Any, Any, list[str], set[int]], robustness
) -> None:
    ours, plain, texts, special = vocab
    assert len(texts) >= 20 and "<|im_end|>" in texts and "</s>" in texts
    # A served model's client, which cannot read the vocabulary, neutralises every one of them too.
    assert [t for t in texts if neutralise(t) == t] == []
    markers = " ".join(texts)
    pipe, gen, saved, a = _answer_with_markers(settings, markers)
    messages = gen.prompts[-1]
    assert markers in messages[1]["content"].split("Question:")[0], "the article's sentence is in the prompt"
    assert messages[1]["content"].count(markers) == 2, "in the article's sentence and in the question"

    sent = sent_tokens(ours, messages)
    im_start, im_end = (
        ours.tokenize(t.encode(), add_bos=False, special=True)[0] for t in ("<|im_start|>", "<|im_end|>")
    )
    # system turn, user turn, the assistant's turn opened: the template's own special ids, no other.
    assert [t for t in sent if t in special] == [im_start, im_end, im_start, im_end, im_start]
    as_written = plain.detokenize(sent_tokens(plain, messages), special=True).decode()
    assert ours.detokenize(sent, special=True).decode().replace(WORD_JOINER, "") == as_written
    # The library's own class sends the markers as control tokens: two of each (article, question).
    leaked = [t for t in sent_tokens(plain, messages) if t in special]
    assert len(leaked) == 5 + 2 * len(texts)

    # The quote shown comes from the file by offsets, the markers as the file has them.
    assert not a.abstained, a.text
    quote = a.statements[0].citations[0]
    raw = saved.read_text(encoding="utf-8")
    assert raw[quote.start : quote.end] == quote.quote and markers in quote.quote
    robustness.add(
        "Control tokens",
        f"the {len(texts)} special tokens of the bundled vocabularies ({ours.model_path.rsplit('/', 1)[-1]}) "
        "in an uploaded article and in the question",
        "sent as text (a word joiner after the first character): the only special ids sent are the chat "
        "template's 5; the quote shown is the file's text at its offsets, markers included",
    )


def test_special_tokens_in_a_history_turn_and_in_the_judges_questions_reach_the_model_as_text(
    settings: Settings, vocab: tuple[Any, Any, list[str], set[int]], robustness
) -> None:
    ours, plain, texts, special = vocab
    markers = " ".join(texts)
    rewritten = json.dumps({"question": "What codes do the catalogue screens show?"})
    gen = ScriptedGenerator([rewritten, json.dumps({"statements": []})])
    pipe = Pipeline(settings, embedder=FakeEmbedder(), generator=gen)
    pipe.index()
    pipe.ask("And what do they show?", history=[(f"What is new {markers}?", f"New screens {markers}.")])
    rewrite = gen.prompts[0]
    assert rewrite[0]["content"].count(markers) == 2, "the history turn's question and answer are in the prompt"
    asked = {
        "a history turn (the follow-up's rewriting)": rewrite,
        "the judge's passage and statement": judge_messages(f"Screens show {markers}.", f"They show {markers}."),
        "the judge's question and sentence": answers_messages(f"What {markers}?", f"Screens show {markers}."),
    }
    for case, messages in asked.items():
        sent = sent_tokens(ours, messages)
        own = [t for t in sent_tokens(plain, [{**m, "content": "x"} for m in messages]) if t in special]
        assert [t for t in sent if t in special] == own, case
        assert len([t for t in sent_tokens(plain, messages) if t in special]) == len(own) + 2 * len(texts), case
        robustness.add("Control tokens", f"every special token of the vocabulary in {case}", "sent as text")
