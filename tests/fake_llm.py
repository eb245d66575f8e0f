"""A local OpenAI-compatible chat-completions endpoint for tests (served by pytest-httpserver).

It reads the real request the openai client sends, finds the paper ids and the language asked
for, and answers in the protocol's shape. ``mode`` makes it misbehave the way real models and
servers do; every request is recorded."""

from __future__ import annotations

import json
import re
import time

from werkzeug.wrappers import Request, Response

ZH_SUMMARY = "本文提出一种新的提示注入 (prompt injection) 防御方法，并在多个基准上验证。"
EN_SUMMARY = "The paper introduces a new method and shows it works on several benchmarks."


class FakeLLM:
    def __init__(self):
        self.mode: dict[str, str] = {}  # kind -> behaviour ("ok" default)
        self.requests: list[dict] = []
        self.once: list[str] = []  # behaviours applied to the next requests, in order

    def kind(self, text: str) -> str:
        if "For each paper below" in text:
            return "paper"
        if "form one theme" in text:
            return "theme"
        return "opening"  # "For each reader write a personal opening"

    def answer(self, kind: str, ids: list[str], zh: bool, behaviour: str, readers: list[tuple[str, str]] = ()) -> str:
        summary = ZH_SUMMARY if zh else EN_SUMMARY
        if behaviour == "wrong_language":
            zh = not zh
            summary = ZH_SUMMARY if zh else EN_SUMMARY
        if behaviour == "invalid_json":
            return "Sure! Here is the JSON: {papers: oops"
        if behaviour == "link":
            summary = summary + " See https://evil.example/x for more."
        cited = ids + (["9999.99999"] if behaviour == "unknown_citation" else [])
        if kind == "paper":
            return json.dumps(
                {
                    "papers": [
                        {"id": i, "summary": summary, "contribution": "新方法" if zh else "a new method"} for i in cited
                    ]
                },
                ensure_ascii=False,
            )
        if kind == "theme":
            text = (
                "这些论文都研究同一问题，一个领域可以借鉴另一个领域的方法 (methods)。"
                if zh
                else "These papers share a question; one field can borrow the other's methods."
            )
            if behaviour == "link":
                text += " [more](http://evil.example)"
            return json.dumps(
                {"synthesis": text, "citations": cited[:2] if behaviour != "unknown_citation" else ["9999.99999"]},
                ensure_ascii=False,
            )
        text = (
            "今天的论文与您关注的安全问题直接相关。" if zh else "Today's selection speaks directly to your interests."
        )
        if behaviour == "link":
            text += " <a href='http://evil.example'>click</a>"
        return json.dumps(
            {
                "openings": [
                    {
                        "reader": label,
                        "opening": text,
                        "citations": [first] if behaviour != "unknown_citation" else ["9999.99999"],
                    }
                    for label, first in readers
                ]
            },
            ensure_ascii=False,
        )

    def __call__(self, request: Request) -> Response:
        body = request.get_json()
        first_user = next(m["content"] for m in body["messages"] if m["role"] == "user")
        kind = self.kind(first_user)
        is_repair = sum(1 for m in body["messages"] if m["role"] == "user") > 1
        self.requests.append({"kind": kind, "repair": is_repair, "body": body})
        behaviour = self.once.pop(0) if self.once else self.mode.get(kind, "ok")
        if behaviour == "429":
            return Response(
                json.dumps({"error": {"message": "rate limited", "type": "rate_limit"}}),
                status=429,
                headers={"Retry-After": "0"},
                content_type="application/json",
            )
        if behaviour == "slow":
            time.sleep(3)
        if behaviour == "invalid_then_ok":
            behaviour = "ok" if is_repair else "invalid_json"
        ids = re.findall(r'<paper id="([^"]+)">', first_user)
        readers = [
            (label, re.search(r"^(\S+?): ", block, re.M).group(1))
            for label, block in re.findall(r'<reader id="([^"]+)">(.*?)</reader>', first_user, re.S)
        ]
        content = self.answer(kind, ids, "Simplified Chinese" in first_user, behaviour, readers)
        prompt_tokens = len(json.dumps(body)) // 4
        return Response(
            json.dumps(
                {
                    "id": "chatcmpl-fake",
                    "object": "chat.completion",
                    "created": 1_790_000_000,
                    "model": body["model"],
                    "choices": [
                        {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}
                    ],
                    "usage": {
                        "prompt_tokens": prompt_tokens,
                        "completion_tokens": len(content) // 4,
                        "total_tokens": prompt_tokens + len(content) // 4,
                    },
                },
                ensure_ascii=False,
            ),
            content_type="application/json",
        )
