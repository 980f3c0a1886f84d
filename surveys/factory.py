"""The application factory: a list of ``configure_*`` steps."""

from __future__ import annotations

import contextlib
import hmac
import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, render_template, request, session
from flask_babel import format_datetime, format_decimal, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.exceptions import RequestEntityTooLarge

from surveys.participation.field_markup import choices_markup, keyed_matrix, scale_key
from surveys.web.ids import IdConverter
from surveys.web.labels import labels
from surveys.web.proxies import configure_proxies

from .config import configure_settings
from .extensions import babel, csrf, db, login_manager, migrate
from .plugins import build_registry, call_each, make_plugin_manager
from .state import KEY, SurveysState

LOCALES = ("ru", "en")
PROBLEMS_SHOWN = 200  # problems of an imported file listed on a page; the rest are only counted
MIGRATIONS = str(Path(__file__).parent / "migrations")


def create_app(config: dict[str, Any] | None = None, instance_path: str | None = None) -> Flask:
    """Build the application. ``config`` overrides ``SURVEYS_*`` environment settings.

    The instance folder (SQLite file, generated secret key) is ``instance_path``, else
    ``SURVEYS_INSTANCE_PATH``, else ``./instance`` in the working directory.
    """
    instance = instance_path or os.environ.get("SURVEYS_INSTANCE_PATH") or "instance"
    # The shared templates and static files are the web layer's; each feature's blueprints add its own.
    app = Flask(
        "surveys",
        instance_path=os.path.abspath(instance),
        template_folder="web/templates",
        static_folder="web/static",
    )
    configure_settings(app, config)
    configure_limits(app)
    configure_database(app)
    configure_i18n(app)
    configure_security(app)
    configure_plugins(app)
    configure_blueprints(app)
    configure_commands(app)
    configure_errors(app)
    return app


def configure_limits(app: Flask) -> None:
    """Limits on every request, set before any blueprint adds a rule.

    - ids: the ``int`` of every URL rule takes only numbers an id column can hold (``surveys/ids.py``);
    - size: a request whose declared length is past ``MAX_CONTENT_LENGTH`` (``SURVEYS_MAX_REQUEST_BYTES``)
      gets 413 before anything reads its body. One without a route is left to the 404 it gets anyway.
    """
    app.url_map.converters["int"] = IdConverter

    @app.before_request
    def refuse_large_bodies():
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        if limit and (request.content_length or 0) > limit and request.routing_exception is None:
            raise RequestEntityTooLarge()


def configure_database(app: Flask) -> None:
    # Every table must be known before migrations and before the first query: the models live in
    # several modules of the core (each imports ``models``, never the other way round).
    from .core import (  # noqa: F401
        api_models,
        export_models,
        instrument_models,
        log_models,
        models,
        report_models,
        staff_models,
    )

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS, render_as_batch=True)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            private_sqlite_file(db.engine.url.database)
            busy = int(app.config["SURVEYS_SQLITE_BUSY_MS"])
            sa.event.listen(db.engine, "connect", lambda connection, _record: _sqlite_pragmas(connection, busy))


def private_sqlite_file(database: str | None) -> None:
    """Create the SQLite file readable by the server's account only, before SQLite does (it would use 0644);
    SQLite gives its -wal and -shm files the database file's mode, so they are private too."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    with contextlib.suppress(FileExistsError, FileNotFoundError):  # there already, or no such folder
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


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
    app.jinja_env.filters["decimal"] = format_decimal  # «3,5» in Russian, «3.5» in English
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["choices_markup"] = choices_markup
    app.jinja_env.globals.update(keyed_matrix=keyed_matrix, scale_key=scale_key)  # matrices answered against a key
    app.jinja_env.globals["PROBLEMS_SHOWN"] = PROBLEMS_SHOWN
    app.context_processor(labels)


def configure_security(app: Flask) -> None:
    from .core.models import User

    csrf.init_app(app)
    login_manager.init_app(app)
    configure_proxies(app)  # behind reverse proxies, rate limits must see the client's address, not the proxy's
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
    from surveys.exports.pages import exports
    from surveys.instruments.pages import texts as instrument_texts
    from surveys.instruments.pages import upload as instrument_upload
    from surveys.participation.pages import (
        made_links,
        open_link,
        slips,
    )
    from surveys.participation.pages import (
        personal_link as participant,
    )
    from surveys.participation.pages import preview as instrument_preview
    from surveys.participation.pages import (
        staff as staff_participation,
    )
    from surveys.reporting.pages import dashboard, indicators
    from surveys.transfer.pages import paper
    from surveys.web import auth, health
    from surveys.workspace.pages import (
        campaign_questionnaires,
        carry_over,
        erasure,
        linking,
        manage,
        pairs,
        participant_editing,
        people_import,
        tracker,
    )
    from surveys.workspace.pages import (
        campaigns as staff,
    )
    from surveys.workspace.pages import (
        members as staff_members,
    )
    from surveys.workspace.pages import (
        organisations as staff_admin,
    )
    from surveys.workspace.pages import (
        programmes as staff_programmes,
    )

    from . import api

    for module in (
        auth,
        health,
        participant,
        open_link,
        staff,
        staff_participation,
        slips,
        made_links,
        staff_programmes,
        carry_over,
        manage,
        staff_admin,
        staff_members,
        tracker,
        people_import,
        erasure,
        pairs,
        paper,
        instrument_texts,
        instrument_upload,
        instrument_preview,
        linking,
        campaign_questionnaires,
        participant_editing,
        exports,
        indicators,
        dashboard,
    ):
        app.register_blueprint(module.bp)
    app.register_blueprint(staff_members.join_bp)  # /join/<link>: where an invited person accepts
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
        413: (413, too_large),
        500: (500, lambda: _("Something went wrong on our side. Your answers are saved.")),
    }
    for key, (code, message) in messages.items():
        app.register_error_handler(key, lambda e, code=code, message=message: page(code, message()))
    # A conflict says what it is (e.g. an archived campaign that cannot be changed): its own message.
    app.register_error_handler(409, lambda e: page(409, e.description))
    for kind in (sa.exc.OperationalError, sa.exc.InterfaceError):
        app.register_error_handler(kind, database_unavailable)


def too_large() -> str:
    """What a 413 page says: the request was past the site's limit, or a page of answers was too long."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit and (request.content_length or 0) > limit:
        return _(
            "What you sent is larger than %(size)s MB, the most this site accepts at once. Send a smaller file.",
            size=f"{limit / 2**20:g}",
        )
    return _("What you sent is too large. Shorten the longest answer and try again.")


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
