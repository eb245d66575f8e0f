"""What wraps every response of the web app: the security headers (and no-store on personal pages)."""

from __future__ import annotations

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
