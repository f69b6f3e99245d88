"""OpenAI-compatible HTTP generator: streamed chat completions from a vLLM, TGI or llama.cpp server.

Bounded in time: every connect and every read waits at most ``timeout_s``, and the whole reply,
retry included, at most ``deadline_s`` (plus at most one read that began just before it); a failure
before the first token is retried once if time is left; then ``GeneratorUnavailable`` is raised so
that the caller can fall back (the answer action gives the extractive answer and offers a human).
It never hangs.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator

import httpx

from assistant.lm.base import Message

logger = logging.getLogger(__name__)


class GeneratorUnavailable(RuntimeError):
    """The generator could not produce a reply (server down, too slow, or an error status)."""


class OpenAIGenerator:
    """Chat completions with ``stream: true`` over HTTP; greedy (temperature 0)."""

    def __init__(
        self,
        url: str,
        model: str = "default",
        api_key: str = "",
        timeout_s: float = 10.0,
        deadline_s: float = 60.0,
        retries: int = 1,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url.rstrip("/")
        if not self.url.endswith("/chat/completions"):
            self.url += "/chat/completions"
        self.model = model
        self.name = f"openai:{model}"
        self.api_key = api_key
        self.timeout_s = timeout_s
        self.deadline_s = deadline_s
        self.retries = retries
        self._clock = clock
        self._client = httpx.Client(transport=transport)  # each request gets its timeout in _attempt

    def stream(self, messages: list[Message], max_new_tokens: int = 160) -> Iterator[str]:
        """Yield the reply's pieces; GeneratorUnavailable after ``1 + retries`` failed attempts."""
        body = {"model": self.model, "messages": messages, "max_tokens": max_new_tokens, "stream": True, "temperature": 0}
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        last_error: Exception | None = None
        deadline = self._clock() + self.deadline_s
        for attempt in range(1 + self.retries):
            if attempt and self._clock() >= deadline:
                break  # no time left for a retry
            produced = False
            try:
                for piece in self._attempt(body, headers, deadline):
                    produced = True
                    yield piece
                return
            except (httpx.HTTPError, GeneratorUnavailable, ValueError) as error:
                last_error = error
                logger.warning("generator %s attempt %d failed: %s", self.url, attempt + 1, error)
                if produced:  # part of the reply is already out: a retry would repeat it
                    break
        raise GeneratorUnavailable(f"the generator at {self.url} did not answer: {_describe(last_error)}")

    def _attempt(self, body: dict, headers: dict[str, str], deadline: float) -> Iterator[str]:
        wait_s = max(0.05, min(self.timeout_s, deadline - self._clock()))
        timeout = httpx.Timeout(wait_s)
        with self._client.stream("POST", self.url, json=body, headers=headers, timeout=timeout) as response:
            if response.status_code != 200:
                response.read()
                raise GeneratorUnavailable(f"HTTP {response.status_code}: {response.text[:200]}")
            produced = False
            for line in response.iter_lines():
                if self._clock() > deadline:
                    raise GeneratorUnavailable(f"no complete reply within {self.deadline_s:g} s")
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    return
                for piece in _pieces(json.loads(data)):
                    produced = True
                    yield piece
            if not produced:  # e.g. a plain JSON body: the server (or a proxy) ignored "stream": true
                raise GeneratorUnavailable("the reply was not a stream of chat completion chunks")

    def close(self) -> None:
        self._client.close()


def check_answers(generator: object) -> None:
    """For a remote generator: one tiny request, so that a server that is down or misconfigured is reported
    before a measurement starts (ValueError) rather than measured as the extractive fallback it triggers."""
    if not isinstance(generator, OpenAIGenerator):
        return
    try:
        for _ in generator.stream([{"role": "user", "content": "Reply with OK."}], max_new_tokens=1):
            break
    except GeneratorUnavailable as error:
        raise ValueError(f"{error}; start it (or set generator_url), or measure without it: --answer-mode extractive") from None


def _pieces(chunk: object) -> list[str]:
    """The text pieces of one streamed chunk; GeneratorUnavailable for an error or a chunk of another shape."""
    if isinstance(chunk, dict) and "error" in chunk:
        raise GeneratorUnavailable(str(chunk["error"])[:200])
    try:
        pieces = [(choice.get("delta") or {}).get("content") or "" for choice in chunk.get("choices", [])]  # type: ignore[attr-defined]
    except (AttributeError, TypeError):  # not a dict, choices not a list of dicts, a delta that is not a dict
        pieces = [None]
    if not all(isinstance(piece, str) for piece in pieces):  # its text is not quoted: it may echo the customer
        shape = f"an object with {', '.join(sorted(chunk)[:8])}" if isinstance(chunk, dict) else f"a JSON {type(chunk).__name__}"
        raise GeneratorUnavailable(f"not a chat completion chunk: {shape}")
    return [piece for piece in pieces if piece]


def _describe(error: Exception | None) -> str:
    if isinstance(error, httpx.TimeoutException):
        return f"timed out ({type(error).__name__})"
    if isinstance(error, httpx.ConnectError):
        return f"cannot connect ({error})"
    return str(error) or type(error).__name__
