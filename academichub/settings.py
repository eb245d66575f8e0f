"""One settings object, built once at the entry point and passed down.

Every value comes from the environment (prefix ``ACADEMICHUB_``) or a ``.env`` file.
The defaults are the embedded ones: a SQLite file under ``./var/``, an outbox folder of
``.eml`` files, the bundled source list and no LLM, so AcademicHub runs with no keys.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from academichub.clock import Clock, clock_from
from academichub.resources import package_path
from academichub.smtp_url import SmtpTarget, parse_smtp_url

BUNDLED_SOURCES = package_path("sources.toml")
SAMPLE_DAY_DIR = package_path("sample", "day-2026-06-22")
SAMPLE_DAY_DATE = "2026-06-22"
DEFAULT_TEMPLATES_DIR = package_path("templates")  # email/ and web/

# The embedded demo key. Anything that signs links refuses it outside the demo (see
# Settings.require_real_secret).
PLACEHOLDER_SECRET = "embedded-demo-secret-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ACADEMICHUB_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        hide_input_in_errors=True,  # a bad ACADEMICHUB_SMTP_URL holds a password: never in a traceback
    )

    database_url: str = Field(
        default="sqlite:///var/academichub.db",
        description="SQLAlchemy URL; PostgreSQL works unchanged (postgresql+psycopg://...).",
    )
    outbox_dir: Path = Field(default=Path("var/outbox"), description="Where .eml files go when SES is not configured.")
    base_url: str = Field(
        default="http://127.0.0.1:8000", description="Public URL of the web app, used in email links."
    )
    secret_key: SecretStr = Field(
        default=SecretStr(PLACEHOLDER_SECRET),
        description="Keys that sign links in emails, comma-separated: the first signs, all verify (rotation).",
    )
    environment: str = Field(
        default="development",
        pattern="^(development|production)$",
        description="production refuses the embedded demo secret.",
    )
    web_threads: int = Field(
        default=4, ge=1, le=64, description="Threads for the web app's database work (per worker process)."
    )
    web_max_body: int = Field(
        default=64 * 1024,
        ge=1024,
        description="Largest request body the web app reads, in bytes (larger: 413 before anything is read).",
    )
    web_max_upload: int = Field(
        default=5 * 1024 * 1024 + 64 * 1024,
        ge=1024,
        description="Largest body of the preference page's library upload, in bytes: a 5 MB export and the "
        "form around it (larger: 413 before anything is read; every other route keeps web_max_body).",
    )
    forwarded_allow_ips: str = Field(
        default="",
        description="Reverse proxies whose X-Forwarded-For/-Proto `serve` believes, comma-separated IPs or "
        "networks (uvicorn's forwarded_allow_ips); empty: none, the socket's peer is the client.",
    )
    rate_limit_storage: str = Field(
        default="memory://",
        description="Where sign-up rate limits are counted: memory:// (one process) or redis://host:6379 (several).",
    )
    signup_limit_per_address: str = Field(default="3/hour", description="Sign-up requests per address.")
    signup_limit_per_client: str = Field(default="20/hour", description="Sign-up requests per client IP.")
    unsubscribe_mailbox: str | None = Field(
        default=None, description="Address for mailto: unsubscribe requests (default: the sender's)."
    )
    llm_model: str | None = Field(
        default=None, description="Model name on the OpenAI-compatible server; unset = extractive composer."
    )
    llm_timeout: float = Field(default=60.0, gt=0, description="Seconds before one LLM request is given up.")
    llm_deadline_seconds: float = Field(
        default=600.0,
        gt=0,
        description="Seconds of LLM work one run may take, all calls together; past it, the extractive composer "
        "finishes the day (interest expansion gets one request timeout).",
    )
    llm_retries: int = Field(
        default=3, ge=0, le=10, description="Retries on 429/5xx (the openai client backs off and honours Retry-After)."
    )
    llm_concurrency: int = Field(default=4, ge=1, le=64, description="LLM calls in flight at once.")
    llm_token_budget: int = Field(
        default=2_000_000, ge=0, description="Tokens one run may spend; past it, the extractive composer writes."
    )
    llm_prices: dict[str, tuple[float, float]] = Field(
        default_factory=dict,
        description='USD per million prompt and completion tokens per model, JSON: {"gpt-4o-mini": [0.15, 0.6]}.',
    )
    llm_batch: int = Field(default=8, ge=1, le=32, description="Papers summarised per request.")
    sources_file: Path = Field(default=BUNDLED_SOURCES, description="TOML file listing the feeds to fetch.")
    templates_dir: Path = Field(default=DEFAULT_TEMPLATES_DIR)

    contact_email: str | None = Field(
        default=None,
        description="The one contact address: in every email's footer (briefings, confirmations, saved "
        "preferences) and in the HTTP User-Agent. Default: the address of ACADEMICHUB_SENDER.",
    )
    sender: str = Field(default="AcademicHub <briefing@example.org>", description="From: address of briefing emails.")
    mail_backend: str = Field(
        default="outbox",
        pattern="^(outbox|ses|smtp)$",
        description=(
            "outbox (a folder of .eml files), ses (Amazon SES, boto3's own AWS settings) or smtp (any mail "
            "server: ACADEMICHUB_SMTP_URL)."
        ),
    )
    smtp_url: SecretStr | None = Field(
        default=None,
        description=(
            "The mail server for mail_backend=smtp: smtp://user:password@host:587 (STARTTLS), "
            "smtps://user:password@host:465 (TLS from the start) or smtp://host:25 (a relay, no login); "
            "options ?starttls=true|false, ?timeout=SECONDS, ?cafile=PATH (a CA to trust). Percent-encode "
            "/ ? # @ : in the password."
        ),
    )
    smtp_send_rate: float = Field(
        default=2.0, gt=0, description="SMTP sends per second, for the whole run (its workers share it)."
    )
    ses_region: str | None = Field(
        default=None, description="SES region (default: boto3's own AWS_REGION / AWS_DEFAULT_REGION)."
    )
    ses_configuration_set: str | None = Field(
        default=None, description="SES configuration set (event publishing for bounces and complaints)."
    )
    ses_events_queue_url: str | None = Field(
        default=None, description="SQS queue subscribed to the SES configuration set's SNS topic (bounces, complaints)."
    )
    ses_send_rate: float | None = Field(
        default=None, gt=0, description="Sends per second; default: the account's MaxSendRate."
    )
    http_timeout: float = Field(default=30.0, gt=0, description="Seconds to wait for each read of an answer.")
    http_deadline: float = Field(
        default=300.0,
        gt=0,
        description="Seconds one request may take in all, its answer included (http_timeout is per read, "
        "so a server trickling its answer would otherwise hold the request as long as it liked).",
    )
    http_retries: int = Field(default=3, ge=0, le=10, description="Retries of a failed fetch (429/5xx/network).")
    http_backoff: float = Field(default=2.0, ge=0, description="First back-off delay in seconds; doubles each retry.")
    http_connect_timeout: float = Field(
        default=10.0, gt=0, description="Seconds to wait for a connection to a feed's server (part of http_timeout)."
    )
    http_connect_retries: int = Field(
        default=1,
        ge=0,
        le=10,
        description="Retries when a feed's server cannot be reached at all (DNS, refused, no route): such a "
        "host is not tried again in the run, and after two such hosts the run is taken to have no network.",
    )
    arxiv_min_interval: float = Field(
        default=3.0, ge=0, description="Seconds between requests to arXiv (arXiv asks for 3)."
    )
    library_offline: bool = Field(
        default=False,
        description="Resolve a library's bare ids only from the stored papers, never from arXiv or Crossref.",
    )
    library_arxiv_api: str = Field(
        default="https://export.arxiv.org/api/query", description="arXiv API for a library's bare arXiv ids."
    )
    library_crossref_api: str = Field(
        default="https://api.crossref.org/works", description="Crossref works API for a library's bare DOIs."
    )
    library_zotero_api: str = Field(
        default="https://api.zotero.org", description="Zotero web API (v3) a synced library is read from."
    )
    library_openalex_api: str = Field(
        default="https://api.openalex.org", description="OpenAlex API an ORCID iD's own works are read from."
    )
    library_refresh_hours: float = Field(
        default=20.0,
        gt=0,
        le=24 * 30,
        description="A synced library (Zotero, ORCID) is refreshed when its last try is at least this old "
        "(the daily refresh-libraries run; `subscribers library sync --force` refreshes at once).",
    )
    edition_timezone: str = Field(
        default="America/New_York", description="Time zone that decides 'today' for an edition."
    )
    suspect_ratio: float = Field(
        default=0.3, gt=0, lt=1, description="A feed below this share of its recent median is suspect."
    )
    hold_share: float = Field(
        default=0.5,
        gt=0,
        lt=1,
        description="Hold the day (nobody is emailed, the run fails) when the sources that failed or are "
        "suspect usually carry more than this share of its new papers.",
    )
    preprint_match_days: int = Field(
        default=365, ge=1, description="How far back a journal article is compared with preprints."
    )
    representation: str = Field(
        default="tfidf", pattern="^(tfidf|semantic)$", description="tfidf, or semantic (needs the [semantic] extra)."
    )
    task_runner: str = Field(
        default="threads",
        pattern="^(threads|dask)$",
        description="How deliver-due fans out its batches: threads (one process) or dask (prefect-dask).",
    )
    dask_address: str | None = Field(
        default=None,
        description="A running Dask scheduler (tcp://host:8786); unset with task_runner=dask: a local cluster.",
    )
    dask_workers: int = Field(default=2, ge=1, description="Workers of the local Dask cluster (one per core).")
    dask_threads: int = Field(
        default=2,
        ge=1,
        le=8,
        description=(
            "Batches each Dask worker delivers at once: while one waits for the LLM's openings, another renders."
        ),
    )
    send_chunk: int = Field(
        default=10,
        ge=1,
        le=100,
        description=(
            "Emails whose ledger rows are marked sending (and then finished) in one statement; "
            "a crash leaves at most this many rows with an unknown outcome."
        ),
    )
    batch_concurrency: int = Field(default=2, ge=1, description="Batches delivered at once with the thread runner.")
    corpus_days: int = Field(
        default=30, ge=1, description="Rolling window of editions the TF-IDF weights are fitted on."
    )
    min_score: float = Field(
        default=0.05,
        ge=0,
        description="Relevance floor: papers over it are sent first; below it, only papers that share "
        "something with the profile fill the reader's papers per email.",
    )
    now: datetime | None = Field(
        default=None,
        description="Run as if it were this instant (ISO 8601; replays and tests); unset: the system clock.",
    )

    @field_validator("database_url")
    @classmethod
    def _normalise_postgres_driver(cls, value: str) -> str:
        # Accept the URL forms people paste (postgres://, postgresql://) and use psycopg 3.
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix) :]
        return value

    @field_validator("smtp_url")
    @classmethod
    def _valid_smtp_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            parse_smtp_url(value.get_secret_value())  # SmtpUrlError (a ValueError) says what is wrong
        return value

    @model_validator(mode="after")
    def _smtp_needs_a_server(self):
        if self.mail_backend == "smtp" and self.smtp_url is None:
            raise ValueError(
                "ACADEMICHUB_MAIL_BACKEND=smtp needs ACADEMICHUB_SMTP_URL "
                "(smtp://user:password@host:587, smtps://user:password@host:465 or smtp://host:25)"
            )
        return self

    @model_validator(mode="after")
    def _refuse_placeholder_secret_in_production(self):
        if self.environment == "production" and PLACEHOLDER_SECRET in self.signing_keys():
            raise ValueError(
                "ACADEMICHUB_SECRET_KEY must be set to a real secret in production (it signs every link in every email)"
            )
        return self

    def signing_keys(self) -> list[str]:
        return [k.strip() for k in self.secret_key.get_secret_value().split(",") if k.strip()]

    @property
    def clock(self) -> Clock:
        """The one clock of this process (see academichub/clock.py)."""
        return clock_from(self)

    @property
    def smtp_target(self) -> SmtpTarget:
        """The parsed ACADEMICHUB_SMTP_URL (validated when the settings were built)."""
        if self.smtp_url is None:
            raise SettingsError("ACADEMICHUB_SMTP_URL is not set")
        return parse_smtp_url(self.smtp_url.get_secret_value())

    @property
    def contact(self) -> str:
        """The contact address every email shows and the User-Agent names (one setting)."""
        from email.utils import parseaddr

        return self.contact_email or parseaddr(self.sender)[1]

    @property
    def user_agent(self) -> str:
        return f"AcademicHub/0.1 (+{self.base_url}; mailto:{self.contact})"

    @property
    def uses_placeholder_secret(self) -> bool:
        return self.secret_key.get_secret_value() == PLACEHOLDER_SECRET


class SettingsError(ValueError):
    """A setting from the environment (or .env) that cannot be used, named as the user set it."""


SECRET_SETTINGS = frozenset({"secret_key", "smtp_url"})


def load_settings(**overrides) -> Settings:
    """Build the settings once, at an entry point (CLI, flow, web app, test)."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for e in exc.errors():
            msg = e["msg"].removeprefix("Value error, ")
            name = f"ACADEMICHUB_{str(e['loc'][0]).upper()}" if e["loc"] else ""
            if not name:
                problems.append(msg)
            elif e["loc"][0] in SECRET_SETTINGS:  # a password or key: named, never shown
                problems.append(f"{name}: {msg}")
            else:
                problems.append(f"{name}={e['input']!r}: {msg}")
        raise SettingsError("invalid setting: " + "; ".join(problems)) from None
