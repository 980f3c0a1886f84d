"""Staff sign-in and sign-out, and the language switch."""

from __future__ import annotations

import math
from urllib.parse import urlsplit

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import InputRequired, Length

from surveys.web.sign_in import sign_in, sign_out

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[InputRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=200)])


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("staff.index")


def _wait_message(seconds: int) -> str:
    if seconds < 60:
        return _("Too many failed sign-ins. Wait %(seconds)s seconds and try again.", seconds=seconds)
    return _("Too many failed sign-ins. Wait %(minutes)s minutes and try again.", minutes=math.ceil(seconds / 60))


def fresh_session() -> None:
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
        attempt = sign_in(form.email.data, form.password.data, request.remote_addr or "unknown")
        if attempt.wait:
            form.password.errors.append(_wait_message(attempt.wait))
            return render_template("auth/login.html", form=form), 429, {"Retry-After": str(attempt.wait)}
        if attempt.user is not None:
            fresh_session()
            login_user(attempt.user)
            session["organisation_id"] = None
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append(_("Wrong e-mail or password."))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    sign_out(current_user)
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
