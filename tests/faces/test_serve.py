"""`rag serve`: the pipeline as an OpenAI-compatible endpoint, driven by the official `openai`
clients for Python (pip) and for Node (npm, `tests/faces/js/`), streaming and not.

The server runs for real on 127.0.0.1 (a free port) over the bundled articles plus a festival
article whose sentences hold emoji, answered by the scripted generator and the fake embedder.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fakes import FakeEmbedder, ScriptedGenerator, source_ids
from servers import free_port

from rag.core.errors import ModelError
from rag.faces.serve import ChatMessage, conversation, create_app, utf16_index
from rag.pipeline import Pipeline

API = "OpenAI-compatible API (`rag serve`)"
JS = Path(__file__).resolve().parent / "js"
FESTIVAL = (
    "Harbour festival programme announced\n\n"
    "The harbour festival returns this weekend with music on the quay 🎶 and food stalls along the pier. "
    "The fireworks start at 21:30 🎆 on Saturday. "
    "The harbour bridge closes to cars at 20:00 on Saturday evening.\n\n"
    "Organisers expect about 40,000 visitors over the two days.\n"
)
FESTIVAL_Q = "What happens at the harbour festival on Saturday?"
FIREWORKS = "The fireworks start at 21:30 🎆 on Saturday."
FAILS = "How many doctors remain in east Aleppo?"  # the scripted model fails on this question
BRIDGE = "The harbour bridge closes to cars at 20:00 on Saturday evening."


def _reply(messages):
    if messages[-1]["content"].endswith(FAILS):
        raise ModelError("The model process stopped during this question; ask again.")
    if "21:30" in messages[-1]["content"]:
        sts = [
            {"sources": source_ids(messages, "21:30"), "text": FIREWORKS},
            {"sources": source_ids(messages, "20:00"), "text": BRIDGE},
        ]
        return json.dumps({"statements": sts})
    doctors = source_ids(messages, "30 doctors")
    siege = source_ids(messages, "250,000")
    sts = [{"sources": doctors, "text": "Only about 30 doctors remain in east Aleppo."}]
    if siege:
        sts.append({"sources": siege, "text": "About 250,000 people remain in the east."})
    return json.dumps({"statements": sts})


@contextlib.contextmanager
def running(app) -> Iterator[str]:
    """The app under uvicorn on 127.0.0.1 and a free port, in a thread; yields its URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def served(settings):
    (settings.corpus_dir / "harbour_festival.txt").write_text(FESTIVAL, encoding="utf-8")
    pipe = Pipeline(settings, embedder=FakeEmbedder(), generator=ScriptedGenerator(_reply))
    pipe.index()
    with running(create_app(pipe)) as base:
        yield base, settings


def test_openai_client_gets_the_answer_with_citation_annotations(served) -> None:
    from openai import OpenAI

    base, settings = served
    client = OpenAI(base_url=f"{base}/v1", api_key="not-needed")
    assert [m.id for m in client.models.list()] == ["cited-rag"]
    resp = client.chat.completions.create(
        model="cited-rag", messages=[{"role": "user", "content": "How many doctors remain in eastern Aleppo?"}]
    )
    msg = resp.choices[0].message
    assert "30 doctors" in msg.content and "[1]" in msg.content
    extra = msg.model_extra or {}
    contract = extra["cited_rag"]
    assert contract["answer"] == msg.content and not contract["abstained"]
    assert msg.annotations, "every citation is an annotation"
    for ann in msg.annotations:
        cite = ann.url_citation.model_extra or {}
        raw = (settings.root / cite["source"]).read_text(encoding="utf-8")
        assert raw[cite["start"] : cite["end"]] == cite["quote"]
        stated = msg.content[ann.url_citation.start_index : ann.url_citation.end_index]
        assert stated in [st["text"] for st in contract["statements"]]
    assert resp.usage.prompt_tokens > 0


def test_streaming_sends_statements_then_the_contract(served) -> None:
    from openai import OpenAI

    base, _ = served
    client = OpenAI(base_url=f"{base}/v1", api_key="not-needed")
    chunks = list(
        client.chat.completions.create(
            model="cited-rag",
            stream=True,
            messages=[{"role": "user", "content": "How many doctors remain in eastern Aleppo?"}],
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert "30 doctors" in text
    last = chunks[-1].choices[0]
    assert last.finish_reason == "stop"
    assert (last.delta.model_extra or {})["cited_rag"]["statements"]
    statement_chunks = [c for c in chunks if (c.choices[0].delta.content or "").strip()]
    assert statement_chunks and statement_chunks[0] is not chunks[-1], "statements arrive before the end"
    assert all(c.usage is None for c in chunks), "no usage chunk unless asked for"


def test_conversation_turns_bad_requests_and_health(served) -> None:
    base, _ = served
    health = httpx.get(f"{base}/health").json()
    assert health == {"status": "ok", "documents": 6}
    r = httpx.post(f"{base}/v1/chat/completions", json={"model": "cited-rag", "messages": []})
    assert r.status_code == 400 and "last message" in r.json()["error"]["message"]
    r = httpx.post(
        f"{base}/v1/chat/completions", json={"model": "gpt-4", "messages": [{"role": "user", "content": "x"}]}
    )
    assert r.status_code == 404 and "cited-rag" in r.json()["error"]["message"]
    assert r.json()["error"]["code"] == "model_not_found"
    r = httpx.post(
        f"{base}/v1/chat/completions",
        json={"model": "cited-rag", "messages": [{"role": "user", "content": "q"}], "sources": ["nope.txt"]},
        timeout=60,
    )
    assert r.status_code == 400 and "No such indexed article" in r.json()["error"]["message"]
    assert r.json()["error"]["param"] == "sources" and r.json()["error"]["code"] == "unknown_source"


# --- clients nobody here wrote: the official `openai` packages ------------------------------


def _cited(content: str, annotations: list, statements: list[str], settings) -> list[str]:
    """Each annotation's statement cut from `content` by code points (Python's string index),
    after checking its quote against the file by code points."""
    stated = []
    for ann in annotations:
        c = ann.url_citation.model_extra or {}
        raw = (settings.root / c["source"]).read_text(encoding="utf-8")
        assert raw[c["start"] : c["end"]] == c["quote"]
        stated.append(content[ann.url_citation.start_index : ann.url_citation.end_index])
    assert stated and set(stated) <= set(statements)
    return stated


def test_python_client_reads_content_parts_usage_chunk_and_code_point_indices(served, robustness) -> None:
    """Known answer: the content is "The fireworks start at 21:30 🎆 on Saturday. [1] The harbour
    bridge closes …". The first statement is 43 code points (the emoji is one) but 44 UTF-16
    units; the second starts at 43 + len(" [1] ") = 48 code points, 49 UTF-16 units."""
    from openai import OpenAI

    base, settings = served
    client = OpenAI(base_url=f"{base}/v1", api_key="not-needed", max_retries=0)
    parts = [{"type": "text", "text": "What happens at the harbour festival"}, {"type": "text", "text": "on Saturday?"}]
    resp = client.chat.completions.create(model="cited-rag", messages=[{"role": "user", "content": parts}])
    msg = resp.choices[0].message
    contract = (msg.model_extra or {})["cited_rag"]
    assert contract["question"] == "What happens at the harbour festival\non Saturday?", "text parts joined"
    assert msg.content == f"{FIREWORKS} [1] {BRIDGE} [2]"
    assert _cited(msg.content, msg.annotations, [FIREWORKS, BRIDGE], settings) == [FIREWORKS, BRIDGE]
    spans = [(a.url_citation.model_extra or {}) for a in msg.annotations]
    assert [(a.url_citation.start_index, a.url_citation.end_index) for a in msg.annotations] == [(0, 43), (48, 111)]
    assert [(s["start_index_utf16"], s["end_index_utf16"]) for s in spans] == [(0, 44), (49, 112)]

    chunks = list(
        client.chat.completions.create(
            model="cited-rag",
            stream=True,
            stream_options={"include_usage": True},
            messages=[{"role": "user", "content": FESTIVAL_Q}],
        )
    )
    usage_chunk = chunks[-1]
    assert usage_chunk.choices == [] and usage_chunk.usage is not None
    assert usage_chunk.usage.prompt_tokens > 0 and usage_chunk.usage.total_tokens == (
        usage_chunk.usage.prompt_tokens + usage_chunk.usage.completion_tokens
    )
    assert all(c.usage is None for c in chunks[:-1]) and chunks[-2].choices[0].finish_reason == "stop"
    final = chunks[-2].choices[0].delta
    text = "".join(c.choices[0].delta.content or "" for c in chunks[:-1])
    anns = [type(msg.annotations[0]).model_validate(a) for a in (final.model_extra or {})["annotations"]]
    assert _cited(text, anns, [FIREWORKS, BRIDGE], settings) == [FIREWORKS, BRIDGE]
    robustness.add(
        API,
        "content as an array of text parts (official `openai` Python client)",
        "parts joined with a newline; answered with citations",
    )
    robustness.add(
        API,
        "`stream_options: {include_usage: true}`",
        f"a last chunk with `choices: []` and usage ({usage_chunk.usage.total_tokens} tokens), `usage: null` before",
    )
    robustness.add(
        API,
        "Python client cuts a statement after an emoji by `start_index`/`end_index` (code points)",
        f"“{FIREWORKS}” and “{BRIDGE[:25]}…” exact, streamed and not; quotes exact in the file",
    )


@pytest.fixture(scope="session")
def openai_js(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The official `openai` npm package (the version in tests/faces/js/package-lock.json),
    installed with `npm ci` into a temporary folder beside a copy of client.mjs."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.skip("Node.js and npm are needed for the JavaScript client test: install them (Node 20 or later).")
    folder = tmp_path_factory.mktemp("openai-js")
    for name in ("package.json", "package-lock.json", "client.mjs"):
        shutil.copy(JS / name, folder / name)
    try:
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=300,
        )
    except subprocess.TimeoutExpired:
        pytest.skip("`npm ci` of the openai package took over 300 s: is the npm registry reachable?")
    if done.returncode != 0:
        pytest.skip(
            f"`npm ci` could not install the openai package (is the npm registry reachable?): {done.stderr[-500:]}"
        )
    return folder


def test_javascript_client_cuts_cited_text_by_utf16_indices(served, openai_js: Path, settings, robustness) -> None:
    base, _ = served
    limit = settings.max_question_chars
    run = subprocess.run(
        ["node", "client.mjs", base, str(settings.root), FESTIVAL_Q, str(limit + 1)],
        cwd=openai_js,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    for way in ("plain", "streamed"):
        read = out[way]
        assert read["content"] == f"{FIREWORKS} [1] {BRIDGE} [2]" and read["statements"] == [FIREWORKS, BRIDGE]
        assert [a["stated"] for a in read["annotations"]] == [FIREWORKS, BRIDGE]
        assert all(a["quoteInFile"] == a["quote"] for a in read["annotations"]), "file offsets are code points"
        # why the UTF-16 indices exist: code-point indices cut JavaScript's string one unit short
        assert read["annotations"][0]["byCodePointIndex"] == FIREWORKS[:-1]
    usage = out["streamed"]["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] > 0
    assert out["streamed"]["afterStop"] == 0, "the usage chunk (no choices) is the only one after the stop"
    assert out["n2"] | {"message": None} == {
        "refused": True,
        "status": 400,
        "message": None,
        "param": "n",
        "code": None,
        "type": "invalid_request_error",
    }
    assert out["image"]["status"] == 400 and out["image"]["param"] == "messages[0].content[0]"
    assert "'image_url'" in out["image"]["message"] and "text only" in out["image"]["message"]
    assert out["longStreamed"]["status"] == 400 and out["longStreamed"]["code"] == "invalid_question"
    assert f"the limit is {limit}" in out["longStreamed"]["message"]
    robustness.add(
        API,
        "JavaScript client (official `openai` npm package, Node) cuts a statement after an emoji",
        "exact with `start_index_utf16`/`end_index_utf16`, streamed and not (the code-point indices cut "
        "“…Saturday” short, as documented); usage chunk read; n=2, an image part and an over-long streamed "
        "question raised as BadRequestError",
    )


# --- refusals: OpenAI's error shape, sentences, before any byte of a stream ------------------


def _refused(base: str, body: object, **kw: object) -> dict:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    r = httpx.post(
        f"{base}/v1/chat/completions", content=content, headers={"content-type": "application/json"}, timeout=60
    )
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert set(err) == {"message", "type", "param", "code"} and err["type"] == "invalid_request_error"
    message = err["message"]
    assert message[0].isupper() or message[0] == "`", message
    assert message.endswith(".") and ".." not in message, message
    assert "Input should" not in message and "pydantic" not in message and "type=" not in message, message
    for key, value in kw.items():
        assert err[key] == value, (key, err)
    return err


def test_bad_requests_get_sentences_in_openai_error_shape(served, robustness) -> None:
    base, _ = served
    q = [{"role": "user", "content": "When do the fireworks start?"}]
    cases = [
        ("a body that is not JSON", b"{'model': 'cited-rag'", {"param": None}, "not JSON"),
        ("a JSON array as the body", b"[1, 2]", {"param": None}, "must be a JSON object, not an array"),
        ("no `messages`", {"model": "cited-rag"}, {"param": "messages"}, "has no `messages`"),
        ("a message without a role", {"messages": [{"content": "hi"}]}, {"param": "messages[0].role"}, "no `"),
        (
            "`content` a number",
            {"messages": [{"role": "user", "content": 5}]},
            {"param": "messages[0].content"},
            "not an integer",
        ),
        ("`top` a word", {"messages": q, "top": "many"}, {"param": "top"}, "must be an integer, not a string"),
        ("`n`: 2", {"messages": q, "n": 2}, {"param": "n"}, "set it to 1"),
        (
            "an image part",
            {
                "messages": [
                    {
                        "role": "user",
                        "content": [
                            {"type": "text", "text": "What is shown?"},
                            {"type": "image_url", "image_url": {"url": "data:,"}},
                        ],
                    }
                ]
            },
            {"param": "messages[0].content[1]", "code": "unsupported_content_part"},
            "'image_url'",
        ),
        (
            "an audio part",
            {
                "messages": [
                    {"role": "user", "content": [{"type": "input_audio", "input_audio": {"data": "", "format": "wav"}}]}
                ]
            },
            {"param": "messages[0].content[0]"},
            "'input_audio'",
        ),
        (
            "a text part without text",
            {"messages": [{"role": "user", "content": [{"type": "text"}]}]},
            {"param": "messages[0].content[0].text"},
            "without a string `text`",
        ),
        ("`stream` a word", {"messages": q, "stream": "often"}, {"param": "stream"}, "must be a boolean, not a string"),
        ("`top`: 0", {"messages": q, "top": 0}, {"code": "invalid_question"}, "from 1 to"),
    ]
    for case, body, fields, says in cases:
        err = _refused(base, body, **fields)
        assert says in err["message"], (case, err["message"])
        robustness.add(
            API, f"a request with {case}", f"400 {err['param'] or ''}: “{err['message']}”".replace(" :", ":")
        )
    assert "text only" in _refused(base, cases[7][1])["message"], "the refusal names what is read"


def test_a_streamed_bad_question_fails_before_streaming_with_the_same_400(served, settings, robustness) -> None:
    base, _ = served
    long_q = "x" * (settings.max_question_chars + 1)
    for case, extra in (
        ("an over-long question", {"messages": [{"role": "user", "content": long_q}]}),
        ("an unknown source", {"messages": [{"role": "user", "content": "q"}], "sources": ["nope.txt"]}),
    ):
        plain = _refused(base, {"model": "cited-rag", **extra})
        streamed = _refused(base, {"model": "cited-rag", "stream": True, **extra})
        assert streamed == plain
        robustness.add(
            API, f"a streamed request with {case}", f"400 before any event, as not streamed: “{plain['message']}”"
        )


def test_utf16_indices_and_message_text_by_hand() -> None:
    text = "a🎆b€c"  # 🎆 is outside the BMP (2 UTF-16 units), € inside (1)
    assert [utf16_index(text, i) for i in range(len(text) + 1)] == [0, 1, 3, 4, 5, 6]
    q, turns = conversation(
        [
            ChatMessage(role="user", content=[{"type": "text", "text": "Who won?"}]),
            ChatMessage(
                role="assistant", content=[{"type": "text", "text": "The home side"}, {"type": "text", "text": "[1]"}]
            ),
            ChatMessage(role="user", content="By how much?"),
        ]
    )
    assert q == "By how much?" and turns == [("Who won?", "The home side\n[1]")]


def test_an_error_while_writing_arrives_as_an_openai_error_event(served, robustness) -> None:
    """The reply has started (200, the role chunk) when the model fails: the stream ends with an
    error event, which the official client raises, instead of an answer that reads 'Error: …'."""
    import openai
    from openai import OpenAI

    base, _ = served
    client = OpenAI(base_url=f"{base}/v1", api_key="not-needed", max_retries=0)
    stream = client.chat.completions.create(
        model="cited-rag", stream=True, messages=[{"role": "user", "content": FAILS}]
    )
    seen = []
    with pytest.raises(openai.APIError) as err:
        for chunk in stream:
            seen.append(chunk)
    assert [c.choices[0].delta.role for c in seen] == ["assistant"], "only the role chunk came before"
    assert err.value.message == "The model process stopped during this question; ask again."
    assert err.value.code == "model"
    robustness.add(
        API,
        "the model fails after a streamed reply started",
        f"an OpenAI error event, raised by the client: “{err.value.message}”",
    )


# --- serving a team: keys, fair use, the web surface (issue 27) ------------------------------

TEAM = "Serving a team (`rag serve`)"
KEY, OTHER_KEY = "desk-" + "k" * 27, "app-" + "q" * 28
DESK = "http://desk.example"
HOLD = "How many doctors still remain in eastern Aleppo?"  # the scripted model waits for the test's go on this question


class Held:
    """A scripted model that, on HOLD, says it started and waits (30 s at most) for `go`."""

    def __init__(self) -> None:
        self.started, self.go = threading.Event(), threading.Event()

    def __call__(self, messages):
        if HOLD in messages[-1]["content"]:
            self.started.set()
            assert self.go.wait(30), "the test never let the held answer go"
        return _reply(messages)


@pytest.fixture
def team(settings):
    """`rag serve` with two keys and small limits: 3 questions a minute a key, 1 queued a key, a
    question waits 0.3 s for the model at most, bodies up to 4000 bytes, one listed web origin."""
    s = settings.model_copy(
        update={"rate_per_minute": 3, "queued_per_client": 1, "queue_wait_s": 0.3, "max_request_bytes": 4000}
    )
    held = Held()
    pipe = Pipeline(s, embedder=FakeEmbedder(), generator=ScriptedGenerator(held))
    pipe.index()
    with running(create_app(pipe, keys=[KEY, OTHER_KEY], origins=(DESK,))) as base:
        yield base, held


def _ask(base: str, key: str, question: str = "How many doctors remain in eastern Aleppo?", **kw):
    from openai import OpenAI

    client = OpenAI(base_url=f"{base}/v1", api_key=key, max_retries=0)
    return client.chat.completions.create(model="cited-rag", messages=[{"role": "user", "content": question}], **kw)


def test_keys_are_required_except_for_health(team, caplog, robustness) -> None:
    import openai
    from openai import OpenAI

    base, _ = team
    assert httpx.get(f"{base}/health").status_code == 200, "/health stays open"
    client = OpenAI(base_url=f"{base}/v1", api_key=KEY, max_retries=0)
    with caplog.at_level("DEBUG"):
        with pytest.raises(openai.AuthenticationError) as none:
            client.models.list(extra_headers={"Authorization": openai.Omit()})
        with pytest.raises(openai.AuthenticationError) as wrong:
            _ask(base, KEY[:-1] + "x")
        answer = _ask(base, KEY)
    for err, says in ((none, "No API key was sent"), (wrong, "not one this server accepts")):
        assert err.value.status_code == 401 and err.value.code == "invalid_api_key"
        assert err.value.body["type"] == "invalid_request_error" and set(err.value.body) == {
            "message", "type", "param", "code"
        }  # fmt: skip
        assert says in err.value.message and "--api-key" in err.value.message
        assert err.value.response.headers["www-authenticate"] == "Bearer"
    assert KEY[:-1] not in wrong.value.message, "the key sent is not repeated"
    assert "30 doctors" in answer.choices[0].message.content
    assert [m.id for m in client.models.list()] == ["cited-rag"]
    r = httpx.get(f"{base}/v1/models", headers={"Authorization": f"Basic {KEY}"})
    assert r.status_code == 401, "only a Bearer key counts"
    assert KEY not in caplog.text and KEY[:-1] not in caplog.text, "keys are never logged"
    robustness.add(
        TEAM,
        "no key, a wrong key, a Basic header (official `openai` client)",
        "401 `invalid_api_key` in OpenAI's shape; the key never repeated nor logged; /health open",
    )
    robustness.add(TEAM, "the right key", "answered with citations")


def test_a_bounded_loop_reaches_the_rate_limit_per_key(team, robustness) -> None:
    import openai

    base, _ = team
    answered, refused = 0, None
    for _ in range(10):  # the limit is 3 a minute; the loop stops at the first refusal
        try:
            _ask(base, KEY)
        except openai.RateLimitError as exc:
            refused = exc
            break
        answered += 1
    assert answered == 3 and refused is not None
    assert refused.code == "rate_limit_exceeded" and refused.body["type"] == "requests"
    retry = int(refused.response.headers["retry-after"])
    assert 1 <= retry <= 60 and f"ask again in {retry} s" in refused.message
    assert "30 doctors" in _ask(base, OTHER_KEY).choices[0].message.content, "another key has its own minute"
    r = httpx.post(
        f"{base}/v1/chat/completions",
        headers={"Authorization": f"Bearer {KEY}"},
        json={"messages": [{"role": "user", "content": "q"}], "stream": True},
    )
    assert r.status_code == 429 and r.json()["error"]["code"] == "rate_limit_exceeded", "streamed too"
    robustness.add(
        TEAM,
        "a 4th question in a minute from one key (limit 3)",
        f"429 `rate_limit_exceeded`, Retry-After {retry} s; another key still answered",
    )


def test_a_full_queue_is_refused_and_a_long_wait_dropped(team, robustness) -> None:
    """A key's question holds the model (the scripted model waits for the test): the same key's
    next question is refused at once (1 queued a key), another key's waits 0.3 s and is dropped
    with 503; then the held answer is let go and arrives."""
    import openai

    base, held = team
    result: dict[str, object] = {}
    thread = threading.Thread(target=lambda: result.update(a=_ask(base, KEY, HOLD)), daemon=True)
    thread.start()
    assert held.started.wait(30), "the held question reached the model"
    with pytest.raises(openai.RateLimitError) as queued:
        _ask(base, KEY)
    with pytest.raises(openai.InternalServerError) as dropped:
        _ask(base, OTHER_KEY, stream=True)
    held.go.set()
    thread.join(30)
    assert "30 doctors" in result["a"].choices[0].message.content
    assert queued.value.code == "too_many_queued" and "RAG_QUEUED_PER_CLIENT" in queued.value.message
    assert dropped.value.status_code == 503 and dropped.value.code == "queue_timeout"
    assert dropped.value.response.headers["retry-after"] == "5" and "RAG_QUEUE_WAIT_S" in dropped.value.message
    assert "30 doctors" in _ask(base, OTHER_KEY).choices[0].message.content, "the model is free again"
    robustness.add(
        TEAM,
        "a 2nd question from a key while its 1st is answered (1 queued a key)",
        f"429 `too_many_queued`: “{queued.value.message}”",
    )
    robustness.add(
        TEAM,
        "a question that waited over RAG_QUEUE_WAIT_S (0.3 s) for the model",
        f"503 `queue_timeout`, Retry-After 5: “{dropped.value.message}”",
    )


def test_large_bodies_are_refused_before_they_are_read(team, robustness) -> None:
    base, _ = team
    auth = {"Authorization": f"Bearer {KEY}", "content-type": "application/json"}
    big = b"{" + b" " * 5000  # not JSON either: a 413, not a 400, shows it was never parsed
    r = httpx.post(f"{base}/v1/chat/completions", content=big, headers=auth)
    assert r.status_code == 413 and r.json()["error"]["code"] == "request_too_large"
    assert "4000-byte limit" in r.json()["error"]["message"]

    def chunks():
        for _ in range(10):
            yield b" " * 1000

    r = httpx.post(f"{base}/v1/chat/completions", content=chunks(), headers=auth)
    assert "content-length" not in r.request.headers and r.status_code == 413
    r = httpx.post(f"{base}/v1/chat/completions", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 401, "no key: refused before the size is even looked at"
    robustness.add(
        TEAM, "a 5001-byte body, declared and chunked (limit 4000)", "413 `request_too_large` before parsing"
    )


def test_browsers_reach_it_only_from_listed_origins(team, robustness) -> None:
    base, _ = team
    url = f"{base}/v1/chat/completions"
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"}
    r = httpx.options(url, headers={"Origin": DESK, **preflight})
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == DESK
    r = httpx.get(f"{base}/v1/models", headers={"Origin": DESK, "Authorization": f"Bearer {KEY}"})
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == DESK
    for origin in ("http://evil.example", "null"):
        r = httpx.options(url, headers={"Origin": origin, **preflight})
        assert r.status_code in (400, 403) and "access-control-allow-origin" not in r.headers
        r = httpx.post(
            url,
            headers={"Origin": origin, "Authorization": f"Bearer {KEY}", "content-type": "text/plain"},
            content=json.dumps({"messages": [{"role": "user", "content": "q"}]}),
        )
        assert r.status_code == 403 and r.json()["error"]["code"] == "origin_not_allowed"
        assert "--cors-origin" in r.json()["error"]["message"] and "access-control-allow-origin" not in r.headers
    robustness.add(
        TEAM,
        "a web page at an unlisted origin (preflight and a simple text/plain POST)",
        "403 `origin_not_allowed`, no CORS header; the listed origin gets its preflight and answers",
    )


def test_without_listed_origins_no_page_may_call_it(served) -> None:
    base, _ = served
    r = httpx.get(f"{base}/health", headers={"Origin": "http://127.0.0.1:9999"})
    assert r.status_code == 403 and "access-control-allow-origin" not in r.headers
    assert httpx.get(f"{base}/health").status_code == 200, "clients that are not browsers send no Origin"


def test_on_loopback_a_request_must_name_this_machine(settings, robustness) -> None:
    # A page whose name was made to resolve to 127.0.0.1 (DNS rebinding) sends its own name as
    # Host, and a GET carries no Origin: only the Host check refuses it.
    from rag.core.access import loopback_name

    assert [
        loopback_name(h) for h in ("127.0.0.1:8000", "localhost:8000", "[::1]:8000", "127.0.0.2", "LOCALHOST.")
    ] == [True] * 5
    assert not any(loopback_name(h) for h in ("evil.example:8000", "192.168.1.5:8000", "", "localhost.evil.example"))
    (settings.corpus_dir / "harbour_festival.txt").write_text(FESTIVAL, encoding="utf-8")
    pipe = Pipeline(settings, embedder=FakeEmbedder(), generator=ScriptedGenerator(_reply))
    pipe.index()
    with running(create_app(pipe, loopback=True)) as base:
        assert httpx.get(f"{base}/v1/models").status_code == 200
        port = base.rsplit(":", 1)[1]
        assert httpx.get(f"{base}/v1/models", headers={"Host": f"localhost:{port}"}).status_code == 200
        refused = httpx.get(f"{base}/v1/models", headers={"Host": f"rebound.example:{port}"})
        assert refused.status_code == 403
        error = refused.json()["error"]
        assert error["code"] == "host_not_allowed" and "http://127.0.0.1:PORT" in error["message"]
    with running(create_app(pipe)) as base:  # off loopback (keys guard it): any name
        port = base.rsplit(":", 1)[1]
        assert httpx.get(f"{base}/v1/models", headers={"Host": f"desk.example:{port}"}).status_code == 200
    robustness.add(
        "Serving a team (`rag serve`)",
        "on loopback, a request whose Host is another name (DNS rebinding)",
        "403 host_not_allowed, naming http://127.0.0.1:PORT and --host/--api-key; localhost and 127.0.0.1 served",
    )
