"""Someone who left stays gone unless an operator says otherwise: `subscribers add` on an address that
unsubscribed, bounced or complained is refused unless re-subscribing is asked for explicitly."""

from __future__ import annotations

from sqlmodel import Session, col, select

from subscribers.models import Subscriber, SubscriberChange
from subscribers.service import SubscriberError, normalise_email, set_status

LEFT = ("unsubscribed", "bounced", "complained")  # statuses only an explicit re-subscription ends
_WHY = {
    "unsubscribed": "unsubscribed",
    "bounced": "was marked bounced (mail to it failed)",
    "complained": "was marked as having complained (reported an email as spam)",
}


def _left_at(session: Session, sub: Subscriber) -> SubscriberChange | None:
    """The recorded change that moved the subscriber to their current status, if kept."""
    rows = session.exec(
        select(SubscriberChange)
        .where(SubscriberChange.subscriber_id == sub.key)
        .order_by(col(SubscriberChange.id).desc())
    )
    for change in rows:
        if any(c[0] == "status" and c[2] == sub.status for c in change.changes):
            return change
    return None


def check_may_update(session: Session, email: str, *, resubscribe: bool) -> Subscriber | None:
    """The subscriber an update re-subscribes (None when nobody is re-subscribed). An address that
    left without ``resubscribe`` is a SubscriberError that says when and how it left; nothing changes."""
    address = normalise_email(email)
    sub = session.exec(select(Subscriber).where(Subscriber.email == address)).first()
    if sub is None or sub.status not in LEFT:
        return None
    if resubscribe:
        return sub
    change = _left_at(session, sub)
    when = f" on {change.at:%Y-%m-%d} (via {change.via})" if change is not None else ""
    raise SubscriberError(
        f"{address} {_WHY[sub.status]}{when}; nothing was changed. To subscribe them again "
        "(only at their own request), run the same command with --resubscribe"
    )


def resubscribe(session: Session, sub: Subscriber, *, via: str) -> bool:
    """Make a subscriber who left active again, recorded with ``via``; False if they already were."""
    return set_status(session, sub, "active", via=via)
