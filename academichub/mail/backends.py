"""Mail backends behind one small interface: the outbox folder (embedded default) and Amazon SES.

``send(msg, tags)`` returns the provider's message id, or raises TransientSendError (worth a retry
later: throttling, 5xx, network) or PermanentSendError (never retried: rejected, bad address).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from email.message import Message as EmailMessage
from email.utils import parseaddr
from pathlib import Path
from typing import Protocol

from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from academichub.mail.message import Outbox, message_bytes


class TransientSendError(RuntimeError):
    pass


class PermanentSendError(RuntimeError):
    pass


class Mailer(Protocol):
    name: str

    def send(self, msg: EmailMessage, *, edition, tags: dict[str, str], html: str) -> str: ...

    def suppressed(self) -> dict[str, str]:
        """Addresses the provider will not deliver to (lower-case) and why."""
        ...


class OutboxMailer:
    name = "outbox"

    def __init__(self, root: Path):
        self._outbox = Outbox(root)

    def send(self, msg: EmailMessage, *, edition, tags: dict[str, str], html: str) -> str:
        path = self._outbox.deliver(msg, edition=edition, html=html)
        return f"outbox:{path}"

    def suppressed(self) -> dict[str, str]:
        return {}


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

    def _send_once(self, msg: EmailMessage, tags: dict[str, str]) -> str:
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

    def send(self, msg: EmailMessage, *, edition, tags: dict[str, str], html: str) -> str:
        retrying = Retrying(
            stop=stop_after_attempt(self.retries + 1),
            wait=wait_exponential(multiplier=self.backoff, max=30),
            retry=retry_if_exception_type(TransientSendError),
            sleep=self.sleep,
            reraise=True,
        )
        return retrying(self._send_once, msg, tags)


_MAILERS: dict[tuple, Mailer] = {}


def make_mailer(settings) -> Mailer:
    """SES when configured explicitly (ACADEMICHUB_MAIL_BACKEND=ses), else the outbox folder.

    One SES mailer per process and configuration, so every batch delivered in this process shares one
    token bucket (the send rate is the account's, not each batch's). With a Dask cluster of N
    processes each takes 1/N of the rate; several machines must split ACADEMICHUB_SES_SEND_RATE."""
    if settings.mail_backend == "outbox":
        return OutboxMailer(Path(settings.outbox_dir))
    import boto3

    region = settings.ses_region or boto3.session.Session().region_name or "us-east-1"
    key = (region, settings.ses_configuration_set, settings.ses_send_rate, settings.task_runner, settings.dask_workers)
    mailer = _MAILERS.get(key)
    if mailer is None:
        rate = settings.ses_send_rate or SesMailer.account_rate(boto3.client("ses", region_name=region))
        share = settings.dask_workers if settings.task_runner == "dask" else 1
        mailer = _MAILERS[key] = SesMailer(
            boto3.client("sesv2", region_name=region),
            configuration_set=settings.ses_configuration_set,
            rate=rate / share,
        )
    return mailer
