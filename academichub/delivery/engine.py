"""The send engine: for each reader of a group, through the ledger, compose -> render -> send, and
what happened to each (``Delivery``). Sends go in chunks of ``settings.send_chunk``: a chunk's rows
are moved to ``sending`` in one statement (committed before the provider is called) and their
outcomes recorded in one; a crash mid-chunk leaves at most a chunk of rows ``sending`` (reported,
never resent automatically)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy.engine import Engine

from academichub.briefing.compose import Briefing, Pieces, briefing_record, compose
from academichub.briefing.pieces import LlmReport, write_pieces
from academichub.db import session_scope
from academichub.delivery import ledger
from academichub.delivery.channels import ChannelOutcome, ChannelRun
from academichub.editions.edition import EditionData
from academichub.llm import Deadline
from academichub.mail.backends import (
    Mailer,
    OutcomeUnknown,
    OutgoingEmail,
    PermanentSendError,
    RecipientRejected,
    TransientSendError,
)
from academichub.mail.links import LinkBuilder
from academichub.mail.message import build_message, list_headers
from academichub.mail.render import RenderedEmail, render_briefing
from academichub.matching.kept import kept_matches
from academichub.matching.match import Match
from academichub.matching.profiles import Readers, load_profiles, match_profiles
from academichub.models import Delivery as LedgerRow
from academichub.models import DeliveryState, FailureKind
from academichub.settings import Settings
from subscribers.bounces import mark_rejected
from subscribers.models import InterestProfile, Subscriber
from subscribers.radars import radars_for


class Outcome(StrEnum):
    """What happened to one reader's email in this run (the run report's states; the ledger's are
    ``DeliveryState``)."""

    RENDERED = "rendered"  # a dry run: composed and rendered, not sent
    SENT = "sent"
    SKIPPED = "skipped"
    STUCK = "stuck"  # the ledger row is ``sending`` with an unknown outcome
    FAILED = "failed"


@dataclass(slots=True)
class Delivery:
    """What happened to one reader's email in this run."""

    email: str
    language: str
    papers: int
    path: str | None
    subject: str
    state: str = Outcome.RENDERED
    reason: str | None = None
    channel: str | None = None  # a chat/webhook channel's outcome (masked URL); None: the email

    @property
    def counted_as(self) -> str:
        """The state as reports count it: a channel's apart from the emails' (``channel sent``)."""
        return f"channel {self.state}" if self.channel else self.state

    @property
    def who(self) -> str:
        """The reader, and the channel when this is a channel's outcome (masked)."""
        return f"{self.email} → {self.channel}" if self.channel else self.email


NO_EMAIL = "no email: the reader chose channels only"
EMPTY_EMAIL = "the empty-day email (no paper matched today)"
EMPTY_WEEK = "the empty-week email (no paper matched this week)"


@dataclass(slots=True)
class _Ready:
    row: LedgerRow
    sub: Subscriber
    briefing: Briefing
    rendered: RenderedEmail
    msg: Any


@dataclass(slots=True)
class _Sender:
    """Sends ready emails a chunk at a time, each claimed in the ledger first."""

    engine: Engine
    mailer: Mailer
    day_tags: dict[str, str]
    edition_day: Any
    chunk: int
    out: list[Delivery]
    pending: list[_Ready] = field(default_factory=list)
    rejected: dict[str, str] = field(default_factory=dict)  # address -> the server's refusal (a hard bounce)

    def add(self, ready: _Ready) -> None:
        self.pending.append(ready)
        if len(self.pending) >= self.chunk:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        with session_scope(self.engine) as session:
            claimed = set(ledger.claim_many(session, [p.row.key for p in self.pending]))
        outcomes = [self._send(p) for p in self.pending if self._claimed(p, claimed)]
        with session_scope(self.engine) as session:
            ledger.finish_many(session, [r for r in outcomes if r is not None])
            if self.rejected:
                mark_rejected(session, self.rejected)
        self.pending.clear()
        self.rejected.clear()

    def _claimed(self, p: _Ready, claimed: set[int]) -> bool:
        if p.row.id not in claimed:
            self.out.append(
                Delivery(p.sub.email, p.sub.language, 0, None, p.rendered.subject, Outcome.SKIPPED, "claimed elsewhere")
            )
        return p.row.id in claimed

    def _send(self, p: _Ready) -> dict | None:
        """The ledger's outcome of one send (None: unknown, the row stays ``sending``)."""
        n, sub = len(p.briefing.items), p.sub
        email = OutgoingEmail(
            p.msg,
            folder=self.edition_day.isoformat(),
            html=p.rendered.html,
            tags={**self.day_tags, "language": sub.language},
        )
        try:
            message_id = self.mailer.send(email)
        except OutcomeUnknown as exc:
            self.out.append(Delivery(sub.email, sub.language, n, None, p.rendered.subject, Outcome.STUCK, str(exc)))
            return None
        except (PermanentSendError, TransientSendError) as exc:
            if isinstance(exc, RecipientRejected):
                self.rejected[sub.email] = str(exc)
            kind = FailureKind.PERMANENT if isinstance(exc, PermanentSendError) else FailureKind.TRANSIENT
            self.out.append(
                Delivery(sub.email, sub.language, n, None, p.rendered.subject, Outcome.FAILED, f"{kind}: {exc}")
            )
            return {
                "id": p.row.id,
                "state": DeliveryState.FAILED,
                "reason": str(exc),
                "failure_kind": kind,
                "message_id": None,
            }
        path = message_id.removeprefix("outbox:") if message_id.startswith("outbox:") else None
        self.out.append(
            Delivery(
                sub.email, sub.language, n, path, p.rendered.subject, Outcome.SENT, message_id if not path else None
            )
        )
        return {
            "id": p.row.id,
            "state": DeliveryState.SENT,
            "reason": None,
            "failure_kind": None,
            "message_id": message_id,
            "content": briefing_record(p.briefing),
        }


def _channel_outcome(c: ChannelOutcome, sub: Subscriber, papers: int) -> Delivery:
    return Delivery(c.email, sub.language, papers, None, "", c.state, c.reason, channel=c.channel)


def _ledger_says(sub: Subscriber, row: LedgerRow | None, suppressed: dict[str, str]) -> Delivery | None:
    """What the ledger (or the provider's suppression list) decides before anything is composed."""

    def skipped(state: str, reason: str | None) -> Delivery:
        return Delivery(sub.email, sub.language, 0, None, "", state, reason)

    if sub.email in suppressed:
        return skipped(Outcome.SKIPPED, suppressed[sub.email])
    if row is None:
        return None
    if row.state == DeliveryState.SENT:
        return skipped(Outcome.SKIPPED, "already sent")
    if row.state == DeliveryState.SKIPPED:
        return skipped(Outcome.SKIPPED, row.reason)
    if row.state == DeliveryState.SENDING:
        return skipped(Outcome.STUCK, "outcome unknown: `academichub deliveries resend`")
    if row.state == DeliveryState.FAILED and not row.retryable:
        return skipped(Outcome.SKIPPED, row.explained)
    return None


def _compose_for(
    edition: EditionData,
    sub: Subscriber,
    profile: InterestProfile,
    matches: list[Match],
    pieces: Pieces | None,
    themes_of: dict[str, int],
    radars: list[str],
) -> Briefing:
    return compose(
        email=sub.email,
        name=sub.name,
        language=sub.language,
        interests=profile.interests,
        edition_date=edition.day,
        edition_size=len(edition.facts),
        matches=matches,
        cards=edition.cards,
        wanted=sub.papers_per_email,
        pieces=pieces,
        themes_of=themes_of,
        period_start=edition.period_start,
        radars=radars,
    )


def deliver_readers(
    settings: Settings,
    engine: Engine,
    edition: EditionData,
    matches: dict[str, list[Match]],
    dry_run: bool,
    pieces: dict[str, Pieces] | None,
    readers: Readers,
    suppressed: dict[str, str] | None = None,
    mailer: Mailer | None = None,
    radars: dict[int, list[str]] | None = None,
) -> list[Delivery]:
    """compose -> render -> send for each reader, through the ledger (``dry_run``: render only; else
    through ``mailer``, the entry point's Services.mailer). ``radars``: the names of each reader's
    radars (the email's sections), when the caller has read them already."""
    if mailer is None and not dry_run:
        raise ValueError("deliver_readers: sending needs a mailer (Services.mailer)")
    out: list[Delivery] = []
    links = LinkBuilder.of(settings)
    suppressed = suppressed or {}
    themes_of = {f.id: f.theme for f in edition.facts if f.theme is not None}
    with session_scope(engine) as session:
        ids = [sub.key for sub, _ in readers]  # a dry run reads the ledger (says what a run would do), never writes
        rows = ledger.existing(session, edition.day, ids) if dry_run else ledger.prepare(session, edition.day, ids)
        if radars is None:
            radars = {sid: [r.name for r in found] for sid, found in radars_for(session, ids).items()}
    chan = None if dry_run else ChannelRun.start(engine, edition.day, [sub.key for sub, _ in readers])
    sender = (
        None
        if dry_run or mailer is None
        else _Sender(engine, mailer, {"edition": edition.day.isoformat()}, edition.day, settings.send_chunk, out)
    )
    skips: dict[int, str] = {}
    for sub, profile in readers:
        sid = sub.key
        row = rows.get(sid)
        decided = _ledger_says(sub, row, suppressed)
        if decided is None and not sub.email_enabled:
            decided = Delivery(sub.email, sub.language, 0, None, "", Outcome.SKIPPED, NO_EMAIL)
            if row is not None:
                skips[row.key] = NO_EMAIL
        wants_channels = chan is not None and chan.wants(sid)
        if chan is not None:
            out += [_channel_outcome(c, sub, 0) for c in chan.stuck(sub)]
        if decided is not None:
            if row is not None and sub.email in suppressed:
                skips[row.key] = suppressed[sub.email]
            out.append(decided)
            if not wants_channels:
                continue
        briefing = _compose_for(
            edition,
            sub,
            profile,
            matches.get(sub.email, []),
            (pieces or {}).get(sub.email),
            themes_of,
            radars.get(sid, []) if profile.id is not None else [],  # sections when the reader has several
        )
        if briefing.is_empty and sub.empty_day == "none":
            reason = (
                "empty day: the reader chose no email"
                if not edition.period_start
                else "empty week: the reader chose no email"
            )
            if row is not None and decided is None:
                skips[row.key] = reason
            if chan is not None:
                chan.skip(sid, reason)
            if decided is None:
                out.append(Delivery(sub.email, sub.language, 0, None, "", Outcome.SKIPPED, reason))
            continue
        email_links = links.briefing(settings, sub, edition.day, [it.paper.id for it in briefing.items])
        if chan is not None and wants_channels:
            out += [_channel_outcome(c, sub, len(briefing.items)) for c in chan.send(sub, briefing, email_links)]
        if decided is not None:
            continue
        rendered = render_briefing(briefing, settings.templates_dir, email_links)
        if sender is None:
            empty = (EMPTY_WEEK if edition.period_start else EMPTY_EMAIL) if briefing.is_empty else None
            out.append(Delivery(sub.email, sub.language, len(briefing.items), None, rendered.subject, reason=empty))
            continue
        msg = build_message(
            rendered,
            sender=settings.sender,
            to=sub.email,
            headers=list_headers(
                sender=settings.sender,
                unsubscribe_url=email_links.unsubscribe,
                unsubscribe_mailbox=settings.unsubscribe_mailbox,
            ),
        )
        if row is None:  # ledger.prepare queued a row for every reader above
            raise RuntimeError(f"no delivery ledger row for {sub.email} on {edition.day}")
        sender.add(_Ready(row, sub, briefing, rendered, msg))
    if sender is not None:
        sender.flush()
    if skips and not dry_run:
        with session_scope(engine) as session:
            ledger.skip_many(session, skips)
    return out


@dataclass(frozen=True, slots=True)
class Steps:
    """The three steps of a group's delivery, with ``match_profiles``', ``write_pieces``' and
    ``deliver_readers``' parameters. The defaults are those functions; a flow passes the same functions
    run as tasks (each a task run in the Prefect UI), so the sequence itself is written once, here."""

    match: Callable[..., dict[str, list[Match]]] = match_profiles
    write: Callable[..., tuple[dict[str, Pieces], LlmReport]] = write_pieces
    deliver: Callable[..., list[Delivery]] = deliver_readers


LIBRARY_STEPS = Steps()


def deliver_group(
    settings: Settings,
    engine: Engine,
    edition: EditionData,
    readers: Readers,
    dry_run: bool,
    suppressed: dict[str, str],
    mailer: Mailer | None = None,
    deadline: Deadline | None = None,
    steps: Steps = LIBRARY_STEPS,
    matched: Counter | None = None,
    radars: dict[int, list[InterestProfile]] | None = None,
) -> tuple[list[Delivery], LlmReport]:
    """match -> write -> compose, render and send, for readers of one edition (or one week's);
    ``deadline``: the LLM deadline shared with the other groups of the same batch. Readers whose
    matches prepare-edition kept (and whose radars, feedback and library have not changed since) are
    not matched again (``academichub/matching/kept.py``); ``matched`` counts readers ``kept`` and
    matched ``afresh``. ``radars``: the readers' radars, when the caller has read them already."""
    if not readers:
        return [], LlmReport(model=settings.llm_model)
    profiles = load_profiles(engine, readers, radars)
    matches, rest = kept_matches(engine, edition, readers, profiles, settings.representation, settings.min_score)
    if matched is not None:
        matched["kept"] += len(matches)
        matched["afresh"] += len(readers) - len(matches)
    if rest:
        matches.update(steps.match(engine, edition, rest, settings.representation, settings.min_score))
    pieces, llm_report = steps.write(settings, engine, edition, matches, readers, deadline=deadline)
    names = None if radars is None else {sid: [r.name for r in found] for sid, found in radars.items()}
    delivered = steps.deliver(
        settings, engine, edition, matches, dry_run, pieces, readers, suppressed, mailer, radars=names
    )
    return delivered, llm_report


def account_suppression(mailer: Mailer) -> tuple[dict[str, str], str | None]:
    """The provider's account-level suppression list, and a warning when it could not be read (not
    fatal: SES drops suppressed addresses itself; the run report says so)."""
    try:
        return mailer.suppressed(), None
    except Exception as exc:  # noqa: BLE001 - any provider error: report and go on
        return {}, f"could not read the account suppression list: {exc.__class__.__name__}: {exc}"
