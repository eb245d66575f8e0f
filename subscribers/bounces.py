"""SES bounce and complaint events (SNS -> SQS) mark subscribers ``bounced`` (hard bounces only) or
``complained``; such subscribers are never emailed again. With SMTP, the only bounces known are the
recipient server's refusals of an address while sending (``mark_rejected``).

Parsing is pure and accepts both SNS-wrapped and raw-delivered messages, and both the event
publishing format (``eventType``) and the older notification format (``notificationType``).
A message is deleted from the queue only after its effect is committed; one that cannot be
parsed is reported and left for the queue's redrive policy (dead-letter queue), not lost.
The ``process-ses-events`` flow (flows/events.py) runs ``drain_queue`` on a schedule.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from academichub.db import session_scope
from subscribers.models import Subscriber
from subscribers.service import set_status


class SqsClient(Protocol):
    """The two calls of a boto3 SQS client that draining uses."""

    def receive_message(self, **kwargs: Any) -> dict: ...

    def delete_message_batch(self, **kwargs: Any) -> dict: ...


@dataclass(frozen=True, slots=True)
class SesEvent:
    kind: str  # bounce, complaint, ignored
    addresses: tuple[str, ...] = ()
    detail: str = ""


def parse_event(body: str) -> SesEvent:
    """One SQS message body -> what it means. ValueError for something that is not an SES event."""
    data = json.loads(body)
    if isinstance(data, dict) and data.get("Type") == "Notification" and isinstance(data.get("Message"), str):
        data = json.loads(data["Message"])  # SNS envelope
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    kind = (data.get("eventType") or data.get("notificationType") or "").lower()
    if kind == "bounce":
        bounce = data.get("bounce") or {}
        addresses = tuple(
            r["emailAddress"].lower() for r in bounce.get("bouncedRecipients", []) if r.get("emailAddress")
        )
        if bounce.get("bounceType") != "Permanent":
            return SesEvent("ignored", addresses, f"{bounce.get('bounceType', 'unknown')} bounce")
        return SesEvent("bounce", addresses, bounce.get("bounceSubType", ""))
    if kind == "complaint":
        complaint = data.get("complaint") or {}
        addresses = tuple(
            r["emailAddress"].lower() for r in complaint.get("complainedRecipients", []) if r.get("emailAddress")
        )
        return SesEvent("complaint", addresses, complaint.get("complaintFeedbackType", ""))
    if kind in ("delivery", "send", "open", "click", "reject", "renderingfailure", "deliverydelay", "subscription"):
        return SesEvent("ignored", (), kind)
    raise ValueError(f"unknown event type {kind!r}")


@dataclass
class EventsReport:
    received: int = 0
    bounced: list[str] = field(default_factory=list)
    complained: list[str] = field(default_factory=list)
    ignored: int = 0
    unparseable: int = 0


def apply_event(session: Session, event: SesEvent) -> list[str]:
    """Mark the event's subscribers ``bounced`` or ``complained``; returns the addresses that changed."""
    status = {"bounce": "bounced", "complaint": "complained"}.get(event.kind)
    if status is None:
        return []
    changed = []
    for address in event.addresses:
        sub = session.exec(select(Subscriber).where(Subscriber.email == address)).first()
        if (
            sub is not None
            and sub.status != status
            and set_status(session, sub, status, via=f"ses-event ({event.kind})")
        ):
            changed.append(address)
    return changed


def mark_rejected(session: Session, rejected: dict[str, str]) -> list[str]:
    """Addresses a mail server refused at RCPT TO (a 5xx about the address: SMTP's hard bounce, known
    while sending) -> ``bounced``; returns those that changed. ``rejected``: address -> the reply (the
    delivery ledger keeps it whole)."""
    changed = []
    for address, reply in rejected.items():
        sub = session.exec(select(Subscriber).where(Subscriber.email == address.lower())).first()
        code = reply.split(": ", 1)[-1][:9]
        if sub is not None and set_status(session, sub, "bounced", via=f"smtp-rejected ({code})"[:40]):
            changed.append(address)
    return changed


def drain_queue(sqs: SqsClient, queue_url: str, engine: Engine, max_batches: int = 50) -> EventsReport:
    """Apply the queue's events (at most ``max_batches`` receives of 10); a message is deleted only
    after its effect is committed, one that cannot be parsed is left for the redrive policy."""
    report = EventsReport()
    for _ in range(max_batches):
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get(
            "Messages", []
        )
        if not messages:
            break
        done = []
        for m in messages:
            report.received += 1
            try:
                event = parse_event(m["Body"])
            except (ValueError, KeyError, TypeError):
                report.unparseable += 1
                continue  # left for the redrive policy
            with session_scope(engine) as session:
                changed = apply_event(session, event)
            if event.kind == "bounce":
                report.bounced += changed
            elif event.kind == "complaint":
                report.complained += changed
            else:
                report.ignored += 1
            done.append({"Id": m["MessageId"], "ReceiptHandle": m["ReceiptHandle"]})
        if done:
            sqs.delete_message_batch(QueueUrl=queue_url, Entries=done)
        if len(done) < len(messages):
            break  # only unparseable messages left in view: stop rather than spin on them
    return report
