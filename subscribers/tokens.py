"""Signed, purpose-scoped, expiring tokens for the links in every email (itsdangerous).

One salt per purpose, so a token made for one purpose is useless for another; an expiry per purpose
(unsubscribe links never expire, RFC 8058 wants them to keep working); key rotation: the first key
signs, every key verifies. ``verify`` never raises: it says ok, expired or invalid.
"""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from academichub.clock import SYSTEM_CLOCK, Clock

DAY = 86400
PURPOSES: dict[str, int | None] = {
    "preferences": 30 * DAY,
    "unsubscribe": None,
    "feedback": 60 * DAY,
    "confirm": 7 * DAY,
    "view": 90 * DAY,
    "csrf": DAY,  # the preference form's anti-forgery token, bound to a cookie
    "feed": None,  # a reader's personal feed URL (revoked by rotating keys)
}


@dataclass(frozen=True, slots=True)
class Verified:
    status: str  # ok, expired, invalid
    payload: dict | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def _signer_on(clock: Clock) -> type[TimestampSigner]:
    """itsdangerous' timestamp signer reading ``clock`` (when a token is made, and how old it is)."""

    class ClockSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return clock.timestamp()

    return ClockSigner


class Tokens:
    def __init__(self, keys: list[str], *, clock: Clock = SYSTEM_CLOCK):
        if not keys or not all(keys):
            raise ValueError("at least one non-empty signing key is needed")
        # itsdangerous signs with the last key of the list and verifies with all of them.
        signer = _signer_on(clock)
        self._serializers = {
            purpose: URLSafeTimedSerializer(list(reversed(keys)), salt=f"academichub.{purpose}", signer=signer)
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
