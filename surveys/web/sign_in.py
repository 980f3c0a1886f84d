"""Checking a staff member's e-mail and password, within the sign-in limits
(``surveys.web.sign_in_limits``): an unknown e-mail costs as long as a wrong password."""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.security import check_password_hash, generate_password_hash

from surveys.core.models import User
from surveys.extensions import db
from surveys.web import sign_in_limits

# Checked against when the e-mail is unknown, so that a wrong e-mail costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not a password", method="scrypt")


@dataclass(frozen=True)
class SignIn:
    """The account signed in (None: refused), or the seconds to wait before trying again."""

    user: User | None
    wait: int = 0


def sign_in(email: str, password: str, address: str) -> SignIn:
    email = email.strip().lower()
    user = db.session.execute(db.select(User).filter_by(email=email)).scalar_one_or_none()
    # Counted before the password is checked: a refused attempt checks nothing.
    attempt = sign_in_limits.begin(email, address, user)
    if attempt.wait:
        return SignIn(None, attempt.wait)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
    if user is not None and user.check_password(password):
        sign_in_limits.succeeded(attempt)
        if not user.session_token:
            user.new_session()
            db.session.commit()
        return SignIn(user)
    sign_in_limits.failed(attempt)
    return SignIn(None)


def sign_out(user: User) -> None:
    """Every copy of this user's session cookies stops working."""
    user.new_session()
    db.session.commit()
