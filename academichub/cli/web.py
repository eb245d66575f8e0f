"""serve: the web app (preference center, edition pages)."""

from __future__ import annotations

import typer

from academichub.cli import helptext as ht
from academichub.cli.common import (
    _settings,
    app,
    console,
)


def proxy_options(settings) -> dict:
    """uvicorn's forwarded-header options from the settings: X-Forwarded-For/-Proto are believed only
    from the configured proxies (uvicorn's own default believes them from 127.0.0.1, so anyone who
    can reach a loopback listener, or a proxy that passes the header on, could pick their address and
    slip the per-client sign-up limit)."""
    allowed = ",".join(p.strip() for p in settings.forwarded_allow_ips.split(",") if p.strip())
    if not allowed:
        return {"proxy_headers": False, "forwarded_allow_ips": ""}
    return {"proxy_headers": True, "forwarded_allow_ips": allowed}


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", metavar=ht.HOST, help="Address to listen on."),
    port: int = typer.Option(8000, "--port", metavar=ht.PORT, help="Port to listen on."),
    workers: int = typer.Option(
        1,
        "--workers",
        metavar=ht.COUNT,
        help="Worker processes (use a redis:// ACADEMICHUB_RATE_LIMIT_STORAGE with more than one).",
    ),
) -> None:
    """The web app: sign-up, preferences, unsubscribe (incl. RFC 8058 one-click), feedback, and the edition pages."""
    import uvicorn

    settings = _settings()
    if settings.uses_placeholder_secret:
        console.print(
            "Note: links are signed with the embedded demo secret; set ACADEMICHUB_SECRET_KEY for anything public.",
            markup=False,
        )
    console.print(f"AcademicHub on http://{host}:{port}/ (links in emails point to {settings.base_url})", markup=False)
    proxies = proxy_options(settings)
    console.print(
        f"Forwarded headers believed from: {proxies['forwarded_allow_ips']}"
        if proxies["proxy_headers"]
        else "Forwarded headers ignored (no ACADEMICHUB_FORWARDED_ALLOW_IPS): clients are the socket's peers.",
        markup=False,
    )
    if workers > 1:
        uvicorn.run(
            "academichub.web.app:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
            **proxies,
        )
    else:
        from academichub.web.app import create_app

        uvicorn.run(create_app(settings), host=host, port=port, log_level="warning", **proxies)
