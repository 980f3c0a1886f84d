"""Staff sign-in and sign-out, and the language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import EmailField, PasswordField
from wtforms.validators import InputRequired, Length

from .. import throttle
from ..core.models import User
from ..extensions import db

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[InputRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=200)])


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("staff.index")


# Checked against when the e-mail is unknown, so that a wrong e-mail costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not a password", method="scrypt")


def _login_keys(email: str) -> list[tuple[str, int]]:
    """The failure counters a sign-in attempt is checked against, with their limits."""
    config = current_app.config
    address = request.remote_addr or "unknown"
    return [
        (f"login:{email}", config["SURVEYS_LOGIN_LIMIT"]),
        (f"login-ip:{address}", config["SURVEYS_LOGIN_IP_LIMIT"]),
    ]


def _fresh_session() -> None:
    """Start the signed-in session from nothing but the chosen language: whatever the cookie held
    before (e.g. a CSRF token known to someone who planted the cookie) does not carry over."""
    language = session.get("lang")
    session.clear()
    g.pop("csrf_token", None)  # Flask-WTF's token cached for this request belonged to the old session
    if language:
        session["lang"] = language


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        window = current_app.config["SURVEYS_LOGIN_WINDOW"]
        keys = _login_keys(email)
        if any(throttle.exceeded(key, limit, window) for key, limit in keys):
            minutes = max(1, window // 60)
            form.password.errors.append(
                _("Too many failed sign-ins. Wait %(minutes)s minutes and try again.", minutes=minutes)
            )
            return render_template("auth/login.html", form=form), 429
        user = db.session.execute(db.select(User).filter_by(email=email)).scalar_one_or_none()
        if user is None:
            check_password_hash(_DUMMY_HASH, form.password.data)
        if user is not None and user.check_password(form.password.data):
            if not user.session_token:
                user.new_session()
                db.session.commit()
            _fresh_session()
            login_user(user)
            session["organisation_id"] = None
            return redirect(_safe_next(request.args.get("next")))
        for key, _limit in keys:
            throttle.hit(key, window)
        form.password.errors.append(_("Wrong e-mail or password."))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    current_user.new_session()  # every copy of this user's session cookies stops working
    db.session.commit()
    logout_user()
    flash(_("You have signed out."))
    return redirect(url_for("auth.login"))


@bp.get("/lang/<code>")
def language(code: str):
    if code in ("ru", "en"):
        session["lang"] = code
    return redirect(_safe_next(request.args.get("next")))


@bp.get("/")
def home():
    return redirect(url_for("staff.index"))
