"""The model behind an OpenAI-compatible server: generation, streaming and the judge over HTTP.

`RAG_LLM_URL=http://HOST:PORT/v1` sends every model call (answers, follow-up rewriting, the
verifier's judge) to a server instead of loading a GGUF file in this process: llama.cpp's
`llama-server`, llama-cpp-python's server (`python -m llama_cpp.server`) or vLLM on a GPU.

- The reply is constrained by the same JSON schema as in process, sent as `response_format`:
  `{"type": "json_object", "schema": ...}` (llama-cpp-python's server and llama-server) or, with
  `RAG_LLM_RESPONSE_FORMAT=json_schema`, `{"type": "json_schema", "json_schema": {...}}` (vLLM,
  llama-server, OpenAI).
- Streaming reads the server-sent events, so statements appear as they complete.
- Messages are sent neutralised (`rag.model.specials`): no text in them can become a special
  token of the server's model.
- The judge asks for one token with `logprobs` and `top_logprobs`, and reads P(yes) from the
  "yes"/"no" alternatives of that token, as the in-process judge reads the logits.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator
from typing import Any, Literal

from rag.core.errors import ModelError
from rag.model.generation import Messages, Usage, answers_messages, judge_messages
from rag.model.specials import neutral_messages

ResponseFormat = Literal["json_object", "json_schema"]


class OpenAIGenerator:
    """A `Generator` and `Judge` that calls an OpenAI-compatible `/v1` endpoint."""

    def __init__(
        self,
        url: str,
        *,
        model: str = "",
        seed: int = 1234,
        response_format: ResponseFormat = "json_object",
        timeout_s: float = 300.0,
        api_key: str = "",
    ) -> None:
        """Args:
        url: the endpoint's base, ending in `/v1`.
        model: the model name the server expects (empty: the first of its `/v1/models`).
        seed: sent with every request, for servers that honour it.
        response_format: how the JSON schema is sent (see the module docstring).
        timeout_s: the longest wait for one reply.
        api_key: sent as a bearer token when set.
        """
        self.url = url.rstrip("/")
        self.model = model
        self.seed = seed
        self.response_format: ResponseFormat = response_format
        self.timeout_s = timeout_s
        self.headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.name = f"{model or 'model'} at {self.url}"
        self.last_usage = Usage()

    def _client(self) -> Any:
        import httpx

        return httpx.Client(timeout=self.timeout_s, headers=self.headers)

    def _error(self, what: str, exc: Exception) -> ModelError:
        return ModelError(
            f"The model server at {self.url} failed {what} ({type(exc).__name__}: {exc}). Check that it runs "
            "(e.g. `python -m llama_cpp.server --model FILE.gguf --port PORT`) and answers at RAG_LLM_URL, "
            "or unset RAG_LLM_URL to run the model in this process."
        )

    def load(self) -> None:
        """Check the server answers, and learn its model name if none was given."""
        try:
            with self._client() as http:
                r = http.get(f"{self.url}/models")
                r.raise_for_status()
                models = [m.get("id", "") for m in r.json().get("data", [])]
        except Exception as exc:  # noqa: BLE001 - connection and protocol errors come in many types
            raise self._error("to list its models", exc) from exc
        if not self.model:
            if not models:
                raise ModelError(f"The model server at {self.url} lists no model: set RAG_LLM_MODEL to its name.")
            self.model = models[0]
            self.name = f"{self.model} at {self.url}"

    def _format(self, schema: dict[str, Any]) -> dict[str, Any]:
        if self.response_format == "json_schema":
            return {"type": "json_schema", "json_schema": {"name": "reply", "schema": schema, "strict": True}}
        return {"type": "json_object", "schema": schema}

    def generate(self, messages: Messages, *, schema: dict[str, Any], max_tokens: int) -> str:
        return "".join(self.stream(messages, schema=schema, max_tokens=max_tokens))

    def stream(self, messages: Messages, *, schema: dict[str, Any], max_tokens: int) -> Iterator[str]:
        if not self.model:
            self.load()
        body = {
            "model": self.model,
            "messages": neutral_messages(messages),
            "temperature": 0.0,
            "seed": self.seed,
            "max_tokens": max_tokens,
            "stream": True,
            "stream_options": {"include_usage": True},
            "response_format": self._format(schema),
        }
        usage = Usage()
        t0 = time.perf_counter()
        n = 0
        try:
            with self._client() as http, http.stream("POST", f"{self.url}/chat/completions", json=body) as r:
                if r.status_code >= 400:
                    r.read()
                    raise ModelError(f"The model server at {self.url} refused the request: {r.status_code} {r.text}")
                for line in r.iter_lines():
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        break
                    event = json.loads(data)
                    if event.get("usage"):
                        usage.prompt_tokens = int(event["usage"].get("prompt_tokens") or 0)
                    for choice in event.get("choices") or []:
                        delta = (choice.get("delta") or {}).get("content")
                        if delta:
                            if n == 0:
                                usage.first_token_s = time.perf_counter() - t0
                            n += 1
                            yield delta
        except ModelError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise self._error("while answering", exc) from exc
        usage.completion_tokens = n
        usage.total_s = time.perf_counter() - t0
        self.last_usage = usage

    def entailment(self, passage: str, statement: str) -> float:
        """P(yes) that `passage` states `statement`, from the first token's top log-probabilities."""
        return self._yes(judge_messages(passage, statement))

    def answers(self, question: str, sentence: str) -> float:
        """P(yes) that `sentence` gives what `question` asks for, read the same way."""
        return self._yes(answers_messages(question, sentence))

    def _yes(self, messages: Messages) -> float:
        """P(yes) among yes/no for a yes/no question, from the first token's top log-probabilities."""
        if not self.model:
            self.load()
        body = {
            "model": self.model,
            "messages": neutral_messages(messages),
            "temperature": 0.0,
            "seed": self.seed,
            "max_tokens": 1,
            "logprobs": True,
            "top_logprobs": 20,
        }
        try:
            with self._client() as http:
                r = http.post(f"{self.url}/chat/completions", json=body)
                r.raise_for_status()
                choice = r.json()["choices"][0]
        except Exception as exc:  # noqa: BLE001
            raise self._error("to judge a statement", exc) from exc
        return yes_probability(choice)


def yes_probability(choice: dict[str, Any]) -> float:
    """P(yes) among yes/no from a chat choice's first-token `top_logprobs`; the text if there are none."""
    content = (choice.get("logprobs") or {}).get("content") or []
    best: dict[str, float] = {}
    for alt in content[0].get("top_logprobs", []) if content else []:
        word = str(alt.get("token", "")).strip().casefold()
        if word in ("yes", "no"):
            best[word] = max(best.get(word, -math.inf), float(alt.get("logprob", -math.inf)))
    if "yes" in best or "no" in best:
        yes, no = best.get("yes", -math.inf), best.get("no", -math.inf)
        top = max(yes, no)
        return math.exp(yes - top) / (math.exp(yes - top) + math.exp(no - top))
    text = str((choice.get("message") or {}).get("content") or "").strip().casefold()
    return 1.0 if text.startswith("yes") else 0.0 if text.startswith("no") else 0.5
