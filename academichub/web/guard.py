"""What wraps every request and response of the web app, outside everything else:

- the request body is capped before it is read: a declared ``Content-Length`` over the cap is refused
  with 413 at once (nothing read), and a body sent without one is counted as it arrives and refused
  when it passes the cap (nothing buffered beyond it). One cap for every route, except the few named
  with a larger one (the preference page's library upload);
- any exception becomes the 500 page (logged, never a traceback to the reader);
- every response, the error pages included, carries the security headers (no-store on personal pages).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.responses import PlainTextResponse, Response

log = logging.getLogger("academichub.web")

# Content-Security-Policy: no scripts at all, styles only from this site, forms only to this site.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",  # links carry tokens: never leak them to the next site
    "Permissions-Policy": "interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class SecurityHeaders:
    """Security headers on every response, and no-store on personal pages (a plain ASGI middleware:
    Starlette's BaseHTTPMiddleware costs about a millisecond a request)."""

    def __init__(self, app):
        self.app = app
        self.fixed = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        personal = scope.get("method") == "POST" or b"t=" in scope.get("query_string", b"")

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k for k, _ in headers}
                headers += [(k, v) for k, v in self.fixed if k not in present]
                if personal:
                    headers = [(k, v) for k, v in headers if k != b"cache-control"] + [(b"cache-control", b"no-store")]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyTooLarge(Exception):
    """The request body passed the cap while it was being read."""


ErrorPage = Callable[[dict, int, int], Awaitable[Response]]  # (scope, status, the body cap of that route)


class Guard:
    """Body cap and last-resort error page (wrapped by ``SecurityHeaders``, so both carry its headers).
    ``error_page(scope, status, cap)`` renders the 413 / 400 / 500 page; ``larger`` maps a path (exact,
    POST routes only read bodies) to its own, larger cap."""

    def __init__(self, app, *, max_body: int, error_page: ErrorPage, larger: dict[str, int] | None = None):
        self.app = app
        self.max_body = max_body
        self.error_page = error_page
        self.larger = {path: max(cap, max_body) for path, cap in (larger or {}).items()}

    def cap(self, scope: dict) -> int:
        return self.larger.get(scope.get("path", ""), self.max_body)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        cap = self.cap(scope)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            declared = declared.strip()
            if not declared.isdigit():
                return await self._answer(scope, send, 400)
            if len(declared) > 15 or int(declared) > cap:
                return await self._answer(scope, send, 413)
        started = False
        seen = 0

        async def counted_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > cap:
                    raise BodyTooLarge
            return message

        async def watched_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge:
            if not started:
                await self._answer(scope, send, 413)
        except Exception:
            log.exception("error on %s %s", scope.get("method"), scope.get("path"))
            if not started:
                await self._answer(scope, send, 500)

    async def _answer(self, scope: dict, send, status: int) -> None:
        try:
            response = await self.error_page(scope, status, self.cap(scope))
        except Exception:  # the page itself failed: still no traceback, still an answer
            log.exception("error page %s failed", status)
            response = PlainTextResponse(f"error {status}\n", status_code=status)
        if status in (400, 413):
            response.headers["connection"] = "close"  # the unread body is never read: this connection ends

        async def no_body():
            return {"type": "http.disconnect"}

        await response(scope, no_body, send)
