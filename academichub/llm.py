"""The LLM edge: the one way AcademicHub talks to any OpenAI-compatible server (the briefing writer and
the interest expansion alike), with a concurrency limit, token accounting, a per-run token budget, a
run-level deadline, and every failure turned into a reason the run report counts.

The server is untrusted. Nothing but ``LLMFailure`` leaves ``complete_json``; its ``reason`` is one of:

- budget: the run's token budget is spent (no call is made);
- deadline: the run's LLM time is up (no call is made, or the call in flight was cut at the deadline);
- server_down: ``SILENT_LIMIT`` requests in a row got no answer at all (timeouts, refused
  connections): the run's LLM work ends there, as at the deadline;
- timeout, rate_limited, http_error, connection: the server did not answer usefully, after retries;
- bad_response: an HTTP 200 whose body is not the protocol's shape: not JSON (whatever its content
  type), no choices, a null or non-text ``message.content``, token counts that are not counts, or a
  body over ``MAX_BODY`` bytes (read no further than that);
- client_error: anything else the HTTP client raised.

Retries (429, 5xx, timeouts, dropped connections) are this module's own, with exponential back-off
that honours Retry-After, so each attempt's timeout can be cut to what is left of the deadline: a
server that never answers costs one deadline, not calls x retries x timeout.
"""

from __future__ import annotations

import importlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

MAX_BODY = 256 * 1024  # bytes of one answer; the largest asked for is a few thousand tokens
MAX_TOKENS_COUNT = 10_000_000  # a usage count above this is not a count
MAX_WAIT = 30.0  # seconds a Retry-After may make us wait
SILENT_LIMIT = 3  # requests in a row with no answer at all (timeouts, refused connections): the server is down


class LLMFailure(RuntimeError):
    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


class _Retryable(Exception):
    def __init__(self, failure: LLMFailure, retry_after: float | None = None):
        self.failure, self.retry_after = failure, retry_after


class Deadline:
    """The end of a run's LLM work: ``seconds`` after its first request (so time spent matching before
    it does not count), measured on ``monotonic`` (a seam: tests pass their own). One is made for a
    run and shared by all its LLM calls; ``expire`` ends it early (a request cut at the deadline, or
    a server that stopped answering: ``reason`` says which)."""

    def __init__(self, seconds: float, monotonic: Callable[[], float] = time.monotonic):
        self.seconds, self._monotonic = seconds, monotonic
        self.reason, self.detail = "deadline", f"the run's {seconds:g} s for LLM work are spent"
        self._end: float | None = None
        self._lock = threading.Lock()
        self._expired = threading.Event()

    def remaining(self) -> float:
        if self._expired.is_set():
            return 0.0
        now = self._monotonic()
        with self._lock:
            if self._end is None:
                self._end = now + self.seconds
            return max(0.0, self._end - now)

    def expire(self, reason: str = "deadline", detail: str = "") -> None:
        with self._lock:
            if not self._expired.is_set():
                self.reason, self.detail = reason, detail or self.detail
                self._expired.set()

    @property
    def expired(self) -> bool:
        return self._expired.is_set() or (self._end is not None and self.remaining() <= 0)


@dataclass
class Usage:
    calls: int = 0  # answers received (and accounted), good or bad
    attempts: int = 0  # HTTP requests made, retries included
    prompt_tokens: int = 0
    completion_tokens: int = 0
    estimated: int = 0  # answers whose token counts were missing or unusable: estimated from lengths
    by_kind: dict[str, list[int]] = field(default_factory=dict)  # kind -> [calls, prompt, completion]
    log: list[tuple[str, int, int]] = field(default_factory=list)  # every call: (kind, prompt, completion)

    @property
    def total(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def cost(self, model: str, prices: dict[str, tuple[float, float]]) -> float | None:
        if model not in prices:
            return None
        p, c = prices[model]
        return (self.prompt_tokens * p + self.completion_tokens * c) / 1_000_000


def _count(value) -> int | None:
    """A token count from the server, or None when it is not one (a string, a float, negative, huge)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TOKENS_COUNT:
        return None
    return value


def parse_completion(body: bytes) -> tuple[str | None, int | None, int | None, str]:
    """(content, prompt tokens, completion tokens, problem) from a chat-completion body. ``problem`` is
    "" for a usable answer; content is None when there is none; a count is None when it is missing or
    not a count (and the problem says so)."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return None, None, None, "the body is not JSON"
    if not isinstance(data, dict):
        return None, None, None, "the body is not a JSON object"
    prompt = completion = None
    problem = ""
    usage = data.get("usage")
    if isinstance(usage, dict):
        prompt, completion = _count(usage.get("prompt_tokens")), _count(usage.get("completion_tokens"))
        if prompt is None or completion is None:
            problem = "usage token counts are not numbers"
    elif usage is not None:
        problem = "usage is not an object"
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return None, prompt, completion, "no choices"
    message = choices[0].get("message")
    content = message.get("content") if isinstance(message, dict) else None
    if content is None:
        return None, prompt, completion, "no message content"
    if not isinstance(content, str):
        return None, prompt, completion, f"message content is a {type(content).__name__}, not text"
    return content, prompt, completion, problem


class LLM:
    """``complete_json(kind, messages)`` -> the model's text. Thread-safe.

    ``client`` is an ``openai.OpenAI`` (its own retries are turned off: this class retries
    ``retries`` times within ``deadline``); ``timeout`` bounds each attempt."""

    def __init__(
        self,
        client,
        model: str,
        *,
        budget: int,
        concurrency: int = 4,
        max_tokens: int = 1200,
        timeout: float = 60.0,
        retries: int = 3,
        deadline: Deadline | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self._client = client.with_options(max_retries=0)
        self.model, self.budget, self.max_tokens = model, budget, max_tokens
        self.timeout, self.retries = timeout, retries
        self.deadline = deadline or Deadline(float("inf"))  # make_llm always gives the run's
        self._sleep = sleep
        self._slots = threading.BoundedSemaphore(concurrency)
        self._lock = threading.Lock()
        self._silent = 0  # requests in a row that got no answer
        self.usage = Usage()

    def _heard(self, answered: bool) -> None:
        """Count a request the server did not answer at all; SILENT_LIMIT in a row end the run's LLM work."""
        with self._lock:
            self._silent = 0 if answered else self._silent + 1
            silent = self._silent
        if silent >= SILENT_LIMIT:
            self.deadline.expire("server_down", f"the server did not answer {silent} requests in a row")

    def _account(self, kind: str, prompt: int, completion: int, estimated: bool = False) -> None:
        with self._lock:
            u = self.usage
            u.calls += 1
            u.estimated += estimated
            u.prompt_tokens += prompt
            u.completion_tokens += completion
            k = u.by_kind.setdefault(kind, [0, 0, 0])
            k[0] += 1
            k[1] += prompt
            k[2] += completion
            u.log.append((kind, prompt, completion))

    def complete_json(
        self, kind: str, messages: list[dict], max_tokens: int | None = None, temperature: float = 0.2
    ) -> str:
        with self._lock:
            if self.usage.total >= self.budget:
                raise LLMFailure("budget", f"the run's token budget of {self.budget} is spent")
        with self._slots:
            for attempt in range(self.retries + 1):
                left = self.deadline.remaining()
                if left <= 0:
                    raise LLMFailure(self.deadline.reason, self.deadline.detail)
                timeout = min(self.timeout, left)
                with self._lock:
                    self.usage.attempts += 1
                try:
                    body = self._post(messages, max_tokens or self.max_tokens, temperature, timeout)
                except _Retryable as exc:
                    if exc.failure.reason == "timeout" and timeout < self.timeout:
                        self.deadline.expire()  # this attempt was cut at the deadline
                        raise LLMFailure(self.deadline.reason, "the call was cut at the run's LLM deadline") from None
                    self._heard(exc.failure.reason not in ("timeout", "connection"))
                    if self.deadline.expired:
                        raise LLMFailure(self.deadline.reason, self.deadline.detail) from None
                    if attempt == self.retries:
                        raise exc.failure from None
                    wait = exc.retry_after if exc.retry_after is not None else 0.5 * 2**attempt
                    self._sleep(max(0.0, min(wait, MAX_WAIT, self.deadline.remaining())))
                    continue
                except LLMFailure as exc:
                    self._heard(True)  # an answer, if a useless one
                    if exc.reason == "bad_response":  # an answer too large to read: it cost tokens all the same
                        self._account(kind, _prompt_estimate(messages), MAX_BODY // 4, estimated=True)
                    raise
                self._heard(True)
                return self._answer(kind, messages, body)
        raise LLMFailure("client_error", "no attempt was made")  # retries < 0; not reached otherwise

    def _answer(self, kind: str, messages: list[dict], body: bytes) -> str:
        content, prompt, completion, problem = parse_completion(body)
        estimated = prompt is None or completion is None
        if prompt is None:  # the budget must hold even when the server does not count
            prompt = _prompt_estimate(messages)
        if completion is None:
            completion = len(content if content is not None else body) // 4
        self._account(kind, prompt, completion, estimated)
        if problem:
            raise LLMFailure("bad_response", problem)
        return content or ""

    def _post(self, messages: list[dict], max_tokens: int, temperature: float, timeout: float) -> bytes:
        """One request; the body read up to MAX_BODY bytes and no longer than the deadline."""
        import openai

        timeouts, transport = _http_errors()
        timeouts = (openai.APITimeoutError, *timeouts)
        transport = (openai.APIConnectionError, *transport)

        try:
            with self._client.chat.completions.with_streaming_response.create(
                model=self.model,
                messages=messages,
                response_format={"type": "json_object"},
                temperature=temperature,
                max_tokens=max_tokens,
                timeout=timeout,
            ) as response:
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > MAX_BODY:
                        raise LLMFailure("bad_response", f"the answer is over {MAX_BODY} bytes")
                    if self.deadline.remaining() <= 0:
                        raise _Retryable(LLMFailure("timeout", "the answer was still arriving at the deadline"))
                    chunks.append(chunk)
                return b"".join(chunks)
        except (LLMFailure, _Retryable):
            raise
        except timeouts as exc:
            raise _Retryable(LLMFailure("timeout", str(exc) or "timed out")) from None
        except openai.RateLimitError as exc:
            raise _Retryable(LLMFailure("rate_limited", "HTTP 429"), _retry_after(exc.response)) from None
        except openai.APIStatusError as exc:
            failure = LLMFailure("http_error", f"HTTP {exc.status_code}")
            if exc.status_code >= 500 or exc.status_code in (408, 409):
                raise _Retryable(failure, _retry_after(exc.response)) from None
            raise failure from None
        except transport as exc:
            raise _Retryable(LLMFailure("connection", str(exc) or type(exc).__name__)) from None
        except Exception as exc:  # noqa: BLE001 - the edge to an untrusted server: anything else is counted
            raise LLMFailure("client_error", f"{type(exc).__name__}: {str(exc)[:200]}") from None


def _prompt_estimate(messages: list[dict]) -> int:
    """About 4 characters a token."""
    return len(json.dumps(messages, ensure_ascii=False)) // 4


def _http_errors() -> tuple[tuple[type[Exception], ...], tuple[type[Exception], ...]]:
    """Timeout and transport errors of the HTTP library under the openai client (httpx, or its fork
    httpx2 in newer releases): reading a streamed body raises them unwrapped."""
    timeouts, transport = [], []
    for name in ("httpx2", "httpx"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        timeouts.append(module.TimeoutException)
        transport.append(module.TransportError)
    return tuple(timeouts), tuple(transport)


def _retry_after(response) -> float | None:
    try:
        value = float(response.headers.get("retry-after", ""))
    except (AttributeError, TypeError, ValueError):
        return None
    return value if 0 <= value < 1e6 else None


def run_deadline(settings, monotonic: Callable[[], float] = time.monotonic) -> Deadline:
    """The deadline of one run's LLM work (``ACADEMICHUB_LLM_DEADLINE_SECONDS`` from its first request)."""
    return Deadline(settings.llm_deadline_seconds, monotonic)


def make_llm(settings, deadline: Deadline | None = None) -> LLM | None:
    """The configured LLM, or None (no model set: the extractive composer writes everything). The one
    factory: the client reads OPENAI_API_KEY and OPENAI_BASE_URL from the environment."""
    if not settings.llm_model:
        return None
    from openai import OpenAI

    return LLM(
        OpenAI(timeout=settings.llm_timeout, max_retries=0),
        settings.llm_model,
        budget=settings.llm_token_budget,
        concurrency=settings.llm_concurrency,
        timeout=settings.llm_timeout,
        retries=settings.llm_retries,
        deadline=deadline or run_deadline(settings),
    )
