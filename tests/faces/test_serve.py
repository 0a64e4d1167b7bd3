"""`rag serve`: the pipeline as an OpenAI-compatible endpoint, driven by the official `openai` client."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest
from fakes import FakeEmbedder, ScriptedGenerator, source_ids
from servers import free_port

from rag.faces.serve import create_app
from rag.pipeline import Pipeline


def _reply(messages):
    doctors = source_ids(messages, "30 doctors")
    siege = source_ids(messages, "250,000")
    sts = [{"sources": doctors, "text": "Only about 30 doctors remain in east Aleppo."}]
    if siege:
        sts.append({"sources": siege, "text": "About 250,000 people remain in the east."})
    return json.dumps({"statements": sts})


@pytest.fixture
def served(settings):
    import uvicorn

    pipe = Pipeline(settings, embedder=FakeEmbedder(), generator=ScriptedGenerator(_reply))
    pipe.index()
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(pipe), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", settings
    server.should_exit = True
    thread.join(timeout=10)


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


def test_conversation_turns_bad_requests_and_health(served) -> None:
    base, _ = served
    health = httpx.get(f"{base}/health").json()
    assert health == {"status": "ok", "documents": 5}
    r = httpx.post(f"{base}/v1/chat/completions", json={"model": "cited-rag", "messages": []})
    assert r.status_code == 400 and "last message" in r.json()["error"]["message"]
    r = httpx.post(
        f"{base}/v1/chat/completions", json={"model": "gpt-4", "messages": [{"role": "user", "content": "x"}]}
    )
    assert r.status_code == 404 and "cited-rag" in r.json()["error"]["message"]
    r = httpx.post(
        f"{base}/v1/chat/completions",
        json={"model": "cited-rag", "messages": [{"role": "user", "content": "q"}], "sources": ["nope.txt"]},
        timeout=60,
    )
    assert r.status_code == 400 and "No such indexed article" in r.json()["error"]["message"]
