"""HTTP fetching like a good citizen (the network edge of ingestion).

- a descriptive User-Agent with a contact address, timeouts;
- conditional GET (If-None-Match / If-Modified-Since) from the previous fetch of that source;
- at least ``arxiv_min_interval`` seconds between requests to arXiv hosts, one connection;
- retries with exponential back-off on 429/5xx and network errors, honouring ``Retry-After``
  (tenacity does the retrying);
- a server that cannot be reached at all (DNS, refused, no route, connect timeout) is retried only
  ``http_connect_retries`` times and not tried again in the run; once two servers could not be
  reached and none answered, the run has no network and the remaining sources fail at once;
- a deadline for each attempt's whole answer (``http_deadline``): the timeout is per read, so a
  server trickling its answer would otherwise hold the request as long as it liked;
- never raises for a failed fetch: the result carries a clear ``error`` for the fetch log.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlparse

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception_type, wait_exponential

from academichub.papers.sources import ARXIV_HOSTS
from academichub.settings import Settings

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 300.0
MAX_BODY_BYTES = 200 * 1024 * 1024  # as for files: a response larger than this is no feed
OFFLINE_AFTER = 2  # servers that could not be reached, with none answering: no network
UNREACHABLE = ("cannot reach ", "no network")  # in a fetch error: the server was never reached


TOO_SLOW = "in all (sent slowly)"  # in a fetch error: the answer was cut at its deadline


def is_too_slow(error: str | None) -> bool:
    """Whether a fetch error says the answer was cut at ``http_deadline`` (a server trickling it)."""
    return TOO_SLOW in (error or "")


def is_unreachable(error: str | None) -> bool:
    """Whether a fetch error says the server could not be reached at all (no HTTP answer)."""
    return bool(error) and any(mark in (error or "") for mark in UNREACHABLE)


@dataclass(slots=True)
class FetchResult:
    url: str
    status: int | None = None
    body: bytes | None = None
    etag: str | None = None
    last_modified: str | None = None
    duration_ms: int = 0
    error: str | None = None
    attempts: int = 1
    # The answer's headers the caller asked for (``keep=``), lower-case names: an API's paging and
    # version headers (Zotero's Total-Results, Last-Modified-Version, Backoff, Retry-After).
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def not_modified(self) -> bool:
        return self.status == 304


RXIV_PAGE = re.compile(r"^(?P<base>https?://[^?#]*/details/[a-z]+/[^/]+/[^/]+)/(?P<cursor>\d+)(?P<rest>(?:/[^?#]*)?)$")
MAX_PAGES = 50


class _TooLarge(Exception):
    pass


class _TooSlow(Exception):
    pass


class _RetryableStatus(Exception):
    def __init__(self, response: httpx.Response):
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    now = now or datetime.now(UTC)
    return max(0.0, min((when - now).total_seconds(), MAX_RETRY_AFTER))


class Fetcher:
    """One polite HTTP client. Tests pass a transport or base client; sleep/clock are injectable."""

    def __init__(
        self,
        settings: Settings,
        client: httpx.Client | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        max_bytes: int = MAX_BODY_BYTES,
    ):
        self._client = client or httpx.Client(
            timeout=httpx.Timeout(
                settings.http_timeout, connect=min(settings.http_connect_timeout, settings.http_timeout)
            ),
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            follow_redirects=True,
        )
        self._client.headers["User-Agent"] = settings.user_agent
        self._retries = settings.http_retries
        self._connect_retries = min(settings.http_connect_retries, settings.http_retries)
        self._down: dict[str, str] = {}  # host:port -> why it could not be reached, in this run
        self._answered = False  # some server answered (any HTTP status): the network works
        self._backoff = settings.http_backoff
        self._arxiv_interval = settings.arxiv_min_interval
        self._sleep, self._clock = sleep, clock
        self._max_bytes = max_bytes
        self._deadline = settings.http_deadline
        self._last_request: dict[str, float] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _pace(self, url: str) -> None:
        host = urlparse(url).hostname or ""
        if not any(host == h or host.endswith("." + h) for h in ARXIV_HOSTS):
            return
        with self._lock:
            last = self._last_request.get("arxiv")
            if last is not None:
                wait = self._arxiv_interval - (self._clock() - last)
                if wait > 0:
                    self._sleep(wait)
            self._last_request["arxiv"] = self._clock()

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _RetryableStatus):
            delay = retry_after_seconds(exc.response.headers.get("Retry-After"))
            if delay is not None:
                return delay
        return wait_exponential(multiplier=self._backoff, max=120)(state)

    def _read_capped(self, response: httpx.Response, started: float) -> bytes:
        """The body, decoded (gzip...), read in chunks and abandoned past ``max_bytes``: neither a
        huge response nor a compression bomb is ever held whole; nor read past the deadline."""
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self._max_bytes:
                raise _TooLarge()
            if self._clock() - started > self._deadline:
                raise _TooSlow()
            chunks.append(chunk)
        return b"".join(chunks)

    def _stop(self, state: RetryCallState) -> bool:
        exc = state.outcome.exception() if state.outcome else None
        limit = self._connect_retries if isinstance(exc, _CANNOT_CONNECT) else self._retries
        return state.attempt_number > limit

    @property
    def offline(self) -> bool:
        """No server answered and ``OFFLINE_AFTER`` could not be reached: the run has no network."""
        return not self._answered and len(self._down) >= OFFLINE_AFTER

    def _not_tried(self, url: str) -> str | None:
        with self._lock:
            if self.offline:
                return (
                    f"not tried: no network ({len(self._down)} servers could not be reached: {', '.join(self._down)})"
                )
            where = _netloc(url)
            if where in self._down:
                return f"not tried: cannot reach {where} (it failed earlier in this run: {self._down[where]})"
        return None

    def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        headers: dict[str, str] | None = None,
        keep: tuple[str, ...] = (),
        redirects: bool = True,
    ) -> FetchResult:
        """GET ``url``; ``headers``: more request headers (an API's key and version, never logged or
        put in an error); ``keep``: the response headers to copy into the result; ``redirects=False``:
        a redirect is answered, not followed (a request carrying a key goes to no other host)."""
        skip = self._not_tried(url)
        if skip:
            return FetchResult(url=url, error=skip, attempts=0)
        headers = dict(headers or {})
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        started = self._clock()
        attempts = 0

        def attempt() -> tuple[httpx.Response, bytes]:
            nonlocal attempts
            attempts += 1
            self._pace(url)
            begun = self._clock()
            with self._client.stream("GET", url, headers=headers, follow_redirects=redirects) as response:
                self._answered = True
                if response.status_code in RETRY_STATUSES:
                    raise _RetryableStatus(response)
                return response, self._read_capped(response, begun)

        retrying = Retrying(
            stop=self._stop,
            wait=self._wait,
            retry=retry_if_exception_type((_RetryableStatus, httpx.TransportError)),
            sleep=self._sleep,
            reraise=True,
        )
        result = FetchResult(url=url)
        try:
            response, body = retrying(attempt)
        except _TooLarge:
            result.error = f"the response is larger than {self._max_bytes} bytes (decoded): not read further"
        except _TooSlow:
            result.error = f"the answer took longer than {self._deadline:.0f} s {TOO_SLOW}: not read further"
        except _RetryableStatus as exc:
            r = exc.response
            result.status = r.status_code
            result.headers = _kept(r, keep)
            result.error = f"HTTP {r.status_code} {r.reason_phrase} after {attempts} attempt(s)"
        except _CANNOT_CONNECT as exc:
            where = _netloc(url)
            why = f"{exc.__class__.__name__}: {exc}"
            with self._lock:
                self._down[where] = why
            result.error = f"network error after {attempts} attempt(s): cannot reach {where}: {why}"
        except httpx.TimeoutException:
            result.error = f"timed out after {attempts} attempt(s)"
        except httpx.TransportError as exc:
            result.error = f"network error after {attempts} attempt(s): {exc.__class__.__name__}: {exc}"
        except httpx.InvalidURL as exc:
            result.error = f"invalid URL: {exc}"
        else:
            result.status = response.status_code
            result.headers = _kept(response, keep)
            result.etag = response.headers.get("ETag")
            result.last_modified = response.headers.get("Last-Modified")
            if response.status_code == 304:
                pass
            elif response.status_code >= 400:
                result.error = f"HTTP {response.status_code} {response.reason_phrase}"
            else:
                result.body = body
        result.attempts = attempts
        result.duration_ms = int((self._clock() - started) * 1000)
        return result


_CANNOT_CONNECT = (httpx.ConnectError, httpx.ConnectTimeout)


def _kept(response: httpx.Response, names: tuple[str, ...]) -> dict[str, str]:
    return {n.lower(): response.headers[n][:2000] for n in names if n in response.headers}


def _netloc(url: str) -> str:
    parsed = urlparse(url)
    return parsed.netloc or url


def fetch_rxiv_pages(fetcher: Fetcher, url: str, **validators) -> FetchResult:
    """The bioRxiv/medRxiv ``details`` API returns 100 records a page with a cursor in the URL
    (``/details/medrxiv/FROM/TO/CURSOR``): follow it until ``total`` and join the pages into one
    response body, so a busy day is never silently cut at 100. Other URLs: a plain GET."""
    m = RXIV_PAGE.match(url)
    first = fetcher.get(url, **validators)
    if not m or first.error or first.body is None:
        return first
    try:
        data = json.loads(first.body)
        message = data["messages"][0]
        total, count = int(message.get("total", 0)), int(message.get("count", len(data["collection"])))
        if not isinstance(data["collection"], list):
            raise TypeError("collection")
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return first  # not the shape we page through; the parser will say what it is
    collection = list(data["collection"])
    cursor = int(m.group("cursor")) + count
    pages = 1
    while cursor < total and count > 0 and pages < MAX_PAGES:
        page = fetcher.get(f"{m.group('base')}/{cursor}{m.group('rest')}")
        first.duration_ms += page.duration_ms
        first.attempts += page.attempts
        if page.error or page.body is None:
            first.error = f"page at cursor {cursor} of {total}: {page.error or 'empty'}"
            break
        try:
            more = json.loads(page.body)["collection"]
        except (ValueError, KeyError, TypeError):
            more = None
        if not isinstance(more, list):
            first.error = f"page at cursor {cursor} of {total} is not a details response"
            break
        collection.extend(more)
        count = len(more)
        cursor += count
        pages += 1
    if first.error:
        first.body = None  # a partial day is a failed fetch, not a quiet one
        return first
    data["collection"] = collection
    data["messages"][0]["count"] = len(collection)
    first.body = json.dumps(data).encode()
    return first
