"""The LLM edge: one client for any OpenAI-compatible server, with a concurrency limit, token
accounting, a per-run budget, and failures turned into reasons the run report counts.

Retries on 429/5xx with exponential back-off honouring Retry-After are the openai client's own
(``max_retries``); timeouts are its ``timeout``. Nothing here raises past ``complete_json`` except
LLMFailure, whose ``reason`` is one of: budget, timeout, rate_limited, http_error, connection.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


class LLMFailure(RuntimeError):
    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass
class Usage:
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
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


class LLM:
    """``complete_json(kind, messages)`` -> the model's text. Thread-safe."""

    def __init__(self, client, model: str, *, budget: int, concurrency: int = 4, max_tokens: int = 1200):
        self._client, self.model, self.budget, self.max_tokens = client, model, budget, max_tokens
        self._slots = threading.BoundedSemaphore(concurrency)
        self._lock = threading.Lock()
        self.usage = Usage()

    def _account(self, kind: str, prompt: int, completion: int) -> None:
        with self._lock:
            u = self.usage
            u.calls += 1
            u.prompt_tokens += prompt
            u.completion_tokens += completion
            k = u.by_kind.setdefault(kind, [0, 0, 0])
            k[0] += 1
            k[1] += prompt
            k[2] += completion
            u.log.append((kind, prompt, completion))

    def complete_json(self, kind: str, messages: list[dict], max_tokens: int | None = None) -> str:
        import openai

        with self._lock:
            if self.usage.total >= self.budget:
                raise LLMFailure("budget", f"the run's token budget of {self.budget} is spent")
        with self._slots:
            try:
                response = self._client.chat.completions.create(
                    model=self.model,
                    messages=messages,
                    response_format={"type": "json_object"},
                    temperature=0.2,
                    max_tokens=max_tokens or self.max_tokens,
                )
            except openai.APITimeoutError as exc:
                raise LLMFailure("timeout", str(exc)) from None
            except openai.RateLimitError as exc:
                raise LLMFailure("rate_limited", str(exc)) from None
            except openai.APIStatusError as exc:
                raise LLMFailure("http_error", f"HTTP {exc.status_code}") from None
            except openai.APIConnectionError as exc:
                raise LLMFailure("connection", str(exc)) from None
        usage = getattr(response, "usage", None)
        self._account(kind, getattr(usage, "prompt_tokens", 0) or 0, getattr(usage, "completion_tokens", 0) or 0)
        try:
            return response.choices[0].message.content or ""
        except (AttributeError, IndexError):
            return ""


def make_llm(settings) -> LLM | None:
    """The configured LLM, or None (no model set: the extractive composer writes everything)."""
    if not settings.llm_model:
        return None
    from openai import OpenAI

    client = OpenAI(timeout=settings.llm_timeout, max_retries=settings.llm_retries)
    return LLM(client, settings.llm_model, budget=settings.llm_token_budget, concurrency=settings.llm_concurrency)
