"""Mail backends behind one small interface: the outbox folder (embedded default), Amazon SES and
any SMTP server (academichub/mail/smtp.py).

``send(OutgoingEmail)`` returns the provider's message id, or raises TransientSendError (worth a
retry later: throttling, 4xx, network), PermanentSendError (never retried: rejected; its subclass
RecipientRejected when the recipient's server refused the address itself) or OutcomeUnknown (the
connection broke after the message was handed over: it may have been delivered, so it is not resent).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import Message as EmailMessage
from email.utils import parseaddr
from pathlib import Path
from typing import Protocol

from tenacity import (
    Retrying,
    retry_if_exception_type,
    retry_if_not_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from academichub.mail.message import Outbox, message_bytes


class TransientSendError(RuntimeError):
    pass


class NotRetriedNow(TransientSendError):
    """Transient for the ledger (the next run sends it), but not worth a retry in this run: the
    mailer's configuration is refused (say a wrong password) and will be until someone fixes it."""


class PermanentSendError(RuntimeError):
    pass


class RecipientRejected(PermanentSendError):
    """The recipient's server refused the address itself (SMTP 5xx at RCPT TO, say 550 5.1.1): a hard
    bounce, known at once."""

    def __init__(self, address: str, reply: str):
        super().__init__(reply)
        self.address = address


class OutcomeUnknown(RuntimeError):
    """The message was handed to the server but its answer never came: it may have been delivered."""


@dataclass(frozen=True, slots=True)
class OutgoingEmail:
    """One email to send: the message as built (build_message), the provider's tags, and what the
    outbox files it under: ``folder`` (the edition's date, or ``mail-confirm``...) and ``html`` (written
    beside the .eml for a browser)."""

    message: EmailMessage
    folder: str
    html: str = ""
    tags: Mapping[str, str] = field(default_factory=dict)


class Mailer(Protocol):
    name: str

    def send(self, email: OutgoingEmail) -> str: ...

    def suppressed(self) -> dict[str, str]:
        """Addresses the provider will not deliver to (lower-case) and why."""
        ...

    def close(self) -> None:
        """Let go of open connections (the mailer stays usable)."""
        ...


class OutboxMailer:
    name = "outbox"

    def __init__(self, root: Path):
        self._outbox = Outbox(root)

    def send(self, email: OutgoingEmail) -> str:
        path = self._outbox.deliver(email.message, edition=email.folder, html=email.html)
        return f"outbox:{path}"

    def suppressed(self) -> dict[str, str]:
        return {}

    def close(self) -> None:
        pass


class TokenBucket:
    """At most ``rate`` sends per second on average, bursts up to ``rate`` (thread-safe)."""

    def __init__(
        self, rate: float, *, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep
    ):
        self.rate = max(rate, 0.001)
        self.capacity = max(1.0, rate)
        self.tokens = self.capacity
        self.clock, self.sleep = clock, sleep
        self.last = clock()
        self.lock = threading.Lock()

    def take(self) -> None:
        while True:
            with self.lock:
                now = self.clock()
                self.tokens = min(self.capacity, self.tokens + (now - self.last) * self.rate)
                self.last = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                wait = (1 - self.tokens) / self.rate
            self.sleep(wait)


TRANSIENT_CODES = {
    "Throttling",
    "ThrottlingException",
    "TooManyRequestsException",
    "LimitExceededException",
    "ServiceUnavailable",
    "InternalFailure",
    "InternalServiceErrorException",
    "RequestTimeout",
}


class SesMailer:
    """Amazon SES v2 ``send_email`` with raw content, a configuration set and message tags."""

    name = "ses"

    def __init__(
        self,
        client,
        *,
        configuration_set: str | None,
        rate: float,
        retries: int = 3,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.client, self.configuration_set = client, configuration_set
        self.bucket = TokenBucket(rate, sleep=sleep)
        self.retries, self.backoff, self.sleep = retries, backoff, sleep

    @staticmethod
    def account_rate(ses_v1_client) -> float:
        """The account's maximum send rate (per second) from SES's send quota."""
        return float(ses_v1_client.get_send_quota()["MaxSendRate"])

    def suppressed(self) -> dict[str, str]:
        """The account-level suppression list (SES adds hard bounces and complaints of any sender on
        the account); read once per run, page by page."""
        out: dict[str, str] = {}
        kwargs: dict = {"PageSize": 1000}
        while True:
            page = self.client.list_suppressed_destinations(**kwargs)
            for entry in page.get("SuppressedDestinationSummaries", []):
                out[entry["EmailAddress"].lower()] = (
                    f"suppressed: SES account suppression list ({entry.get('Reason', '').lower()})"
                )
            if not page.get("NextToken"):
                return out
            kwargs["NextToken"] = page["NextToken"]

    def close(self) -> None:
        pass

    def _send_once(self, msg: EmailMessage, tags: Mapping[str, str]) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        self.bucket.take()
        kwargs = {
            "FromEmailAddress": parseaddr(str(msg["From"]))[1],
            "Destination": {"ToAddresses": [parseaddr(str(msg["To"]))[1]]},
            "Content": {"Raw": {"Data": message_bytes(msg)}},
            "EmailTags": [{"Name": k, "Value": v} for k, v in tags.items()],
        }
        if self.configuration_set:
            kwargs["ConfigurationSetName"] = self.configuration_set
        try:
            return self.client.send_email(**kwargs)["MessageId"]
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            if code in TRANSIENT_CODES or status >= 500 or status == 429:
                raise TransientSendError(f"{code or status}: {exc}") from None
            raise PermanentSendError(f"{code}: {exc.response.get('Error', {}).get('Message', '')}") from None
        except BotoCoreError as exc:
            raise TransientSendError(f"{exc.__class__.__name__}: {exc}") from None

    def send(self, email: OutgoingEmail) -> str:
        return with_retries(self.retries, self.backoff, self.sleep)(self._send_once, email.message, email.tags)


def with_retries(retries: int, backoff: float, sleep: Callable[[float], None]) -> Retrying:
    """Transient failures retried with exponential back-off (1, 2, 4 ... s, at most 30), then raised."""
    return Retrying(
        stop=stop_after_attempt(retries + 1),
        wait=wait_exponential(multiplier=backoff, max=30),
        retry=retry_if_exception_type(TransientSendError) & retry_if_not_exception_type(NotRetriedNow),
        sleep=sleep,
        reraise=True,
    )


def mailer_key(settings) -> tuple:
    """What a mailer is built from: two settings with the same key can share one."""
    smtp = settings.smtp_url.get_secret_value() if settings.smtp_url else None
    return (
        settings.mail_backend,
        str(settings.outbox_dir),
        settings.ses_region,
        settings.ses_configuration_set,
        settings.ses_send_rate,
        smtp,
        settings.smtp_send_rate,
        settings.task_runner,
        settings.dask_workers,
    )


def make_mailer(settings) -> Mailer:
    """The configured backend (ACADEMICHUB_MAIL_BACKEND): the outbox folder, SES or SMTP.

    Built once by the entry point (Services.mailer) and shared by every batch of the process, so they
    share one token bucket (the send rate is the account's or the server's, not each batch's) and, for
    SMTP, its connections. With a Dask cluster of N processes each takes 1/N of the rate; several
    machines must split ACADEMICHUB_SES_SEND_RATE (or ACADEMICHUB_SMTP_SEND_RATE)."""
    share = settings.dask_workers if settings.task_runner == "dask" else 1
    if settings.mail_backend == "outbox":
        return OutboxMailer(Path(settings.outbox_dir))
    if settings.mail_backend == "smtp":
        from academichub.mail.smtp import SmtpMailer

        return SmtpMailer(settings.smtp_target, rate=settings.smtp_send_rate / share)
    import boto3

    region = settings.ses_region or boto3.session.Session().region_name or "us-east-1"
    rate = settings.ses_send_rate or SesMailer.account_rate(boto3.client("ses", region_name=region))
    return SesMailer(
        boto3.client("sesv2", region_name=region),
        configuration_set=settings.ses_configuration_set,
        rate=rate / share,
    )
