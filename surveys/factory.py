"""The application factory: a list of ``configure_*`` steps."""

from __future__ import annotations

import hmac
import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, render_template, request, session
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from markupsafe import escape

from .config import configure_settings
from .extensions import babel, csrf, db, login_manager, migrate
from .field_markup import choices_markup
from .plugins import build_registry, call_each, make_plugin_manager
from .state import KEY, SurveysState

LOCALES = ("ru", "en")
MIGRATIONS = str(Path(__file__).parent / "migrations")


def create_app(config: dict[str, Any] | None = None, instance_path: str | None = None) -> Flask:
    """Build the application. ``config`` overrides ``SURVEYS_*`` environment settings.

    The instance folder (SQLite file, generated secret key) is ``instance_path``, else
    ``SURVEYS_INSTANCE_PATH``, else ``./instance`` in the working directory.
    """
    instance = instance_path or os.environ.get("SURVEYS_INSTANCE_PATH") or "instance"
    app = Flask("surveys", instance_path=os.path.abspath(instance))
    configure_settings(app, config)
    configure_database(app)
    configure_i18n(app)
    configure_security(app)
    configure_plugins(app)
    configure_blueprints(app)
    configure_commands(app)
    configure_errors(app)
    return app


def configure_database(app: Flask) -> None:
    from .core import models  # noqa: F401 - the models must be known before migrations

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS, render_as_batch=True)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            busy = int(app.config["SURVEYS_SQLITE_BUSY_MS"])
            sa.event.listen(db.engine, "connect", lambda connection, _record: _sqlite_pragmas(connection, busy))


def _sqlite_pragmas(dbapi_connection, busy_ms: int) -> None:
    """Write-ahead logging, so that a long read (a background export) never blocks answers being saved;
    a write waits up to ``busy_ms`` for another one to finish."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={busy_ms:d}")
    cursor.close()


def select_locale() -> str:
    """Russian unless the person chose English (the choice is kept in the session)."""
    chosen = session.get("lang") if request else None
    return chosen if chosen in LOCALES else current_app.config["BABEL_DEFAULT_LOCALE"]


def configure_i18n(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals["format_datetime"] = format_datetime
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["choices_markup"] = choices_markup


def configure_security(app: Flask) -> None:
    from .core.models import User

    csrf.init_app(app)
    login_manager.init_app(app)
    hops = app.config["SURVEYS_PROXY_HOPS"]
    if hops:  # behind reverse proxies, rate limits must see the client's address, not the proxy's
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None

    @login_manager.user_loader
    def load_user(user_id: str):
        """The user a session cookie names, while its session token is still theirs (``User.get_id``)."""
        number, _colon, token = user_id.partition(":")
        user = db.session.get(User, int(number)) if number.isdigit() else None
        if user is None or not user.session_token or not hmac.compare_digest(user.session_token, token):
            return None
        return user

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; form-action 'self'",
        )
        return response


def configure_plugins(app: Flask) -> None:
    pm = make_plugin_manager(app.config["SURVEYS_PLUGINS_PATH"])
    app.extensions[KEY] = SurveysState(pm=pm, registry=build_registry(pm))


def configure_blueprints(app: Flask) -> None:
    from . import api
    from .views import (
        auth,
        dashboard,
        exports,
        health,
        indicators,
        instrument_texts,
        instrument_upload,
        linking,
        open_link,
        paper,
        participant,
        people_import,
        slips,
        staff,
        staff_admin,
        staff_participation,
        staff_programmes,
        tracker,
    )

    for module in (
        auth,
        health,
        participant,
        open_link,
        staff,
        staff_participation,
        slips,
        staff_programmes,
        staff_admin,
        tracker,
        people_import,
        paper,
        instrument_texts,
        instrument_upload,
        linking,
        exports,
        indicators,
        dashboard,
    ):
        app.register_blueprint(module.bp)
    api.init_app(app)  # /api/v1 and its staff page of tokens (docs/api.md)
    pm = app.extensions[KEY].pm
    for plugin, blueprints in call_each(pm.hook.surveys_register_blueprints):
        for blueprint in blueprints or []:
            prefix = None if blueprint.url_prefix else f"/plugins/{plugin}"
            app.register_blueprint(blueprint, url_prefix=prefix)


def configure_commands(app: Flask) -> None:
    from .cli import register_commands

    register_commands(app.cli)
    app.extensions[KEY].pm.hook.surveys_register_commands(cli=app.cli)


def configure_errors(app: Flask) -> None:
    def page(code: int, message: str):
        return render_template("error.html", code=code, message=message), code

    messages = {
        CSRFError: (400, lambda: _("The form has expired. Go back, reload the page and try again.")),
        400: (400, lambda: _("The request could not be understood.")),
        403: (403, lambda: _("You do not have access to this page.")),
        404: (404, lambda: _("Page not found.")),
        405: (405, lambda: _("This action is not allowed here.")),
        413: (413, lambda: _("What you sent is too large. Shorten the longest answer and try again.")),
        500: (500, lambda: _("Something went wrong on our side. Your answers are saved.")),
    }
    for key, (code, message) in messages.items():
        app.register_error_handler(key, lambda e, code=code, message=message: page(code, message()))
    for kind in (sa.exc.OperationalError, sa.exc.InterfaceError):
        app.register_error_handler(kind, database_unavailable)


BUSY = _l(
    "The service is busy for a moment. What you sent before this page is saved. Wait a minute and reload the page."
)


def database_unavailable(error: Exception):
    """The database is restarting, unreachable or busy: a clean 503 that says to retry.

    Never the driver's message ("database is locked", "server closed the connection"). The page
    is built without templates: rendering one runs context processors that may need the database.
    """
    current_app.logger.warning("database unavailable: %s", error)
    try:
        db.session.rollback()
    except Exception:  # the connection is gone; the pool replaces it (pool_pre_ping)
        db.session.close()
    busy = (
        "The service is busy for a moment. What you sent before this page is saved. Wait a minute and reload the page."
    )
    message = escape(_(busy))
    title = escape(_("Try again in a minute"))
    html = (
        f'<!doctype html><html lang="{escape(str(get_locale() or "ru"))}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title></head>'
        f"<body><main><h1>{title}</h1><p>{message}</p></main></body></html>"
    )
    return html, 503, {"Retry-After": "5", "Cache-Control": "no-store"}
