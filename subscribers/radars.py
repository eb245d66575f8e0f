"""A reader's radars: named interest profiles, each matched on its own and shown as its own section.

The first radar (lowest id) is the one `subscribers add`, an import and the sign-up form set; a reader
always keeps at least one. Names are 1-40 characters (letters in any script, digits, spaces and
``-_.``), unique per reader regardless of case. Every change is recorded in ``subscriber_change``.
"""

from __future__ import annotations

import re

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from academichub.models import utcnow
from subscribers.models import Feedback, InterestProfile, Subscriber
from subscribers.service import PROFILE_FIELDS, ProfileInput, SubscriberError, record_change, shown, split_list

RADAR_NAME_MAX = 40
RADARS_MAX = 10  # per reader: each one is matched every day
_NAME = re.compile(r"[^\W_][\w .\-]*")


def check_radar_name(name: str) -> str:
    """The name as stored (spaces folded), or a clear error."""
    folded = " ".join(str(name).split())
    if not folded:
        raise SubscriberError("radar name: give a name, e.g. 'quantum' or '蛋白质'")
    if len(folded) > RADAR_NAME_MAX:
        raise SubscriberError(f"radar name: at most {RADAR_NAME_MAX} characters, not {len(folded):,}")
    if not _NAME.fullmatch(folded):
        raise SubscriberError(
            f"radar name {shown(folded)}: use letters, digits, spaces, '-', '_' or '.', starting with a letter or digit"
        )
    return folded


def radars_of(session: Session, subscriber_id: int) -> list[InterestProfile]:
    """A reader's radars, first one first."""
    return list(
        session.exec(
            select(InterestProfile)
            .where(InterestProfile.subscriber_id == subscriber_id)
            .order_by(col(InterestProfile.id))
        )
    )


def radars_for(session: Session, subscriber_ids: list[int]) -> dict[int, list[InterestProfile]]:
    """Radars of many readers (first one first), read in slices."""
    out: dict[int, list[InterestProfile]] = {}
    for i in range(0, len(subscriber_ids), 900):
        chunk = subscriber_ids[i : i + 900]
        rows = session.exec(
            select(InterestProfile)
            .where(col(InterestProfile.subscriber_id).in_(chunk))
            .order_by(col(InterestProfile.id))
        )
        for r in rows:
            out.setdefault(r.subscriber_id, []).append(r)
    return out


def first_radar(session: Session, subscriber_id: int) -> InterestProfile | None:
    return session.exec(
        select(InterestProfile).where(InterestProfile.subscriber_id == subscriber_id).order_by(col(InterestProfile.id))
    ).first()


def find_radar(session: Session, sub: Subscriber, name: str) -> InterestProfile:
    wanted = " ".join(str(name).split()).casefold()
    for r in radars_of(session, sub.key):
        if r.name.casefold() == wanted:
            return r
    names = ", ".join(r.name for r in radars_of(session, sub.key)) or "none"
    raise SubscriberError(f"{sub.email} has no radar named {shown(name)} (their radars: {names})")


def _fill(profile: InterestProfile, data: ProfileInput) -> list[tuple[str, str, str]]:
    changes: list[tuple[str, str, str]] = []
    if data.interests is not None and data.interests.strip() != profile.interests:
        changes.append(("interests", profile.interests, data.interests.strip()))
        profile.interests = data.interests.strip()
    for attr in PROFILE_FIELDS:
        value = getattr(data, attr)
        if value is not None and split_list(value) != list(getattr(profile, attr) or []):
            before = ", ".join(getattr(profile, attr) or [])
            changes.append((attr, before, ", ".join(split_list(value))))
            setattr(profile, attr, split_list(value))
    profile.updated_at = utcnow()
    return changes


def add_radar(session: Session, sub: Subscriber, name: str, data: ProfileInput, *, via: str) -> InterestProfile:
    """A new radar for ``sub``; a name the reader already uses (in any case) is refused."""
    data.validate()
    name = check_radar_name(name)
    if not (data.interests or "").strip() and not data.keywords and not data.authors:
        raise SubscriberError(f"radar {shown(name)}: give its interests (free text), keywords or authors to follow")
    existing = radars_of(session, sub.key)
    if any(r.name.casefold() == name.casefold() for r in existing):
        raise SubscriberError(f"{sub.email} already has a radar named {shown(name)}: choose another name")
    if len(existing) >= RADARS_MAX:
        raise SubscriberError(f"{sub.email} has {len(existing)} radars, the most a reader can have: remove one first")
    profile = InterestProfile(subscriber_id=sub.key, name=name)
    changes = [(f"radar {name}: {field}", before, after) for field, before, after in _fill(profile, data)]
    session.add(profile)
    record_change(session, sub, via, [(f"radar {name}", "", "added"), *changes])
    session.commit()
    session.refresh(profile)
    return profile


def update_radar(
    session: Session, sub: Subscriber, name: str, data: ProfileInput, *, via: str, new_name: str | None = None
) -> tuple[InterestProfile, list[tuple[str, str, str]]]:
    """Change a radar's fields (None: leave as is) and optionally its name; the changes are returned."""
    data.validate()
    profile = find_radar(session, sub, name)
    changes: list[tuple[str, str, str]] = []
    if new_name is not None:
        renamed = check_radar_name(new_name)
        if renamed != profile.name:
            others = [r for r in radars_of(session, sub.key) if r.id != profile.id]
            if any(r.name.casefold() == renamed.casefold() for r in others):
                raise SubscriberError(f"{sub.email} already has a radar named {shown(renamed)}: choose another name")
            changes.append((f"radar {profile.name}", profile.name, renamed))
            profile.name = renamed
    changes += [(f"radar {profile.name}: {f}", before, after) for f, before, after in _fill(profile, data)]
    if not profile.interests.strip() and not profile.keywords and not profile.authors:
        session.rollback()
        raise SubscriberError(f"radar {shown(profile.name)}: give its interests, keywords or authors to follow")
    session.add(profile)
    record_change(session, sub, via, changes)
    session.commit()
    session.refresh(profile)
    return profile, changes


def remove_radar(session: Session, sub: Subscriber, name: str, *, via: str) -> InterestProfile:
    """Remove a radar and the votes that trained it; a reader's last radar is refused."""
    profile = find_radar(session, sub, name)
    if len(radars_of(session, sub.key)) <= 1:
        raise SubscriberError(
            f"{profile.name!r} is the only radar of {sub.email}: a reader keeps at least one "
            "(change it with `subscribers add`, or add another radar first)"
        )
    from subscribers.libsources import delete_sources

    session.execute(delete(Feedback).where(col(Feedback.radar_id) == profile.id))
    delete_sources(session, profile_id=profile.id)
    record_change(session, sub, via, [(f"radar {profile.name}", "present", "removed")])
    session.delete(profile)
    session.commit()
    return profile


def checked_radars(records: list[dict], known: frozenset[str]) -> list[tuple[str, ProfileInput]]:
    """Radars from an export (``radar_record``s), each checked (a clear error for the first bad one)."""
    checked: list[tuple[str, ProfileInput]] = []
    for rec in records[:RADARS_MAX]:
        lists = {k: split_list([str(v) for v in rec.get(k) or []]) for k in PROFILE_FIELDS}
        data = ProfileInput(
            interests=str(rec.get("interests") or ""),
            keywords=lists["keywords"],
            exclude=lists["exclude"],
            categories=lists["categories"],
            authors=lists["authors"],
            known_categories=known,
        )
        data.validate()
        checked.append((check_radar_name(str(rec.get("name") or "")), data))
    return checked


def import_radars(
    session: Session, sub: Subscriber, checked: list[tuple[str, ProfileInput]], *, via: str
) -> list[InterestProfile]:
    """Checked radars stored: a name the reader has is updated, a new one added."""
    out = []
    for name, data in checked:
        have = {r.name.casefold() for r in radars_of(session, sub.key)}
        if name.casefold() in have:
            out.append(update_radar(session, sub, name, data, via=via)[0])
        else:
            out.append(add_radar(session, sub, name, data, via=via))
    return out


def radar_counts(session: Session, subscriber_id: int) -> dict[int | None, int]:
    """Votes per radar id (None: votes that count for the first radar, e.g. those from before radars)."""
    rows = session.exec(
        select(Feedback.radar_id, func.count())
        .where(Feedback.subscriber_id == subscriber_id)
        .group_by(col(Feedback.radar_id))
    ).all()
    return {rid: n for rid, n in rows}


def radar_record(profile: InterestProfile) -> dict:
    """One radar, for `radar list --json` and the export."""
    return {
        "name": profile.name,
        "interests": profile.interests,
        "keywords": list(profile.keywords),
        "exclude": list(profile.exclude),
        "categories": list(profile.categories),
        "authors": list(profile.authors),
        "expanded": list(profile.expanded),
    }


# --- the votes that train radars ---------------------------------------------------------------


def set_feedback(session: Session, subscriber_id: int, paper_id: str, value: int, radar_id: int | None = None) -> None:
    """Record a like (+1) or dislike (-1) that trains radar ``radar_id`` (None: the first radar);
    value 0 removes it (undo). Idempotent."""
    if value not in (-1, 0, 1):
        raise SubscriberError("feedback is +1 (like), -1 (dislike) or 0 (undo)")
    row = session.exec(
        select(Feedback).where(Feedback.subscriber_id == subscriber_id, Feedback.paper_id == paper_id)
    ).first()
    if value == 0:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(Feedback(subscriber_id=subscriber_id, paper_id=paper_id, value=value, radar_id=radar_id))
    else:
        row.value, row.radar_id = value, radar_id
        session.add(row)
    session.commit()


def feedback_for(session: Session, subscriber_ids: list[int]) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = {}
    for i in range(0, len(subscriber_ids), 900):
        chunk = subscriber_ids[i : i + 900]
        for f in session.exec(select(Feedback).where(col(Feedback.subscriber_id).in_(chunk))):
            out.setdefault(f.subscriber_id, {})[f.paper_id] = f.value
    return out


def feedback_rows(session: Session, subscriber_ids: list[int]) -> list[Feedback]:
    """The readers' votes with the radar each one trains."""
    out: list[Feedback] = []
    for i in range(0, len(subscriber_ids), 900):
        out += session.exec(select(Feedback).where(col(Feedback.subscriber_id).in_(subscriber_ids[i : i + 900])))
    return out
