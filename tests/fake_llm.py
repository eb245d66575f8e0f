"""A local OpenAI-compatible chat-completions endpoint for tests (served by pytest-httpserver).

It reads the real request the openai client sends, finds the paper ids and the language asked
for, and answers in the protocol's shape. ``mode`` makes it misbehave the way real models and
servers do; every request is recorded."""

from __future__ import annotations

import json
import re
import threading
import time

from werkzeug.wrappers import Request, Response

ZH_SUMMARY = "本文提出一种新的提示注入 (prompt injection) 防御方法，并在多个基准上验证。"
EN_SUMMARY = "The paper introduces a new method and shows it works on several benchmarks."

# What a hostile model writes into its text (added to the normal one, or instead of it: "=...").
TEXT_ATTACKS = {
    "mailto": " Write to mailto:help@evil.example today.",
    "ftp": " Data at ftp://files.evil.example/pub.",
    "data_url": " Preview: data:text/html;base64,PHNjcmlwdD4=",
    "email": " Questions: support@evil-phish.example.com",
    "bare_domain": " Verify your account at evil-phish.example.com/verify now.",
    "zwsp_url": " Read https\u200b://evil.example/x for more.",
    "fullwidth_url": " Read ｈｔｔｐｓ：／／evil.example for more.",
    "md_ref": " See [the details][1] below. [1]: evil",
    "handle": " Follow @evilphish for updates.",
    "phone": " Call +1 (555) 010-9999 to claim.",
    "unknown_doi": " It extends the result of 10.1234/not-given.5678 directly.",
    "unknown_arxiv_version": " It extends 2601.00001v3 directly.",
    "russian": "=Статья предлагает новый метод и показывает его эффективность на нескольких тестах.",
    "korean": "=이 논문은 새로운 방법을 제안하고 여러 벤치마크에서 검증합니다.",
    "japanese": "=本論文は新しい手法を提案し、複数のベンチマークで有効性を検証する。",
}
# The server's reply itself (HTTP 200 every time) in a shape the protocol does not allow.
SHAPE_ATTACKS = {
    "not_json_body",
    "content_object",
    "usage_string",
    "no_choices",
    "null_content",
    "error_200",
    "huge",
    "deep_json",
}


class FakeLLM:
    def __init__(self):
        self.mode: dict[str, str] = {}  # kind -> behaviour ("ok" default)
        self.requests: list[dict] = []
        self.once: list[str] = []  # behaviours applied to the next requests, in order
        self.release = threading.Event()  # "hang" waits for this (set it when the test ends)
        self.hang_seconds = 30.0  # or this long, then answers 504

    def kind(self, text: str) -> str:
        if "For each paper below" in text:
            return "paper"
        if "form one theme" in text:
            return "theme"
        return "opening"  # "For each reader write a personal opening"

    @staticmethod
    def summary(zh: bool, behaviour: str) -> str:
        summary = ZH_SUMMARY if zh != (behaviour == "wrong_language") else EN_SUMMARY
        if behaviour == "link":
            summary = summary + " See https://evil.example/x for more."
        if behaviour in TEXT_ATTACKS:
            attack = TEXT_ATTACKS[behaviour]
            summary = attack[1:] if attack.startswith("=") else summary + attack
        return summary

    def answer(
        self,
        kind: str,
        ids: list[str],
        zh: bool,
        behaviour: str,
        readers: list[tuple[str, list[int], list[int]]] = (),
        languages: tuple[str, ...] = (),
    ) -> str:
        """``languages``: a paper request in several languages at once (each paper's texts keyed by language)."""
        if behaviour == "invalid_json":
            return "Sure! Here is the JSON: {papers: oops"
        summary = self.summary(zh, behaviour)
        zh = zh != (behaviour == "wrong_language")
        cited = ids + (["9999.99999"] if behaviour == "unknown_citation" else [])
        if kind == "paper" and languages:
            texts = {}
            for lang in languages:
                chinese = (lang == "zh") != (behaviour == "wrong_language")
                texts[lang] = {
                    "summary": self.summary(lang == "zh", behaviour),
                    "contribution": "新方法" if chinese else "a new method",
                }
            return json.dumps({"papers": [{"id": i, **texts} for i in cited]}, ensure_ascii=False)
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

            def synthesis(chinese: bool) -> str:
                text = (
                    "这些论文都研究同一问题，一个领域可以借鉴另一个领域的方法 (methods)。"
                    if chinese
                    else "These papers share a question; one field can borrow the other's methods."
                )
                if behaviour == "link":
                    text += " [more](http://evil.example)"
                if behaviour in TEXT_ATTACKS:
                    text = self.summary(chinese != (behaviour == "wrong_language"), behaviour)
                return text

            if behaviour == "unknown_doi":
                cited = ["doi:10.1234/not-given.5678"]
            texts = (
                {lang: synthesis((lang == "zh") != (behaviour == "wrong_language")) for lang in languages}
                if languages
                else {"synthesis": synthesis(zh)}
            )
            return json.dumps(
                {**texts, "citations": cited[:2] if behaviour != "unknown_citation" else ["9999.99999"]},
                ensure_ascii=False,
            )
        text = (
            "今天的论文与您关注的安全问题直接相关。" if zh else "Today's selection speaks directly to your interests."
        )
        if behaviour == "link":
            text += " <a href='http://evil.example'>click</a>"
        if behaviour in TEXT_ATTACKS:
            text = summary
        if behaviour == "cite_other":  # a number of the request that is another reader's paper
            return json.dumps({label: [text, [others[0] if others else 999]] for label, _own, others in readers})
        return json.dumps(
            {label: [text, [own[0]] if behaviour != "unknown_citation" else [999]] for label, own, _others in readers},
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
        if behaviour == "hang":  # a server that never answers (until the test ends)
            self.release.wait(self.hang_seconds)
            return Response("", status=504)
        if behaviour == "invalid_then_ok":
            behaviour = "ok" if is_repair else "invalid_json"
        ids = re.findall(r'<paper id="([^"]+)">', first_user)
        numbers = re.findall(r"^(\d+): ", first_user.partition("\n<papers>\n")[2].partition("\n</papers>")[0], re.M)
        readers = []  # (label, its paper numbers, the request's other numbers)
        for label, own in re.findall(r"^(r\d+): .*\| ([\d ]+)$", first_user.partition("\n<readers>\n")[2], re.M):
            mine = [int(n) for n in own.split()]
            readers.append((label, mine, [int(n) for n in numbers if int(n) not in mine]))
        languages = tuple(re.findall(r'"(en|zh)": (?:\{"summary"|"\.\.\.")', first_user))  # several at once
        content = self.answer(kind, ids, "Simplified Chinese" in first_user, behaviour, readers, languages)
        prompt_tokens = len(json.dumps(body)) // 4
        reply = {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": 1_790_000_000,
            "model": body["model"],
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": len(content) // 4,
                "total_tokens": prompt_tokens + len(content) // 4,
            },
        }
        if behaviour in SHAPE_ATTACKS:
            return self.misshapen(behaviour, reply, content)
        return Response(json.dumps(reply, ensure_ascii=False), content_type="application/json")

    @staticmethod
    def misshapen(behaviour: str, reply: dict, content: str) -> Response:
        """HTTP 200 with a JSON content type, and a body that is not a usable chat completion."""
        message = reply["choices"][0]["message"]
        if behaviour == "not_json_body":
            return Response("<html><body>502 Bad Gateway</body></html>", content_type="application/json")
        if behaviour == "content_object":
            message["content"] = json.loads(content)  # the JSON answer as an object, not a string
        elif behaviour == "usage_string":
            reply["usage"]["prompt_tokens"] = str(reply["usage"]["prompt_tokens"])
        elif behaviour == "no_choices":
            reply["choices"] = []
        elif behaviour == "null_content":
            message["content"] = None
        elif behaviour == "error_200":
            reply = {"error": {"message": "upstream overloaded", "type": "server_error"}}
        elif behaviour == "huge":
            message["content"] = content + " " * 400_000
        elif behaviour == "deep_json":
            message["content"] = "[" * 100_000 + "]" * 100_000
        return Response(json.dumps(reply, ensure_ascii=False), content_type="application/json")
