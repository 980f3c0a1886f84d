"""Sign-in throttling that protects an account without locking its owner out.

Every attempt first counts itself, atomically and committed, before any password is checked, and
is refused unchecked when a count it got is over its limit (``SURVEYS_LOGIN_WINDOW`` seconds each):

- per client address: ``SURVEYS_LOGIN_IP_LIMIT`` attempts, whatever the e-mails;
- per e-mail and client address: ``SURVEYS_LOGIN_LIMIT`` attempts.

A successful sign-in takes its counts back, so only failures (and refused attempts) use them up.
Nothing is counted per e-mail alone, so nobody can lock a colleague out by knowing the address.
Instead an e-mail's failures, from anywhere, slow down the addresses that already failed for it:
such an address waits 2^n seconds after its own last failure (n: the e-mail's failures in the
window), at most ``SURVEYS_LOGIN_MAX_DELAY``. An address that never failed for the e-mail is not
slowed, so the owner signs in from their own desk while someone elsewhere guesses.

Failures are written to the audit log in each organisation of the account (with the client
address, never the password); refusals too, but only the first per window and refusing key, so
that hammering cannot fill the table. Keys hold digests: neither e-mails nor addresses of any
length reach the throttle table.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass, field

from flask import current_app

from surveys import throttle
from surveys.audit import record_outside_session
from surveys.core.models import User


def _digest(*parts: str) -> str:
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()


@dataclass
class Attempt:
    """One sign-in attempt: ``wait`` > 0 when it is refused (seconds until it may be tried again)."""

    email: str
    address: str
    user: User | None
    wait: int = 0
    counted: list[str] = field(default_factory=list)

    @property
    def keys(self) -> dict[str, str]:
        pair = _digest(self.email, self.address)
        return {
            "address": f"login-ip:{_digest(self.address)}",
            "pair": f"login:{pair}",
            "email": f"login-fails:{_digest(self.email)}",
            "last": f"login-last:{pair}",
        }


def delay(failures: int) -> int:
    """Seconds an address that failed for an e-mail waits after its last failure, given the
    e-mail's failures in the window."""
    if failures <= 0:
        return 0
    return min(2 ** min(failures, 30), current_app.config["SURVEYS_LOGIN_MAX_DELAY"])


def begin(email: str, address: str, user: User | None) -> Attempt:
    """Count the attempt before its password is checked; refuse it (``wait``) if it must wait."""
    config = current_app.config
    window = config["SURVEYS_LOGIN_WINDOW"]
    attempt = Attempt(email, address, user)
    keys = attempt.keys
    now = throttle.utcnow()
    last = throttle.stamped(keys["last"])
    if last is not None:
        until = last + dt.timedelta(seconds=delay(throttle.count(keys["email"], window, now)))
        if until > now:
            return _refuse(attempt, keys["last"], "delay", math.ceil((until - now).total_seconds()))
    # The address first: an address over its limit then counts nothing more, whatever e-mails it tries.
    for name, limit in (("address", config["SURVEYS_LOGIN_IP_LIMIT"]), ("pair", config["SURVEYS_LOGIN_LIMIT"])):
        if throttle.hit(keys[name], window) > limit:
            return _refuse(attempt, keys[name], name, throttle.remaining(window))
        attempt.counted.append(keys[name])
    return attempt


def succeeded(attempt: Attempt) -> None:
    """The password was right: the attempt counts as no failure."""
    window = current_app.config["SURVEYS_LOGIN_WINDOW"]
    for key in attempt.counted:
        throttle.undo(key, window)
    throttle.forget(attempt.keys["last"])


def failed(attempt: Attempt) -> None:
    """The e-mail or the password was wrong: slow the e-mail down and audit the failure."""
    keys = attempt.keys
    throttle.hit(keys["email"], current_app.config["SURVEYS_LOGIN_WINDOW"])
    throttle.stamp(keys["last"])
    _audit(attempt, "sign_in.failed")


def _refuse(attempt: Attempt, key: str, reason: str, wait: int) -> Attempt:
    attempt.wait = max(1, wait)
    if throttle.hit(f"login-refused:{key}", current_app.config["SURVEYS_LOGIN_WINDOW"]) == 1:
        _audit(attempt, "sign_in.refused", reason=reason, retry_after=attempt.wait)
    return attempt


def _audit(attempt: Attempt, action: str, **details) -> None:
    """In each organisation of the account; for an unknown e-mail, one event outside every
    organisation, without the e-mail typed (it may be a password typed in the wrong field)."""
    user = attempt.user
    if user is None:
        record_outside_session(action, "user:unknown", [None], address=attempt.address, **details)
        return
    organisations = sorted({m.organisation_id for m in user.memberships}) or [None]
    target = f"user:{user.id}"
    record_outside_session(action, target, organisations, email=user.email, address=attempt.address, **details)
