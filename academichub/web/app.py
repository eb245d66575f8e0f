"""The web app (``academichub serve``): the preference center and the edition pages, server-rendered.

One FastAPI app built from one Settings object; everything a request needs hangs off ``app.state``
(``WebContext``), so tests build an app on their own settings, database and mailer.
"""

from __future__ import annotations

import threading
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import quote, urlencode

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from limits import parse as parse_limit
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy.engine import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware

from academichub.db import open_database
from academichub.editions.edition import EditionCache
from academichub.i18n import web_strings
from academichub.i18n.names import author_line, change_rows, field_names, weekday_name
from academichub.mail.backends import Mailer, make_mailer
from academichub.mail.links import LinkBuilder
from academichub.mail.render import EmailTemplates
from academichub.papers.catalogue import Catalogue
from academichub.papers.urls import safe_href
from academichub.resources import package_path
from academichub.settings import Settings
from academichub.web.guard import Guard, SecurityHeaders
from subscribers.models import Subscriber
from subscribers.tokens import Tokens, tokens_from

STATIC_DIR = package_path("web", "static")
LIBRARY_UPLOAD_PATH = "/preferences/library"  # the one route with a larger body cap (settings.web_max_upload)


@dataclass
class WebContext:
    settings: Settings
    engine: Engine
    tokens: Tokens
    mailer: Mailer
    email_templates: EmailTemplates
    pages: Environment
    limiter: MovingWindowRateLimiter
    categories: list[str] | None = None  # what a reader may choose (papers.plan.choosable), read once
    choices: dict[str, dict] = field(default_factory=dict)  # lang -> the preference page's source list, built once
    catalogue: Catalogue | None = None  # the packaged source catalogue, read once
    editions: EditionCache = field(default_factory=EditionCache)
    editions_json: dict = field(default_factory=dict)  # day -> (EditionData, the API JSON bytes, (held, sources))
    rate_matcher: tuple | None = None  # (EditionData, its Matcher): the latest edition's, for "rate ten papers"
    rate_matcher_lock: threading.Lock = field(default_factory=threading.Lock)  # built once by the app's threads

    def lang(self, request: Request, fallback: str | None = None) -> str:
        wanted = request.query_params.get("lang") or fallback or "zh"
        return "zh" if wanted in ("zh", "bilingual") else "en"

    def page(
        self, request: Request, template: str, *, lang: str, status: int = 200, switch: bool = True, **context
    ) -> HTMLResponse:
        other = "en" if lang == "zh" else "zh"
        params = dict(request.query_params)
        params["lang"] = other
        html = self.pages.get_template(template).render(
            s=web_strings(lang),
            lang=lang,
            default_lang="zh",
            switch_url=f"{local_path(request.scope.get('path', '/'))}?{urlencode(params)}" if switch else None,
            **context,
        )
        return HTMLResponse(html, status_code=status)

    def message(
        self, request: Request, *, lang: str, title_key: str, paragraphs: list[str], status: int = 200, **extra
    ) -> HTMLResponse:
        s = web_strings(lang)
        return self.page(
            request, "message.html", lang=lang, status=status, title=s[title_key], paragraphs=paragraphs, **extra
        )

    @property
    def links(self) -> LinkBuilder:
        return LinkBuilder(self.settings.base_url, self.tokens)

    def link(self, path: str, purpose: str, sub: Subscriber, **extra: str) -> str:
        """A signed link made for one reader (``extra`` is signed with their id and link key)."""
        return self.links.reader(path, purpose, sub, **extra)

    def today(self) -> date:
        """Today where editions are dated, on the settings' clock."""
        return self.settings.clock.today(self.settings.edition_timezone)


def local_path(path: str) -> str:
    """A path of this site, safe to put in a link back to it: percent-encoded, and starting with
    exactly one slash (``//evil.example/`` or ``/\\evil.example`` would be another site's address)."""
    return "/" + quote(path, safe="/").lstrip("/")


def create_app(settings: Settings, *, engine: Engine | None = None, mailer: Mailer | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        # Few threads for the (short, synchronous) database work: with the default 40, twenty
        # concurrent requests fight over the GIL and the slowest wait several times longer.
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.web_threads
        yield

    app = FastAPI(title="AcademicHub", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    pages = Environment(
        loader=FileSystemLoader(str(Path(settings.templates_dir) / "web")), autoescape=select_autoescape(default=True)
    )
    pages.filters["safe_url"] = safe_href  # only http(s) links from feeds become links on a page
    # the reader's words for fields, weekdays, preference changes and "et al." (i18n/names.py)
    pages.filters.update(fields=field_names, weekday=weekday_name, changes=change_rows, authors=author_line)
    ctx = WebContext(
        settings=settings,
        engine=engine or open_database(settings),
        tokens=tokens_from(settings),
        mailer=mailer or make_mailer(settings),
        email_templates=EmailTemplates(Path(settings.templates_dir)),
        pages=pages,
        limiter=MovingWindowRateLimiter(storage_from_string(settings.rate_limit_storage)),
    )
    app.state.ctx = ctx
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")

    async def error_page(scope: dict, status: int, cap: int) -> HTMLResponse:
        request = Request(scope)
        lang = ctx.lang(request)
        s = web_strings(lang)
        text = {413: s["too_large"].format(kb=cap // 1024), 400: s["unreadable"]}.get(status, s["error"])
        return ctx.message(request, lang=lang, title_key="error_title", paragraphs=[text], status=status, switch=False)

    app.add_middleware(
        Guard,
        max_body=settings.web_max_body,
        error_page=error_page,
        larger={LIBRARY_UPLOAD_PATH: settings.web_max_upload},  # a reader's library export (web/library.py)
    )
    app.add_middleware(SecurityHeaders)  # outside the guard: its 413 and 500 pages carry the headers too
    app.add_middleware(GZipMiddleware, minimum_size=1024)  # an edition page is ~100 KB of HTML, ~20 KB gzipped

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        lang = ctx.lang(request)
        if exc.status_code == 404:
            return ctx.message(
                request, lang=lang, title_key="not_found_title", paragraphs=[web_strings(lang)["not_found"]], status=404
            )
        # a 400 is the form parser's (too many fields or files, no multipart boundary): its English
        # words are no page; the reader's language says what to do instead
        said = web_strings(lang)["form_unreadable"] if exc.status_code == 400 else str(exc.detail)
        response = ctx.message(request, lang=lang, title_key="error_title", paragraphs=[said], status=exc.status_code)
        response.headers.update(exc.headers or {})  # e.g. Allow on a 405
        return response

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError):
        lang = ctx.lang(request)
        return ctx.message(
            request, lang=lang, title_key="bad_link_title", paragraphs=[web_strings(lang)["bad_link"]], status=400
        )

    # Any other exception: the guard's 500 page (logged; the guard sits inside the security headers).

    from academichub.web import channels, feedback, library, onboard, preferences, radars, signup, unsubscribe

    for module in (signup, preferences, radars, channels, library, onboard, unsubscribe, feedback):
        app.include_router(module.router)
    try:
        from academichub.web.editions import router as edition_router
    except ImportError:  # pragma: no cover - the edition pages are optional in a trimmed install
        pass
    else:
        app.include_router(edition_router)
    return app


def rate_limit(ctx: WebContext, rule: str, *keys: str) -> bool:
    """True if allowed (and counted)."""
    return ctx.limiter.hit(parse_limit(rule), *keys)


def app_from_environment() -> FastAPI:
    """For ``uvicorn --factory`` (several workers): settings from the environment."""
    from academichub.settings import load_settings

    return create_app(load_settings())
