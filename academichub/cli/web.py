"""serve: the web app (preference center, edition pages)."""

from __future__ import annotations

import typer

from academichub.cli.common import (
    _settings,
    app,
    console,
)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    workers: int = typer.Option(
        1, "--workers", help="Worker processes (use a redis:// ACADEMICHUB_RATE_LIMIT_STORAGE with more than one)."
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
    if workers > 1:
        uvicorn.run(
            "academichub.web.app:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
        )
    else:
        from academichub.web.app import create_app

        uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")
