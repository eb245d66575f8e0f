"""Signed, purpose-scoped, expiring tokens for the links in every email (itsdangerous).

One salt per purpose, so a token made for one purpose is useless for another; an expiry per purpose
(unsubscribe links never expire, RFC 8058 wants them to keep working); key rotation: the first key
signs, every key verifies. ``verify`` never raises: it says ok, expired or invalid.

A link made for a reader carries their id and their random link key (``link_payload``); ``named_reader``
finds the reader only if the key matches, so a link dies with its reader: a new subscriber who gets a
deleted reader's id (SQLite reuses ids) has another key.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, Signer, TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import want_bytes
from sqlmodel import Session

from academichub.clock import SYSTEM_CLOCK, Clock
from subscribers.models import LEGACY_KEY_PREFIX, Subscriber

DAY = 86400
PURPOSES: dict[str, int | None] = {
    "preferences": 30 * DAY,
    # Never expires: the List-Unsubscribe one-click must work for as long as the email exists (RFC
    # 8058; mailbox providers and the law want it to). It dies with the reader instead (link key).
    "unsubscribe": None,
    "feedback": 60 * DAY,
    "confirm": 7 * DAY,
    "view": 90 * DAY,
    "csrf": DAY,  # the preference form's anti-forgery token, bound to a cookie
    "feed": None,  # a reader's personal feed URL (revoked by rotating keys)
    "rate": 2 * DAY,  # the papers a "rate ten papers" page offered (web/onboard.py): only those can be rated
}


@dataclass(frozen=True, slots=True)
class Verified:
    status: str  # ok, expired, invalid
    payload: dict | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def _signer_on(clock: Clock) -> type[TimestampSigner]:
    """itsdangerous' timestamp signer reading ``clock`` (when a token is made, and how old it is), with
    each key derived once per signer (itsdangerous derives it again for every token: a hash per link)."""

    class ClockSigner(TimestampSigner):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._derived: dict[bytes, bytes] = {}

        def get_timestamp(self) -> int:
            return clock.timestamp()

        def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
            key = self.secret_keys[-1] if secret_key is None else want_bytes(secret_key)
            derived = self._derived.get(key)
            if derived is None:
                derived = self._derived[key] = super().derive_key(key)
            return derived

    return ClockSigner


class _Serializer(URLSafeTimedSerializer):
    """A serializer that makes its signer once per salt: itsdangerous makes a new one for every token,
    and a signer holds nothing that changes (the time is read when a token is signed or checked)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._signers: dict[str | bytes | None, Signer] = {}

    def make_signer(self, salt: str | bytes | None = None) -> Signer:
        signer = self._signers.get(salt)
        if signer is None:
            signer = self._signers[salt] = super().make_signer(salt)
        return signer


class Tokens:
    def __init__(self, keys: list[str], *, clock: Clock = SYSTEM_CLOCK):
        if not keys or not all(keys):
            raise ValueError("at least one non-empty signing key is needed")
        # itsdangerous signs with the last key of the list and verifies with all of them.
        signer = _signer_on(clock)
        self._serializers = {
            purpose: _Serializer(list(reversed(keys)), salt=f"academichub.{purpose}", signer=signer)
            for purpose in PURPOSES
        }

    def sign(self, purpose: str, payload: dict) -> str:
        return self._serializers[purpose].dumps(payload)

    def verify(self, purpose: str, token: str) -> Verified:
        serializer = self._serializers.get(purpose)
        if serializer is None or not token:
            return Verified("invalid")
        try:
            payload = serializer.loads(token, max_age=PURPOSES[purpose])
        except SignatureExpired:
            try:  # the signature is good, only old: say whose it was (to offer a fresh link)
                payload = serializer.loads(token)
            except BadSignature:
                payload = None
            return Verified("expired", payload if isinstance(payload, dict) else None)
        except BadSignature:
            return Verified("invalid")
        return Verified("ok", payload) if isinstance(payload, dict) else Verified("invalid")


def tokens_from(settings) -> Tokens:
    return Tokens(settings.signing_keys(), clock=settings.clock)


def link_payload(sub: Subscriber, **extra: str) -> dict:
    """What a link made for ``sub`` signs: who (id) and their link key, plus ``extra`` (e.g. a day)."""
    return {"s": sub.key, "k": sub.link_key, **extra}


def named_reader(session: Session, payload: dict | None) -> Subscriber | None:
    """The reader a verified link was made for, or None: no such id, or the id now belongs to someone
    else (another link key). A link without a key (signed before link keys existed) is accepted only
    for the readers who were stored then (their key is marked legacy)."""
    payload = payload or {}
    sid = payload.get("s")
    if not isinstance(sid, int) or isinstance(sid, bool):
        return None
    sub = session.get(Subscriber, sid)
    if sub is None or not sub.link_key:
        return None
    key = payload.get("k")
    if key is None:
        return sub if sub.link_key.startswith(LEGACY_KEY_PREFIX) else None
    if not isinstance(key, str) or not secrets.compare_digest(key.encode(), sub.link_key.encode()):
        return None
    return sub
